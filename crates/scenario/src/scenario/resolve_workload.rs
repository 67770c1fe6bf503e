//! Validation of workloads: targets, rate profiles, request classes, distributions, and the
//! CSV files (traces, samples) they may name.

use super::raw::*;
use super::resolve::{Ctx, reference};
use super::resolve_queue::resolve_message;
use super::targets::{Registered, Shape};
use super::units::{Bytes, MAX_SECONDS};
use crate::dist::Dist;
use crate::ids::{FunctionId, LbId, QueueId};
use crate::kernel::SimTime;
use crate::model::alb::{LoadBalancerSpec, TargetGroupSpec};
use crate::model::rules::RequestLine;
use crate::workload::profile::MAX_RATE;
use crate::workload::{ArrivalKind, ClassSpec, InvocationType, RateProfile, Target, WorkloadSpec};
use std::collections::BTreeMap;

/// What a workload may target besides load balancers: functions, the target groups (whose
/// target may be a function), queues, and the kinds services register (`targets`).
#[derive(Clone, Copy)]
pub(super) struct Targets<'a> {
    pub functions: &'a BTreeMap<String, FunctionId>,
    pub target_groups: &'a [TargetGroupSpec],
    pub queues: &'a BTreeMap<String, QueueId>,
    pub services: &'a [Registered],
}

/// The most clients a workload may have (each sticky action keeps an entry per client).
pub const MAX_CLIENTS: u32 = 1_000_000;

