//! Comparisons and sweeps as results: per-variant aggregates, paired differences to the first
//! variant, SLO verdicts, and the files and tables that carry them.

use super::Cell;
use super::aggregate::{Aggregate, aggregate, paired_difference};
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// The most replications an experiment may have (the `--replications` limit).
pub const MAX_REPLICATIONS: usize = 100_000;
/// The most variants an experiment may have (the sweep limit).
pub const MAX_VARIANTS: usize = 10_000;

/// What an experiment was, enough to rebuild its outputs from cells (the shard manifest).
#[derive(Clone, Debug, PartialEq)]
pub struct Experiment {
    /// `run`, `compare` or `sweep`.
    pub kind: String,
    pub scenario: String,
    pub variants: Vec<(String, Vec<(String, String)>)>,
    pub replications: usize,
    pub slo: Option<String>,
    /// The scenario's description (for the HTML report).
    pub description: String,
}

impl Experiment {
    pub fn to_json(&self) -> Value {
        json!({
            "kind": self.kind,
            "scenario": self.scenario,
            "variants": self.variants.iter().map(|(n, vals)| json!({"name": n, "values": vals})).collect::<Vec<_>>(),
            "replications": self.replications,
            "slo": self.slo,
            "description": self.description,
        })
    }

    pub fn from_json(v: &Value) -> Result<Experiment, String> {
        let variants = v["variants"]
            .as_array()
            .ok_or("manifest without variants")?
            .iter()
            .map(|x| {
                let values = x["values"]
                    .as_array()
                    .map(|vals| {
                        vals.iter()
                            .map(|p| {
                                (
                                    p[0].as_str().unwrap_or("").to_string(),
                                    p[1].as_str().unwrap_or("").to_string(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (x["name"].as_str().unwrap_or("").to_string(), values)
            })
            .collect();
        let e = Experiment {
            kind: v["kind"]
                .as_str()
                .ok_or("manifest without kind")?
                .to_string(),
            scenario: v["scenario"].as_str().unwrap_or("").to_string(),
            variants,
            replications: v["replications"]
                .as_u64()
                .ok_or("manifest without replications")?
                .try_into()
                .unwrap_or(usize::MAX),
            slo: v["slo"].as_str().map(String::from),
            description: v["description"].as_str().unwrap_or("").to_string(),
        };
        e.validate()?;
        Ok(e)
    }

    /// A manifest is checked like a scenario: it may come from another machine or be edited
    /// by hand, and its sizes decide what `merge` allocates.
    fn validate(&self) -> Result<(), String> {
        if !matches!(self.kind.as_str(), "run" | "compare" | "sweep") {
            return Err(format!(
                "unknown experiment kind `{}`; expected run, compare or sweep",
                self.kind
            ));
        }
        if !(1..=MAX_REPLICATIONS).contains(&self.replications) {
            return Err(format!(
                "replications must be between 1 and {MAX_REPLICATIONS}, got {}",
                self.replications
            ));
        }
        if self.variants.is_empty() || self.variants.len() > MAX_VARIANTS {
            return Err(format!(
                "expected 1 to {MAX_VARIANTS} variants, got {}",
                self.variants.len()
            ));
        }
        if self.kind == "run" && self.variants.len() != 1 {
            return Err(format!(
                "a `run` has one variant, got {}",
                self.variants.len()
            ));
        }
        if let Some(problem) = crate::scenario::output_name::name_problem(&self.scenario) {
            return Err(format!("`scenario` in experiment.json: {problem}"));
        }
        // Repeated variant names are made unique when the experiment is merged (`names`).
        if let Some((name, _)) = self.variants.iter().find(|(n, _)| n.is_empty()) {
            return Err(format!("a variant without a name (`{name}`)"));
        }
        if let Some(slo) = &self.slo {
            super::slo::parse_slo(slo)?;
        }
        Ok(())
    }

    /// The variants' names, in order.
    pub fn variant_names(&self) -> Vec<String> {
        self.variants.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Cells grouped by variant, each group in replication order. Every cell must be present.
    pub fn group<'a>(&self, cells: &'a [Cell]) -> Result<Vec<Vec<&'a Cell>>, String> {
        let mut groups: Vec<Vec<Option<&Cell>>> =
            vec![vec![None; self.replications]; self.variants.len()];
        for c in cells {
            let slot = groups
                .get_mut(c.variant)
                .and_then(|g| g.get_mut(c.replication))
                .ok_or_else(|| {
                    format!(
                        "cell ({}, {}) is outside the grid",
                        c.variant, c.replication
                    )
                })?;
            if slot.is_some() {
                return Err(format!(
                    "cell (variant {}, replication {}) appears twice",
                    c.variant, c.replication
                ));
            }
            *slot = Some(c);
        }
        groups
            .into_iter()
            .enumerate()
            .map(|(v, g)| {
                g.into_iter()
                    .enumerate()
                    .map(|(r, c)| c.ok_or_else(|| format!("cell (variant {v}, replication {r}) is missing: did every shard run?")))
                    .collect()
            })
            .collect()
    }
}

/// Aggregates per variant.
pub fn aggregates(groups: &[Vec<&Cell>]) -> Vec<Aggregate> {
    groups.iter().map(|g| aggregate(g)).collect()
}

/// `compare.json`: each variant's summary and its paired difference to the first variant.
pub fn compare_json(exp: &Experiment, groups: &[Vec<&Cell>], aggs: &[Aggregate]) -> Value {
    let variants: Vec<Value> = exp
        .variants
        .iter()
        .enumerate()
        .map(|(i, (name, values))| {
            let mut v =
                json!({"name": name, "values": values_json(values), "summary": aggs[i].summary});
            if i > 0 {
                let (diff, ci, unpaired) = paired_difference(&groups[0], &groups[i]);
                v["diff"] = diff;
                v["diff_ci95"] = ci;
                v["diff_ci95_unpaired"] = unpaired;
            }
            v
        })
        .collect();
    json!({"scenario": exp.scenario, "replications": exp.replications, "baseline": exp.variants[0].0, "variants": variants})
}

fn values_json(values: &[(String, String)]) -> Value {
    Value::Object(
        values
            .iter()
            .map(|(p, v)| (p.clone(), parse_value(v)))
            .collect::<Map<_, _>>(),
    )
}

/// A varied value as JSON: a number when it reads as one.
fn parse_value(v: &str) -> Value {
    v.parse::<i64>()
        .map(Value::from)
        .or_else(|_| v.parse::<f64>().map(Value::from))
        .unwrap_or_else(|_| Value::from(v))
}

/// The headline figures of several runs (variants or sweep points, each with a `summary`):
/// every figure any of them has, in first-seen order, so a component only one variant has
/// (a Lambda function, a queue) still gets its rows.
pub fn headline_figures_of(runs: &[Value]) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for run in runs {
        for f in headline_figures(&run["summary"]) {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// The headline figures of a comparison or sweep table: (label, summary path).
pub fn headline_figures(summary: &Value) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = [
        ("p50 ms", "latency_ms.p50"),
        ("p99 ms", "latency_ms.p99"),
        ("p99.9 ms", "latency_ms.p999"),
        ("mean ms", "latency_ms.mean"),
        ("requests", "requests.total"),
        ("failed", "requests.failed"),
        ("in flight", "requests.in_flight"),
        ("502", "requests.errors.http_502"),
        ("503", "requests.errors.http_503"),
        ("504", "requests.errors.http_504"),
        ("429", "requests.errors.throttled_429"),
        ("cost usd", "cost_usd.total"),
        ("usd/hour", "cost_usd.per_hour"),
        ("usd/M req", "cost_usd.per_million_requests"),
    ]
    .iter()
    .map(|(l, p)| (l.to_string(), p.split('.').map(String::from).collect()))
    .collect();
    // A target's 500s (an injected target error), when the run has them.
    if summary["requests"]["errors"].get("http_500").is_some() {
        out.insert(
            11,
            (
                "500".to_string(),
                ["requests", "errors", "http_500"]
                    .map(String::from)
                    .to_vec(),
            ),
        );
    }
    if let Some(groups) = summary["auto_scaling_groups"].as_object() {
        for g in groups.keys() {
            for (label, key) in [
                ("inst-h", "instance_hours"),
                ("scaling", "scaling_activities"),
                ("replaced", "health_replacements"),
            ] {
                out.push((
                    format!("{g} {label}"),
                    vec!["auto_scaling_groups".into(), g.clone(), key.into()],
                ));
            }
        }
    }
    if let Some(functions) = summary["lambda_functions"].as_object() {
        for f in functions.keys() {
            for (label, key) in [("cold starts", "cold_starts"), ("throttles", "throttles")] {
                out.push((
                    format!("{f} {label}"),
                    vec!["lambda_functions".into(), f.clone(), key.into()],
                ));
            }
        }
    }
    if let Some(queues) = summary["queues"].as_object() {
        for q in queues.keys() {
            for (label, key) in [
                ("p99 ms", "latency_ms.p99"),
                ("empty receives", "empty_receives"),
                ("dead-lettered", "dead_lettered"),
            ] {
                let mut path = vec!["queues".to_string(), q.clone()];
                path.extend(key.split('.').map(String::from));
                out.push((format!("{q} {label}"), path));
            }
        }
    }
    if summary["availability"].is_object() {
        out.push((
            "availability".into(),
            vec!["availability".into(), "overall".into()],
        ));
    }
    out
}

pub fn figure(v: &Value, path: &[String]) -> f64 {
    path.iter()
        .fold(v, |n, k| &n[k.as_str()])
        .as_f64()
        .unwrap_or(0.0)
}

/// The side-by-side table: each figure's mean ± ci95 per variant, and the paired difference.
pub fn compare_table(compare: &Value) -> String {
    let variants = compare["variants"].as_array().cloned().unwrap_or_default();
    let mut out = String::new();
    if variants.is_empty() {
        return out;
    }
    let figures = headline_figures_of(&variants);
    let _ = write!(out, "{:<16}", "figure");
    for v in &variants {
        let _ = write!(out, " {:>24}", v["name"].as_str().unwrap_or(""));
    }
    out.push('\n');
    for (label, path) in figures {
        let _ = write!(out, "{label:<16}");
        for (i, v) in variants.iter().enumerate() {
            let m = figure(&v["summary"], &path);
            let h = figure(&v["summary"]["ci95"], &path);
            let cell = if i == 0 {
                format!("{} ± {}", num(m), num(h))
            } else {
                let d = figure(&v["diff"], &path);
                let dh = figure(&v["diff_ci95"], &path);
                format!("{} ({:+} ± {})", num(m), Signed(d), num(dh))
            };
            let _ = write!(out, " {cell:>24}");
        }
        out.push('\n');
    }
    let figures = headline_figures_of(&variants);
    out.push_str(&wide_interval_note(&variants, &figures, |v| {
        v["name"].as_str().unwrap_or("").to_string()
    }));
    out
}

/// `compare.csv` / `sweep.csv` rows: variant, figure path, mean, ci95 (and diffs for compare).
pub fn figures_csv(compare: &Value) -> String {
    let mut out = String::from("variant,figure,mean,ci95,diff,diff_ci95\n");
    for v in compare["variants"].as_array().into_iter().flatten() {
        let name = csv_field(v["name"].as_str().unwrap_or(""));
        let mut rows = Vec::new();
        leaves(&v["summary"], String::new(), &mut rows);
        for (path, mean) in rows {
            let segs: Vec<String> = path.split('.').map(String::from).collect();
            let ci = figure(&v["summary"]["ci95"], &segs);
            let (d, dh) = if v.get("diff").is_some() {
                (
                    figure(&v["diff"], &segs).to_string(),
                    figure(&v["diff_ci95"], &segs).to_string(),
                )
            } else {
                (String::new(), String::new())
            };
            let _ = writeln!(out, "{name},{path},{mean},{ci},{d},{dh}");
        }
    }
    out
}

fn leaves(v: &Value, prefix: String, out: &mut Vec<(String, f64)>) {
    match v {
        Value::Object(m) => {
            for (k, c) in m {
                if prefix.is_empty()
                    && (k == "ci95" || k == "schema" || k == "seed" || k == "replications")
                {
                    continue;
                }
                leaves(
                    c,
                    if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    },
                    out,
                );
            }
        }
        Value::Number(n) => out.push((prefix, n.as_f64().unwrap_or(0.0))),
        _ => {}
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `mean±h`, or the mean alone when there is no interval.
pub fn with_ci(m: f64, h: f64) -> String {
    if h > 0.0 {
        format!("{}±{}", num(m), num(h))
    } else {
        num(m)
    }
}

/// A note naming the figures whose ci95 is wider than their mean (empty when none is):
/// such a figure is not known even to its sign's order of magnitude.
pub fn wide_interval_note(
    runs: &[Value],
    figures: &[(String, Vec<String>)],
    name: impl Fn(&Value) -> String,
) -> String {
    let mut wide = Vec::new();
    for run in runs {
        for (label, path) in figures {
            let (m, h) = (
                figure(&run["summary"], path),
                figure(&run["summary"]["ci95"], path),
            );
            if h > m.abs() && m != 0.0 {
                wide.push(format!("{label} at {}", name(run)));
            }
        }
    }
    if wide.is_empty() {
        return String::new();
    }
    let shown: Vec<&str> = wide.iter().take(4).map(String::as_str).collect();
    format!(
        "\nnote: {} figure{} ha{} a ci95 wider than {} mean ({}{}): run more --replications to narrow {}\n",
        wide.len(),
        if wide.len() == 1 { "" } else { "s" },
        if wide.len() == 1 { "s" } else { "ve" },
        if wide.len() == 1 { "its" } else { "their" },
        shown.join(", "),
        if wide.len() > 4 { ", ..." } else { "" },
        if wide.len() == 1 { "it" } else { "them" },
    )
}

pub fn num(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 100.0 {
        format!("{x:.0}")
    } else if x.abs() >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.4}")
    }
}

struct Signed(f64);
impl std::fmt::Display for Signed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = num(self.0);
        if self.0 > 0.0 {
            write!(f, "+{s}")
        } else {
            write!(f, "{s}")
        }
    }
}
