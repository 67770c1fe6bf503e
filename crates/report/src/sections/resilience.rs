//! Availability, faults, databases and caches.

use super::Section;
use crate::explain::{defaults, resilience_components};
use crate::report::faults_csv;
use crate::report::resilience::{
    availability_json, caches_json, databases_json, errors_by_cause_json, faults_json,
};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value};
use std::fmt::Write;

pub struct Resilience;

impl Section for Resilience {
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        for (key, value) in [
            ("availability", availability_json(r)),
            ("errors_by_cause", errors_by_cause_json(r)),
            ("faults", faults_json(r)),
            ("databases", databases_json(r)),
            ("caches", caches_json(r)),
        ] {
            out.insert(key.into(), value);
        }
    }

    /// Availability against its objective, and each fault's detection and recovery, when
    /// the scenario has faults, databases or DNS records (whose health
    /// checks move traffic).
    fn table(&self, r: &RunResult, out: &mut String) {
        let a = &r.resilience;
        if a.faults.is_empty() && a.databases.is_empty() && r.services.dns.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\navailability {:.4}%  (objective {}%: {} period(s) below, longest run {})",
            100.0 * a.availability,
            100.0 * a.slo,
            a.periods_below_slo,
            a.longest_run_below_slo
        );
        for f in &a.faults {
            let secs = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.0}s"));
            let _ = writeln!(
                out,
                "  fault {} {} at {:.0}s: detected after {}, recovered after {}",
                f.kind,
                f.target,
                f.at_s,
                secs(f.time_to_detect_s),
                secs(f.time_to_recover_s)
            );
        }
    }

    fn files(&self, r: &RunResult, out: &mut Vec<(&'static str, String)>) {
        out.push(("faults.csv", faults_csv(r)));
    }

    fn components(&self, s: &Scenario, out: &mut String) {
        resilience_components(out, s);
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        let r = &s.resilience;
        out.extend(r.databases.iter().map(|x| x.name.clone()));
        out.extend(r.faults.iter().map(|f| f.label()));
        out.push("faults".to_string());
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let databases = &s.resilience.databases;
        let names = |cache: bool| -> Vec<String> {
            databases
                .iter()
                .filter(|x| x.hit_ratio.is_some() == cache)
                .map(|x| x.name.clone())
                .collect()
        };
        defaults(out, &s.document, "databases", &names(false));
        defaults(out, &s.document, "caches", &names(true));
    }
}
