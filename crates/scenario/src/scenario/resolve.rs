//! Validation: raw scenario structs to the model's types, with defaults, cross-references
//! checked, and every problem collected with its field path.

use super::raw::*;
use super::resolve_compute::{resolve_group, resolve_load_balancer, resolve_target_group};
use super::resolve_queue::resolve_queues;
use super::resolve_workload::resolve_workload;
use super::{Problem, Scenario};
use crate::cost::PriceTable;
use crate::ids::{AzId, FunctionId, GroupId, LbId, QueueId, TgId};
use crate::kernel::SimTime;
use crate::model::alb::{LoadBalancerSpec, TargetGroupSpec};
use crate::model::autoscaling::GroupSpec;
use crate::workload::WorkloadSpec;
use std::collections::BTreeMap;

pub const DEFAULT_MAX_EVENTS: u64 = 5_000_000_000;
pub const TERMINATION_POLICIES: &[&str] = &[
    "default",
    "oldest_instance",
    "newest_instance",
    "closest_to_next_instance_hour",
    "oldest_launch_template",
];

/// Collects problems; every check below reports through it and carries on.
pub struct Ctx<'a> {
    pub(super) problems: &'a mut Vec<Problem>,
    /// Where data files (traces, samples) are read from, and whether outside it is allowed.
    pub(super) files: &'a super::DataFiles,
    pub(super) azs: Vec<String>,
    /// DNS record name to its primary load balancer (`None` if that name is unknown).
    pub(super) dns_primaries: BTreeMap<String, Option<LbId>>,
    /// `section.name` of entries that failed to decode (already reported): references to
    /// them are not reported again.
    pub(super) broken: std::collections::BTreeSet<String>,
}

