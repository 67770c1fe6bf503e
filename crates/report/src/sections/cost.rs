//! The bill: total, by service, per million requests and per hour, and the price table it
//! came from.

use super::Section;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct Cost;

impl Section for Cost {
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let per_million = if r.arrived > 0 {
            r.cost.total / r.arrived as f64 * 1e6
        } else {
            0.0
        };
        let mut cost = json!({
            "total": r.cost.total,
            "by_service": r.cost.by_service,
            "per_million_requests": per_million,
            "per_hour": cost_per_hour(r),
        });
        // With several regions: each region's part, and the part priced by no region's table.
        if !r.cost.by_region.is_empty() {
            cost["by_region"] = json!(r.cost.by_region);
            cost["not_by_region"] = json!(r.cost.not_by_region);
        }
        out.insert("cost_usd".into(), cost);
    }

    /// The bill's line is in the table's header, beside the requests and latency; with
    /// several regions, a line per region (and one for the part of no region).
    fn table(&self, r: &RunResult, out: &mut String) {
        let parts = (r.cost.by_region.iter())
            .map(|(name, bill)| (name.as_str(), bill))
            .chain(r.cost.not_by_region.iter().map(|b| ("not by region", b)))
            .filter(|(_, b)| !b.by_service.is_empty());
        for (name, bill) in parts.filter(|_| !r.cost.by_region.is_empty()) {
            let services: Vec<String> = (bill.by_service.iter())
                .filter(|(_, v)| **v != 0.0)
                .map(|(k, v)| format!("{k} {v:.4}"))
                .collect();
            let _ = writeln!(
                out,
                "cost usd {name} {:.4}  ({})",
                bill.total,
                services.join(", ")
            );
        }
    }

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
