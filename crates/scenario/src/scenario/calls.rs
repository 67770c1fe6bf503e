//! The calls of a request's call phase (`calls: [...]`), and the kinds of call services
//! register.
//!
//! A call is a mapping whose one call field says what it calls: `database` and `cache` are
//! the built-in kind ([`RawDatabaseCall`]); any other is registered by a service key that
//! implements [`CallKey`] in its own module and is marked `[CallKey]` in `raw_scenario!`
//! (DynamoDB's `table`, NAT's `external`). Decoding a call ([`RawCall`]) only finds its field
//! among the known ones (none, or two, is a problem listing them all); the kind decodes the
//! whole entry with its own struct (`deny_unknown_fields`) when the calls are resolved, so
//! its problems keep their full field paths, and resolves it into what its calls keep
//! (`CallKey::Call`, gathered per kind in `raw::ServiceCalls`); the call's target is a
//! `model::database::CallTarget::Service` naming the kind and the entry. The JSON Schema of
//! a call is the `anyOf` of the kinds' schemas.

use super::raw::{CALL_FIELDS, RawDist, RawScenario};
use super::resolve::Ctx;
use super::units::Bytes;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;

/// A kind of call a service registers: a top-level key whose entries requests call as
/// `{FIELD: NAME, ...}` (see the module docs).
pub trait CallKey {
    /// The call's field, the model's constant (`model::dynamodb::CALL`): the simulator's
    /// `sim::calls::CallKind` of the same field makes the calls.
    const FIELD: &'static str;
    /// Whether a cache call's `on_miss` read may be of this kind.
    const MISS_READ: bool;
    /// The entry as written, its field among its own (`deny_unknown_fields`).
    type Raw: DeserializeOwned + JsonSchema;
    /// What the simulator reads of a resolved call (`Resilience::service_calls`).
    type Call: Clone + std::fmt::Debug;
    /// Resolves the entry `raw` at `path` against the key's own entries (`self`) and the
    /// scenario, reporting every problem through `ctx`: what its calls keep, and the bytes
    /// a call moves.
    fn resolve_call(
        &self,
        ctx: &mut Ctx,
        path: &str,
        raw: &Self::Raw,
        scenario: &RawScenario,
    ) -> Option<(Self::Call, u64)>;
}

/// Bytes a call moves, request and answer together, when the scenario does not say.
pub const DEFAULT_CALL_BYTES: u64 = 2048;

/// The built-in kind's fields (databases and caches, `CallTarget::Database`).
pub const BUILT_IN: [&str; 2] = ["database", "cache"];

/// A call as written: its kind (its call field) and the whole entry, decoded by the kind.
/// A call naming no kind or two keeps its problem, reported when the calls are resolved,
/// so that one bad call does not hide the problems of the others.
#[derive(Debug, Clone)]
pub struct RawCall {
    kind: Result<&'static str, String>,
    pub entry: serde_json::Value,
}

/// `database` or `cache` calls: the built-in kind.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDatabaseCall {
    /// A database (`databases`).
    pub database: Option<String>,
    /// A cache (`caches`): a hit answers in place of the call after it.
    pub cache: Option<String>,
    /// The call's time at the database or cache.
    pub work: Option<RawDist>,
    /// Bytes a call moves, request and answer together (default 2KB); billed as inter-AZ
    /// data transfer when the calling instance is not in the AZ of the primary.
    pub bytes: Option<Bytes>,
    /// A cache call's read on a miss (cache-aside): a `database` call, or a registered kind
    /// that can be one (`table`), made when the lookup misses, skipped when it hits.
    pub on_miss: Option<Box<RawCall>>,
}

/// Every call field, the built-in ones first, in backquotes: "`database`, `cache`, ... or
/// `external`".
fn known() -> String {
    let all: Vec<String> = (BUILT_IN.iter().chain(CALL_FIELDS))
        .map(|f| format!("`{f}`"))
        .collect();
    match all.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => all.concat(),
    }
}

impl<'de> Deserialize<'de> for RawCall {
    /// Finds the call's one field among the known kinds; the kind decodes the entry when it
    /// is resolved (`RawScenario::resolve_service_call`, `RawDatabaseCall`).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let entry = serde_json::Value::deserialize(d)?;
        let kind = match entry.as_object() {
            None => Err(format!(
                "expected a call, a mapping with one of {}",
                known()
            )),
            Some(map) => {
                let mut fields =
                    (BUILT_IN.iter().chain(CALL_FIELDS)).filter(|f| map.contains_key(**f));
                match (fields.next(), fields.next()) {
                    (Some(kind), None) => Ok(*kind),
                    (None, _) => Err(format!("expected one of {}: what the call calls", known())),
                    (Some(a), Some(b)) => Err(format!(
                        "expected exactly one of {}, got `{a}` and `{b}`",
                        known()
                    )),
                }
            }
        };
        Ok(RawCall { kind, entry })
    }
}

impl JsonSchema for RawCall {
    fn schema_name() -> Cow<'static, str> {
        "Call".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let mut kinds = vec![g.subschema_for::<RawDatabaseCall>()];
        kinds.extend(RawScenario::call_schemas(g));
        json_schema!({
            "description": "A call: `{database: NAME, work}`, `{cache: NAME, work, on_miss}`, or a kind a service registers (`{table: NAME, reads, writes}`, `{external: NAME}`).",
            "anyOf": kinds,
        })
    }
}

impl RawCall {
    /// Its kind (its call field), or `None` with the problem of a call that names none or
    /// two reported at `path`.
    pub(super) fn kind(&self, ctx: &mut Ctx, path: &str) -> Option<&'static str> {
        match &self.kind {
            Ok(kind) => Some(kind),
            Err(problem) => {
                ctx.err(path, problem.clone());
                None
            }
        }
    }

    /// Its kind's field when it names exactly one.
    pub fn field(&self) -> Option<&'static str> {
        self.kind.as_ref().ok().copied()
    }

    /// Decodes a built-in call (`database` or `cache`), reporting its problems at `path`.
    pub(super) fn built_in(&self, ctx: &mut Ctx, path: &str) -> Option<RawDatabaseCall> {
        super::load::field(self.entry.clone(), path, ctx.problems)
    }
}
