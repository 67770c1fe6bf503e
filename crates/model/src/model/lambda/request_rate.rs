//! The requests-per-second side of Lambda's current per-function limits (`per_function_10s`),
//! as AWS states it (https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html and
//! https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html, "Understanding
//! concurrency and requests per second"):
//!
//! - a function's requests per second are at most 10 times its concurrency limit (the pool it
//!   draws from: its reserved concurrency, or the account's unreserved pool);
//! - the scaling rate is "1,000 execution environment instances every 10 seconds (or 10,000
//!   requests per second every 10 seconds)", refilled continuously, unused portions not
//!   accrued.
//!
//! AWS does not say how requests are counted against these figures; **our choice**, exact and
//! cheap (a few integers, no allocation):
//!
//! - requests are counted in fixed one-second windows of simulated time (`[k s, (k+1) s)`);
//! - `level` is the most requests the function has served in one window so far (the request
//!   rate it has scaled to; it does not fall during a run, as AWS documents no decay);
//! - a request within `level` in its window is admitted; each request that raises `level` by
//!   one takes one token from a bucket of `10 x step` (10,000) refilled at `10 x step /
//!   window` (1,000 per second) continuously, never holding more than 10,000;
//! - no window admits more than `10 x pool`.
//!
//! From cold under sustained demand the requests served in second `k` (from 0) are therefore
//! at most `min(10 x pool, 10,000 + 1,000 (k + 1))`, and reach it within one request (the
//! token that refills at `k + 1` exactly belongs to the next window): 10,000 at once, then
//! 10,000 more every 10 s.

use super::scaling_rate::EnvironmentBucket;
use crate::kernel::SimTime;

/// Requests per second a function may serve per unit of its concurrency limit.
pub const REQUESTS_PER_CONCURRENCY: u64 = 10;

const SECOND_NS: u64 = 1_000_000_000;

#[derive(Clone, Debug)]
pub struct RequestRate {
    /// `10 x` the function's pool: no window serves more.
    cap: u64,
    /// The most requests served in one window so far.
    level: u64,
    /// Increments of `level`: `10 x step` at once, then `10 x step` per `window`.
    growth: EnvironmentBucket,
    /// The current window's index (seconds since 0) and the requests served in it.
    second: u64,
    served: u64,
}

impl RequestRate {
    /// The limit of a function whose pool is `pool` under a scaling rate of `step` new
    /// environments per `window`.
    pub fn new(pool: u32, step: u32, window: SimTime) -> RequestRate {
        let growth = (step as u64 * REQUESTS_PER_CONCURRENCY).min(u32::MAX as u64) as u32;
        RequestRate {
            cap: pool as u64 * REQUESTS_PER_CONCURRENCY,
            level: 0,
            growth: EnvironmentBucket::new(growth, window),
            second: 0,
            served: 0,
        }
    }

    fn roll(&mut self, now: SimTime) {
        let s = now.as_nanos() / SECOND_NS;
        if s != self.second {
            self.second = s;
            self.served = 0;
        }
    }

    /// Whether one more request may be served at `now` (takes nothing: see `record`).
    #[inline]
    pub fn allows(&mut self, now: SimTime) -> bool {
        self.roll(now);
        self.served < self.cap && (self.served < self.level || self.growth.available(now) >= 1)
    }

    /// Counts a request served at `now`, after `allows` said yes.
    #[inline]
    pub fn record(&mut self, now: SimTime) {
        self.roll(now);
        self.served += 1;
        if self.served > self.level {
            let took = self.growth.try_take(now);
            debug_assert!(took, "record without allows");
            self.level = self.served;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn serve(r: &mut RequestRate, now: SimTime) -> bool {
        let ok = r.allows(now);
        if ok {
            r.record(now);
        }
        ok
    }

    #[test]
    fn ten_thousand_at_once_then_a_thousand_more_per_second() {
        let mut r = RequestRate::new(5000, 1000, SimTime::from_secs(10));
        let t0 = SimTime::ZERO;
        let n = (0..20_000).filter(|_| serve(&mut r, t0)).count();
        assert_eq!(n, 10_000);
        // Refilled continuously: one more request per millisecond.
        assert!(!serve(&mut r, SimTime::from_nanos(999_999)));
        assert!(serve(&mut r, SimTime::from_millis(1)));
        // The next window: the level reached (10,001) at once, plus what refilled since.
        let t1 = SimTime::from_secs(1);
        let n = (0..20_000).filter(|_| serve(&mut r, t1)).count();
        assert_eq!(n, 10_001 + 999);
    }

    #[test]
    fn ten_times_the_pool_per_window() {
        let mut r = RequestRate::new(100, 1000, SimTime::from_secs(10));
        for s in 0..3 {
            let t = SimTime::from_secs(s);
            let n = (0..5000).filter(|_| serve(&mut r, t)).count();
            assert_eq!(n, 1000, "second {s}");
        }
    }

    #[test]
    fn unused_growth_is_not_accrued() {
        let mut r = RequestRate::new(100_000, 1000, SimTime::from_secs(10));
        // A quiet minute, then a burst: 10,000, not 70,000.
        let t = SimTime::from_secs(60);
        let n = (0..100_000).filter(|_| serve(&mut r, t)).count();
        assert_eq!(n, 10_000);
    }
}
