//! Validation: raw scenario structs to the model's types, with defaults, cross-references
//! checked, and every problem collected with its field path.

use super::raw::*;
use super::units::Bytes;
use super::{Problem, Scenario};
use crate::cost::PriceTable;
use crate::dist::Dist;
use crate::ids::{AzId, GroupId, LbId, TgId};
use crate::kernel::SimTime;
use crate::model::alb::{Algorithm, LoadBalancerSpec, Rule, TargetGroupSpec};
use crate::model::autoscaling::GroupSpec;
use crate::model::instance::Discipline;
use crate::model::instance_types;
use crate::model::rules::Pattern;
use crate::workload::{ArrivalKind, ClassSpec, RateProfile, Target, WorkloadSpec};
use std::collections::BTreeMap;
use std::path::Path;

pub const DEFAULT_MAX_EVENTS: u64 = 5_000_000_000;
pub const TERMINATION_POLICIES: &[&str] = &[
    "default",
    "oldest_instance",
    "newest_instance",
    "closest_to_next_instance_hour",
    "oldest_launch_template",
];

/// Collects problems; every check below reports through it and carries on.
struct Ctx<'a> {
    problems: &'a mut Vec<Problem>,
    base: &'a Path,
    azs: Vec<String>,
}

impl Ctx<'_> {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    /// Reports a missing required key, unless the key was present but already reported.
    fn missing(&mut self, path: &str, message: &str) {
        let nested = format!("{path}.");
        if !self
            .problems
            .iter()
            .any(|p| p.path == path || p.path.starts_with(&nested))
        {
            self.err(path, message);
        }
    }

    fn az(&mut self, path: &str, name: &str) -> Option<AzId> {
        match self.azs.iter().position(|a| a == name) {
            Some(i) => Some(AzId(i as u8)),
            None => {
                let known: Vec<&str> = self.azs.iter().map(String::as_str).collect();
                let hint = super::did_you_mean(name, &known);
                self.err(
                    path,
                    format!(
                        "AZ `{name}` is not declared in `azs`{hint} (declared: [{}])",
                        known.join(", ")
                    ),
                );
                None
            }
        }
    }

    fn az_list(&mut self, path: &str, names: &[String]) -> Vec<AzId> {
        let mut out = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if let Some(a) = self.az(&format!("{path}[{i}]"), n) {
                if out.contains(&a) {
                    self.err(&format!("{path}[{i}]"), format!("AZ `{n}` is listed twice"));
                } else {
                    out.push(a);
                }
            }
        }
        out
    }

    fn positive(&mut self, path: &str, v: f64, what: &str) -> bool {
        if v.is_finite() && v > 0.0 {
            true
        } else {
            self.err(path, format!("expected a positive {what}, got {v}"));
            false
        }
    }
}

/// Looks a name up in a name->id table, reporting a dangling reference.
fn reference<T: Copy>(
    ctx: &mut Ctx,
    path: &str,
    table: &BTreeMap<String, T>,
    what: &str,
    section: &str,
    name: &str,
) -> Option<T> {
    if let Some(id) = table.get(name) {
        return Some(*id);
    }
    let known: Vec<&str> = table.keys().map(String::as_str).collect();
    let hint = super::did_you_mean(name, &known);
    let list = if known.is_empty() {
        "none are defined".to_string()
    } else {
        format!("defined: {}", known.join(", "))
    };
    ctx.err(
        path,
        format!("no {what} named `{name}` in `{section}`{hint} ({list})"),
    );
    None
}

fn ids<V, T: Copy>(map: &BTreeMap<String, V>, make: impl Fn(usize) -> T) -> BTreeMap<String, T> {
    map.keys()
        .enumerate()
        .map(|(i, k)| (k.clone(), make(i)))
        .collect()
}

