//! Asynchronous invocation: Lambda's internal queue of events. An event is invoked at once;
//! a throttled one is retried with backoff (1 s doubling up to 5 min) for as long as it is
//! younger than the maximum event age (default 6 h); a function error is retried up to
//! `max_retry_attempts` times (default 2), about 1 min and then 2 min later. An event that
//! runs out of retries fails (the on-failure destination); one that reaches its maximum age
//! expires. Every accepted event ends exactly once: succeeded, failed or expired.

use crate::ids::FunctionId;
use crate::kernel::SimTime;

#[derive(Clone, Copy, Debug)]
pub struct AsyncEvent {
    pub function: FunctionId,
    /// The request that queued it (trace id).
    pub trace_id: u64,
    pub enqueued_at: SimTime,
    /// Retries after function errors so far.
    pub error_retries: u8,
    /// Throttles so far (sets the backoff).
    pub throttles: u32,
    /// Queued after the warm-up: counts in the summary.
    pub counted: bool,
}

/// How an event ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    Succeeded,
    /// Function errors on every attempt: sent to the on-failure destination.
    Failed,
    /// Reached the maximum event age before an attempt succeeded.
    Expired,
}

/// Backoff before retrying after the `n`-th throttle (n >= 1): 1 s, 2 s, 4 s, ... up to 5 min.
pub fn throttle_backoff(n: u32) -> SimTime {
    let s = 1u64 << (n.saturating_sub(1)).min(9);
    SimTime::from_secs(s.min(300))
}

/// Delay before the `k`-th retry after a function error (k >= 1): 1 min, then 2 min.
pub fn error_retry_delay(k: u8) -> SimTime {
    SimTime::from_secs(60 * k.max(1) as u64)
}

impl AsyncEvent {
    /// The time at which the event reaches its maximum age.
    pub fn deadline(&self, max_age: SimTime) -> SimTime {
        self.enqueued_at + max_age
    }

    /// After a throttle: when to retry (never past the deadline; a retry due at the deadline
    /// finds the event expired).
    pub fn after_throttle(&mut self, now: SimTime, max_age: SimTime) -> SimTime {
        self.throttles += 1;
        (now + throttle_backoff(self.throttles))
            .min(self.deadline(max_age))
            .max(now)
    }

    /// After a function error: when to retry, or `None` when retries are exhausted. An event
    /// already past its age (a long invocation) is due at once, and then expires.
    pub fn after_error(
        &mut self,
        now: SimTime,
        max_age: SimTime,
        max_retries: u8,
    ) -> Option<SimTime> {
        if self.error_retries >= max_retries {
            return None;
        }
        self.error_retries += 1;
        Some(
            (now + error_retry_delay(self.error_retries))
                .min(self.deadline(max_age))
                .max(now),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_five_minutes() {
        let secs: Vec<u64> = (1..=12)
            .map(|n| throttle_backoff(n).as_nanos() / 1_000_000_000)
            .collect();
        assert_eq!(secs, vec![1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
    }

    #[test]
    fn errors_retry_twice_then_fail_and_age_caps_retries() {
        let mut e = AsyncEvent {
            function: FunctionId(0),
            trace_id: 0,
            enqueued_at: SimTime::ZERO,
            error_retries: 0,
            throttles: 0,
            counted: true,
        };
        let age = SimTime::from_secs(100);
        let s = SimTime::from_secs;
        assert_eq!(e.after_error(s(1), age, 2), Some(s(61)));
        assert_eq!(
            e.after_error(s(62), age, 2),
            Some(s(100)),
            "capped at the deadline"
        );
        assert_eq!(e.after_error(s(101), age, 2), None);
        assert_eq!(e.after_throttle(s(10), age), s(11));
        // An invocation that ended past the event's age: due now, never in the past.
        let mut late = AsyncEvent {
            error_retries: 0,
            ..e
        };
        assert_eq!(late.after_error(s(500), age, 2), Some(s(500)));
    }
}
