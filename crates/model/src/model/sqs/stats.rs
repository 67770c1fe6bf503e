//! What a queue counts: per-run totals for the summary (messages that count are those sent
//! after the warm-up; API calls count after the warm-up) and per-period counters for the
//! CloudWatch-style time series and the bill.

use crate::kernel::SimTime;
use crate::metrics::Latency;

/// Counters of the current metric period (every message and call, warm-up included).
#[derive(Clone, Copy, Debug, Default)]
pub struct PeriodCounters {
    /// NumberOfMessagesSent.
    pub sent: u64,
    /// NumberOfMessagesReceived (messages handed out, not calls).
    pub received: u64,
    /// NumberOfMessagesDeleted.
    pub deleted: u64,
    /// NumberOfEmptyReceives.
    pub empty_receives: u64,
    /// Billed requests: one per call and per started 64 KB chunk of payload.
    pub billed_requests: u64,
}

#[derive(Clone, Default)]
pub struct QueueStats {
    /// Messages sent to this queue (not counting dead-letter moves into it).
    pub sent: u64,
    /// Messages moved into this queue because it is another queue's dead-letter queue.
    pub moved_in: u64,
    /// Messages handed out by receives (a message received twice counts twice).
    pub received: u64,
    pub deleted: u64,
    /// ReceiveMessage calls that returned nothing.
    pub empty_receives: u64,
    /// Short polls that returned nothing although messages were visible.
    pub false_empty_receives: u64,
    /// Messages moved to the dead-letter queue.
    pub dead_lettered: u64,
    /// Messages deleted by the queue when their retention period ran out.
    pub expired: u64,
    /// Of those, messages that were in flight (received, not deleted) when they expired.
    pub expired_in_flight: u64,
    /// Receives whose visibility timeout ran out before a delete.
    pub visibility_expiries: u64,
    /// Processing attempts that failed (the message is left to reappear).
    pub failures: u64,
    /// Deletes whose receipt handle was no longer the message's latest.
    pub stale_deletes: u64,
    /// SendMessage calls refused because the queue's region was under an outage (the
    /// message was not stored).
    pub refused_sends: u64,
    /// API calls (sends, receives, deletes) that found the queue's region under an outage.
    pub unreachable_calls: u64,
    pub send_calls: u64,
    pub receive_calls: u64,
    pub delete_calls: u64,
    pub billed_requests: u64,
    /// The most messages visible at once.
    pub max_visible: u32,
    /// The longest a message stayed in the queue (the largest age of the oldest message).
    pub max_age: SimTime,
    /// Send to delete, of deleted messages.
    pub latency: Latency,
    pub period: PeriodCounters,
}