pub fn resolve(
    raw: RawScenario,
    document: serde_json::Value,
    base: &Path,
    price_base: Option<&serde_json::Value>,
    problems: &mut Vec<Problem>,
) -> Option<Scenario> {
    let mut ctx = Ctx {
        problems,
        base,
        azs: Vec::new(),
    };
    let name = match raw.name {
        Some(n)
            if !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) =>
        {
            n
        }
        Some(n) => {
            ctx.err("name", format!("expected letters, digits, `-`, `_` or `.` (it names the output folder), got `{n}`"));
            n
        }
        None => {
            ctx.missing("name", "required: the scenario's name");
            String::new()
        }
    };
    let duration = match raw.duration {
        Some(d) if d.0 > SimTime::ZERO => d.0,
        Some(_) => {
            ctx.err("duration", "expected a positive duration");
            SimTime::ZERO
        }
        None => {
            ctx.missing("duration", "required: the simulated time, e.g. `2h`");
            SimTime::ZERO
        }
    };
    let warmup = raw.warmup.map(|d| d.0).unwrap_or_default();
    if duration > SimTime::ZERO && warmup >= duration {
        ctx.err(
            "warmup",
            format!("expected less than the duration ({duration}), got {warmup}"),
        );
    }
    let metric_period = raw
        .metric_period
        .map(|d| d.0)
        .unwrap_or(SimTime::from_secs(60));
    if metric_period < SimTime::from_secs(1) {
        ctx.err(
            "metric_period",
            format!("expected at least 1s, got {metric_period}"),
        );
    }
    let max_events = raw.max_events.unwrap_or(DEFAULT_MAX_EVENTS);
    if max_events == 0 {
        ctx.err("max_events", "expected a positive number of events");
    }
    let azs = raw.azs.unwrap_or_default();
    for (i, a) in azs.iter().enumerate() {
        if azs[..i].contains(a) {
            ctx.err(&format!("azs[{i}]"), format!("AZ `{a}` is declared twice"));
        }
    }
    ctx.azs = azs.clone();
    if raw.workloads.is_empty() {
        ctx.missing("workloads", "required: at least one workload");
    }

    let prices = resolve_prices(&mut ctx, price_base, raw.pricing.as_ref());
    let group_ids = ids(&raw.auto_scaling_groups, |i| GroupId(i as u16));
    let tg_ids = ids(&raw.target_groups, |i| TgId(i as u16));
    let lb_ids = ids(&raw.load_balancers, |i| LbId(i as u16));

    let groups: Vec<GroupSpec> = raw
        .auto_scaling_groups
        .iter()
        .filter_map(|(n, g)| resolve_group(&mut ctx, n, g))
        .collect();
    let target_groups: Vec<TargetGroupSpec> = raw
        .target_groups
        .iter()
        .filter_map(|(n, t)| resolve_target_group(&mut ctx, n, t, &group_ids))
        .collect();
    let load_balancers: Vec<LoadBalancerSpec> = raw
        .load_balancers
        .iter()
        .filter_map(|(n, lb)| resolve_load_balancer(&mut ctx, n, lb, &tg_ids))
        .collect();
    let complete_lbs = load_balancers.len() == raw.load_balancers.len();
    let workloads: Vec<WorkloadSpec> = raw
        .workloads
        .iter()
        .filter_map(|(n, w)| {
            resolve_workload(
                &mut ctx,
                n,
                w,
                &lb_ids,
                complete_lbs.then_some(&load_balancers),
                prices.as_ref().map_or(10, |p| p.alb.free_rules_per_request),
            )
        })
        .collect();
    if let Some(p) = &prices {
        for g in &groups {
            if let Some(t) = &g.instance_type
                && p.ec2_hourly(Some(t), g.vcpus).is_none()
            {
                ctx.err(&format!("auto_scaling_groups.{}.instance.type", g.name), format!("the price table has no price for `{t}`; add it under `pricing.ec2.per_hour`"));
            }
        }
    }

    if !ctx.problems.is_empty() {
        return None;
    }
    Some(Scenario {
        name,
        description: raw.description.unwrap_or_default(),
        duration,
        warmup,
        seed: raw.seed.unwrap_or(1),
        metric_period,
        max_events,
        azs,
        workloads,
        load_balancers,
        target_groups,
        groups,
        prices: prices?,
        nat_gateways: raw.nat_gateways.unwrap_or(0),
        document,
    })
}

