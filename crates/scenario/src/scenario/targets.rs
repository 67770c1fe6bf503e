//! Workload targets that services register: a top-level key whose entries workloads may
//! target as `PREFIX/NAME` implements [`TargetKey`] in its service's own module and is
//! marked `=> TargetKey` in `raw_scenario!`; the macro lists the marked keys
//! (`RawScenario::target_keys`), and a workload's `target` resolves against them with the
//! simulator's own entry points (`alb/`, `dns/`, `lambda/`, `sqs/`). The resolved target is a
//! `workload::Target::Service` that names the prefix and the entry's index; the simulator
//! hands its requests to the service that declares the same prefix (`sim::front`).

use super::resolve::{Ctx, reference};
use crate::workload::{ServiceTarget, Target};
use std::collections::BTreeMap;

/// What a workload may say of its requests when it targets this kind of entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Request classes (paths, methods, sizes), whose work defaults to none: the service
    /// takes its own time (API Gateway's integration, CloudFront's origin).
    Classes,
    /// One call per arrival with nothing of its own: no `work`, no `classes`, no `clients`.
    /// `why` says so in the problem a given `work` or `classes` gets.
    Bare { why: &'static str },
}

/// A kind of target a service registers (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct TargetKind {
    /// `PREFIX/NAME`: the service's constant in its model (`model::kinesis::TARGET`).
    pub prefix: &'static str,
    /// What an entry is called in problems: "no stream named ...".
    pub what: &'static str,
    pub shape: Shape,
    /// Whether its workloads' clients may have a geography, and how the problem of a
    /// geography elsewhere names the entry ("a distribution").
    pub geography: Option<&'static str>,
}

/// A top-level key whose entries workloads target as `PREFIX/NAME`.
pub trait TargetKey {
    const KIND: TargetKind;
    /// The entries' names, in the order of their ids (the index a target carries).
    fn names(&self) -> Vec<&str>;
}

/// Named entries: their ids are their positions in name order.
pub fn map_names<V>(map: &BTreeMap<String, V>) -> Vec<&str> {
    map.keys().map(String::as_str).collect()
}

/// A registered key as the workloads' resolution sees it: its section, its kind and its
/// entries by name.
pub struct Registered {
    pub section: &'static str,
    pub kind: TargetKind,
    pub ids: BTreeMap<String, u16>,
}

impl Registered {
    pub fn new(section: &'static str, kind: TargetKind, names: Vec<&str>) -> Registered {
        let ids = (names.into_iter().enumerate())
            .map(|(i, n)| (n.to_string(), i as u16))
            .collect();
        Registered { section, kind, ids }
    }
}

/// The simulator's own entry points: a workload's `target` is one of these or a registered
/// kind's prefix.
const CORE_PREFIXES: [&str; 4] = ["alb", "dns", "lambda", "sqs"];

/// The kind registered for `target`'s prefix (`PREFIX/NAME`), if any.
pub fn kind_of<'a>(registered: &'a [Registered], target: &str) -> Option<&'a Registered> {
    let (prefix, _) = target.split_once('/')?;
    registered.iter().find(|r| r.kind.prefix == prefix)
}

/// Resolves `PREFIX/NAME` against the registered kinds; `None` when the prefix is not one
/// of theirs (`Some(None)`: theirs, and the problem reported).
pub fn resolve(
    ctx: &mut Ctx,
    path: &str,
    registered: &[Registered],
    target: &str,
) -> Option<Option<Target>> {
    let r = kind_of(registered, target)?;
    let (_, name) = target.split_once('/')?;
    let index = reference(ctx, path, &r.ids, r.kind.what, r.section, name);
    Some(index.map(|index| {
        Target::Service(ServiceTarget {
            prefix: r.kind.prefix,
            index,
        })
    }))
}

/// "expected `alb/NAME`, ... or `sqs/NAME`, got `TEXT`": every prefix, in name order.
pub fn expected(registered: &[Registered], got: &str) -> String {
    let mut prefixes: Vec<&str> = CORE_PREFIXES.to_vec();
    prefixes.extend(registered.iter().map(|r| r.kind.prefix));
    prefixes.sort_unstable();
    let quoted: Vec<String> = prefixes.iter().map(|p| format!("`{p}/NAME`")).collect();
    let (last, rest) = quoted.split_last().expect("the core prefixes");
    format!("expected {} or {last}, got `{got}`", rest.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BARE: TargetKind = TargetKind {
        prefix: "zz",
        what: "thing",
        shape: Shape::Bare { why: "" },
        geography: None,
    };

    #[test]
    fn the_expected_prefixes_are_listed_in_name_order() {
        let r = [Registered::new("zzs", BARE, vec!["a"])];
        assert_eq!(
            expected(&r, "x"),
            "expected `alb/NAME`, `dns/NAME`, `lambda/NAME`, `sqs/NAME` or `zz/NAME`, got `x`"
        );
    }

    #[test]
    fn a_registered_prefix_is_found_and_others_are_not() {
        let r = [Registered::new("zzs", BARE, vec!["a", "b"])];
        assert_eq!(kind_of(&r, "zz/b").map(|r| r.ids["b"]), Some(1));
        assert!(kind_of(&r, "zzz/b").is_none());
        assert!(kind_of(&r, "zz").is_none());
    }
}
