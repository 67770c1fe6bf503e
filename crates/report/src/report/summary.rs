//! `summary.json`: the documented contract of DESIGN.md section 4 (keys, names and units).

use crate::metrics::{Latency, Outcome, RequestStats};
use crate::sim::RunResult;
use serde_json::{Map, Value, json};

/// The summary of one run as a JSON value (key order is the documented order).
pub fn summary_json(r: &RunResult) -> Value {
    let workloads: Map<String, Value> = r
        .workloads
        .iter()
        .enumerate()
        .map(|(i, (name, s))| {
            let in_flight = r.in_flight_by_workload.get(i).copied().unwrap_or(0);
            (
                name.clone(),
                json!({"requests": requests_json(s, Some(in_flight)), "latency_ms": latency_json(&s.latency)}),
            )
        })
        .collect();
    let groups: Map<String, Value> = r
        .groups
        .iter()
        .map(|g| {
            (
                g.name.clone(),
                json!({
                    "launched": g.launched,
                    "terminated": g.terminated,
                    "max_in_service": g.max_in_service,
                    "instance_hours": g.instance_hours,
                    "mean_cpu_percent": g.mean_cpu_percent,
                    "scaling_activities": super::scaling::scaling_activities(g),
                    "health_replacements": super::scaling::health_replacements(g),
                    "policies": super::scaling::policies_json(g),
                }),
            )
        })
        .collect();
    json!({
        "schema": 1,
        "scenario": r.scenario,
        "seed": r.seed,
        "replications": 1,
        "sim_duration_s": r.sim_duration_s,
        "warmup_s": r.warmup_s,
        "events": r.events,
        "wall_s": r.wall_s,
        "requests": requests_json(&r.overall, Some(r.in_flight)),
        "latency_ms": latency_json(&r.overall.latency),
        "workloads": workloads,
        "auto_scaling_groups": groups,
        "lambda_functions": lambda_functions_json(r),
        "queues": super::queues::queues_json(r),
        "cost_usd": {
            "total": r.cost.total,
            "by_service": r.cost.by_service,
            "per_million_requests": if r.arrived > 0 { r.cost.total / r.arrived as f64 * 1e6 } else { 0.0 },
            "per_hour": cost_per_hour(r),
        },
        "availability": super::resilience::availability_json(r),
        "errors_by_cause": super::resilience::errors_by_cause_json(r),
        "faults": super::resilience::faults_json(r),
        "databases": super::resilience::databases_json(r),
        "dns": super::resilience::dns_json(r),
        "caches": super::resilience::caches_json(r),
    })
}

/// The window's cost over its length in hours (the warm-up is not billed).
fn cost_per_hour(r: &RunResult) -> f64 {
    let hours = (r.sim_duration_s - r.warmup_s) / 3600.0;
    if hours > 0.0 {
        r.cost.total / hours
    } else {
        0.0
    }
}

fn requests_json(s: &RequestStats, in_flight: Option<u64>) -> Value {
    let errors: Map<String, Value> = Outcome::ERRORS
        .iter()
        .zip(s.errors)
        .map(|(o, n)| (o.key().to_string(), json!(n)))
        .collect();
    let mut v = json!({
        "total": s.total + in_flight.unwrap_or(0),
        "ok": s.ok,
        "failed": s.failed(),
        "errors": errors,
    });
    if let Some(n) = in_flight {
        v["in_flight"] = json!(n);
    }
    v
}

/// Latency of successful requests, in milliseconds.
pub fn latency_json(l: &Latency) -> Value {
    json!({
        "count": l.count(),
        "mean": l.mean_ms(),
        "p50": l.quantile_ms(0.5),
        "p90": l.quantile_ms(0.9),
        "p99": l.quantile_ms(0.99),
        "p999": l.quantile_ms(0.999),
        "max": l.max_ms(),
    })
}

/// `lambda_functions.NAME`: invocations and how they went, after the warm-up.
fn lambda_functions_json(r: &RunResult) -> Value {
    let functions: Map<String, Value> = r
        .lambda_functions
        .iter()
        .map(|f| {
            let t = &f.totals;
            let attempts = t.invocations + t.throttles;
            (
                f.name.clone(),
                json!({
                    "invocations": t.invocations,
                    "throttles": t.throttles,
                    "throttle_fraction": if attempts > 0 { t.throttles as f64 / attempts as f64 } else { 0.0 },
                    "cold_starts": t.cold_starts,
                    "max_concurrency": t.max_concurrency,
                    "errors": t.errors,
                    "timeouts": t.timeouts,
                    "duration_ms": latency_json(&t.duration),
                    "init_ms": latency_json(&t.init),
                    "gb_seconds": f.gb_seconds,
                    "async": {
                        "events": t.async_events,
                        "succeeded": t.async_succeeded,
                        "failed": t.async_failed,
                        "expired": t.async_expired,
                        "retries": t.async_retries,
                    },
                }),
            )
        })
        .collect();
    Value::Object(functions)
}
