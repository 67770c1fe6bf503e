//! What auto scaling did and why it did not: scaling activities and health replacements
//! counted apart, the alarm history (`alarms.csv`, like CloudWatch's), and per policy how
//! often it wanted to act but was held back (warming instances, cooldown, max or min
//! reached, insufficient data).

use crate::model::scaling_policy::Blocked;
use crate::sim::{GroupResult, RunResult};
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// Scaling activities (desired-capacity changes and AZ rebalancing) of a group.
pub fn scaling_activities(g: &GroupResult) -> usize {
    g.activities.iter().filter(|a| !a.replacement).count()
}

/// Health replacements (unhealthy or stopped instances replaced) of a group.
pub fn health_replacements(g: &GroupResult) -> usize {
    g.activities.iter().filter(|a| a.replacement).count()
}

/// `policies.NAME.blocked.REASON` of a group in `summary.json`: evaluations at which the
/// policy wanted to act but could not.
pub fn policies_json(g: &GroupResult) -> Value {
    let policies: Map<String, Value> = g
        .policies
        .iter()
        .map(|p| {
            let blocked: Map<String, Value> = Blocked::ALL
                .iter()
                .map(|b| (b.key().to_string(), json!(p.blocked[b.index()])))
                .collect();
            (p.name.clone(), json!({ "blocked": blocked }))
        })
        .collect();
    Value::Object(policies)
}

/// `alarms.csv`: `time_s,group,policy,alarm,state,value,threshold`, every alarm state change
/// in time order (value empty when no datapoint was visible).
pub fn alarms_csv(result: &RunResult) -> String {
    let mut rows: Vec<(f64, &str, String)> = Vec::new();
    for g in &result.groups {
        for c in &g.alarm_history {
            let value = c.value.map(|v| format!("{v}")).unwrap_or_default();
            rows.push((
                c.time.as_secs_f64(),
                g.name.as_str(),
                format!(
                    "{},{},{},{value},{}",
                    g.policy_names[c.policy.index()],
                    c.alarm,
                    c.state.name(),
                    c.threshold
                ),
            ));
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    let mut out = String::from("time_s,group,policy,alarm,state,value,threshold\n");
    for (t, g, rest) in rows {
        let _ = writeln!(out, "{t},{g},{rest}");
    }
    out
}

/// The human table's "why it did not scale" lines: one per policy held back at least once.
pub fn blocked_table(out: &mut String, r: &RunResult) {
    let held: Vec<(&str, &crate::sim::PolicyResult)> = r
        .groups
        .iter()
        .flat_map(|g| g.policies.iter().map(move |p| (g.name.as_str(), p)))
        .filter(|(_, p)| p.blocked.iter().any(|n| *n > 0))
        .collect();
    if held.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\npolicy wanted to act but could not (evaluations): {:>8} {:>9} {:>8} {:>8} {:>8}",
        "warming", "cooldown", "at max", "at min", "no data"
    );
    for (g, p) in held {
        let b = &p.blocked;
        let _ = writeln!(
            out,
            "{:<49} {:>8} {:>9} {:>8} {:>8} {:>8}",
            format!("{g} / {}", p.name),
            b[Blocked::Warming.index()],
            b[Blocked::Cooldown.index()],
            b[Blocked::MaxReached.index()],
            b[Blocked::MinReached.index()],
            b[Blocked::InsufficientData.index()]
        );
    }
}