/// The price table: `base` (a `--prices` file) or the shipped one, with the scenario's
/// `pricing:` entries merged over it.
fn resolve_prices(
    ctx: &mut Ctx,
    base: Option<&serde_json::Value>,
    pricing: Option<&serde_json::Value>,
) -> Option<PriceTable> {
    let mut table = match base {
        Some(b) => b.clone(),
        None => serde_yaml_ng::from_str(crate::cost::prices::DEFAULT_TABLE)
            .expect("the shipped table is YAML"),
    };
    if let Some(p) = pricing {
        if !p.is_object() {
            ctx.err(
                "pricing",
                "expected a mapping of price-table entries (the shape of prices/us-east-1.yaml)",
            );
            return None;
        }
        crate::cost::prices::deep_merge(&mut table, p);
    }
    let at = if pricing.is_some() {
        "pricing"
    } else {
        "--prices"
    };
    super::load::field::<PriceTable>(table, at, ctx.problems)
}

fn resolve_group(ctx: &mut Ctx, name: &str, g: &RawGroup) -> Option<GroupSpec> {
    let path = format!("auto_scaling_groups.{name}");
    let mut ok = true;
    let (instance_type, vcpus, memory_gib) = match (&g.instance.instance_type, g.instance.vcpus) {
        (Some(t), None) => match instance_types::lookup(t) {
            Some(it) => (
                Some(t.clone()),
                it.vcpus,
                g.instance.memory_gib.unwrap_or(it.memory_gib),
            ),
            None => {
                let hint = instance_types::closest(t)
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                ctx.err(&format!("{path}.instance.type"), format!("unknown instance type `{t}`{hint}; give a catalog type (t3, m5, m6i, m6g, c5, c6g, r5 families) or `vcpus`"));
                ok = false;
                (None, 1, 1.0)
            }
        },
        (None, Some(v)) if v > 0 => (None, v, g.instance.memory_gib.unwrap_or(2.0 * v as f64)),
        (None, Some(_)) => {
            ctx.err(
                &format!("{path}.instance.vcpus"),
                "expected at least 1 vCPU",
            );
            ok = false;
            (None, 1, 1.0)
        }
        (Some(_), Some(_)) => {
            ctx.err(
                &format!("{path}.instance"),
                "give either `type` or `vcpus`, not both",
            );
            ok = false;
            (None, 1, 1.0)
        }
        (None, None) => {
            ctx.err(
                &format!("{path}.instance"),
                "expected `type` (e.g. c5.large) or `vcpus`",
            );
            ok = false;
            (None, 1, 1.0)
        }
    };
    let azs = ctx.az_list(&format!("{path}.azs"), &g.azs);
    if g.azs.is_empty() {
        ctx.err(&format!("{path}.azs"), "expected at least one AZ");
        ok = false;
    }
    let desired = g.desired;
    let min = g.min.unwrap_or(desired);
    let max = g.max.unwrap_or(desired.max(min));
    if min > desired {
        ctx.err(
            &format!("{path}.min"),
            format!("min ({min}) must not exceed desired ({desired})"),
        );
        ok = false;
    }
    if desired > max {
        ctx.err(
            &format!("{path}.max"),
            format!("max ({max}) must be at least desired ({desired})"),
        );
        ok = false;
    }
    let max_concurrent = g.max_concurrent.unwrap_or(1024);
    if max_concurrent == 0 {
        ctx.err(&format!("{path}.max_concurrent"), "expected at least 1");
        ok = false;
    }
    let boot_time = match &g.boot_time {
        Some(d) => resolve_dist(ctx, &format!("{path}.boot_time"), d),
        None => Some(Dist::Uniform {
            min_ns: 60e9,
            span_ns: 60e9,
        }),
    };
    if let Some(p) = &g.termination_policy
        && !TERMINATION_POLICIES.contains(&p.as_str())
    {
        let hint = super::did_you_mean(p, TERMINATION_POLICIES);
        ctx.err(
            &format!("{path}.termination_policy"),
            format!(
                "unknown policy `{p}`{hint}; expected one of: {}",
                TERMINATION_POLICIES.join(", ")
            ),
        );
        ok = false;
    }
    let discipline = match g.discipline {
        Some(RawDiscipline::Fcfs) => Discipline::Fcfs,
        Some(RawDiscipline::ProcessorSharing) | None => Discipline::ProcessorSharing,
    };
    (ok && azs.len() == g.azs.len()).then(|| GroupSpec {
        name: name.to_string(),
        instance_type,
        vcpus,
        memory_gib,
        discipline,
        max_concurrent,
        azs,
        min,
        max,
        desired,
        boot_time: boot_time.unwrap_or(Dist::Constant(SimTime::ZERO)),
        health_check_grace: g
            .health_check_grace
            .map(|d| d.0)
            .unwrap_or(SimTime::from_secs(300)),
    })
}

