//! `summary.json`: the documented contract of DESIGN.md section 4 (keys, names and units).

use crate::metrics::{Latency, Outcome, RequestStats, StatusClass};
use crate::sections::SECTIONS;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};

/// The summary of one run as a JSON value (key order is the documented order): the run's
/// header and overall figures, then every service's section (`sections`).
pub fn summary_json(r: &RunResult) -> Value {
    let mut out = Map::new();
    for (key, value) in [
        ("schema", json!(1)),
        ("scenario", json!(r.scenario)),
        ("seed", json!(r.seed)),
        ("replications", json!(1)),
        ("sim_duration_s", json!(r.sim_duration_s)),
        ("warmup_s", json!(r.warmup_s)),
        ("events", json!(r.events)),
        ("wall_s", json!(r.wall_s)),
        ("requests", requests_json(&r.overall, Some(r.in_flight))),
        ("latency_ms", latency_json(&r.overall.latency)),
    ] {
        out.insert(key.into(), value);
    }
    for section in SECTIONS {
        section.summary(r, &mut out);
    }
    Value::Object(out)
}

pub fn requests_json(s: &RequestStats, in_flight: Option<u64>) -> Value {
    // A target's 500 (`http_500`, an injected target error) is listed when there are some.
    let errors: Map<String, Value> = Outcome::ERRORS
        .iter()
        .zip(s.errors)
        // Keys that exist only with some features (targets' 500s, failed resolutions of
        // geolocation records): listed when there are some.
        .filter(|&(o, n)| (*o != Outcome::Http500 && *o != Outcome::DnsNoAnswer) || n > 0)
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
    // The load balancer's own answers (fixed responses, redirects), neither ok nor failed,
    // by status class, when there are some.
    if s.answered_by_load_balancer() > 0 {
        let classes: Map<String, Value> = (StatusClass::ALL.iter())
            .map(|c| (c.key().to_string(), json!(s.by_load_balancer[c.index()])))
            .collect();
        v["answered_by_load_balancer"] = Value::Object(classes);
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
