//! ALB listener rules in the scenario file: their conditions (path, host, HTTP headers,
//! methods, query strings, source IPs) and actions (forward to one target group or weighted
//! ones, optionally sticky; a fixed response; a redirect: `alb_actions`), and their
//! validation into the model's `Rule`s (AWS's rules are cited in `model::alb` and
//! `model::rules`).

use super::alb_actions::{
    RawFixedResponse, RawRedirect, RawStickiness, resolve_fixed_response, resolve_redirect,
    resolve_stickiness,
};
use super::resolve::{Ctx, reference};
use crate::ids::TgId;
use crate::model::alb::{
    Action, Forward, MAX_TARGET_GROUP_WEIGHT, MAX_WEIGHTED_TARGET_GROUPS, Rule,
};
use crate::model::rules::{Cidr, HeaderCondition, Pattern, QueryCondition};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The condition values ("match evaluations") a rule may hold in all, and one condition
/// (AWS, "Condition types for listener rules": 5 per rule, 3 per condition).
pub const MAX_CONDITION_VALUES: usize = 5;
pub const MAX_VALUES_PER_CONDITION: usize = 3;

/// A listener rule: conditions and where matching requests go, or the default rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub path: Option<String>,
    pub host: Option<String>,
    /// HTTP methods, any of which matches (exact, e.g. `[GET, HEAD]`).
    pub method: Option<RawStrings>,
    /// HTTP headers: each named header must have a value matching one of its patterns
    /// (case-insensitive, `*` and `?`), e.g. `{User-Agent: ["*Mobile*"]}`.
    pub http_header: Option<BTreeMap<String, RawStrings>>,
    /// Query-string pairs, any of which matches: `key=value` or `value` (any key), with
    /// wildcards.
    pub query_string: Option<RawStrings>,
    /// Client address blocks (CIDR), any of which matches.
    pub source_ip: Option<RawStrings>,
    /// Where matching requests go: a target group, or weighted target groups
    /// (`{blue: 95, green: 5}`).
    pub target_group: Option<RawForwardTo>,
    /// The load balancer answers matching requests itself: `{status: 404, content_type:
    /// text/plain, body: "..."}`.
    pub fixed_response: Option<RawFixedResponse>,
    /// The load balancer redirects matching requests: `{status: 301, protocol: HTTPS}`.
    pub redirect: Option<RawRedirect>,
    /// Target-group stickiness of the forward action (`target_group` or `default`):
    /// `{duration: 1h}`.
    pub stickiness: Option<RawStickiness>,
    /// The default action: forward everything else to this target group (or weighted ones),
    /// or `{fixed_response: {...}}`, or `{redirect: {...}}`.
    pub default: Option<RawForwardTo>,
}

impl RawRule {
    /// Whether the rule has any condition.
    fn has_condition(&self) -> bool {
        self.path.is_some()
            || self.host.is_some()
            || self.method.is_some()
            || self.http_header.is_some()
            || self.query_string.is_some()
            || self.source_ip.is_some()
    }
}

/// One string or a list of them.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawStrings {
    One(String),
    Many(Vec<String>),
}

