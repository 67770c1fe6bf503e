//! The queues' part of the outputs: `summary.json` `queues.NAME` and the human table.

use super::summary::latency_json;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};
use std::fmt::Write;

/// `queues`: per queue, message counts, polling, the largest backlog and age, send-to-delete
/// latency (ms) and API calls with the billed request count.
pub fn queues_json(r: &RunResult) -> Value {
    let queues: Map<String, Value> = r
        .queues
        .iter()
        .map(|q| {
            let s = &q.stats;
            let mut entry = json!({
                    "sent": s.sent,
                    "received": s.received,
                    "deleted": s.deleted,
                    "empty_receives": s.empty_receives,
                    "dead_lettered": s.dead_lettered,
                    "expired": s.expired,
                    "max_visible": s.max_visible,
                    "max_age_s": s.max_age.as_secs_f64(),
                    "latency_ms": latency_json(&s.latency),
                    "dead_letters_in": s.moved_in,
                    "false_empty_receives": s.false_empty_receives,
                    "failures": s.failures,
                    "visibility_expiries": s.visibility_expiries,
                    "expired_in_flight": s.expired_in_flight,
                    "stale_deletes": s.stale_deletes,
                    "remaining": q.remaining,
                    "in_flight_at_end": q.in_flight_at_end,
                    "api_requests": {
                        "send": s.send_calls,
                        "receive": s.receive_calls,
                        "delete": s.delete_calls,
                        "billed": s.billed_requests,
                    },
            });
            // With a region outage: the calls that found the queue's region down.
            if s.unreachable_calls > 0 {
                entry["refused_sends"] = json!(s.refused_sends);
                entry["unreachable_calls"] = json!(s.unreachable_calls);
            }
            let sources = lambda_consumers_json(r, &q.name);
            if !sources.is_empty() {
                entry["lambda_consumers"] = Value::Object(sources);
            }
            (q.name.clone(), entry)
        })
        .collect();
    Value::Object(queues)
}

/// `queues.NAME.lambda_consumers.FUNCTION`: what each event source mapping of the queue did.
fn lambda_consumers_json(r: &RunResult, queue: &str) -> Map<String, Value> {
    r.event_sources
        .iter()
        .filter(|e| e.queue == queue)
        .map(|e| {
            let s = &e.stats;
            (
                e.function.clone(),
                json!({
                    "batches": s.batches,
                    "messages_invoked": s.messages_invoked,
                    "mean_batch_size": if s.batches > 0 {
                        s.messages_invoked as f64 / s.batches as f64
                    } else {
                        0.0
                    },
                    "throttled_batches": s.throttled_batches,
                    "failed_batches": s.failed_batches,
                    "item_failures": s.item_failures,
                    "max_pollers": s.peak_pollers,
                }),
            )
        })
        .collect()
}

/// One line per queue for the summary table.
pub fn queues_table(r: &RunResult, out: &mut String) {
    if r.queues.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n{:<16} {:>9} {:>9} {:>9} {:>8} {:>8} {:>11} {:>9} {:>9} {:>10} {:>10}",
        "queue",
        "sent",
        "received",
        "deleted",
        "DLQ'd",
        "expired",
        "empty rcv",
        "max vis",
        "max age s",
        "p50 ms",
        "p99 ms"
    );
    for q in &r.queues {
        let s = &q.stats;
        let _ = writeln!(
            out,
            "{:<16} {:>9} {:>9} {:>9} {:>8} {:>8} {:>11} {:>9} {:>9.1} {:>10.1} {:>10.1}",
            q.name,
            s.sent,
            s.received,
            s.deleted,
            s.dead_lettered,
            s.expired,
            s.empty_receives,
            s.max_visible,
            s.max_age.as_secs_f64(),
            s.latency.quantile_ms(0.5),
            s.latency.quantile_ms(0.99)
        );
    }
}
