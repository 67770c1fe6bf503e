//! The client's side of a throttle: the AWS SDKs retry a throttled call with exponential
//! backoff and full jitter. In the SDKs' `standard` retry mode, a request is attempted at most
//! 3 times, and the wait before retry `i` (1, 2, ...) is `b * min(base * 2^(i-1), 20 s)` with
//! `b` uniform in [0, 1) (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html).
//! The base is 1 s by default (the standard mode's exponent base `r = 2` starting at one
//! second); both the attempts and the base are settings, as each SDK lets users change them.

use crate::kernel::SimTime;

/// How the calling SDK retries a throttled call.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetrySpec {
    /// Attempts in all, the first included (at least 1).
    pub max_attempts: u32,
    /// The backoff before the first retry is at most this.
    pub base: SimTime,
    /// No backoff exceeds this.
    pub max_backoff: SimTime,
}

impl Default for RetrySpec {
    fn default() -> RetrySpec {
        RetrySpec {
            max_attempts: 3,
            base: SimTime::from_secs(1),
            max_backoff: SimTime::from_secs(20),
        }
    }
}

impl RetrySpec {
    /// The wait before retry `retry` (1 for the first), given `b` uniform in [0, 1); `None`
    /// when the attempts are spent and the throttle reaches the application.
    pub fn backoff(&self, retry: u32, b: f64) -> Option<SimTime> {
        if retry >= self.max_attempts {
            return None;
        }
        let ceiling = self
            .base
            .as_nanos()
            .saturating_mul(1u64 << (retry - 1).min(40))
            .min(self.max_backoff.as_nanos());
        Some(SimTime::from_nanos((b * ceiling as f64) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_cap_and_stops_after_the_last_attempt() {
        let r = RetrySpec {
            max_attempts: 8,
            ..RetrySpec::default()
        };
        // With b just under 1 the wait is the ceiling: 1, 2, 4, 8, 16, then 20 s.
        let ceilings: Vec<u64> = (1..7)
            .map(|i| r.backoff(i, 1.0).unwrap().as_nanos() / 1_000_000_000)
            .collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 16, 20]);
        assert_eq!(r.backoff(2, 0.25), Some(SimTime::from_millis(500)));
        assert_eq!(r.backoff(8, 0.5), None);
        // The standard mode's 3 attempts: two retries.
        let standard = RetrySpec::default();
        assert!(standard.backoff(2, 0.5).is_some());
        assert_eq!(standard.backoff(3, 0.5), None);
    }
}