pub(super) fn resolve_workload(
    ctx: &mut Ctx,
    name: &str,
    w: &RawWorkload,
    lbs: &BTreeMap<String, LbId>,
    lb_specs: Option<&Vec<LoadBalancerSpec>>,
    free_rules: u32,
    targets: Targets,
) -> Option<WorkloadSpec> {
    let Targets {
        functions,
        target_groups,
        queues,
        services,
    } = targets;
    let service = super::targets::kind_of(services, &w.target).map(|r| r.kind);
    let path = format!("workloads.{name}");
    let target = match w.target.split_once('/') {
        Some(("lambda", f)) => reference(
            ctx,
            &format!("{path}.target"),
            functions,
            "Lambda function",
            "lambda_functions",
            f,
        )
        .map(Target::Lambda),
        Some(("alb", lb)) => reference(
            ctx,
            &format!("{path}.target"),
            lbs,
            "load balancer",
            "load_balancers",
            lb,
        )
        .map(Target::Alb),
        Some(("sqs", q)) => reference(ctx, &format!("{path}.target"), queues, "queue", "queues", q)
            .map(Target::Queue),
        Some(("dns", record)) => {
            let records = ctx.dns_primaries.clone();
            reference(
                ctx,
                &format!("{path}.target"),
                &records,
                "DNS record",
                "dns",
                record,
            )
            .flatten()
            .map(Target::Alb)
        }
        _ => match super::targets::resolve(ctx, &format!("{path}.target"), services, &w.target) {
            Some(target) => target,
            None => {
                let expected = super::targets::expected(services, &w.target);
                ctx.err(&format!("{path}.target"), expected);
                None
            }
        },
    };
    let invocation = match w.invocation {
        Some(RawInvocation::Async) => InvocationType::Async,
        Some(RawInvocation::Sync) | None => InvocationType::Sync,
    };
    let lambda_target = w.target.starts_with("lambda/");
    if !lambda_target && w.invocation.is_some() {
        ctx.err(
            &format!("{path}.invocation"),
            "only a `lambda/NAME` target has an invocation type",
        );
    }
    // A bare service target (a stream's producer writes one record per arrival) takes no
    // CPU work and no classes.
    let bare = match service.map(|k| k.shape) {
        Some(Shape::Bare { why }) => Some(why),
        _ => None,
    };
    if lambda_target || bare.is_some() {
        let why = bare.unwrap_or(
            "a Lambda target takes its time from the function's `duration`: leave it out",
        );
        for (key, given) in [("work", w.work.is_some()), ("classes", w.classes.is_some())] {
            if given {
                ctx.err(&format!("{path}.{key}"), why);
            }
        }
        let rate = resolve_rate(ctx, &format!("{path}.rate"), &w.rate);
        let arrivals = match w.arrivals {
            Some(RawArrivals::Uniform) => ArrivalKind::Uniform,
            Some(RawArrivals::Poisson) | None => ArrivalKind::Poisson,
        };
        if w.clients.is_some() {
            ctx.err(
                &format!("{path}.clients"),
                format!(
                    "clients matter to sticky load balancers only: a `{}/NAME` target has none",
                    w.target.split_once('/').map_or("", |p| p.0)
                ),
            );
        }
        return Some(WorkloadSpec {
            name: name.to_string(),
            target: target?,
            arrivals,
            rate: rate?,
            classes: Vec::new(),
            invocation,
            clients: None,
        });
    }
    let rate = resolve_rate(ctx, &format!("{path}.rate"), &w.rate);
    let arrivals = match w.arrivals {
        Some(RawArrivals::Uniform) => ArrivalKind::Uniform,
        Some(RawArrivals::Poisson) | None => ArrivalKind::Poisson,
    };
    if let (Some(_), Some(classes)) = (&w.work, &w.classes)
        && !classes.is_empty()
        && classes.iter().all(|c| c.work.is_some())
    {
        ctx.err(
            &format!("{path}.work"),
            "ignored: every class has its own `work`; set `classes[i].work` instead (or leave it out)",
        );
    }
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
            method: None,
            headers: None,
            query: None,
            source_ip: None,
            weight: None,
            work: None,
            request_bytes: None,
            response_bytes: None,
            nat_bytes: None,
            enqueue: None,
            enqueue_work: None,
            message_bytes: None,
            message_delay: None,
            poison: None,
            calls: None,
        }],
    };
    let total_weight: f64 = raw_classes.iter().map(|c| c.weight.unwrap_or(1.0)).sum();
    if total_weight.is_infinite() {
        ctx.err(
            &format!("{path}.classes"),
            "the class weights add up to more than the largest number; use smaller weights (only their ratios matter)",
        );
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
        let host = c.host.clone().or_else(|| w.host.clone());
        let method = c.method.clone().unwrap_or_else(|| "GET".into());
        let pairs = |m: &Option<BTreeMap<String, String>>| -> Vec<(String, String)> {
            m.iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let (headers, query) = (pairs(&c.headers), pairs(&c.query));
        let source_ip = c.source_ip.as_ref().and_then(|ip| match ip.parse() {
            Ok(ip) => Some(ip),
            Err(_) => {
                ctx.err(
                    &format!("{cpath}.source_ip"),
                    format!("expected an IPv4 or IPv6 address, got `{ip}`"),
                );
                None
            }
        });
        let line = RequestLine {
            host: host.as_deref(),
            path: &req_path,
            method: &method,
            headers: &headers,
            query: &query,
            source_ip,
        };
        let (tg, rule, evaluations) = match (target, lb_specs) {
            (Some(Target::Alb(lb)), Some(specs)) => {
                let spec = &specs[lb.index()];
                let (rule, evaluations) = spec.route_with_evaluations(&line);
                (Some(spec.action(rule).clone()), rule, evaluations)
            }
            _ => (None, 0, 0),
        };
        // A Lambda target group takes its time from the function: no CPU work needed (every
        // target group a weighted action names must be one). A fixed response or a redirect
        // involves no target at all.
        let to_lambda = tg.as_ref().and_then(|a| a.forward()).is_some_and(|f| {
            f.groups().all(|t| {
                target_groups
                    .get(t.index())
                    .is_some_and(|g| g.lambda().is_some())
            })
        });
        let no_target = tg.as_ref().is_some_and(|a| a.forward().is_none());
        let work = match &c.work {
            Some(d) => resolve_dist(ctx, &format!("{cpath}.work"), d),
            // A service target with classes takes its own time: an API's integration
            // (`api_gateways`), a distribution's object-store origin (`cloudfront` checks
            // the ALB's).
            None if to_lambda || no_target || service.is_some() => {
                Some(Dist::Constant(SimTime::ZERO))
            }
            None if w.classes.is_some() && default_work.is_none() => {
                ctx.err(
                    &format!("{cpath}.work"),
                    "required: the class's CPU demand (or give the workload a `work`)",
                );
                None
            }
            None if w.classes.is_none() && default_work.is_none() => {
                ctx.err(&format!("{path}.work"), "required: the CPU demand of a request, e.g. `{dist: exponential, mean: 80ms}` (or give `classes` with `work`)");
                None
            }
            None => default_work.clone(),
        };
        let queue = match target {
            Some(Target::Queue(q)) => Some(q),
            _ => None,
        };
        let message = resolve_message(ctx, &cpath, w, c, queue, work.as_ref(), queues);
        if to_lambda && c.enqueue.is_some() {
            ctx.err(
                &format!("{cpath}.enqueue"),
                "applies to requests served by instances; this class goes to a Lambda target group",
            );
        }
        let bytes = |own: Option<Bytes>, shared: Option<Bytes>, default: u64| {
            own.or(shared).map(|b| b.0).unwrap_or(default)
        };
        let via_service = matches!(target, Some(Target::Service(_)));
        let routed = tg.is_some() || (queue.is_some() && message.is_some()) || via_service;
        if let (Some(work), true) = (work, routed) {
            classes.push(ClassSpec {
                name: c.name.clone(),
                path: req_path,
                host,
                method,
                headers,
                query,
                source_ip,
                weight,
                work,
                action: tg,
                rule,
                request_bytes: bytes(c.request_bytes, w.request_bytes, 2_000),
                response_bytes: bytes(c.response_bytes, w.response_bytes, 20_000),
                nat_bytes: bytes(c.nat_bytes, w.nat_bytes, 0),
                billable_rule_evaluations: evaluations.saturating_sub(free_rules),
                message,
            });
        }
    }
    let complete = classes.len() == raw_classes.len();
    let clients = match w.clients {
        Some(_) if matches!(target, Some(Target::Queue(_))) => {
            ctx.err(
                &format!("{path}.clients"),
                "clients matter to sticky load balancers only: give them to a workload whose \
                 target is `alb/NAME` or `dns/NAME`",
            );
            None
        }
        Some(n) if n == 0 || n > MAX_CLIENTS => {
            ctx.err(
                &format!("{path}.clients"),
                format!("expected 1 to {MAX_CLIENTS} clients, got {n}"),
            );
            None
        }
        other => other,
    };
    Some(WorkloadSpec {
        name: name.to_string(),
        target: target?,
        arrivals,
        rate: rate?,
        classes,
        invocation,
        clients,
    })
    .filter(|_| complete)
}

