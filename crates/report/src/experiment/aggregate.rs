//! Replications to one answer: every numeric figure of `summary.json` becomes the mean over
//! replications with a `ci95` sibling; histograms merge exactly; time series average per period.

use super::Cell;
use super::stats::{mean_ci95, t975};
use crate::metrics::{Statistic, TimeSeries};
use hdrhistogram::Histogram;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Keys that describe the run rather than measure it: never averaged.
const META: &[&str] = &["schema", "seed", "replications"];

pub struct Aggregate {
    pub summary: Value,
    pub histogram: Histogram<u64>,
    pub series: TimeSeries,
    /// The first replication's dashboard markers.
    pub markers: Vec<(f64, String)>,
}

/// Aggregates the replications of one variant (cells in replication order).
pub fn aggregate(cells: &[&Cell]) -> Aggregate {
    let first = cells[0];
    let mut histogram = first.histogram.clone();
    for c in &cells[1..] {
        histogram
            .add(&c.histogram)
            .expect("histograms share bounds");
    }
    if cells.len() == 1 {
        return Aggregate {
            summary: first.summary.clone(),
            histogram,
            series: first.series.clone(),
            markers: first.markers.clone(),
        };
    }
    let summaries: Vec<&Value> = cells.iter().map(|c| &c.summary).collect();
    let (mut summary, ci) = combine(&summaries, mean_ci95);
    summary["replications"] = Value::from(cells.len());
    if let Value::Object(m) = &mut summary {
        m.insert("ci95".into(), ci);
    }
    Aggregate {
        summary,
        histogram,
        series: mean_series(cells),
        markers: first.markers.clone(),
    }
}

/// Paired differences of `variant` minus `base`, replication by replication: the mean
/// difference and its ci95 per figure, and the unpaired ci95 for comparison.
pub fn paired_difference(base: &[&Cell], variant: &[&Cell]) -> (Value, Value, Value) {
    let pairs: Vec<(&Value, &Value)> = base
        .iter()
        .zip(variant)
        .map(|(b, v)| (&b.summary, &v.summary))
        .collect();
    let template = pairs[0].1;
    let mut ci = Map::new();
    let mut unpaired = Map::new();
    let mut diff = Map::new();
    walk(template, &mut Vec::new(), &mut |path, _| {
        let b: Vec<f64> = pairs.iter().map(|(b, _)| lookup(b, path)).collect();
        let v: Vec<f64> = pairs.iter().map(|(_, v)| lookup(v, path)).collect();
        let d: Vec<f64> = b.iter().zip(&v).map(|(b, v)| v - b).collect();
        let (m, h) = mean_ci95(&d);
        insert(&mut diff, path, m);
        insert(&mut ci, path, h);
        insert(&mut unpaired, path, unpaired_half_width(&b, &v));
    });
    (
        Value::Object(diff),
        Value::Object(ci),
        Value::Object(unpaired),
    )
}

/// Half-width of the difference of two independent means (Welch, conservative df).
fn unpaired_half_width(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len().min(b.len());
    if n < 2 {
        return 0.0;
    }
    let var = |x: &[f64]| {
        let m = x.iter().sum::<f64>() / x.len() as f64;
        x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64
    };
    t975(n - 1) * (var(a) / a.len() as f64 + var(b) / b.len() as f64).sqrt()
}

/// Means (with `f`) of every numeric leaf over `summaries`, shaped like the first summary,
/// plus the matching `ci95` tree.
fn combine(summaries: &[&Value], f: impl Fn(&[f64]) -> (f64, f64)) -> (Value, Value) {
    let mut summary = summaries[0].clone();
    let mut ci = Map::new();
    walk(summaries[0], &mut Vec::new(), &mut |path, _| {
        let xs: Vec<f64> = summaries.iter().map(|s| lookup(s, path)).collect();
        let (m, h) = f(&xs);
        set(&mut summary, path, m);
        insert(&mut ci, path, h);
    });
    (summary, Value::Object(ci))
}

/// Calls `f` on every numeric leaf (path of keys) outside the meta keys.
fn walk(v: &Value, path: &mut Vec<String>, f: &mut impl FnMut(&[String], f64)) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if path.is_empty() && (META.contains(&k.as_str()) || k == "ci95") {
                    continue;
                }
                path.push(k.clone());
                walk(child, path, f);
                path.pop();
            }
        }
        Value::Number(n) => f(path, n.as_f64().unwrap_or(0.0)),
        _ => {}
    }
}

fn lookup(v: &Value, path: &[String]) -> f64 {
    path.iter()
        .fold(v, |node, k| &node[k.as_str()])
        .as_f64()
        .unwrap_or(0.0)
}

fn set(v: &mut Value, path: &[String], x: f64) {
    let node = path.iter().fold(v, |node, k| &mut node[k.as_str()]);
    *node = Value::from(x);
}

fn insert(root: &mut Map<String, Value>, path: &[String], x: f64) {
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut node = root;
    for k in parents {
        node = node
            .entry(k.clone())
            .or_insert_with(|| Value::Object(Map::new()))
            .as_object_mut()
            .expect("a mapping");
    }
    node.insert(last.clone(), Value::from(x));
}

/// The mean of each (period, series, statistic) over the replications that have it, in the
/// order the series first appear.
fn mean_series(cells: &[&Cell]) -> TimeSeries {
    let mut order: Vec<(u64, String, Statistic)> = Vec::new();
    let mut sums: HashMap<(u64, String, Statistic), (f64, u32)> = HashMap::new();
    for c in cells {
        for (t, name, stat, value) in c.series.rows() {
            let key = (t.to_bits(), name.to_string(), stat);
            let e = sums.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                (0.0, 0)
            });
            e.0 += value;
            e.1 += 1;
        }
    }
    let mut out = TimeSeries::default();
    for key in order {
        let (sum, n) = sums[&key];
        let id = out.series(&key.1, key.2);
        out.push(f64::from_bits(key.0), id, sum / n as f64);
    }
    out
}
