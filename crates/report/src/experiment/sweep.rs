//! Sweeps and plans: parameters over ranges (a grid when several vary), each point judged
//! against an SLO (see `slo` for what a verdict may claim), and the cheapest point that meets
//! it named.

use super::Cell;
use super::aggregate::Aggregate;
use super::compare::{Experiment, figure, headline_figures_of};
use super::slo::{Objective, verdicts};
use serde_json::{Value, json};
use std::fmt::Write;

/// `sweep.json` (DESIGN.md section 4): points, SLO verdicts and the cheapest point meeting
/// the SLO (by the mean, and with 95% confidence when there are replications).
pub fn sweep_json(
    exp: &Experiment,
    groups: &[Vec<&Cell>],
    aggs: &[Aggregate],
    objectives: &[Objective],
) -> Value {
    let has_slo = !objectives.is_empty();
    let mut best: Option<(usize, f64, f64)> = None;
    let mut best_confident: Option<(usize, f64, f64)> = None;
    let points: Vec<Value> = exp
        .variants
        .iter()
        .zip(aggs)
        .zip(groups)
        .enumerate()
        .map(|(i, (((_, values), agg), cells))| {
            let judged = verdicts(objectives, cells);
            let meets = has_slo.then(|| judged.iter().all(|v| v.met));
            let confident = (has_slo && exp.replications >= 2).then(|| {
                judged
                    .iter()
                    .all(|v| v.met_with_95_confidence == Some(true))
            });
            let key = (
                agg.summary["cost_usd"]["total"].as_f64().unwrap_or(0.0),
                instance_hours(&agg.summary),
            );
            for (flag, slot) in [(meets, &mut best), (confident, &mut best_confident)] {
                if flag == Some(true) && slot.is_none_or(|(_, c, h)| key < (c, h)) {
                    *slot = Some((i, key.0, key.1));
                }
            }
            json!({
                "values": values.iter().map(|(p, v)| (p.clone(), value(v))).collect::<serde_json::Map<_, _>>(),
                "summary": agg.summary,
                "slo": judged.iter().map(|v| v.to_json()).collect::<Vec<_>>(),
                "meets_slo": meets,
                "meets_slo_with_95_confidence": confident,
            })
        })
        .collect();
    let named = |b: Option<(usize, f64, f64)>| {
        b.map(|(i, cost, _)| {
            json!({
                "values": points[i]["values"],
                "cost_usd": cost,
                "meets_slo_with_95_confidence": points[i]["meets_slo_with_95_confidence"],
            })
        })
    };
    json!({
        "scenario": exp.scenario,
        "replications": exp.replications,
        "slo": exp.slo,
        "points": points,
        "best": named(best),
        "best_with_95_confidence": named(best_confident),
    })
}

fn value(v: &str) -> Value {
    v.parse::<i64>()
        .map(Value::from)
        .or_else(|_| v.parse::<f64>().map(Value::from))
        .unwrap_or_else(|_| Value::from(v))
}

fn instance_hours(summary: &Value) -> f64 {
    summary["auto_scaling_groups"]
        .as_object()
        .map(|g| {
            g.values()
                .map(|x| x["instance_hours"].as_f64().unwrap_or(0.0))
                .sum()
        })
        .unwrap_or(0.0)
}

