//! The queues' part of a run's result, and the message conservation law checked at the end.

use super::SqsWorld;
use crate::kernel::SimTime;
use crate::model::sqs::{MessageState, QueueSpec, QueueStats};

/// One queue's figures over the accounted window (messages sent after the warm-up; API
/// calls made after it).
#[derive(Clone)]
pub struct QueueResult {
    pub name: String,
    pub stats: QueueStats,
    /// Counted messages still in the queue at the end, and of those, in flight.
    pub remaining: u64,
    pub in_flight_at_end: u64,
    /// Slots the message slab grew to (all queues): the peak of messages held at once.
    pub peak_messages: usize,
}

impl SqsWorld {
    /// Closes the queues' books at `now` (the end of the run): what is left in each, the
    /// largest age including messages still there, and the conservation laws: every counted
    /// message sent was deleted, dead-lettered, expired, or is still in a queue, exactly once;
    /// every receive ended once (deleted, visibility expiry, expiry in flight) or is in
    /// flight; every dead-letter move arrived.
    pub(super) fn queue_results(&self, specs: &[QueueSpec], now: SimTime) -> Vec<QueueResult> {
        let mut remaining = vec![0u64; self.queues.len()];
        let mut in_flight = vec![0u64; self.queues.len()];
        let mut oldest = vec![SimTime::ZERO; self.queues.len()];
        for m in self.messages.iter_live() {
            if !m.counted {
                continue;
            }
            let q = m.queue.index();
            remaining[q] += 1;
            in_flight[q] += (m.state == MessageState::InFlight) as u64;
            oldest[q] = oldest[q].max(now.saturating_sub(m.sent_at));
        }
        let peak = self.messages.capacity();
        let results: Vec<QueueResult> = specs
            .iter()
            .enumerate()
            .map(|(q, spec)| {
                let mut stats = self.queues[q].stats.clone();
                stats.max_age = stats.max_age.max(oldest[q]);
                assert_eq!(
                    stats.sent + stats.moved_in,
                    stats.deleted + stats.dead_lettered + stats.expired + remaining[q],
                    "conservation: every message of queue `{}` ends exactly once or remains",
                    spec.name
                );
                assert_eq!(
                    stats.received,
                    stats.deleted
                        + stats.visibility_expiries
                        + stats.expired_in_flight
                        + in_flight[q],
                    "conservation: every receive of queue `{}` ends in a delete, a visibility \
                     expiry or an expiry, or is in flight",
                    spec.name
                );
                QueueResult {
                    name: spec.name.clone(),
                    stats,
                    remaining: remaining[q],
                    in_flight_at_end: in_flight[q],
                    peak_messages: peak,
                }
            })
            .collect();
        let moved_in: u64 = results.iter().map(|q| q.stats.moved_in).sum();
        let dead_lettered: u64 = results.iter().map(|q| q.stats.dead_lettered).sum();
        assert_eq!(
            moved_in, dead_lettered,
            "conservation: every message moved to a dead-letter queue arrives in one"
        );
        results
    }
}
