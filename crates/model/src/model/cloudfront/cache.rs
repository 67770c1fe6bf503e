//! A TTL cache of one key space: per object, the time its copy stops being fresh. A request
//! at `t` for an object fresh at `t` is a hit; otherwise it is a miss, the object is fetched
//! and fresh until `t + TTL` (AWS, "Manage how long content stays in the cache
//! (expiration)", https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html:
//! CloudFront serves a cached object until its TTL expires, then forwards the next request
//! for it to the origin).
//!
//! The copy is fresh from the miss, not from the origin's answer: requests for the object
//! that arrive while the origin is being asked wait for that one fetch (CloudFront's request
//! collapsing, "Simultaneous requests for the same object", same guide, "How CloudFront
//! processes requests"); Stratus counts them as hits (our choice). No copy is evicted before
//! its TTL (the cache is as large as the key space; our choice: AWS publishes no edge cache
//! size), so a hit ratio follows from the request rate per object and the TTL alone: for
//! Poisson requests at rate `lambda` to one object, each miss starts a fresh period `T`
//! whose expected hits are `lambda T`, so the object's hit ratio is `lambda T / (1 +
//! lambda T)` ([`ttl_hit_ratio`]).
//!
//! Memory: 8 bytes per object (its expiry in nanoseconds; 0 for never fetched).

use crate::kernel::SimTime;

/// Per object, when its copy expires.
#[derive(Clone, Debug, Default)]
pub struct TtlCache {
    expires: Vec<u64>,
}

impl TtlCache {
    pub fn new(objects: u32) -> TtlCache {
        TtlCache {
            expires: vec![0; objects as usize],
        }
    }

    /// A request for `object` at `now`: true for a hit; a miss refreshes the copy until
    /// `now + ttl`.
    #[inline]
    pub fn lookup(&mut self, object: u32, now: SimTime, ttl: SimTime) -> bool {
        let e = &mut self.expires[object as usize];
        if now.as_nanos() < *e {
            return true;
        }
        *e = (now + ttl).as_nanos();
        false
    }
}

/// The long-run hit ratio of a TTL cache of one object requested as a Poisson process at
/// `rate` per second: `lambda T / (1 + lambda T)`.
pub fn ttl_hit_ratio(rate: f64, ttl_s: f64) -> f64 {
    let x = rate * ttl_s;
    x / (1.0 + x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_is_fresh_for_exactly_its_ttl() {
        let mut c = TtlCache::new(2);
        let ttl = SimTime::from_secs(10);
        assert!(
            !c.lookup(0, SimTime::from_secs(1), ttl),
            "first request misses"
        );
        assert!(c.lookup(0, SimTime::from_secs(5), ttl));
        assert!(c.lookup(0, SimTime::from_nanos(11_000_000_000 - 1), ttl));
        assert!(
            !c.lookup(0, SimTime::from_secs(11), ttl),
            "expired at t + TTL"
        );
        assert!(
            c.lookup(0, SimTime::from_secs(20), ttl),
            "refreshed at 11 s"
        );
        assert!(
            !c.lookup(1, SimTime::from_secs(20), ttl),
            "objects are apart"
        );
    }

    #[test]
    fn closed_form() {
        assert_eq!(ttl_hit_ratio(1.0, 1.0), 0.5);
        assert_eq!(ttl_hit_ratio(0.0, 100.0), 0.0);
    }
}
