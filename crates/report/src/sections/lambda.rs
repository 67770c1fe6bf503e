//! Lambda functions: invocations, throttles, cold starts, durations and their bill's
//! GB-seconds.

use super::Section;
use crate::explain::{defaults, lambda_account_defaults, lambda_components};
use crate::report::latency_json;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct Lambda;

impl Section for Lambda {
    /// `lambda_functions.NAME`: invocations and how they went, after the warm-up.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let functions: Map<String, Value> = r
            .lambda_functions
            .iter()
            .map(|f| {
                let t = &f.totals;
                let attempts = t.invocations + t.throttles;
                (
                    f.name.clone(),
                    super::with_region(json!({
                        "invocations": t.invocations,
                        "throttles": t.throttles,
                        "throttle_fraction": if attempts > 0 { t.throttles as f64 / attempts as f64 } else { 0.0 },
                        "cold_starts": t.cold_starts,
                        "max_concurrency": t.max_concurrency,
                        "errors": t.errors,
                        "timeouts": t.timeouts,
                        "duration_ms": latency_json(&t.duration),
                        "init_ms": latency_json(&t.init),
                        "gb_seconds": f.gb_seconds,
                        "async": {
                            "events": t.async_events,
                            "succeeded": t.async_succeeded,
                            "failed": t.async_failed,
                            "expired": t.async_expired,
                            "retries": t.async_retries,
                        },
                    }), &f.region),
                )
            })
            .collect();
        out.insert("lambda_functions".into(), Value::Object(functions));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        if r.lambda_functions.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>11} {:>10} {:>11} {:>9} {:>8} {:>12} {:>12} {:>11}",
            "lambda function",
            "invocations",
            "throttles",
            "cold starts",
            "max conc",
            "errors",
            "p50 ms",
            "p99 ms",
            "GB-seconds"
        );
        for f in &r.lambda_functions {
            let t = &f.totals;
            let _ = writeln!(
                out,
                "{:<20} {:>11} {:>10} {:>11} {:>9} {:>8} {:>12.2} {:>12.2} {:>11.1}",
                f.name,
                t.invocations,
                t.throttles,
                t.cold_starts,
                t.max_concurrency,
                t.errors,
                t.duration.quantile_ms(0.5),
                t.duration.quantile_ms(0.99),
                f.gb_seconds
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        lambda_components(out, s);
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.lambda_functions.iter().map(|x| x.name.clone()));
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let functions: Vec<String> = s.lambda_functions.iter().map(|f| f.name.clone()).collect();
        defaults(out, &s.document, "lambda_functions", &functions);
        lambda_account_defaults(out, s);
    }
}