fn resolve_target_group(
    ctx: &mut Ctx,
    name: &str,
    t: &RawTargetGroup,
    groups: &BTreeMap<String, GroupId>,
) -> Option<TargetGroupSpec> {
    let path = format!("target_groups.{name}");
    let group = reference(
        ctx,
        &format!("{path}.group"),
        groups,
        "auto scaling group",
        "auto_scaling_groups",
        &t.group,
    );
    if let Some(hc) = &t.health_check {
        let interval = hc.interval.map(|d| d.0).unwrap_or(SimTime::from_secs(30));
        let timeout = hc.timeout.map(|d| d.0).unwrap_or(SimTime::from_secs(5));
        if interval < SimTime::from_secs(5) || interval > SimTime::from_secs(300) {
            ctx.err(
                &format!("{path}.health_check.interval"),
                format!("expected 5s..300s, got {interval}"),
            );
        }
        if timeout < SimTime::from_secs(2) || timeout >= interval {
            ctx.err(
                &format!("{path}.health_check.timeout"),
                format!(
                    "expected at least 2s and less than the interval ({interval}), got {timeout}"
                ),
            );
        }
        for (key, v) in [
            ("healthy_threshold", hc.healthy_threshold),
            ("unhealthy_threshold", hc.unhealthy_threshold),
        ] {
            if let Some(v) = v
                && !(2..=10).contains(&v)
            {
                ctx.err(
                    &format!("{path}.health_check.{key}"),
                    format!("expected 2..10, got {v}"),
                );
            }
        }
    }
    let deregistration_delay = t
        .deregistration_delay
        .map(|d| d.0)
        .unwrap_or(SimTime::from_secs(300));
    if deregistration_delay > SimTime::from_secs(3600) {
        ctx.err(
            &format!("{path}.deregistration_delay"),
            format!("expected 0s..3600s, got {deregistration_delay}"),
        );
    }
    Some(TargetGroupSpec {
        name: name.to_string(),
        group: group?,
        deregistration_delay,
    })
}

