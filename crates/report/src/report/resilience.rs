//! The failure side of the outputs: availability against the SLO, errors by cause, per-fault
//! detection and recovery, databases and DNS records in `summary.json`, and the fault
//! timeline `faults.csv` (`time_s,fault,event,detail`).

use crate::sim::RunResult;
use serde_json::{Map, Value, json};

pub fn availability_json(r: &RunResult) -> Value {
    let a = &r.resilience;
    json!({
        "overall": a.availability,
        "slo": a.slo,
        "periods_below_slo": a.periods_below_slo,
        "longest_run_below_slo_periods": a.longest_run_below_slo,
        "longest_run_below_slo_s": a.longest_run_below_slo as f64 * a.period_s,
    })
}

pub fn errors_by_cause_json(r: &RunResult) -> Value {
    let m: Map<String, Value> = r
        .resilience
        .errors_by_cause
        .iter()
        .map(|(k, n)| (k.clone(), json!(n)))
        .collect();
    Value::Object(m)
}

pub fn faults_json(r: &RunResult) -> Value {
    r.resilience
        .faults
        .iter()
        .map(|f| {
            json!({
                "kind": f.kind,
                "target": f.target,
                "at_s": f.at_s,
                "ended_s": f.ended_s,
                "time_to_detect_s": f.time_to_detect_s,
                "time_to_recover_s": f.time_to_recover_s,
            })
        })
        .collect()
}

pub fn databases_json(r: &RunResult) -> Value {
    let m: Map<String, Value> = r
        .resilience
        .databases
        .iter()
        .filter(|d| d.hits.is_none())
        .map(|d| {
            (
                d.name.clone(),
                json!({
                    "multi_az": d.multi_az,
                    "calls": d.calls,
                    "failed_calls": d.failed_calls,
                    "failovers": d.failovers,
                    "downtime_s": d.downtime_s,
                    "max_connections_in_use": d.max_connections_in_use,
                    "primary_az": d.primary_az,
                }),
            )
        })
        .collect();
    Value::Object(m)
}

/// Caches: lookups, hits (and the observed hit ratio), lookups that found it unavailable,
/// replica promotions and time without a primary.
pub fn caches_json(r: &RunResult) -> Value {
    let m: Map<String, Value> = r
        .resilience
        .databases
        .iter()
        .filter_map(|d| d.hits.map(|hits| (d, hits)))
        .map(|(d, hits)| {
            let mut v = json!({
                "lookups": d.calls,
                "hits": hits,
                "hit_ratio": if d.calls > 0 { hits as f64 / d.calls as f64 } else { 0.0 },
                "unavailable_lookups": d.failed_calls,
                "promotions": d.failovers,
                "downtime_s": d.downtime_s,
                "primary_az": d.primary_az,
            });
            // An ElastiCache cluster adds its engine, nodes and node losses.
            if let (Some(c), Some(m)) = (&d.cache, v.as_object_mut()) {
                m.insert("engine".into(), json!(c.engine));
                m.insert("node_type".into(), json!(c.node_type));
                m.insert("nodes".into(), json!(c.nodes));
                m.insert("node_misses".into(), json!(c.node_misses));
                m.insert("node_replacements".into(), json!(c.node_replacements));
                m.insert("expired_misses".into(), json!(c.expired_misses));
                m.insert("servers_per_node".into(), json!(c.servers_per_node));
                m.insert("engine_utilization".into(), json!(c.engine_utilization));
            }
            (d.name.clone(), v)
        })
        .collect();
    Value::Object(m)
}

/// `faults.csv`: the fault timeline in time order; `fault` is the fault's label (empty for
/// consequences not tied to one fault, such as DNS answer changes).
pub fn faults_csv(r: &RunResult) -> String {
    let mut out = String::from("time_s,fault,event,detail\n");
    for e in &r.resilience.timeline {
        let fault = e
            .fault
            .and_then(|f| r.resilience.faults.get(f.index()))
            .map(|f| format!("{} {}", f.kind, f.target))
            .unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},\"{}\"\n",
            e.time.as_secs_f64(),
            csv_field(&fault),
            e.event,
            e.detail.replace('"', "\"\"")
        ));
    }
    out
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
