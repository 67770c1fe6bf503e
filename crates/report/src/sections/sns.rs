//! Amazon SNS topics: messages published and Publish calls throttled, and per subscription
//! the messages its filter matched, deliveries made, HTTP/S retries and discards
//! (`summary.json` `sns_topics`, present when the scenario has topics), a table line per
//! topic, and the topics in words for `stratus explain` (with each publisher's arrow and the
//! fan-out in the diagram).

use super::Section;
use crate::explain::{defaults, rate};
use crate::model::sns::spec::publish_quota;
use crate::model::sns::{Endpoint, TopicId};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::workload::WorkloadSpec;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct Sns;

impl Section for Sns {
    /// `sns_topics.NAME`, when the scenario has topics.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let topics = &r.services.sns;
        if topics.is_empty() {
            return;
        }
        let m: Map<String, Value> = topics
            .iter()
            .map(|t| {
                let subs: Map<String, Value> = t
                    .subscriptions
                    .iter()
                    .map(|s| {
                        let m = &s.meters;
                        (
                            s.name.clone(),
                            json!({
                                "protocol": s.protocol,
                                "filter": s.filter,
                                "matched": m.matched,
                                "filtered_out": m.filtered_out,
                                "delivered": m.delivered,
                                "retries": m.retries,
                                "failed": m.failed,
                                "in_flight_at_end": s.in_flight,
                            }),
                        )
                    })
                    .collect();
                (
                    t.name.clone(),
                    super::with_region(
                        json!({
                            "published": t.published,
                            "sns_throttled": t.throttled,
                            "billed_publish_requests": t.billed_requests,
                            "subscriptions": subs,
                        }),
                        &t.region,
                    ),
                )
            })
            .collect();
        out.insert("sns_topics".into(), Value::Object(m));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        let topics = &r.services.sns;
        if topics.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>12} {:>12} {:>12} {:>10} {:>10}",
            "sns topic", "published", "throttled", "delivered", "retries", "failed"
        );
        for t in topics {
            let sum = |f: fn(&crate::model::sns::SubscriptionMeters) -> u64| -> u64 {
                t.subscriptions.iter().map(|s| f(&s.meters)).sum()
            };
            let _ = writeln!(
                out,
                "{:<20} {:>12} {:>12} {:>12} {:>10} {:>10}",
                t.name,
                t.published,
                t.throttled,
                sum(|m| m.delivered),
                sum(|m| m.retries),
                sum(|m| m.failed)
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        for t in &s.services.sns_topics {
            let subs: Vec<String> = t
                .subscriptions
                .iter()
                .map(|sub| {
                    let filter = if sub.filter < 1.0 {
                        format!(" (filter accepts {:.0}%)", 100.0 * sub.filter)
                    } else {
                        String::new()
                    };
                    let what = match &sub.endpoint {
                        Endpoint::Sqs(q) => format!("queue `{}`", s.queues[q.index()].name),
                        Endpoint::Lambda(f) => format!(
                            "Lambda `{}` (asynchronous)",
                            s.lambda_functions[f.index()].name
                        ),
                        Endpoint::Http {
                            failure, policy, ..
                        } => format!(
                            "HTTP/S `{}` (fails {:.1}% of attempts; {} retries over {} s)",
                            sub.name.trim_start_matches("http:"),
                            100.0 * failure,
                            policy.retries,
                            policy.total_delay().as_secs_f64()
                        ),
                    };
                    format!("{what}{filter}")
                })
                .collect();
            let fanout = if subs.is_empty() {
                "no subscriptions".to_string()
            } else {
                format!("delivers to {}", subs.join(", "))
            };
            let _ = writeln!(
                out,
                "- SNS topic `{}` in {}: messages of {} bytes; Publish quota {}/s for the account in the region; {fanout}.",
                t.name,
                t.region_name,
                t.message_bytes,
                publish_quota(&t.region_name)
            );
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.services.sns_topics.iter().map(|t| t.name.clone()));
    }

    fn diagram(&self, s: &Scenario, w: &WorkloadSpec, out: &mut String) -> bool {
        let Some(i) = w.target.of(crate::model::sns::TARGET) else {
            return false;
        };
        let t = &s.services.sns_topics[TopicId(i as u16).index()];
        let fan: Vec<String> = t
            .subscriptions
            .iter()
            .map(|sub| match &sub.endpoint {
                Endpoint::Sqs(q) => format!("(sqs {})", s.queues[q.index()].name),
                Endpoint::Lambda(f) => format!("(lambda {})", s.lambda_functions[f.index()].name),
                Endpoint::Http { .. } => {
                    format!("(https {})", sub.name.trim_start_matches("http:"))
                }
            })
            .collect();
        let fan = if fan.is_empty() {
            String::new()
        } else {
            format!(" --fan-out--> {}", fan.join(" "))
        };
        let _ = writeln!(
            out,
            "  [{}] --{}--> (sns {}){fan}",
            w.name,
            rate(&w.rate),
            t.name
        );
        true
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let names: Vec<String> = s
            .services
            .sns_topics
            .iter()
            .map(|t| t.name.clone())
            .collect();
        defaults(out, &s.document, "sns_topics", &names);
    }
}