fn resolve_load_balancer(
    ctx: &mut Ctx,
    name: &str,
    lb: &RawLoadBalancer,
    tgs: &BTreeMap<String, TgId>,
) -> Option<LoadBalancerSpec> {
    let path = format!("load_balancers.{name}");
    let mut ok = true;
    let azs = ctx.az_list(&format!("{path}.azs"), &lb.azs);
    if lb.azs.len() < 2 {
        ctx.err(
            &format!("{path}.azs"),
            format!(
                "an ALB needs subnets in at least 2 AZs, got {}",
                lb.azs.len()
            ),
        );
        ok = false;
    }
    let mut rules = Vec::new();
    let mut default = None;
    for (i, r) in lb.rules.iter().enumerate() {
        let rpath = format!("{path}.rules[{i}]");
        if let Some(d) = &r.default {
            if r.path.is_some() || r.host.is_some() || r.target_group.is_some() {
                ctx.err(&rpath, "a default rule has only `default: TARGET_GROUP`");
                ok = false;
            }
            if i + 1 != lb.rules.len() {
                ctx.err(&rpath, "the default rule must be the last rule");
                ok = false;
            }
            default = reference(
                ctx,
                &format!("{rpath}.default"),
                tgs,
                "target group",
                "target_groups",
                d,
            );
            ok &= default.is_some();
            continue;
        }
        let Some(tg_name) = &r.target_group else {
            ctx.err(
                &rpath,
                "expected `target_group` (with `path` and/or `host`), or `default`",
            );
            ok = false;
            continue;
        };
        if r.path.is_none() && r.host.is_none() {
            ctx.err(&rpath, "a rule needs a condition: `path` and/or `host`");
            ok = false;
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
        match reference(
            ctx,
            &format!("{rpath}.target_group"),
            tgs,
            "target group",
            "target_groups",
            tg_name,
        ) {
            Some(tg) => rules.push(Rule {
                host: r.host.as_deref().map(Pattern::host),
                path: r.path.as_deref().map(Pattern::path),
                target_group: tg,
            }),
            None => ok = false,
        }
    }
    if lb.rules.is_empty() {
        ctx.err(
            &format!("{path}.rules"),
            "expected at least one rule (e.g. `- {default: web}`)",
        );
        ok = false;
    }
    let idle_timeout = lb
        .idle_timeout
        .map(|d| d.0)
        .unwrap_or(SimTime::from_secs(60));
    if idle_timeout < SimTime::from_secs(1) || idle_timeout > SimTime::from_secs(4000) {
        ctx.err(
            &format!("{path}.idle_timeout"),
            format!("expected 1s..4000s, got {idle_timeout}"),
        );
        ok = false;
    }
    let algorithm = match lb.algorithm {
        Some(RawAlgorithm::RoundRobin) | None => Algorithm::RoundRobin,
        Some(RawAlgorithm::LeastOutstandingRequests) => Algorithm::LeastOutstandingRequests,
        Some(RawAlgorithm::Random) => Algorithm::Random,
    };
    (ok && azs.len() == lb.azs.len()).then(|| LoadBalancerSpec {
        name: name.to_string(),
        azs,
        algorithm,
        cross_zone: lb.cross_zone.unwrap_or(true),
        idle_timeout,
        rules,
        default,
    })
}

fn resolve_workload(
    ctx: &mut Ctx,
    name: &str,
    w: &RawWorkload,
    lbs: &BTreeMap<String, LbId>,
    lb_specs: Option<&Vec<LoadBalancerSpec>>,
    free_rules: u32,
) -> Option<WorkloadSpec> {
    let path = format!("workloads.{name}");
    let target = match w.target.split_once('/') {
        Some(("alb", lb)) => reference(
            ctx,
            &format!("{path}.target"),
            lbs,
            "load balancer",
            "load_balancers",
            lb,
        )
        .map(Target::Alb),
        _ => {
            ctx.err(
                &format!("{path}.target"),
                format!("expected `alb/NAME`, got `{}`", w.target),
            );
            None
        }
    };
    let rate = resolve_rate(ctx, &format!("{path}.rate"), &w.rate);
    let arrivals = match w.arrivals {
        Some(RawArrivals::Uniform) => ArrivalKind::Uniform,
        Some(RawArrivals::Poisson) | None => ArrivalKind::Poisson,
    };
    let default_work = w
        .work
        .as_ref()
        .and_then(|d| resolve_dist(ctx, &format!("{path}.work"), d));
    let raw_classes: Vec<RawClass> = match &w.classes {
        Some(c) if !c.is_empty() => c.clone(),
        Some(_) => {
            ctx.err(
                &format!("{path}.classes"),
                "expected at least one class (or leave `classes` out)",
            );
            return None;
        }
        None => vec![RawClass {
            name: "default".into(),
            path: None,
            host: None,
            weight: None,
            work: None,
            request_bytes: None,
            response_bytes: None,
            nat_bytes: None,
        }],
    };
    if w.classes.is_none() && w.work.is_none() {
        ctx.err(&format!("{path}.work"), "required: the CPU demand of a request, e.g. `{dist: exponential, mean: 80ms}` (or give `classes` with `work`)");
    }
    let mut classes = Vec::new();
    for (i, c) in raw_classes.iter().enumerate() {
        let cpath = if w.classes.is_some() {
            format!("{path}.classes[{i}]")
        } else {
            path.clone()
        };
        if raw_classes[..i].iter().any(|o| o.name == c.name) {
            ctx.err(
                &format!("{cpath}.name"),
                format!("class `{}` is defined twice", c.name),
            );
        }
        let weight = c.weight.unwrap_or(1.0);
        ctx.positive(&format!("{cpath}.weight"), weight, "weight");
        let req_path = c.path.clone().unwrap_or_else(|| "/".into());
        if !req_path.starts_with('/') {
            ctx.err(
                &format!("{cpath}.path"),
                format!("expected a path starting with `/`, got `{req_path}`"),
            );
        }
        let work = match &c.work {
            Some(d) => resolve_dist(ctx, &format!("{cpath}.work"), d),
            None if w.classes.is_some() && default_work.is_none() => {
                ctx.err(
                    &format!("{cpath}.work"),
                    "required: the class's CPU demand (or give the workload a `work`)",
                );
                None
            }
            None => default_work.clone(),
        };
        let host = c.host.clone().or_else(|| w.host.clone());
        let (tg, evaluations) = match (target, lb_specs) {
            (Some(Target::Alb(lb)), Some(specs)) => {
                let spec = &specs[lb.index()];
                let (tg, evaluations) = spec.route_with_evaluations(host.as_deref(), &req_path);
                if tg.is_none() {
                    ctx.err(&format!("{cpath}.path"), format!("`{req_path}` matches no rule of load balancer `{}` and it has no default rule", spec.name));
                }
                (tg, evaluations)
            }
            _ => (None, 0),
        };
        let bytes = |own: Option<Bytes>, shared: Option<Bytes>, default: u64| {
            own.or(shared).map(|b| b.0).unwrap_or(default)
        };
        if let (Some(work), Some(tg)) = (work, tg) {
            classes.push(ClassSpec {
                name: c.name.clone(),
                path: req_path,
                host,
                weight,
                work,
                target_group: tg,
                request_bytes: bytes(c.request_bytes, w.request_bytes, 2_000),
                response_bytes: bytes(c.response_bytes, w.response_bytes, 20_000),
                nat_bytes: bytes(c.nat_bytes, w.nat_bytes, 0),
                billable_rule_evaluations: evaluations.saturating_sub(free_rules),
            });
        }
    }
    let complete = classes.len() == raw_classes.len();
    Some(WorkloadSpec {
        name: name.to_string(),
        target: target?,
        arrivals,
        rate: rate?,
        classes,
    })
    .filter(|_| complete)
}

fn resolve_rate(ctx: &mut Ctx, path: &str, r: &RawRate) -> Option<RateProfile> {
    let p = match r {
        RawRate::Constant(v) | RawRate::Profile(RawProfile::Constant { value: v }) => {
            return ctx
                .positive(path, *v, "rate (requests per second)")
                .then_some(RateProfile::Constant(*v));
        }
        RawRate::Profile(p) => p,
    };
    match p {
        RawProfile::Constant { .. } => unreachable!("handled above"),
        RawProfile::Piecewise { points } => {
            if points.is_empty() {
                ctx.err(
                    &format!("{path}.points"),
                    "expected at least one `[time, rate]` point",
                );
                return None;
            }
            let mut ok = true;
            for (i, (t, v)) in points.iter().enumerate() {
                if !(v.is_finite() && *v >= 0.0) {
                    ctx.err(
                        &format!("{path}.points[{i}]"),
                        format!("expected a rate >= 0, got {v}"),
                    );
                    ok = false;
                }
                if i > 0 && t.0 < points[i - 1].0.0 {
                    ctx.err(&format!("{path}.points[{i}]"), "times must not decrease");
                    ok = false;
                }
            }
            if points.iter().all(|(_, v)| *v <= 0.0) {
                ctx.err(
                    &format!("{path}.points"),
                    "expected some point with a positive rate",
                );
                ok = false;
            }
            ok.then(|| RateProfile::Piecewise(points.iter().map(|(t, v)| (t.secs(), *v)).collect()))
        }
        RawProfile::Diurnal {
            mean,
            amplitude,
            period,
            peak_at,
        } => {
            let mut ok = ctx.positive(&format!("{path}.mean"), *mean, "mean rate");
            if !(amplitude.is_finite() && amplitude.abs() <= 1.0) {
                ctx.err(
                    &format!("{path}.amplitude"),
                    format!("expected -1..1 (a fraction of the mean), got {amplitude}"),
                );
                ok = false;
            }
            let period_s = period.map(|d| d.secs()).unwrap_or(86400.0);
            ok &= ctx.positive(&format!("{path}.period"), period_s, "period");
            ok.then(|| RateProfile::Diurnal {
                mean: *mean,
                amplitude: *amplitude,
                period_s,
                peak_at_s: peak_at.map(|d| d.secs()).unwrap_or(0.0),
            })
        }
        RawProfile::Spike {
            base,
            peak,
            at,
            duration,
            ramp,
        } => {
            let mut ok = true;
            if !(base.is_finite() && *base >= 0.0) {
                ctx.err(
                    &format!("{path}.base"),
                    format!("expected a rate >= 0, got {base}"),
                );
                ok = false;
            }
            ok &= ctx.positive(&format!("{path}.peak"), *peak, "peak rate");
            ok.then(|| {
                RateProfile::spike(
                    *base,
                    *peak,
                    at.secs(),
                    duration.secs(),
                    ramp.map(|d| d.secs()).unwrap_or(0.0),
                )
            })
        }
        RawProfile::Trace { file, format } => {
            let full = ctx.base.join(file);
            let text = match std::fs::read_to_string(&full) {
                Ok(t) => t,
                Err(e) => {
                    ctx.err(
                        &format!("{path}.file"),
                        format!("cannot read `{}`: {e}", full.display()),
                    );
                    return None;
                }
            };
            let values = read_column(ctx, &format!("{path}.file"), &text)?;
            match format.unwrap_or(RawTraceFormat::Counts) {
                RawTraceFormat::Counts => {
                    if let Some(bad) = values.iter().position(|v| *v < 0.0 || v.fract() != 0.0) {
                        ctx.err(
                            &format!("{path}.file"),
                            format!(
                                "value {} is not a whole count (row {})",
                                values[bad],
                                bad + 1
                            ),
                        );
                        return None;
                    }
                    Some(RateProfile::Counts(
                        values.iter().map(|v| *v as u32).collect(),
                    ))
                }
                RawTraceFormat::Timestamps => {
                    let mut ts: Vec<SimTime> =
                        values.iter().map(|v| SimTime::from_secs_f64(*v)).collect();
                    ts.sort();
                    Some(RateProfile::Timestamps(ts.into()))
                }
            }
        }
    }
}

/// Reads the first column of a CSV of numbers; a non-numeric first row is a header.
fn read_column(ctx: &mut Ctx, path: &str, text: &str) -> Option<Vec<f64>> {
    let mut values = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let cell = line.split(',').next().unwrap_or("").trim();
        if cell.is_empty() || cell.starts_with('#') {
            continue;
        }
        match cell.parse::<f64>() {
            Ok(v) if v.is_finite() => values.push(v),
            _ if i == 0 => continue,
            _ => {
                ctx.err(
                    path,
                    format!("line {}: expected a number, got `{cell}`", i + 1),
                );
                return None;
            }
        }
    }
    if values.is_empty() {
        ctx.err(path, "the file has no values");
        return None;
    }
    Some(values)
}