impl Ctx<'_> {
    pub(super) fn err(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    /// Reports a missing required key, unless the key was present but already reported.
    pub(super) fn missing(&mut self, path: &str, message: &str) {
        let nested = format!("{path}.");
        if !self
            .problems
            .iter()
            .any(|p| p.path == path || p.path.starts_with(&nested))
        {
            self.err(path, message);
        }
    }

    pub(super) fn az(&mut self, path: &str, name: &str) -> Option<AzId> {
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

    pub(super) fn az_list(&mut self, path: &str, names: &[String]) -> Vec<AzId> {
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

    pub(super) fn positive(&mut self, path: &str, v: f64, what: &str) -> bool {
        if v.is_finite() && v > 0.0 {
            true
        } else {
            self.err(path, format!("expected a positive {what}, got {v}"));
            false
        }
    }
}

/// Looks a name up in a name->id table, reporting a dangling reference.
pub(super) fn reference<T: Copy>(
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
    if ctx.broken.contains(&format!("{section}.{name}")) {
        return None;
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
    files: &super::DataFiles,
    price_base: Option<&serde_json::Value>,
    problems: &mut Vec<Problem>,
) -> Option<Scenario> {
    let mut ctx = Ctx {
        problems,
        files,
        azs: Vec::new(),
        dns_primaries: BTreeMap::new(),
        broken: raw.broken.clone(),
    };
    let name = match raw.name.clone() {
        Some(n) => {
            if let Some(problem) = super::output_name::name_problem(&n) {
                ctx.err("name", problem);
            }
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
    let (azs, az_region) = super::regions::region_azs(&mut ctx, raw.azs.as_ref(), &raw.regions);
    for (i, a) in raw.azs.iter().flatten().enumerate() {
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
    let function_ids = ids(&raw.lambda_functions, |i| FunctionId(i as u16));
    let lambda_functions =
        super::resolve_lambda::resolve_functions(&mut ctx, &raw.lambda_functions);
    let queue_ids = ids(&raw.queues, |i| QueueId(i as u16));
    let api_ids = ids(&raw.api_gateways, |i| crate::ids::ApiId(i as u16));
    ctx.dns_primaries = super::dns::first_endpoints(&raw.dns, &lb_ids);

    let groups: Vec<GroupSpec> = raw
        .auto_scaling_groups
        .iter()
        .filter_map(|(n, g)| resolve_group(&mut ctx, n, g))
        .collect();
    let ecs_owners = super::ecs::target_group_owners(&raw.ecs_services, group_ids.len());
    let mut target_groups: Vec<TargetGroupSpec> = raw
        .target_groups
        .iter()
        .filter_map(|(n, t)| {
            let ecs = ecs_owners.get(n).copied();
            resolve_target_group(&mut ctx, n, t, (&group_ids, ecs), &function_ids)
        })
        .collect();
    let load_balancers: Vec<LoadBalancerSpec> = raw
        .load_balancers
        .iter()
        .filter_map(|(n, lb)| resolve_load_balancer(&mut ctx, n, lb, &tg_ids))
        .collect();
    super::resolve_compute::resolve_algorithms(
        &mut ctx,
        &raw.load_balancers,
        &raw.target_groups,
        &mut target_groups,
    );
    let target_keys = raw.target_keys();
    let regions = super::regions::resolve_regions(
        &mut ctx,
        &super::regions::RawRegionParts {
            regions: &raw.regions,
            geographies: &raw.geographies,
            workloads: &raw.workloads,
            load_balancers: &raw.load_balancers,
            groups: (raw.auto_scaling_groups.iter())
                .map(|(n, g)| (n.as_str(), g.azs.as_slice()))
                .collect(),
            targets: &target_keys,
            placed: [
                (
                    "lambda_functions",
                    placed(&raw.lambda_functions, |f| &f.region),
                ),
                ("queues", placed(&raw.queues, |q| &q.region)),
                ("api_gateways", placed(&raw.api_gateways, |a| &a.region)),
                (
                    "dynamodb_tables",
                    placed(&raw.dynamodb_tables, |t| &t.region),
                ),
            ],
        },
        az_region,
    );
    let account = super::resolve_lambda::resolve_account(
        &mut ctx,
        raw.account.as_ref(),
        &lambda_functions,
        &regions,
    );
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
                super::resolve_workload::Targets {
                    functions: &function_ids,
                    target_groups: &target_groups,
                    queues: &queue_ids,
                    services: &target_keys,
                },
            )
        })
        .collect();
    let queues = resolve_queues(
        &mut ctx,
        &raw.queues,
        &queue_ids,
        &group_ids,
        &super::resolve_event_source::Functions {
            ids: &function_ids,
            specs: &lambda_functions,
        },
    );
    if let (Some(p), true) = (&prices, raw.regions.is_empty()) {
        for g in &groups {
            if let Some(t) = &g.instance_type
                && p.ec2_hourly(Some(t), g.vcpus).is_none()
            {
                ctx.err(&format!("auto_scaling_groups.{}.instance.type", g.name), format!("the price table has no price for `{t}`; add it under `pricing.ec2.per_hour`"));
            }
        }
    }

    let resilience = super::resolve_faults::resolve_resilience(
        &mut ctx,
        &super::resolve_faults::RawParts {
            workloads: &raw.workloads,
            load_balancers: &raw.load_balancers,
            databases: &raw.databases,
            faults: &raw.faults,
            availability_slo: raw.availability_slo,
            caches: &raw.caches,
            scenario: &raw,
        },
        &super::resolve_faults::Names {
            groups: &group_ids,
            prices: prices.as_ref(),
            regions: &regions,
        },
    );
    super::regional::check(
        &mut ctx,
        &super::regional::Connected {
            load_balancers: &load_balancers,
            target_groups: &target_groups,
            functions: &lambda_functions,
            queues: &queues,
        },
        &regions,
    );

    let mut regions = regions;
    if let Some(p) = &prices {
        super::region_prices::resolve(
            &mut ctx,
            &super::region_prices::Parts {
                raw: &raw.regions,
                run: (price_base, raw.pricing.as_ref()),
                groups: &groups,
                databases: &resilience.databases,
            },
            p,
            &mut regions,
        );
    }
    let mut services = raw.resolve_services(
        &mut ctx,
        &super::top_level::Resolved {
            raw: &raw,
            workloads: &raw.workloads,
            load_balancers: &lb_ids,
            groups: &group_ids,
            target_groups: &tg_ids,
            functions: &function_ids,
            queues: &queue_ids,
            apis: &api_ids,
            regions: &regions,
            prices: prices.as_ref(),
        },
    );
    // ECS services' tasks run in capacity groups after the auto scaling groups; those on
    // an EC2 capacity provider are checked against its group, which managed scaling scales.
    let mut groups = groups;
    super::ecs_capacity::attach(&mut ctx, &mut groups, &mut services.ecs_services);
    groups.extend(services.ecs_services.iter().map(|e| e.group_spec.clone()));

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
        metric_delay: raw.metric_delay.map_or(metric_period, |d| d.0),
        document,
        lambda_functions,
        account,
        queues,
        resilience,
        services,
        regions,
    })
}

/// Each entry's name and its `region:` key, in name order.
fn placed<'a, T>(
    entries: &'a BTreeMap<String, T>,
    region: impl Fn(&'a T) -> &'a Option<String>,
) -> super::regions::Placed<'a> {
    entries
        .iter()
        .map(|(n, e)| (n.as_str(), region(e).as_deref()))
        .collect()
}

