//! The current per-function scaling rate (since late Nov 2023) as AWS states it: "for each
//! function, your concurrency scaling rate is 1,000 execution environment instances every 10
//! seconds"; Lambda "makes a best attempt to refill your concurrency scaling rate continuously
//! over time, rather than in one single burst every 10 seconds", and "doesn't accrue unused
//! portions" (https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html).
//!
//! It limits the creation of **new** execution environments only: a token bucket holding at
//! most `step` creations (1,000), refilled at `step / window` (100 per second). A cold start
//! takes one token; a warm idle or provisioned environment takes none, so a function reuses
//! every warm environment it has at once. From cold under sustained demand, the environments
//! created by time `t` are `min(limit, step + step * t / window)`.
//!
//! The bucket is kept exactly in integers: `scaled` is tokens times the window in
//! nanoseconds, refilled by `step` per elapsed nanosecond.

use crate::kernel::SimTime;

#[derive(Clone, Debug)]
pub struct EnvironmentBucket {
    step: u64,
    window_ns: u64,
    /// Tokens times `window_ns` (capacity: `step * window_ns`).
    scaled: u128,
    at: SimTime,
}

impl EnvironmentBucket {
    /// A full bucket: `step` new environments at once, `step` more per `window`.
    pub fn new(step: u32, window: SimTime) -> EnvironmentBucket {
        let window_ns = window.as_nanos().max(1);
        EnvironmentBucket {
            step: step as u64,
            window_ns,
            scaled: step as u128 * window_ns as u128,
            at: SimTime::ZERO,
        }
    }

    fn refill(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.at).as_nanos() as u128;
        let cap = self.step as u128 * self.window_ns as u128;
        self.scaled = (self.scaled + dt * self.step as u128).min(cap);
        self.at = self.at.max(now);
    }

    /// Whole new environments that may be created at `now`.
    pub fn available(&mut self, now: SimTime) -> u64 {
        self.refill(now);
        (self.scaled / self.window_ns as u128) as u64
    }

    /// Takes one creation at `now` if the bucket allows it.
    #[inline]
    pub fn try_take(&mut self, now: SimTime) -> bool {
        self.refill(now);
        let one = self.window_ns as u128;
        if self.scaled >= one {
            self.scaled -= one;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_then_a_continuous_refill_without_accrual() {
        let mut b = EnvironmentBucket::new(1000, SimTime::from_secs(10));
        for _ in 0..1000 {
            assert!(b.try_take(SimTime::ZERO));
        }
        assert!(!b.try_take(SimTime::ZERO));
        // 100 per second, continuously: one every 10 ms.
        assert!(!b.try_take(SimTime::from_millis(9)));
        assert!(b.try_take(SimTime::from_millis(10)));
        assert_eq!(b.available(SimTime::from_millis(2010)), 200);
        // A quiet minute refills to the capacity, not beyond.
        assert_eq!(b.available(SimTime::from_secs(70)), 1000);
    }
}