/// A point's values as `name=value` (the last segment of each path), space-separated.
pub fn point_name(point: &Value) -> String {
    point["values"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            format!(
                "{}={}",
                k.rsplit('.').next().unwrap_or(k),
                v.to_string().trim_matches('"')
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A point's SLO mark: `yes`, `yes (single run)`, `yes (mean only)` or `no`; empty
/// without an SLO.
pub fn slo_mark(point: &Value) -> &'static str {
    match (
        point["meets_slo"].as_bool(),
        point["meets_slo_with_95_confidence"].as_bool(),
    ) {
        (None, _) => "",
        (Some(true), Some(true)) => "yes",
        (Some(true), None) => "yes (single run)",
        (Some(true), Some(false)) => "yes (mean only)",
        (Some(false), _) => "no",
    }
}

/// What the sweep concludes about the SLO, in one or two sentences (empty without an SLO).
pub fn conclusion(sweep: &Value) -> String {
    if !sweep["slo"].is_string() {
        return String::new();
    }
    let name = |b: &Value| point_name(&json!({"values": b["values"]}));
    let single = sweep["replications"].as_u64().unwrap_or(1) < 2;
    match (
        sweep["best"].as_object(),
        sweep["best_with_95_confidence"].as_object(),
    ) {
        (None, _) => format!("no point meets the SLO {}", sweep["slo"]),
        (Some(b), _) if single => format!(
            "cheapest point meeting the SLO: {} (a single run: no confidence; add --replications 2 or more)",
            name(&Value::Object(b.clone()))
        ),
        (Some(b), Some(c)) if b["values"] == c["values"] => format!(
            "cheapest point meeting the SLO: {} (met with 95% confidence)",
            name(&Value::Object(b.clone()))
        ),
        (Some(b), Some(c)) => format!(
            "cheapest point meeting the SLO: {} by the mean, not with 95% confidence; with 95% confidence: {}",
            name(&Value::Object(b.clone())),
            name(&Value::Object(c.clone()))
        ),
        (Some(b), None) => format!(
            "cheapest point meeting the SLO: {} by the mean; no point meets it with 95% confidence (add --replications)",
            name(&Value::Object(b.clone()))
        ),
    }
}

/// The printed sweep: one row per point with its headline figures and SLO mark, the SLO's
/// judged figures, and the conclusion.
pub fn sweep_table(sweep: &Value) -> String {
    let points = sweep["points"].as_array().cloned().unwrap_or_default();
    let mut out = String::new();
    if points.is_empty() {
        return out;
    }
    let has_slo = sweep["slo"].is_string();
    let figures = headline_figures_of(&points);
    let width = points
        .iter()
        .map(|p| point_name(p).len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = write!(out, "{:<width$}", "point");
    for (label, _) in &figures {
        let _ = write!(out, " {label:>14}");
    }
    if has_slo {
        let _ = write!(out, "  slo");
    }
    out.push('\n');
    for p in &points {
        let _ = write!(out, "{:<width$}", point_name(p));
        for (_, path) in &figures {
            let m = figure(&p["summary"], path);
            let h = figure(&p["summary"]["ci95"], path);
            let _ = write!(out, " {:>14}", super::compare::with_ci(m, h));
        }
        if has_slo {
            let _ = write!(out, "  {}", slo_mark(p));
        }
        out.push('\n');
    }
    if has_slo {
        let _ = writeln!(out, "\nSLO {} as judged:", sweep["slo"]);
        for p in &points {
            let judged: Vec<String> = p["slo"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| {
                    // A share (`>= 0.99`) reads best in percent.
                    let share = v["needs"].as_str().is_some_and(|n| n.starts_with(">= 0."));
                    let shown = |x: f64| {
                        if share {
                            format!("{:.3}%", 100.0 * x)
                        } else {
                            super::compare::num(x)
                        }
                    };
                    let value = shown(v["value"].as_f64().unwrap_or(0.0));
                    let ci = v["ci95"]
                        .as_f64()
                        .map(|h| format!(" ± {}", shown(h)))
                        .unwrap_or_default();
                    format!(
                        "{}: {value}{ci} (needs {})",
                        v["objective"].as_str().unwrap_or(""),
                        if share {
                            shown(
                                v["needs"].as_str().unwrap_or("")[3..]
                                    .parse()
                                    .unwrap_or(0.0),
                            )
                        } else {
                            v["needs"].as_str().unwrap_or("").to_string()
                        }
                    )
                })
                .collect();
            let _ = writeln!(out, "  {:<width$}  {}", point_name(p), judged.join("; "));
        }
        let _ = writeln!(
            out,
            "  (a latency percentile is judged as the share of requests answered successfully within the threshold; failed requests and unfinished ones already older than it count against)"
        );
    }
    out.push_str(&super::compare::wide_interval_note(
        &points, &figures, point_name,
    ));
    let c = conclusion(sweep);
    if !c.is_empty() {
        let _ = writeln!(out, "\n{c}");
    }
    out
}
