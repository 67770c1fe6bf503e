//! Sweeps and plans: one parameter over a range, each point judged against an SLO, and the
//! cheapest point that meets it named.

use super::aggregate::Aggregate;
use super::compare::{Experiment, figure, headline_figures_of, slo_verdict};
use super::slo::Objective;
use serde_json::{Value, json};
use std::fmt::Write;

/// `sweep.json` (DESIGN.md section 4): points, SLO verdicts and the best point.
pub fn sweep_json(exp: &Experiment, aggs: &[Aggregate], objectives: &[Objective]) -> Value {
    let mut best: Option<(usize, f64, f64)> = None;
    let points: Vec<Value> = exp
        .variants
        .iter()
        .zip(aggs)
        .enumerate()
        .map(|(i, ((_, values), agg))| {
            let (meets, confident) = slo_verdict(objectives, &agg.summary);
            if meets {
                let cost = agg.summary["cost_usd"]["total"].as_f64().unwrap_or(0.0);
                let hours = instance_hours(&agg.summary);
                if best.is_none_or(|(_, c, h)| (cost, hours) < (c, h)) {
                    best = Some((i, cost, hours));
                }
            }
            json!({
                "values": values.iter().map(|(p, v)| (p.clone(), value(v))).collect::<serde_json::Map<_, _>>(),
                "summary": agg.summary,
                "meets_slo": meets,
                "meets_slo_with_95_confidence": confident,
            })
        })
        .collect();
    let best = best.map(|(i, cost, _)| {
        json!({
            "values": points[i]["values"],
            "cost_usd": cost,
            "meets_slo_with_95_confidence": points[i]["meets_slo_with_95_confidence"],
        })
    });
    json!({
        "scenario": exp.scenario,
        "replications": exp.replications,
        "slo": exp.slo,
        "points": points,
        "best": best,
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

/// The printed sweep: one row per point with its headline figures and SLO mark.
pub fn sweep_table(sweep: &Value) -> String {
    let points = sweep["points"].as_array().cloned().unwrap_or_default();
    let mut out = String::new();
    if points.is_empty() {
        return out;
    }
    let figures = headline_figures_of(&points);
    let _ = write!(out, "{:<22}", "point");
    for (label, _) in &figures {
        let _ = write!(out, " {label:>12}");
    }
    let _ = writeln!(out, "  slo");
    for p in &points {
        let label: Vec<String> = p["values"]
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
            .collect();
        let _ = write!(out, "{:<22}", label.join(" "));
        for (_, path) in &figures {
            let m = figure(&p["summary"], path);
            let h = figure(&p["summary"]["ci95"], path);
            let cell = if h > 0.0 {
                format!("{m:.2}±{h:.2}")
            } else {
                format!("{m:.2}")
            };
            let _ = write!(out, " {cell:>12}");
        }
        let mark = match (
            p["meets_slo"].as_bool(),
            p["meets_slo_with_95_confidence"].as_bool(),
        ) {
            (Some(true), Some(true)) => "yes",
            (Some(true), _) => "yes (mean only)",
            _ => "no",
        };
        let _ = writeln!(out, "  {mark}");
    }
    match sweep["best"].as_object() {
        Some(b) => {
            let _ = writeln!(
                out,
                "\ncheapest point meeting the SLO: {}{}",
                b["values"],
                if b["meets_slo_with_95_confidence"].as_bool() == Some(true) {
                    " (met with 95% confidence)"
                } else {
                    " (met by the mean; not with 95% confidence: add --replications)"
                }
            );
        }
        None if sweep["slo"].is_string() => {
            let _ = writeln!(out, "\nno point meets the SLO {}", sweep["slo"]);
        }
        None => {}
    }
    out
}
