//! The HTTP/S delivery policy: how many times, and how long after a failed attempt, SNS
//! retries a delivery to an HTTP/S endpoint.
//!
//! AWS: a delivery policy has four phases, in order: immediate retries (no delay), the
//! pre-backoff phase (retries `minDelayTarget` apart), the backoff phase (delays growing from
//! `minDelayTarget` to `maxDelayTarget` by the backoff function), and the post-backoff phase
//! (retries `maxDelayTarget` apart); `numRetries` counts them all, and the whole policy may
//! not last more than 3,600 s. When the policy is exhausted the message is discarded (no
//! dead-letter queue is modeled). The default HTTP/S policy: "if the initial delivery of the
//! message fails, Amazon SNS attempts up to three retries with a delay between failed
//! attempts set at 20 seconds" ("Amazon SNS message delivery retries",
//! https://docs.aws.amazon.com/sns/latest/dg/sns-message-delivery-retries.html; "Set the
//! delivery policy for the Amazon SNS subscription",
//! https://docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.retry.html).
//!
//! Our choices: AWS applies jitter to its retries; Stratus does not (each retry is at its
//! phase's delay exactly, so the schedule is the documented one). AWS documents the backoff
//! functions (linear, arithmetic, geometric, exponential) only as a graph; Stratus's backoff
//! phase is linear: its `j`-th of `B` retries waits `min + (max - min) x j / B`. With the
//! default policy (`min = max = 20 s`) every function gives the same 20 s.

use crate::kernel::SimTime;

/// The total time a policy's retries may take (a hard limit, same page).
pub const MAX_POLICY_TIME: SimTime = SimTime::from_secs(3600);

/// An HTTP/S subscription's delivery policy (`healthyRetryPolicy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// `numRetries`: every retry, all phases together.
    pub retries: u32,
    /// `numNoDelayRetries`: the immediate phase.
    pub no_delay: u32,
    /// `numMinDelayRetries`: the pre-backoff phase, `min_delay` apart.
    pub min_delay_retries: u32,
    /// `numMaxDelayRetries`: the post-backoff phase, `max_delay` apart.
    pub max_delay_retries: u32,
    /// `minDelayTarget` and `maxDelayTarget`.
    pub min_delay: SimTime,
    pub max_delay: SimTime,
}

impl RetryPolicy {
    /// The default HTTP/S policy: 3 retries, 20 s apart.
    pub const DEFAULT: RetryPolicy = RetryPolicy {
        retries: 3,
        no_delay: 0,
        min_delay_retries: 0,
        max_delay_retries: 0,
        min_delay: SimTime::from_secs(20),
        max_delay: SimTime::from_secs(20),
    };

    /// Retries in the backoff phase: what the other phases leave of `retries`.
    pub fn backoff_retries(&self) -> u32 {
        self.retries
            .saturating_sub(self.no_delay + self.min_delay_retries + self.max_delay_retries)
    }

    /// The delay between the failure of attempt `k` and retry `k` (1-based: retry 1 follows
    /// the first attempt); `None` when the policy allows no retry `k`.
    pub fn delay(&self, k: u32) -> Option<SimTime> {
        if k == 0 || k > self.retries {
            return None;
        }
        let backoff = self.backoff_retries();
        let pre = self.no_delay + self.min_delay_retries;
        Some(if k <= self.no_delay {
            SimTime::ZERO
        } else if k <= pre {
            self.min_delay
        } else if k <= pre + backoff {
            let j = (k - pre) as u64;
            let span = (self.max_delay - self.min_delay).as_nanos();
            self.min_delay + SimTime::from_nanos(span * j / backoff as u64)
        } else {
            self.max_delay
        })
    }

    /// The sum of every retry's delay: the policy's length (at most `MAX_POLICY_TIME`).
    pub fn total_delay(&self) -> SimTime {
        (1..=self.retries).fold(SimTime::ZERO, |t, k| {
            t + self.delay(k).unwrap_or(SimTime::ZERO)
        })
    }
}
