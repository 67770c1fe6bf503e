//! The report's tables, read from the documented JSON outputs (`summary.json`,
//! `compare.json`, `sweep.json`), so that one run and the mean of replications read alike.
//! Data-driven: every numeric figure of the summary appears, and a section the summary gains
//! (a new service's per-entity figures) gets its table without changes here.

use super::page::Page;
use crate::experiment::compare::{figure, headline_figures_of};
use serde_json::Value;

/// Keys of `summary.json` that describe the run rather than measure it.
const SKIPPED: &[&str] = &["schema", "scenario", "ci95", "wall_s"];

/// A figure with its ci95 half-width when there is one.
pub fn with_ci(mean: f64, ci: Option<f64>) -> String {
    match ci {
        Some(h) if h > 0.0 => format!("{} ± {}", number(mean), number(h)),
        _ => number(mean),
    }
}

/// A number as a table shows it: integers plainly, others with 4 significant digits.
pub fn number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else if x.abs() >= 1000.0 {
        format!("{x:.1}")
    } else if x.abs() >= 1.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.4}")
    }
}

/// Numeric leaves under `v`, as (`a.b.c` path, value), in document order.
fn leaves(v: &Value, prefix: &str, out: &mut Vec<(String, f64)>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(c, &p, out);
            }
        }
        Value::Number(n) => out.push((prefix.to_string(), n.as_f64().unwrap_or(0.0))),
        _ => {}
    }
}

fn lookup<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(v, |n, k| &n[k])
}

/// Whether a section is a table of named entities (`workloads`, `auto_scaling_groups`, ...):
/// a non-empty object whose values are all objects.
fn is_entity_map(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| !m.is_empty() && m.values().all(Value::is_object))
}

/// The summary's tables: overall figures (requests, latency, cost, ...) as rows of
/// figure/value, then one table per entity section, entities as rows.
pub fn summary_tables(page: &mut Page, summary: &Value) {
    let ci = &summary["ci95"];
    let Some(map) = summary.as_object() else {
        return;
    };
    let mut rows = Vec::new();
    let mut sections = Vec::new();
    for (key, v) in map {
        if SKIPPED.contains(&key.as_str()) {
            continue;
        }
        if is_entity_map(v) {
            sections.push(key.clone());
            continue;
        }
        let mut figures = Vec::new();
        leaves(v, key, &mut figures);
        for (path, x) in figures {
            rows.push(vec![path.clone(), with_ci(x, lookup(ci, &path).as_f64())]);
        }
    }
    page.heading("Summary");
    page.table(&["figure".into(), "value".into()], &rows);
    for key in sections {
        entity_table(page, &key, &summary[&key], &ci[&key]);
    }
}

/// One column per entity, one row per numeric figure any entity has.
fn entity_table(page: &mut Page, key: &str, section: &Value, ci: &Value) {
    let Some(entities) = section.as_object() else {
        return;
    };
    let mut figures: Vec<String> = Vec::new();
    for e in entities.values() {
        let mut leaves_of = Vec::new();
        leaves(e, "", &mut leaves_of);
        for (p, _) in leaves_of {
            if !figures.contains(&p) {
                figures.push(p);
            }
        }
    }
    let rows: Vec<Vec<String>> = figures
        .iter()
        .map(|f| {
            std::iter::once(f.clone())
                .chain(
                    entities
                        .iter()
                        .map(|(name, e)| match lookup(e, f).as_f64() {
                            Some(x) => with_ci(x, lookup(&ci[name], f).as_f64()),
                            None => String::new(),
                        }),
                )
                .collect()
        })
        .collect();
    let header: Vec<String> = std::iter::once(key.to_string())
        .chain(entities.keys().cloned())
        .collect();
    page.heading(&key.replace('_', " "));
    page.table(&header, &rows);
}

/// `compare.json` side by side: per figure, each variant's mean ± ci95 and, after the first,
/// the paired difference to the first with its own ci95.
pub fn compare_table(page: &mut Page, compare: &Value) {
    let variants = compare["variants"].as_array().cloned().unwrap_or_default();
    if variants.is_empty() {
        return;
    }
    let mut header = vec!["figure".to_string()];
    for (i, v) in variants.iter().enumerate() {
        let name = v["name"].as_str().unwrap_or("").to_string();
        header.push(name.clone());
        if i > 0 {
            header.push(format!("{name} − {}", header[1]));
        }
    }
    let rows: Vec<Vec<String>> = headline_figures_of(&variants)
        .into_iter()
        .map(|(label, path)| {
            let mut row = vec![label];
            for (i, v) in variants.iter().enumerate() {
                let ci = figure(&v["summary"]["ci95"], &path);
                row.push(with_ci(figure(&v["summary"], &path), Some(ci)));
                if i > 0 {
                    let d = figure(&v["diff"], &path);
                    let dh = figure(&v["diff_ci95"], &path);
                    row.push(with_ci(d, Some(dh)));
                }
            }
            row
        })
        .collect();
    page.table(&header, &rows);
}

/// `sweep.json`: one row per point with its headline figures and SLO verdict.
pub fn sweep_table(page: &mut Page, sweep: &Value) {
    let points = sweep["points"].as_array().cloned().unwrap_or_default();
    if points.is_empty() {
        return;
    }
    let figures = headline_figures_of(&points);
    let mut header = vec!["point".to_string()];
    header.extend(figures.iter().map(|(l, _)| l.clone()));
    header.push("slo".into());
    let rows: Vec<Vec<String>> = points
        .iter()
        .map(|p| {
            let mut row = vec![point_label(p)];
            for (_, path) in &figures {
                let ci = figure(&p["summary"]["ci95"], path);
                row.push(with_ci(figure(&p["summary"], path), Some(ci)));
            }
            row.push(crate::experiment::sweep::slo_mark(p).into());
            row
        })
        .collect();
    page.table(&header, &rows);
}

/// A sweep point's values as `path=value` text.
pub fn point_label(point: &Value) -> String {
    point["values"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.to_string().trim_matches('"')))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summary_tables_follow_the_document() {
        let s = json!({"schema": 1, "scenario": "x", "seed": 3,
            "requests": {"total": 10, "errors": {"http_503": 2}},
            "latency_ms": {"p99": 12.5},
            "workloads": {"web": {"requests": {"total": 10}}},
            "queues": {},
            "ci95": {"latency_ms": {"p99": 0.5}}});
        let mut p = Page::new("t");
        summary_tables(&mut p, &s);
        let html = p.render();
        assert!(html.contains("<td>requests.errors.http_503</td><td>2</td>"));
        assert!(html.contains("<td>latency_ms.p99</td><td>12.500 ± 0.5000</td>"));
        assert!(html.contains("<th>workloads</th><th>web</th>"));
        assert!(html.contains("<td>requests.total</td><td>10</td>"));
        assert!(html.contains("<td>seed</td><td>3</td>"));
    }
}