pub(super) fn resolve_rate(ctx: &mut Ctx, path: &str, r: &RawRate) -> Option<RateProfile> {
    let profile = resolve_rate_profile(ctx, path, r)?;
    let peak = profile.peak_rate();
    if peak > MAX_RATE {
        ctx.err(
            path,
            format!(
                "the rate reaches {peak:.3e} requests per second; at most {MAX_RATE:e} \
                 (split the traffic over several workloads, or scale the scenario down)"
            ),
        );
        return None;
    }
    Some(profile)
}

fn resolve_rate_profile(ctx: &mut Ctx, path: &str, r: &RawRate) -> Option<RateProfile> {
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
        RawProfile::Sum { of } => {
            if of.is_empty() {
                ctx.err(&format!("{path}.of"), "expected at least one profile");
                return None;
            }
            let mut parts = Vec::new();
            for (i, part) in of.iter().enumerate() {
                let at = format!("{path}.of[{i}]");
                if matches!(part, RawProfile::Trace { .. }) {
                    ctx.err(
                        &at,
                        "a trace cannot be part of a sum (use a second workload)",
                    );
                    continue;
                }
                let resolved = match part {
                    RawProfile::Constant { value } => ctx
                        .positive(&at, *value, "rate (requests per second)")
                        .then_some(RateProfile::Constant(*value)),
                    p => resolve_rate(ctx, &at, &RawRate::Profile(p.clone())),
                };
                parts.extend(resolved);
            }
            (parts.len() == of.len()).then(|| RateProfile::Sum(parts.into()))
        }
        RawProfile::Trace { file, format } => {
            let values = read_csv_file(ctx, &format!("{path}.file"), file)?;
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
                    if let Some(bad) = values.iter().position(|v| *v > f64::from(u32::MAX)) {
                        ctx.err(
                            &format!("{path}.file"),
                            format!(
                                "count {} (row {}) is past the largest count, {}",
                                values[bad],
                                bad + 1,
                                u32::MAX
                            ),
                        );
                        return None;
                    }
                    Some(RateProfile::Counts(
                        values.iter().map(|v| *v as u32).collect(),
                    ))
                }
                RawTraceFormat::Timestamps => {
                    if let Some(bad) = values.iter().position(|v| *v < 0.0 || *v > MAX_SECONDS) {
                        ctx.err(
                            &format!("{path}.file"),
                            format!(
                                "timestamp {} (row {}) is outside 0..{MAX_SECONDS} seconds",
                                values[bad],
                                bad + 1
                            ),
                        );
                        return None;
                    }
                    let mut ts: Vec<SimTime> =
                        values.iter().map(|v| SimTime::from_secs_f64(*v)).collect();
                    ts.sort();
                    Some(RateProfile::Timestamps(ts.into()))
                }
            }
        }
    }
}

/// Reads the first column of a CSV file (relative to the scenario, see `DataFiles`) as numbers.
fn read_csv_file(ctx: &mut Ctx, path: &str, file: &str) -> Option<Vec<f64>> {
    match ctx.files.read(file) {
        Ok(text) => read_column(ctx, path, &text),
        Err(e) => {
            ctx.err(path, e);
            None
        }
    }
}

/// Reads the first column of a CSV of numbers; a non-numeric first row is a header.
pub(super) fn read_column(ctx: &mut Ctx, path: &str, text: &str) -> Option<Vec<f64>> {
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
                    format!(
                        "line {}: expected a number, got {}",
                        i + 1,
                        super::output_name::excerpt(cell)
                    ),
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

pub(super) fn resolve_dist(ctx: &mut Ctx, path: &str, d: &RawDist) -> Option<Dist> {
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
            let values = read_csv_file(ctx, &format!("{path}.file"), file)?;
            if values.iter().any(|v| *v < 0.0) {
                ctx.err(&format!("{path}.file"), "samples must not be negative");
                return None;
            }
            if let Some(v) = values.iter().find(|v| *v * scale >= MAX_SECONDS) {
                ctx.err(
                    &format!("{path}.file"),
                    format!("sample {v} is past the longest duration, 584 years"),
                );
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
