//! NAT gateways placed in AZs: the external calls through each, those that found no way out,
//! the calls that crossed AZs to reach their gateway and the bytes processed (`summary.json`
//! `nat_gateways`, present when the scenario places gateways), a table line per gateway, and
//! the gateways and their routes in words for `stratus explain`.

use super::Section;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct Nat;

impl Section for Nat {
    /// `nat_gateways.NAME`, when the scenario places gateways.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let gateways = &r.services.nat;
        if gateways.is_empty() {
            return;
        }
        let m: Map<String, Value> = gateways
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    json!({
                        "az": g.az,
                        "serves": g.serves,
                        "calls": g.meters.calls,
                        "failed_calls": g.meters.failed_calls,
                        "cross_az_calls": g.meters.cross_az_calls,
                        "gb_processed": g.meters.bytes / 1e9,
                        "connections": g.meters.connections,
                        "max_active_connections": g.meters.max_active,
                        "port_allocation_errors": g.meters.port_allocation_errors,
                    }),
                )
            })
            .collect();
        out.insert("nat_gateways".into(), Value::Object(m));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        let gateways = &r.services.nat;
        if gateways.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>6} {:>12} {:>10} {:>10} {:>12} {:>11} {:>10}",
            "nat gateway",
            "az",
            "calls",
            "failed",
            "cross-az",
            "GB processed",
            "max active",
            "port errs"
        );
        for g in gateways {
            let m = g.meters;
            let _ = writeln!(
                out,
                "{:<20} {:>6} {:>12} {:>10} {:>10} {:>12.3} {:>11} {:>10}",
                g.name,
                g.az,
                m.calls,
                m.failed_calls,
                m.cross_az_calls,
                m.bytes / 1e9,
                m.max_active,
                m.port_allocation_errors
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        let nat = &s.services.nat_gateways;
        for (i, g) in nat.gateways.iter().enumerate() {
            let serves: Vec<&str> = (nat.routes.iter().enumerate())
                .filter(|(_, r)| r.is_some_and(|r| r.index() == i))
                .map(|(a, _)| s.azs[a].as_str())
                .collect();
            let _ = writeln!(
                out,
                "- NAT gateway `{}` in AZ {}: the private subnets of AZ {} reach the internet through it; an outage of AZ {} cuts their external calls.",
                g.name,
                s.azs[g.az.index()],
                serves.join(", "),
                s.azs[g.az.index()]
            );
        }
        for e in &s.services.external_endpoints {
            let _ = writeln!(
                out,
                "- External endpoint `{}`: answers in {:.1} ms on average.",
                e.name,
                1e3 * e.latency.mean_s()
            );
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        let nat = &s.services.nat_gateways;
        out.extend(nat.gateways.iter().map(|g| g.name.clone()));
        out.extend(s.services.external_endpoints.iter().map(|e| e.name.clone()));
    }

    /// A gateway's one default (`serves`) is in its `components` line: the key is a count
    /// or a mapping, not a section of entries.
    fn defaults(&self, _: &Scenario, _: &mut String) {}
}
