//! Service-level objectives over summary figures: `p99<200ms`, `errors<0.1%`,
//! `throttles==0`, `cost<12usd`, combined with `,` (and).
//!
//! A verdict never claims more than the runs know. A latency percentile objective
//! (`p99<200ms`) is judged as "at least 99% of requests answered successfully within
//! 200 ms", over the requests that arrived after the warm-up: failed requests and requests
//! still in flight at the end that were already older than 200 ms count against it (a request
//! in flight for less than 200 ms could still make it, and is left out). `mean` and `max` count
//! the requests still in flight at the age they had reached. "Met with 95% confidence" needs
//! at least two replications: the figure's whole Student-t interval must meet the objective.

use super::Cell;
use super::stats::mean_ci95;
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Comparison {
    Less,
    LessOrEqual,
    Equal,
    GreaterOrEqual,
    Greater,
}

/// One objective: a figure, a comparison and a threshold in the figure's own unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Objective {
    pub text: String,
    pub figure: Figure,
    pub comparison: Comparison,
    pub threshold: f64,
}

/// The figures an objective can name.
#[derive(Clone, Debug, PartialEq)]
pub enum Figure {
    /// A latency statistic of `latency_ms` (`mean`, `p50`, `p90`, `p99`, `p999`, `max`), in ms.
    Latency(String),
    /// Failed requests over all requests, as a fraction.
    ErrorRate,
    /// Throttled requests (429), a count.
    Throttles,
    /// `cost_usd.total`.
    Cost,
}

impl Figure {
    /// The figure in words.
    pub fn describe(&self) -> String {
        match self {
            Figure::Latency(s) if s == "mean" => {
                "mean latency (ms), unfinished requests at their age so far".into()
            }
            Figure::Latency(s) if s == "max" => {
                "max latency (ms), unfinished requests at their age so far".into()
            }
            Figure::Latency(s) => format!("latency {s} of successful requests (ms)"),
            Figure::ErrorRate => {
                "failed requests over all requests (in flight at the end included)".into()
            }
            Figure::Throttles => "throttled requests (429)".into(),
            Figure::Cost => "cost_usd.total".into(),
        }
    }

    /// The figure's value in a summary (means, for a replicated summary).
    pub fn value(&self, summary: &Value) -> f64 {
        let num = |v: &Value| v.as_f64().unwrap_or(0.0);
        match self {
            Figure::Latency(stat) => num(&summary["latency_ms"][stat]),
            Figure::ErrorRate => {
                let total = num(&summary["requests"]["total"]);
                if total > 0.0 {
                    num(&summary["requests"]["failed"]) / total
                } else {
                    0.0
                }
            }
            Figure::Throttles => num(&summary["requests"]["errors"]["throttled_429"]),
            Figure::Cost => num(&summary["cost_usd"]["total"]),
        }
    }

    /// The figure's 95% half-width in a replicated summary's `ci95` (0 when absent).
    pub fn half_width(&self, summary: &Value) -> f64 {
        let ci = &summary["ci95"];
        let num = |v: &Value| v.as_f64().unwrap_or(0.0);
        match self {
            Figure::Latency(stat) => num(&ci["latency_ms"][stat]),
            Figure::ErrorRate => {
                let total = num(&summary["requests"]["total"]);
                if total > 0.0 {
                    num(&ci["requests"]["failed"]) / total
                } else {
                    0.0
                }
            }
            Figure::Throttles => num(&ci["requests"]["errors"]["throttled_429"]),
            Figure::Cost => num(&ci["cost_usd"]["total"]),
        }
    }
}

/// The verdict on one objective over a variant's replications.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub objective: String,
    /// What was judged, in words (`share of requests answered within 200 ms`).
    pub judged: String,
    /// The judged figure's mean over replications, and its 95% half-width (`None` for one run).
    pub value: f64,
    pub ci95: Option<f64>,
    /// What the judged figure must reach (`>= 0.99`, `< 0.001`).
    pub needs: String,
    pub met: bool,
    /// `None` for a single run: one run gives no confidence interval.
    pub met_with_95_confidence: Option<bool>,
}

impl Verdict {
    pub fn to_json(&self) -> Value {
        json!({
            "objective": self.objective,
            "judged": self.judged,
            "value": self.value,
            "ci95": self.ci95,
            "needs": self.needs,
            "met": self.met,
            "met_with_95_confidence": self.met_with_95_confidence,
        })
    }
}

impl Objective {
    /// For `pNN<T` (and `<=`): the quantile NN as a fraction; such an objective is judged on
    /// the share of requests answered successfully within T.
    fn share_quantile(&self) -> Option<f64> {
        let Figure::Latency(stat) = &self.figure else {
            return None;
        };
        if !matches!(self.comparison, Comparison::Less | Comparison::LessOrEqual) {
            return None;
        }
        match stat.as_str() {
            "p50" => Some(0.5),
            "p90" => Some(0.9),
            "p99" => Some(0.99),
            "p999" => Some(0.999),
            _ => None,
        }
    }

