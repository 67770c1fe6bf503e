//! API Gateway's token bucket, in integer arithmetic.
//!
//! AWS: "API Gateway throttles requests to your API using the token bucket algorithm, where a
//! token counts for a request"; the rate is the steady-state refill per second and the burst
//! "the maximum bucket size" ("Throttle requests to your REST APIs for better throughput in
//! API Gateway",
//! https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html;
//! the same words for HTTP APIs on
//! https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html).
//! AWS calls its throttles "targets rather than guaranteed request ceilings"; Stratus applies
//! the bucket exactly (our choice): a bucket starts full, refills continuously, and a
//! request passes when a whole token is there.
//!
//! The level is kept in units of 10^-12 token: a rate given to a thousandth of a request per
//! second refills exactly `rate_milli` units per nanosecond, so no rounding accumulates and
//! a run is the same on every machine.

use crate::kernel::SimTime;

/// Units of one token: 1,000 (a rate's thousandths) x 10^9 (nanoseconds per second).
const TOKEN: u128 = 1_000 * 1_000_000_000;

/// A rate and a burst: the bucket's refill per second and its size.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Throttle {
    /// Steady-state requests per second.
    pub rate: f64,
    /// The bucket's size, in requests.
    pub burst: u64,
}

impl Throttle {
    /// The rate in thousandths of a request per second (the bucket's resolution).
    pub fn rate_milli(&self) -> u64 {
        (self.rate * 1000.0).round() as u64
    }
}

/// One token bucket.
#[derive(Clone, Debug)]
pub struct TokenBucket {
    /// Refill per nanosecond, in units (`TOKEN` per token).
    rate_milli: u64,
    capacity: u128,
    level: u128,
    /// When `level` was last brought up to date.
    at: SimTime,
}

impl TokenBucket {
    /// A full bucket at time 0.
    pub fn new(t: Throttle) -> TokenBucket {
        let capacity = t.burst as u128 * TOKEN;
        TokenBucket {
            rate_milli: t.rate_milli(),
            capacity,
            level: capacity,
            at: SimTime::ZERO,
        }
    }

    /// Refills up to `now` and answers whether a whole token is there.
    #[inline]
    pub fn has_token(&mut self, now: SimTime) -> bool {
        if now > self.at {
            let ns = (now - self.at).as_nanos() as u128;
            self.level = (self.level + ns * self.rate_milli as u128).min(self.capacity);
            self.at = now;
        }
        self.level >= TOKEN
    }

    /// Takes the token `has_token` found (call it first, at the same time).
    #[inline]
    pub fn take(&mut self) {
        debug_assert!(
            self.level >= TOKEN,
            "a token is taken only when there is one"
        );
        self.level -= TOKEN;
    }

    /// Whole tokens in the bucket now (for reports and tests).
    pub fn tokens(&mut self, now: SimTime) -> u64 {
        self.has_token(now);
        (self.level / TOKEN) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> SimTime {
        SimTime::from_nanos(n * 1_000_000)
    }

    /// Driven every millisecond (1,000/s) for 60 s against 100/s and a burst of 50: the full
    /// bucket pays the first 50 arrivals; from then on a token is there whenever the refill
    /// since the first arrival (at 1 ms) reached a whole one, so by arrival t the bucket has
    /// passed 50 + floor(100 x (t - 1 ms)) requests (closed form, computed here in
    /// integers: 100 tokens/s is one token per 10 ms).
    #[test]
    fn a_bucket_driven_above_its_rate_passes_burst_plus_rate_times_time() {
        let mut b = TokenBucket::new(Throttle {
            rate: 100.0,
            burst: 50,
        });
        let mut passed = 0u64;
        for k in 1..=60_000u64 {
            if b.has_token(ms(k)) {
                b.take();
                passed += 1;
            }
            let expected = (50 + (k - 1) / 10).min(k);
            assert_eq!(passed, expected, "after the arrival at {k} ms");
        }
        assert_eq!(passed, 50 + 59_999 / 10);
    }

    /// Below its rate every request passes and the bucket stays full.
    #[test]
    fn a_bucket_driven_below_its_rate_passes_everything() {
        let mut b = TokenBucket::new(Throttle {
            rate: 10.0,
            burst: 3,
        });
        for k in 1..=1_000u64 {
            assert!(b.has_token(ms(200 * k)));
            b.take();
        }
        assert_eq!(b.tokens(ms(200_001)), 2, "one taken 1 ms ago");
        assert_eq!(b.tokens(ms(200_100)), 3, "refilled to the burst");
    }

    /// A burst of 0 refuses every request, whatever the rate (the bucket holds no token).
    #[test]
    fn a_zero_burst_refuses_everything() {
        let mut b = TokenBucket::new(Throttle {
            rate: 1_000.0,
            burst: 0,
        });
        assert!((1..100).all(|k| !b.has_token(ms(k))));
    }

    /// A fractional rate is exact to the thousandth: 0.5/s refills one token every 2 s.
    #[test]
    fn a_fractional_rate_refills_exactly() {
        let mut b = TokenBucket::new(Throttle {
            rate: 0.5,
            burst: 1,
        });
        assert!(b.has_token(ms(1)));
        b.take();
        assert!(!b.has_token(ms(2_000)));
        assert!(b.has_token(ms(2_001)));
    }
}
