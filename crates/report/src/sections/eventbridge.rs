//! Amazon EventBridge buses: entries put and throttled, and per rule the events it matched
//! and per target the invocations, the ones the quota delayed, deliveries, retries,
//! dead-lettered and dropped events (`summary.json` `event_buses`, present when the scenario
//! has buses), a table line per bus, and the buses in words for `stratus explain` (with each
//! producer's arrow and the rules' targets in the diagram).

use super::Section;
use crate::explain::{defaults, rate};
use crate::model::eventbridge::spec::{invocations_quota, put_events_quota};
use crate::model::eventbridge::{BusId, TargetMeters};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::workload::WorkloadSpec;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct EventBridge;

impl Section for EventBridge {
    /// `event_buses.NAME`, when the scenario has buses.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let buses = &r.services.eventbridge;
        if buses.is_empty() {
            return;
        }
        let m: Map<String, Value> = buses
            .iter()
            .map(|b| {
                let rules: Map<String, Value> = (b.rules.iter())
                    .map(|rule| {
                        let targets: Map<String, Value> = (rule.targets.iter())
                            .map(|t| {
                                let m = &t.meters;
                                (
                                    t.name.clone(),
                                    json!({
                                        "kind": t.kind,
                                        "invocations": m.invocations,
                                        "delayed_by_quota": m.delayed,
                                        "delivered": m.delivered,
                                        "retries": m.retries,
                                        "dead_lettered": m.dead_lettered,
                                        "dropped": m.dropped,
                                        "in_flight_at_end": t.in_flight,
                                    }),
                                )
                            })
                            .collect();
                        (
                            rule.name.clone(),
                            json!({
                                "match": rule.matches,
                                "matched": rule.matched,
                                "targets": targets,
                            }),
                        )
                    })
                    .collect();
                (
                    b.name.clone(),
                    super::with_region(
                        json!({
                            "put": b.put,
                            "events_throttled": b.throttled,
                            "billed_events": b.billed_events,
                            "rules": rules,
                        }),
                        &b.region,
                    ),
                )
            })
            .collect();
        out.insert("event_buses".into(), Value::Object(m));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        let buses = &r.services.eventbridge;
        if buses.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>12} {:>12} {:>12} {:>10} {:>10} {:>10}",
            "event bus", "put", "throttled", "delivered", "retries", "dlq", "dropped"
        );
        for b in buses {
            let sum = |f: fn(&TargetMeters) -> u64| -> u64 {
                (b.rules.iter())
                    .flat_map(|r| r.targets.iter())
                    .map(|t| f(&t.meters))
                    .sum()
            };
            let _ = writeln!(
                out,
                "{:<20} {:>12} {:>12} {:>12} {:>10} {:>10} {:>10}",
                b.name,
                b.put,
                b.throttled,
                sum(|m| m.delivered),
                sum(|m| m.retries),
                sum(|m| m.dead_lettered),
                sum(|m| m.dropped)
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        for b in &s.services.event_buses {
            let rules: Vec<String> = (b.rules.iter())
                .map(|r| {
                    let dlq = match r.dead_letter_queue {
                        Some(q) => format!("dead-letter queue `{}`", s.queues[q.index()].name),
                        None => "no dead-letter queue".to_string(),
                    };
                    format!(
                        "rule `{}` matches {:.0}% of events, to {} ({} retries over at most {} s, {dlq})",
                        r.name,
                        100.0 * r.matches,
                        r.target_names.join(", "),
                        r.retry.maximum_retry_attempts,
                        r.retry.maximum_event_age.as_secs_f64()
                    )
                })
                .collect();
            let rules = if rules.is_empty() {
                "no rules".to_string()
            } else {
                rules.join("; ")
            };
            let _ = writeln!(
                out,
                "- EventBridge bus `{}` in {}: events of {} bytes; PutEvents quota {}/s and invocations quota {}/s for the account in the region; {rules}.",
                b.name,
                b.region_name,
                b.event_bytes,
                put_events_quota(&b.region_name),
                invocations_quota(&b.region_name)
            );
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.services.event_buses.iter().map(|b| b.name.clone()));
    }

    fn diagram(&self, s: &Scenario, w: &WorkloadSpec, out: &mut String) -> bool {
        let Some(i) = w.target.of(crate::model::eventbridge::TARGET) else {
            return false;
        };
        let b = &s.services.event_buses[BusId(i as u16).index()];
        let fan: Vec<String> = (b.rules.iter())
            .map(|r| format!("[{}: {}]", r.name, r.target_names.join(" ")))
            .collect();
        let fan = if fan.is_empty() {
            String::new()
        } else {
            format!(" --rules--> {}", fan.join(" "))
        };
        let _ = writeln!(
            out,
            "  [{}] --{}--> (events {}){fan}",
            w.name,
            rate(&w.rate),
            b.name
        );
        true
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let names: Vec<String> = (s.services.event_buses.iter())
            .map(|b| b.name.clone())
            .collect();
        defaults(out, &s.document, "event_buses", &names);
    }
}
