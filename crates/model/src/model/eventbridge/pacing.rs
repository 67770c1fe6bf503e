//! The invocations quota as a pacing of invocations.
//!
//! AWS: "An invocation is an event matching a rule and being sent on to the rule's targets.
//! After the limit is reached, the invocations are throttled; that is, they still happen but
//! they are delayed" ("Amazon EventBridge quotas", "Invocations throttle limit in
//! transactions per second",
//! https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html). So an invocation
//! over the quota waits; it is never refused.
//!
//! Stratus paces them with the generic cell rate algorithm, the token bucket's scheduling
//! form: a bucket of `burst` tokens refilled at `rate` per second, where an invocation that
//! finds no token waits for the next one, in arrival order. AWS documents the rate and no
//! burst; our choice: a burst of one second of the rate, as for PutEvents. The clock is kept
//! in units of `1/rate` ns (times multiplied by the rate), so the emission interval is
//! exactly 10^9 units and nothing is rounded but the final time (up, to the nanosecond).

use crate::kernel::SimTime;

/// A pacing gate: `rate` invocations per second, `burst` at once.
#[derive(Clone, Debug)]
pub struct Pacing {
    rate: u128,
    /// The tolerance: (burst - 1) emission intervals, in units.
    tolerance: u128,
    /// The theoretical arrival time of the next invocation, in units.
    tat: u128,
}

/// One second in ns: the emission interval in units (`1/rate` ns x rate).
const INTERVAL: u128 = 1_000_000_000;

impl Pacing {
    pub fn new(rate: u64, burst: u64) -> Pacing {
        assert!(rate > 0 && burst > 0, "a quota is positive");
        Pacing {
            rate: rate as u128,
            tolerance: (burst as u128 - 1) * INTERVAL,
            tat: 0,
        }
    }

    /// The time at which an invocation asked for at `now` happens (at or after `now`; `now`
    /// itself while tokens are left), and the gate's state moved past it.
    #[inline]
    pub fn admit(&mut self, now: SimTime) -> SimTime {
        let t = now.as_nanos() as u128 * self.rate;
        let send = t.max(self.tat.saturating_sub(self.tolerance));
        self.tat = self.tat.max(t) + INTERVAL;
        SimTime::from_nanos(send.div_ceil(self.rate) as u64)
    }
}