fn resolve_dist(ctx: &mut Ctx, path: &str, d: &RawDist) -> Option<Dist> {
    let r = match d {
        RawDist::Constant { value } => Ok(Dist::Constant(value.0)),
        RawDist::Exponential { mean } if mean.0 > SimTime::ZERO => Ok(Dist::Exponential {
            mean_ns: mean.0.as_nanos() as f64,
        }),
        RawDist::Exponential { .. } => Err(("mean", "expected a positive mean".to_string())),
        RawDist::Uniform { min, max } if min <= max => Ok(Dist::Uniform {
            min_ns: min.0.as_nanos() as f64,
            span_ns: (max.0 - min.0).as_nanos() as f64,
        }),
        RawDist::Uniform { .. } => Err(("max", "expected max >= min".to_string())),
        RawDist::Lognormal {
            mean: Some(m),
            p99: Some(p),
            median: None,
            sigma: None,
        } => Dist::lognormal_mean_p99(m.secs(), p.secs()).map_err(|e| ("p99", e)),
        RawDist::Lognormal {
            mean: None,
            p99: None,
            median: Some(m),
            sigma: Some(s),
        } => Dist::lognormal_median_sigma(m.secs(), *s).map_err(|e| ("sigma", e)),
        RawDist::Lognormal { .. } => Err((
            "",
            "give either `mean` and `p99`, or `median` and `sigma`".to_string(),
        )),
        RawDist::Gamma { shape, mean } => {
            Dist::gamma(*shape, mean.secs()).map_err(|e| ("shape", e))
        }
        RawDist::Erlang { k, mean } if *k >= 1 => {
            Dist::gamma(*k as f64, mean.secs()).map_err(|e| ("mean", e))
        }
        RawDist::Erlang { .. } => Err(("k", "expected k >= 1".to_string())),
        RawDist::Normal { mean, sd } if mean.0 > SimTime::ZERO => Ok(Dist::Normal {
            mean_ns: mean.0.as_nanos() as f64,
            sd_ns: sd.0.as_nanos() as f64,
        }),
        RawDist::Normal { .. } => Err(("mean", "expected a positive mean".to_string())),
        RawDist::Empirical { file, unit } => {
            let scale = match unit.as_deref().unwrap_or("ms") {
                "s" => 1.0,
                "ms" => 1e-3,
                "us" => 1e-6,
                other => {
                    ctx.err(
                        &format!("{path}.unit"),
                        format!("expected ms, s or us, got `{other}`"),
                    );
                    return None;
                }
            };
            let full = ctx.base.join(file);
            let text = match std::fs::read_to_string(&full) {
                Ok(t) => t,
                Err(e) => {
                    ctx.err(
                        &format!("{path}.file"),
                        format!("cannot read `{}`: {e}", full.display()),
                    );
                    return None;
                }
            };
            let values = read_column(ctx, &format!("{path}.file"), &text)?;
            if values.iter().any(|v| *v < 0.0) {
                ctx.err(&format!("{path}.file"), "samples must not be negative");
                return None;
            }
            Ok(Dist::Empirical(
                values
                    .iter()
                    .map(|v| SimTime::from_secs_f64(v * scale))
                    .collect(),
            ))
        }
    };
    match r {
        Ok(d) => Some(d),
        Err((field, msg)) => {
            let p = if field.is_empty() {
                path.to_string()
            } else {
                format!("{path}.{field}")
            };
            ctx.err(&p, msg);
            None
        }
    }
}
