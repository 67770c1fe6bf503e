//! Workloads: the requests and latency of each (the overall figures are the world's).

use super::Section;
use crate::explain::{arrivals, defaults, rate};
use crate::report::{latency_json, requests_json};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct Traffic;

impl Section for Traffic {
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let workloads: Map<String, Value> = r
            .workloads
            .iter()
            .enumerate()
            .map(|(i, (name, s))| {
                let in_flight = r.in_flight_by_workload.get(i).copied().unwrap_or(0);
                (
                    name.clone(),
                    json!({"requests": requests_json(s, Some(in_flight)), "latency_ms": latency_json(&s.latency)}),
                )
            })
            .collect();
        out.insert("workloads".into(), Value::Object(workloads));
    }

    /// One line per workload, when there are several.
    fn table(&self, r: &RunResult, out: &mut String) {
        if r.workloads.len() <= 1 {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>10} {:>8} {:>10} {:>10}",
            "workload", "requests", "failed", "p50 ms", "p99 ms"
        );
        for (i, (name, s)) in r.workloads.iter().enumerate() {
            let _ = writeln!(
                out,
                "{:<20} {:>10} {:>8} {:>10.2} {:>10.2}",
                name,
                s.total + r.in_flight_by_workload.get(i).copied().unwrap_or(0),
                s.failed(),
                s.latency.quantile_ms(0.5),
                s.latency.quantile_ms(0.99)
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        for w in &s.workloads {
            let clients = w
                .clients
                .map(|n| format!(", from {n} clients (each request from one drawn at random)"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- workload `{}`: {}, {}{clients}.",
                w.name,
                arrivals(w.arrivals),
                rate(&w.rate)
            );
            for c in &w.classes {
                let _ = writeln!(
                    out,
                    "    class `{}` (weight {}): {}{}, CPU work {}",
                    c.name,
                    c.weight,
                    c.host
                        .as_deref()
                        .map(|h| format!("host {h}, "))
                        .unwrap_or_default(),
                    c.path,
                    c.work.describe()
                );
            }
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.workloads.iter().map(|x| x.name.clone()));
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let names: Vec<String> = s.workloads.iter().map(|w| w.name.clone()).collect();
        defaults(out, &s.document, "workloads", &names);
    }
}
