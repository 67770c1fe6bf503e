//! Service-level objectives over summary figures: `p99<200ms`, `errors<0.1%`,
//! `throttles==0`, `cost<12usd`, combined with `,` (and).

use serde_json::Value;

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

impl Objective {
    fn holds(&self, v: f64) -> bool {
        match self.comparison {
            Comparison::Less => v < self.threshold,
            Comparison::LessOrEqual => v <= self.threshold,
            Comparison::Equal => v == self.threshold,
            Comparison::GreaterOrEqual => v >= self.threshold,
            Comparison::Greater => v > self.threshold,
        }
    }

    /// Whether the mean meets the objective.
    pub fn met_by_mean(&self, summary: &Value) -> bool {
        self.holds(self.figure.value(summary))
    }

    /// Whether the whole 95% interval meets it (the conservative reading for planning).
    pub fn met_with_confidence(&self, summary: &Value) -> bool {
        let (v, h) = (self.figure.value(summary), self.figure.half_width(summary));
        match self.comparison {
            Comparison::Less | Comparison::LessOrEqual => self.holds(v + h),
            Comparison::Greater | Comparison::GreaterOrEqual => self.holds(v - h),
            Comparison::Equal => h == 0.0 && self.holds(v),
        }
    }
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
        let s = json!({"latency_ms": {"p99": 150.0, "mean": 20.0}, "requests": {"total": 1000, "failed": 0, "errors": {"throttled_429": 0}},
                       "cost_usd": {"total": 12.0}, "ci95": {"latency_ms": {"p99": 60.0}}});
        assert!(slo.iter().all(|o| o.met_by_mean(&s)));
        assert!(!slo[0].met_with_confidence(&s));
        assert!(parse_slo("p99<200").is_err());
        assert!(parse_slo("latency<2ms").is_err());
    }
}
