//! The bill: total, by service, per million requests and per hour, and the price table it
//! came from.

use super::Section;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};

pub struct Cost;

impl Section for Cost {
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let per_million = if r.arrived > 0 {
            r.cost.total / r.arrived as f64 * 1e6
        } else {
            0.0
        };
        out.insert(
            "cost_usd".into(),
            json!({
                "total": r.cost.total,
                "by_service": r.cost.by_service,
                "per_million_requests": per_million,
                "per_hour": cost_per_hour(r),
            }),
        );
    }

    /// The bill's line is in the table's header, beside the requests and latency.
    fn table(&self, _: &RunResult, _: &mut String) {}

    /// The price table is the run's: `explain` names it after every component.
    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, _: &Scenario, _: &mut String) {}

    /// Prices come from the table named in the components; they have no per-entry defaults.
    fn names(&self, _: &Scenario, _: &mut Vec<String>) {}

    fn defaults(&self, _: &Scenario, _: &mut String) {}
}

/// The window's cost over its length in hours (the warm-up is not billed).
fn cost_per_hour(r: &RunResult) -> f64 {
    let hours = (r.sim_duration_s - r.warmup_s) / 3600.0;
    if hours > 0.0 {
        r.cost.total / hours
    } else {
        0.0
    }
}