    /// The figure this objective is judged on in one run (see the module doc).
    pub fn judged_value(&self, cell: &Cell) -> f64 {
        let s = &cell.summary;
        let num = |v: &Value| v.as_f64().unwrap_or(0.0);
        let threshold_us = (self.threshold * 1e3).max(0.0) as u64;
        if self.share_quantile().is_some() {
            let within = cell.histogram.count_between(0, threshold_us) as f64;
            let in_flight = cell.in_flight_age.len();
            let young = cell
                .in_flight_age
                .count_between(0, threshold_us)
                .min(in_flight);
            let judged = num(&s["requests"]["ok"])
                + num(&s["requests"]["failed"])
                + (in_flight - young) as f64;
            return if judged > 0.0 { within / judged } else { 0.0 };
        }
        match &self.figure {
            Figure::Latency(stat) if stat == "mean" => {
                let (n_ok, mean_ok) = (
                    num(&s["latency_ms"]["count"]),
                    num(&s["latency_ms"]["mean"]),
                );
                let age = &cell.in_flight_age;
                let n_age = age.len() as f64;
                if n_ok + n_age > 0.0 {
                    (n_ok * mean_ok + n_age * age.mean() / 1e3) / (n_ok + n_age)
                } else {
                    0.0
                }
            }
            Figure::Latency(stat) if stat == "max" => {
                num(&s["latency_ms"]["max"]).max(cell.in_flight_age.max() as f64 / 1e3)
            }
            f => f.value(s),
        }
    }

    /// Whether a judged figure meets the objective.
    fn judged_holds(&self, x: f64) -> bool {
        match self.share_quantile() {
            Some(q) => x >= q,
            None => self.holds(x),
        }
    }

    /// Whether a larger judged figure is better (the interval's low end must then hold).
    fn larger_is_better(&self) -> bool {
        self.share_quantile().is_some()
            || matches!(
                self.comparison,
                Comparison::Greater | Comparison::GreaterOrEqual
            )
    }

    /// The verdict over a variant's replications (cells in replication order).
    pub fn verdict(&self, cells: &[&Cell]) -> Verdict {
        let xs: Vec<f64> = cells.iter().map(|c| self.judged_value(c)).collect();
        let (m, h) = mean_ci95(&xs);
        let met = self.judged_holds(m);
        let confident = (xs.len() >= 2).then(|| match self.comparison {
            Comparison::Equal if self.share_quantile().is_none() => h == 0.0 && met,
            _ if self.larger_is_better() => self.judged_holds(m - h),
            _ => self.judged_holds(m + h),
        });
        let (judged, needs) = match self.share_quantile() {
            Some(q) => (
                format!(
                    "share of requests answered successfully within {} ms (failed and older unfinished requests count against)",
                    self.threshold
                ),
                format!(">= {q}"),
            ),
            None => (self.figure.describe(), self.needs_text()),
        };
        Verdict {
            objective: self.text.clone(),
            judged,
            value: m,
            ci95: (xs.len() >= 2).then_some(h),
            needs,
            met,
            met_with_95_confidence: confident,
        }
    }

    fn needs_text(&self) -> String {
        let op = match self.comparison {
            Comparison::Less => "<",
            Comparison::LessOrEqual => "<=",
            Comparison::Equal => "==",
            Comparison::GreaterOrEqual => ">=",
            Comparison::Greater => ">",
        };
        format!("{op} {}", self.threshold)
    }

    fn holds(&self, v: f64) -> bool {
        match self.comparison {
            Comparison::Less => v < self.threshold,
            Comparison::LessOrEqual => v <= self.threshold,
            Comparison::Equal => v == self.threshold,
            Comparison::GreaterOrEqual => v >= self.threshold,
            Comparison::Greater => v > self.threshold,
        }
    }
}

/// The verdicts of every objective over one variant's replications.
pub fn verdicts(objectives: &[Objective], cells: &[&Cell]) -> Vec<Verdict> {
    objectives.iter().map(|o| o.verdict(cells)).collect()
}

/// Parses `p99<200ms,errors<0.1%`.
pub fn parse_slo(text: &str) -> Result<Vec<Objective>, String> {
    text.split(',').map(|t| parse_objective(t.trim())).collect()
}