impl RawStrings {
    fn list(&self) -> Vec<&str> {
        match self {
            RawStrings::One(s) => vec![s.as_str()],
            RawStrings::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// A forward action as written: one target group's name, or a mapping of target group names to
/// weights (0-999, at most 5 target groups); as a default action, also `{fixed_response:
/// {...}}` or `{redirect: {...}}` (target group names have no `_`, so neither is a name).
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum RawForwardTo {
    One(String),
    Weighted(BTreeMap<String, u32>),
    FixedResponse { fixed_response: RawFixedResponse },
    Redirect { redirect: RawRedirect },
}

impl RawForwardTo {
    /// The target groups named.
    pub fn names(&self) -> Vec<&str> {
        match self {
            RawForwardTo::One(n) => vec![n.as_str()],
            RawForwardTo::Weighted(w) => w.keys().map(String::as_str).collect(),
            RawForwardTo::FixedResponse { .. } | RawForwardTo::Redirect { .. } => Vec::new(),
        }
    }
}

impl<'de> Deserialize<'de> for RawForwardTo {
    /// A string is one target group; a mapping gives weights. Decoded by hand (not
    /// `untagged`) for a clear error.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        let expected = "expected a target group name, or a mapping of target group names to \
                        weights (e.g. `{blue: 95, green: 5}`)";
        let own = |key: &str| value.as_object().is_some_and(|m| m.contains_key(key));
        if own("fixed_response") || own("redirect") {
            let (key, inner) = value
                .as_object()
                .and_then(|m| m.iter().next())
                .map(|(k, v)| (k.clone(), v.clone()))
                .unwrap_or_default();
            if value.as_object().is_some_and(|m| m.len() != 1) {
                return Err(D::Error::custom(
                    "expected one of `{fixed_response: {...}}` or `{redirect: {...}}` alone",
                ));
            }
            let err = |e: serde_json::Error| D::Error::custom(format!("{key}: {e}"));
            return match key.as_str() {
                "fixed_response" => RawFixedResponse::deserialize(inner)
                    .map(|f| RawForwardTo::FixedResponse { fixed_response: f })
                    .map_err(err),
                _ => RawRedirect::deserialize(inner)
                    .map(|r| RawForwardTo::Redirect { redirect: r })
                    .map_err(err),
            };
        }
        match value {
            serde_json::Value::String(n) => Ok(RawForwardTo::One(n)),
            serde_json::Value::Object(_) => BTreeMap::<String, u32>::deserialize(value)
                .map(RawForwardTo::Weighted)
                .map_err(|e| D::Error::custom(format!("{expected}: {e}"))),
            other => Err(D::Error::custom(format!("{expected}, got {other}"))),
        }
    }
}

/// A listener's rules: the conditional ones, in order, and the default action (`None` when it
/// is missing or broken; every problem is reported).
pub(super) fn resolve_rules(
    ctx: &mut Ctx,
    path: &str,
    raw: &[RawRule],
    tgs: &BTreeMap<String, TgId>,
) -> (Vec<Rule>, Option<Action>) {
    let mut rules = Vec::new();
    let mut default = None;
    for (i, r) in raw.iter().enumerate() {
        let rpath = format!("{path}.rules[{i}]");
        if let Some(d) = &r.default {
            if r.has_condition()
                || r.target_group.is_some()
                || r.fixed_response.is_some()
                || r.redirect.is_some()
            {
                ctx.err(
                    &rpath,
                    "a default rule has only `default: ACTION` (and `stickiness`)",
                );
            }
            if i + 1 != raw.len() {
                ctx.err(&rpath, "the default rule must be the last rule");
            }
            default = resolve_action(ctx, &rpath, "default", d, r.stickiness.as_ref(), tgs);
            continue;
        }
        let actions: Vec<(&str, RawAction)> = [
            ("target_group", r.target_group.as_ref().map(RawAction::To)),
            (
                "fixed_response",
                r.fixed_response.as_ref().map(RawAction::Fixed),
            ),
            ("redirect", r.redirect.as_ref().map(RawAction::Redirect)),
        ]
        .into_iter()
        .filter_map(|(k, a)| a.map(|a| (k, a)))
        .collect();
        let [(key, action)] = actions.as_slice() else {
            ctx.err(
                &rpath,
                "expected one action: `target_group`, `fixed_response` or `redirect` (with \
                 `path` and/or `host`), or `default`",
            );
            continue;
        };
        if !r.has_condition() {
            ctx.err(
                &rpath,
                "a rule needs a condition: `path` and/or `host` (or `method`, `http_header`, \
                 `query_string`, `source_ip`)",
            );
        }
        let conditions = resolve_conditions(ctx, &rpath, r);
        let action = match *action {
            RawAction::To(to) => resolve_action(ctx, &rpath, key, to, r.stickiness.as_ref(), tgs),
            RawAction::Fixed(f) => {
                no_stickiness(ctx, &rpath, r.stickiness.is_some());
                resolve_fixed_response(ctx, &format!("{rpath}.{key}"), f).map(Action::FixedResponse)
            }
            RawAction::Redirect(x) => {
                no_stickiness(ctx, &rpath, r.stickiness.is_some());
                resolve_redirect(ctx, &format!("{rpath}.{key}"), x).map(Action::Redirect)
            }
        };
        if let (Some(rule), Some(action)) = (conditions, action) {
            rules.push(Rule { action, ..rule });
        }
    }
    // Every listener has a default rule, evaluated last (ALB listener rules).
    if raw.iter().all(|r| r.default.is_none()) {
        ctx.err(
            &format!("{path}.rules"),
            "a listener needs a default rule, evaluated last: add `- {default: TARGET_GROUP}` as the last rule",
        );
    }
    (rules, default)
}

/// A rule's action as written.
#[derive(Clone, Copy)]
enum RawAction<'a> {
    To(&'a RawForwardTo),
    Fixed(&'a RawFixedResponse),
    Redirect(&'a RawRedirect),
}

fn no_stickiness(ctx: &mut Ctx, rpath: &str, given: bool) {
    if given {
        ctx.err(
            &format!("{rpath}.stickiness"),
            "target-group stickiness applies to a forward action (`target_group` or `default`)",
        );
    }
}

/// The action of `key` (`target_group` or `default`): a forward, with its stickiness, or
/// (written as `{fixed_response: ...}` / `{redirect: ...}`) the load balancer's own answer.
fn resolve_action(
    ctx: &mut Ctx,
    rpath: &str,
    key: &str,
    to: &RawForwardTo,
    stickiness: Option<&RawStickiness>,
    tgs: &BTreeMap<String, TgId>,
) -> Option<Action> {
    let at = format!("{rpath}.{key}");
    match to {
        RawForwardTo::FixedResponse { fixed_response } => {
            no_stickiness(ctx, rpath, stickiness.is_some());
            resolve_fixed_response(ctx, &format!("{at}.fixed_response"), fixed_response)
                .map(Action::FixedResponse)
        }
        RawForwardTo::Redirect { redirect } => {
            no_stickiness(ctx, rpath, stickiness.is_some());
            resolve_redirect(ctx, &format!("{at}.redirect"), redirect).map(Action::Redirect)
        }
        RawForwardTo::One(_) | RawForwardTo::Weighted(_) => {
            let sticky = resolve_stickiness(ctx, &format!("{rpath}.stickiness"), stickiness);
            let forward = resolve_forward(ctx, &at, to, tgs);
            Some(Action::Forward {
                to: forward?,
                stickiness: sticky?,
            })
        }
    }
}

/// A rule's conditions, within AWS's limits (5 condition values per rule, 3 per condition).
fn resolve_conditions(ctx: &mut Ctx, rpath: &str, r: &RawRule) -> Option<Rule> {
    let mut ok = true;
    let header_lists = r.http_header.iter().flatten();
    let lists = [
        ("method", &r.method),
        ("query_string", &r.query_string),
        ("source_ip", &r.source_ip),
    ]
    .into_iter()
    .filter_map(|(key, v)| v.as_ref().map(|v| (key.to_string(), v)))
    .chain(header_lists.map(|(name, v)| (format!("http_header.{name}"), v)));
    for (key, values) in lists {
        let n = values.list().len();
        if n == 0 || n > MAX_VALUES_PER_CONDITION {
            ctx.err(
                &format!("{rpath}.{key}"),
                format!("a condition holds 1 to {MAX_VALUES_PER_CONDITION} values, got {n}"),
            );
            ok = false;
        }
    }
    if let Some(p) = &r.path
        && !p.starts_with('/')
        && !p.starts_with('*')
    {
        ctx.err(
            &format!("{rpath}.path"),
            format!("expected a path starting with `/`, got `{p}`"),
        );
        ok = false;
    }
    let methods: Vec<String> = r
        .method
        .iter()
        .flat_map(RawStrings::list)
        .map(str::to_string)
        .collect();
    for (k, m) in methods.iter().enumerate() {
        let token = !m.is_empty()
            && m.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !token {
            ctx.err(
                &format!("{rpath}.method[{k}]"),
                format!("expected an HTTP method such as GET or POST, got `{m}`"),
            );
            ok = false;
        }
    }
    let headers: Vec<HeaderCondition> = r
        .http_header
        .iter()
        .flatten()
        .map(|(name, values)| HeaderCondition {
            name: name.clone(),
            values: values.list().into_iter().map(Pattern::value).collect(),
        })
        .collect();
    let query: Vec<QueryCondition> = r
        .query_string
        .iter()
        .flat_map(RawStrings::list)
        .map(|q| match q.split_once('=') {
            Some((k, v)) => QueryCondition {
                key: Some(Pattern::value(k)),
                value: Pattern::value(v),
            },
            None => QueryCondition {
                key: None,
                value: Pattern::value(q),
            },
        })
        .collect();
    let mut source_ips = Vec::new();
    for (k, block) in r.source_ip.iter().flat_map(RawStrings::list).enumerate() {
        match Cidr::parse(block) {
            Ok(c) => source_ips.push(c),
            Err(e) => {
                ctx.err(&format!("{rpath}.source_ip[{k}]"), e);
                ok = false;
            }
        }
    }
    let values = usize::from(r.path.is_some())
        + usize::from(r.host.is_some())
        + methods.len()
        + headers.iter().map(|h| h.values.len()).sum::<usize>()
        + query.len()
        + source_ips.len();
    if values > MAX_CONDITION_VALUES {
        ctx.err(
            rpath,
            format!("a rule holds at most {MAX_CONDITION_VALUES} condition values, got {values}"),
        );
        ok = false;
    }
    ok.then(|| Rule {
        host: r.host.as_deref().map(Pattern::host),
        path: r.path.as_deref().map(Pattern::path),
        methods,
        headers,
        query,
        source_ips,
        ..Rule::default()
    })
}

/// A forward action: one target group, or weighted ones within AWS's limits (at most 5
/// target groups, weights 0-999, not all 0).
fn resolve_forward(
    ctx: &mut Ctx,
    path: &str,
    to: &RawForwardTo,
    tgs: &BTreeMap<String, TgId>,
) -> Option<Forward> {
    let group = |ctx: &mut Ctx, at: &str, name: &str| {
        reference(ctx, at, tgs, "target group", "target_groups", name)
    };
    let weights = match to {
        RawForwardTo::One(name) => return group(ctx, path, name).map(Forward::One),
        RawForwardTo::Weighted(w) => w,
        RawForwardTo::FixedResponse { .. } | RawForwardTo::Redirect { .. } => return None,
    };
    let mut ok = true;
    if weights.is_empty() || weights.len() > MAX_WEIGHTED_TARGET_GROUPS {
        ctx.err(
            path,
            format!(
                "a forward action names 1 to {MAX_WEIGHTED_TARGET_GROUPS} target groups, got {}",
                weights.len()
            ),
        );
        ok = false;
    }
    if !weights.is_empty() && weights.values().all(|&w| w == 0) {
        ctx.err(path, "expected some target group with a weight above 0");
        ok = false;
    }
    let mut out = Vec::new();
    for (name, &w) in weights {
        let at = format!("{path}.{name}");
        if w > u32::from(MAX_TARGET_GROUP_WEIGHT) {
            ctx.err(
                &at,
                format!("expected a weight from 0 to {MAX_TARGET_GROUP_WEIGHT}, got {w}"),
            );
            ok = false;
        }
        match group(ctx, &at, name) {
            Some(tg) => out.push((tg, w.min(u32::from(MAX_TARGET_GROUP_WEIGHT)) as u16)),
            None => ok = false,
        }
    }
    ok.then_some(Forward::Weighted(out))
}
