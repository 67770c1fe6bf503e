//! The pacing against its closed form, and the backoff's ceilings.

use super::pacing::Pacing;
use super::spec::{BACKOFF_CAP, backoff_ceiling};
use crate::kernel::SimTime;

/// N invocations asked at one instant through a gate of rate r and burst B: the first B
/// at once, the k-th after them (0-based, k >= B) at ceil((k - B + 1) x 10^9 / r) ns.
#[test]
fn pacing_delays_past_the_burst_by_the_emission_interval() {
    let (rate, burst) = (18_750u64, 100u64);
    let mut p = Pacing::new(rate, burst);
    let t0 = SimTime::from_secs(5);
    for k in 0..1_000u64 {
        let at = p.admit(t0);
        let expected = if k < burst {
            t0
        } else {
            t0 + SimTime::from_nanos(((k - burst + 1) * 1_000_000_000).div_ceil(rate))
        };
        assert_eq!(at, expected, "invocation {k}");
    }
}

/// Asked no faster than the rate, nothing waits.
#[test]
fn pacing_under_the_rate_never_delays() {
    let mut p = Pacing::new(1_000, 1);
    for k in 0..10_000u64 {
        let now = SimTime::from_nanos(k * 1_000_000);
        assert_eq!(p.admit(now), now);
    }
}

#[test]
fn backoff_doubles_from_one_second_to_the_cap() {
    assert_eq!(backoff_ceiling(1), SimTime::from_secs(1));
    assert_eq!(backoff_ceiling(2), SimTime::from_secs(2));
    assert_eq!(backoff_ceiling(9), SimTime::from_secs(256));
    assert_eq!(backoff_ceiling(10), BACKOFF_CAP);
    assert_eq!(backoff_ceiling(185), BACKOFF_CAP);
}