fn parse_objective(t: &str) -> Result<Objective, String> {
    let ops = [
        ("<=", Comparison::LessOrEqual),
        (">=", Comparison::GreaterOrEqual),
        ("==", Comparison::Equal),
        ("<", Comparison::Less),
        (">", Comparison::Greater),
    ];
    let (pos, op, comparison) = ops
        .iter()
        .filter_map(|(op, c)| t.find(op).map(|p| (p, *op, *c)))
        .min_by_key(|(p, op, _)| (*p, usize::MAX - op.len()))
        .ok_or_else(|| format!("`{t}`: expected FIGURE<VALUE, e.g. p99<200ms"))?;
    let name = t[..pos].trim();
    let value = t[pos + op.len()..].trim();
    let number = |s: &str| match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Ok(_) => Err(format!(
            "`{t}`: `{s}` is not a finite number of zero or more"
        )),
        Err(_) => Err(format!("`{t}`: `{s}` is not a number")),
    };
    let (figure, threshold) = match name {
        "mean" | "p50" | "p90" | "p99" | "p999" | "max" => {
            let ms = if let Some(v) = value.strip_suffix("ms") {
                number(v)?
            } else if let Some(v) = value.strip_suffix('s') {
                number(v)? * 1e3
            } else {
                return Err(format!("`{t}`: a latency needs a unit, ms or s"));
            };
            (Figure::Latency(name.to_string()), ms)
        }
        "errors" => match value.strip_suffix('%') {
            Some(v) => (Figure::ErrorRate, number(v)? / 100.0),
            None => (Figure::ErrorRate, number(value)?),
        },
        "throttles" => (Figure::Throttles, number(value)?),
        "cost" => (
            Figure::Cost,
            number(value.strip_suffix("usd").unwrap_or(value))?,
        ),
        other => {
            return Err(format!(
                "`{t}`: unknown figure `{other}`; expected mean, p50, p90, p99, p999, max, errors, throttles or cost"
            ));
        }
    };
    if figure == Figure::ErrorRate && threshold > 1.0 {
        return Err(format!(
            "`{t}`: an error rate is at most 100% (a fraction at most 1)"
        ));
    }
    Ok(Objective {
        text: t.to_string(),
        figure,
        comparison,
        threshold,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_and_evaluates() {
        let slo =
            parse_slo("p99<200ms, errors<0.1%, throttles==0, cost<=12usd, mean<0.05s").unwrap();
        assert_eq!(slo[0].threshold, 200.0);
        assert_eq!(slo[1].threshold, 0.001);
        assert_eq!(slo[3].comparison, Comparison::LessOrEqual);
        assert_eq!(slo[4].threshold, 50.0);
        let c = cell(&[(100, 990), (300, 10)], 0, &[]);
        assert!(slo[3].verdict(&[&c]).met);
        assert!(!parse_slo("cost<12").unwrap()[0].verdict(&[&c]).met);
        assert!(parse_slo("p99<200").is_err());
        assert!(parse_slo("latency<2ms").is_err());
    }

    /// A run with `ok` successful latencies `(ms, count)`, `failed` failures and requests in
    /// flight at the end of the given ages (ms).
    fn cell(ok: &[(u64, u64)], failed: u64, in_flight_ms: &[u64]) -> Cell {
        let mut h = crate::metrics::Latency::new();
        let mut n = 0;
        for &(ms, count) in ok {
            for _ in 0..count {
                h.record(ms * 1_000_000);
            }
            n += count;
        }
        let mut age = crate::metrics::Latency::new();
        for &ms in in_flight_ms {
            age.record(ms * 1_000_000);
        }
        let total = n + failed + in_flight_ms.len() as u64;
        Cell {
            variant: 0,
            replication: 0,
            summary: json!({"latency_ms": {"count": n, "mean": h.mean_ms(), "p99": h.quantile_ms(0.99), "max": h.max_ms()},
                "requests": {"total": total, "ok": n, "failed": failed, "in_flight": in_flight_ms.len(), "errors": {"throttled_429": 0}},
                "cost_usd": {"total": 12.0}}),
            histogram: h.histogram().clone(),
            series: Default::default(),
            in_flight_age: age.histogram().clone(),
            activities_csv: String::new(),
            faults_csv: String::new(),
            markers: vec![],
        }
    }

    #[test]
    fn unfinished_and_failed_requests_count_against_a_latency_objective() {
        let p99 = &parse_slo("p99<200ms").unwrap()[0];
        // 99% within 200 ms: met, but a single run says nothing about confidence.
        let base = cell(&[(100, 990), (300, 10)], 0, &[]);
        let v = p99.verdict(&[&base]);
        assert!(v.met);
        assert_eq!(v.met_with_95_confidence, None);
        assert_eq!(v.ci95, None);
        // Five requests stuck for 10 s: 990 of 1005 within 200 ms is under 99%.
        let stuck = cell(&[(100, 990), (300, 10)], 0, &[10_000; 5]);
        assert!(!p99.verdict(&[&stuck]).met);
        // Five failures count the same way.
        assert!(!p99.verdict(&[&cell(&[(100, 990), (300, 10)], 5, &[])]).met);
        // Five requests in flight for 50 ms could still make it: left out.
        assert!(
            p99.verdict(&[&cell(&[(100, 990), (300, 10)], 0, &[50; 5])])
                .met
        );
        // Two identical replications: met with confidence (zero-width interval).
        let v = p99.verdict(&[&base, &base]);
        assert_eq!(v.met_with_95_confidence, Some(true));
        // The mean counts unfinished requests at their age so far.
        let mean = &parse_slo("mean<150ms").unwrap()[0];
        assert!(mean.verdict(&[&base]).met);
        assert!(!mean.verdict(&[&cell(&[(100, 1000)], 0, &[60_000; 10])]).met);
    }
}
