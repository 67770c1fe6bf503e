//! ElastiCache clusters in the table printed after a run: a line per cluster with its
//! lookups, hit ratio, expirations, lost-node misses, replacements and the engine's
//! utilization. Their `summary.json` keys are the caches' (`caches.NAME`, with the
//! databases in `resilience`), and their components are in the resilience section's
//! `explain` text.

use super::Section;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value};
use std::fmt::Write;

pub struct ElastiCache;

impl Section for ElastiCache {
    /// In `caches.NAME` (the resilience section).
    fn summary(&self, _: &RunResult, _: &mut Map<String, Value>) {}

    fn table(&self, r: &RunResult, out: &mut String) {
        let clusters: Vec<_> = (r.resilience.databases.iter())
            .filter_map(|d| Some((d, d.cache.as_ref()?, d.hits?)))
            .collect();
        if clusters.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>10} {:>12} {:>8} {:>11} {:>11} {:>9} {:>8}",
            "cache",
            "engine",
            "lookups",
            "hit %",
            "expirations",
            "node misses",
            "replaced",
            "engine %"
        );
        for (d, c, hits) in clusters {
            let answered = d.calls.saturating_sub(d.failed_calls);
            let ratio = if answered > 0 {
                100.0 * hits as f64 / answered as f64
            } else {
                0.0
            };
            let _ = writeln!(
                out,
                "{:<20} {:>10} {:>12} {:>8.1} {:>11} {:>11} {:>9} {:>8.1}",
                d.name,
                c.engine,
                d.calls,
                ratio,
                c.expired_misses,
                c.node_misses,
                c.node_replacements,
                100.0 * c.engine_utilization
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    /// In the resilience section's components (`explain::elasticache`).
    fn components(&self, _: &Scenario, _: &mut String) {}

    /// A cluster is named as its cache, among the databases (resilience).
    fn names(&self, _: &Scenario, _: &mut Vec<String>) {}

    /// With the caches' defaults (resilience).
    fn defaults(&self, _: &Scenario, _: &mut String) {}
}