/// The price table: `base` (a `--prices` file) or the shipped one, with the scenario's
/// `pricing:` entries merged over it.
fn resolve_prices(
    ctx: &mut Ctx,
    base: Option<&serde_json::Value>,
    pricing: Option<&serde_json::Value>,
) -> Option<PriceTable> {
    let at = if pricing.is_some() {
        "pricing"
    } else {
        "--prices"
    };
    checked_table(ctx, run_table(base), pricing, "pricing", at)
}

/// The run's table before its `pricing:`: `base` (a `--prices` file) or the shipped one.
pub(super) fn run_table(base: Option<&serde_json::Value>) -> serde_json::Value {
    match base {
        Some(b) => b.clone(),
        None => shipped_table(),
    }
}

/// `table` with `overlay` (given at `overlay_at`) merged over it, checked and parsed;
/// problems are reported at `at`.
pub(super) fn checked_table(
    ctx: &mut Ctx,
    mut table: serde_json::Value,
    overlay: Option<&serde_json::Value>,
    overlay_at: &str,
    at: &str,
) -> Option<PriceTable> {
    if let Some(p) = overlay {
        if !p.is_object() {
            ctx.err(
                overlay_at,
                "expected a mapping of price-table entries (the shape of prices/us-east-1.yaml)",
            );
            return None;
        }
        crate::cost::prices::deep_merge(&mut table, p);
    }
    let before = ctx.problems.len();
    negative_prices(ctx, at, &table);
    unknown_price_sections(ctx, at, &table);
    check_price_sections(&table, at, ctx.problems);
    let parsed = super::load::field::<PriceTable>(table, at, ctx.problems);
    parsed.filter(|_| ctx.problems.len() == before)
}

/// The shipped table: the core file with each service's section (`ServiceKey::Prices`).
fn shipped_table() -> serde_json::Value {
    let mut table: serde_json::Value = serde_yaml_ng::from_str(crate::cost::prices::DEFAULT_TABLE)
        .expect("the shipped table is YAML");
    for &(key, shipped) in SERVICE_PRICES.iter().filter(|(key, _)| !key.is_empty()) {
        let section = serde_yaml_ng::from_str(shipped).expect("a shipped price section is YAML");
        table[key] = section;
    }
    table
}

/// A section of the table that neither the core nor a service declares.
fn unknown_price_sections(ctx: &mut Ctx, at: &str, table: &serde_json::Value) {
    let Some(map) = table.as_object() else {
        return; // the table's own type error is reported by its parse
    };
    let known: Vec<&str> = (crate::cost::prices::CORE_KEYS.iter().copied())
        .chain(
            SERVICE_PRICES
                .iter()
                .map(|(key, _)| *key)
                .filter(|k| !k.is_empty()),
        )
        .collect();
    for key in map.keys().filter(|k| !known.contains(&k.as_str())) {
        ctx.err(
            &format!("{at}.{key}"),
            format!(
                "unknown price section `{key}`{}; expected one of: {}",
                super::did_you_mean(key, &known),
                known.join(", ")
            ),
        );
    }
}

/// Every number in a price table (prices, granularities, free tiers) is zero or more.
fn negative_prices(ctx: &mut Ctx, path: &str, value: &serde_json::Value) {
    match value {
        serde_json::Value::Number(n) if n.as_f64().is_some_and(|v| v < 0.0) => {
            ctx.err(path, format!("a price must be zero or more, got {n}"));
        }
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                negative_prices(ctx, &format!("{path}.{k}"), v);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                negative_prices(ctx, &format!("{path}[{i}]"), v);
            }
        }
        _ => {}
    }
}
