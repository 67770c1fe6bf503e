//! DynamoDB tables: capacity consumed, throttles by limit, the SDK's retries and the calls
//! that failed (`summary.json` `dynamodb`, present when the scenario has tables), a table
//! line per table, and the tables in words for `stratus explain`.

use super::Section;
use crate::explain::defaults;
use crate::model::dynamodb::Mode;
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct DynamoDb;

impl Section for DynamoDb {
    /// `dynamodb.NAME`, when the scenario has tables.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let tables = &r.services.dynamodb;
        if tables.is_empty() {
            return;
        }
        let m: Map<String, Value> = tables
            .iter()
            .map(|t| {
                (
                    t.name.clone(),
                    super::with_region(json!({
                        "mode": t.mode,
                        "provisioned": t.provisioned.map(|(r, w)| json!({"read_units": r, "write_units": w})),
                        "partitions": t.partitions,
                        "calls": t.calls,
                        "retries": t.retries,
                        "failed_calls": t.failed_calls,
                        "throttled_attempts": {
                            "table": t.throttled_table,
                            "partition": t.throttled_partition,
                        },
                        "consumed": {"read_units": t.read_units, "write_units": t.write_units},
                        "auto_scaling": {"increases": t.scaling_increases, "decreases": t.scaling_decreases},
                    }), &t.region),
                )
            })
            .collect();
        out.insert("dynamodb".into(), Value::Object(m));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        let tables = &r.services.dynamodb;
        if tables.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>12} {:>10} {:>10} {:>10} {:>12} {:>12}",
            "dynamodb table", "mode", "calls", "retries", "failed", "throttled", "consumed rcu"
        );
        for t in tables {
            let _ = writeln!(
                out,
                "{:<20} {:>12} {:>10} {:>10} {:>10} {:>12} {:>12.0}",
                t.name,
                t.mode,
                t.calls,
                t.retries,
                t.failed_calls,
                t.throttled_table + t.throttled_partition,
                t.read_units
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        for t in &s.services.dynamodb_tables {
            let capacity = match t.mode {
                Mode::Provisioned {
                    read_units,
                    write_units,
                } => format!(
                    "provisioned {read_units} RCU and {write_units} WCU per second with 300 s of burst"
                ),
                Mode::OnDemand {
                    read_peak,
                    write_peak,
                } => format!(
                    "on demand: at once up to {} reads and {} writes per second (twice its previous peak), doubling at most every 30 minutes",
                    2 * read_peak,
                    2 * write_peak
                ),
            };
            let hot = if t.hot_key_share > 0.0 {
                format!(", {:.0}% of calls on one hot key", 100.0 * t.hot_key_share)
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "- DynamoDB table `{}`: {capacity}; {} partitions of 3,000 RCU / 1,000 WCU per second{hot}; a throttled call is retried by the SDK up to {} attempts in all.",
                t.name, t.partitions, t.retry.max_attempts
            );
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.services.dynamodb_tables.iter().map(|t| t.name.clone()));
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let names: Vec<String> = s
            .services
            .dynamodb_tables
            .iter()
            .map(|t| t.name.clone())
            .collect();
        defaults(out, &s.document, "dynamodb_tables", &names);
    }
}
