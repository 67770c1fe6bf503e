//! A table's throughput limits, kept exactly in integers.
//!
//! - **Provisioned mode**: a token bucket per dimension (reads, writes) refilled at the
//!   provisioned rate and holding up to 300 seconds of it: "DynamoDB currently retains up to
//!   five minutes (300 seconds) of unused read and write capacity"
//!   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/burst-adaptive-capacity.html).
//!   The bucket starts full (our choice: the table was idle for five minutes before the run).
//! - **Partitions**: each serves at most 3,000 read units or 1,000 write units per second, or
//!   a linear combination of both, whatever the table's capacity, and burst capacity does not
//!   lift that limit (same page; and
//!   https://repost.aws/knowledge-center/dynamodb-spiky-workloads-short-intervals). A partition
//!   is a bucket of one second of that limit (our choice: AWS states a per-second rate). Adaptive
//!   capacity, "enabled automatically for every DynamoDB table, at no additional cost", lets a
//!   hot partition use the table's unused capacity instantly, so the table's buckets are shared
//!   by all partitions and only the per-partition limit is partition-local.
//! - **On-demand mode**: "on-demand capacity mode instantly accommodates up to double the
//!   previous peak traffic on a table", a new table "can sustain up to 4,000 writes per second
//!   and 12,000 reads per second", and "throttling can occur if you exceed double your
//!   previous peak within 30 minutes"
//!   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html).
//!   We read that as: the table serves up to twice the highest one-second consumption that is
//!   at least 30 minutes old (a new table's previous peak is half its initial throughput), so
//!   traffic may double every 30 minutes without throttling; each one-second window is a bucket
//!   of that rate without carry-over.
//! - Every table is also capped by the account's per-table quota, 40,000 read and 40,000 write
//!   units per second by default
//!   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html).

use super::units::Units;
use crate::kernel::SimTime;
use std::collections::VecDeque;

const NS_PER_S: u128 = 1_000_000_000;

/// A token bucket in units times nanoseconds-per-second: `rate` units per second, at most
/// `capacity` units, exact in integers.
#[derive(Clone, Debug)]
pub struct Bucket {
    rate: u64,
    capacity: u64,
    /// Units times 1e9.
    scaled: u128,
    at: SimTime,
}

impl Bucket {
    /// A full bucket.
    pub fn new(rate: u64, capacity: u64) -> Bucket {
        Bucket {
            rate,
            capacity,
            scaled: capacity as u128 * NS_PER_S,
            at: SimTime::ZERO,
        }
    }

    fn refill(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.at).as_nanos() as u128;
        let cap = self.capacity as u128 * NS_PER_S;
        self.scaled = (self.scaled + dt * self.rate as u128).min(cap);
        self.at = self.at.max(now);
    }

    /// Whole units available at `now`.
    pub fn available(&mut self, now: SimTime) -> u64 {
        self.refill(now);
        (self.scaled / NS_PER_S) as u64
    }

    /// Whether `units` could be taken at `now` (refilling first).
    pub fn has(&mut self, now: SimTime, units: u64) -> bool {
        self.refill(now);
        self.scaled >= units as u128 * NS_PER_S
    }

    /// Takes `units`; the caller checked `has` at the same instant.
    pub fn take(&mut self, units: u64) {
        self.scaled -= units as u128 * NS_PER_S;
    }

    /// A new rate and capacity from `now` on (Auto Scaling changed the provisioned
    /// capacity): what the bucket held is kept, up to the new capacity.
    pub fn set(&mut self, now: SimTime, rate: u64, capacity: u64) {
        self.refill(now);
        self.rate = rate;
        self.capacity = capacity;
        self.scaled = self.scaled.min(capacity as u128 * NS_PER_S);
    }

    pub fn rate(&self) -> u64 {
        self.rate
    }
}

/// Per-partition limits, in partition units: a read half-unit is 1, a write unit 6, so
/// 6,000 partition units per second are 3,000 read units or 1,000 write units.
pub const PARTITION_UNITS_PER_S: u64 = 6000;
const WRITE_IN_PARTITION_UNITS: u64 = 6;

/// What a call at a partition costs there.
pub fn partition_units(u: Units) -> u64 {
    u.read_halves + WRITE_IN_PARTITION_UNITS * u.write
}

/// The partitions a provisioned table starts with, by the formula DynamoDB used to publish:
/// enough for its read and write capacity at 3,000 and 1,000 units each, and one per 10 GB
/// of data (our choice of estimate; AWS no longer documents how it splits).
pub fn partitions_for(read_units: u64, write_units: u64, size_gb: f64) -> u32 {
    let by_throughput = (read_units as f64 / 3000.0 + write_units as f64 / 1000.0).ceil();
    let by_size = (size_gb / 10.0).ceil();
    by_throughput.max(by_size).max(1.0) as u32
}

/// The previous-peak rule of on-demand mode for one dimension (units per second).
#[derive(Clone, Debug)]
pub struct OnDemandPeak {
    /// The highest one-second consumption at least `settle` old (or the initial peak).
    settled: u64,
    /// Completed seconds, newer than `settle`, whose consumption exceeded `settled` then.
    recent: VecDeque<(u64, u64)>,
    second: u64,
    used: u64,
    quota: u64,
    settle_s: u64,
}

impl OnDemandPeak {
    pub fn new(initial_peak: u64, quota: u64, settle: SimTime) -> OnDemandPeak {
        OnDemandPeak {
            settled: initial_peak,
            recent: VecDeque::new(),
            second: 0,
            used: 0,
            quota,
            settle_s: settle.as_secs_f64() as u64,
        }
    }

    /// Moves the window to the second of `now`, settling peaks old enough.
    fn advance(&mut self, now: SimTime) {
        let second = now.as_nanos() / NS_PER_S as u64;
        if second != self.second {
            if self.used > self.settled {
                self.recent.push_back((self.second, self.used));
            }
            self.second = second;
            self.used = 0;
        }
        while let Some(&(s, v)) = self.recent.front() {
            if s + 1 + self.settle_s > second {
                break;
            }
            self.settled = self.settled.max(v);
            self.recent.pop_front();
        }
    }

    /// Units per second the table serves now: twice the settled peak, within the quota.
    pub fn limit(&mut self, now: SimTime) -> u64 {
        self.advance(now);
        (2 * self.settled).min(self.quota)
    }

    /// Whether `units` more fit in the current second.
    pub fn fits(&mut self, now: SimTime, units: u64) -> bool {
        let limit = self.limit(now); // first: a new second starts empty
        self.used + units <= limit
    }

    /// Takes `units` in the current second; `fits` allowed them at this instant.
    pub fn take(&mut self, units: u64) {
        self.used += units;
    }

    /// Takes `units` in the current second if the limit allows.
    pub fn try_take(&mut self, now: SimTime, units: u64) -> bool {
        let ok = self.fits(now, units);
        if ok {
            self.take(units);
        }
        ok
    }

    /// The previous peak in force (units per second).
    pub fn peak(&self) -> u64 {
        self.settled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime::from_secs(x)
    }

    #[test]
    fn a_bucket_serves_its_burst_then_its_rate() {
        // 100 units/s with 300 s of burst: driven at 200 units/s from full, it serves
        // 100 * T + 30,000 units over T seconds, so it runs dry after 300 s.
        let mut b = Bucket::new(100, 30_000);
        let mut served = 0u64;
        for k in 0..(200 * 600) {
            let now = SimTime::from_nanos(k * 5_000_000); // every 5 ms
            if b.has(now, 1) {
                b.take(1);
                served += 1;
            }
        }
        // T = 600 s: 100 * 600 + 30,000 = 90,000 (the last refill is in the final 5 ms).
        assert!((89_999..=90_001).contains(&served), "{served}");
    }

    #[test]
    fn a_new_rate_keeps_what_the_bucket_held() {
        let mut b = Bucket::new(10, 3000);
        b.take(3000);
        b.set(s(1), 20, 6000);
        assert_eq!(b.available(s(1)), 10);
        assert_eq!(b.available(s(2)), 30);
    }

    #[test]
    fn partitions_follow_the_published_formula() {
        assert_eq!(partitions_for(1000, 500, 1.0), 1);
        assert_eq!(partitions_for(3000, 1000, 1.0), 2);
        assert_eq!(partitions_for(100, 100, 45.0), 5);
        assert_eq!(
            partition_units(Units {
                read_halves: 6000,
                write: 0
            }),
            6000
        );
        assert_eq!(
            partition_units(Units {
                read_halves: 0,
                write: 1000
            }),
            6000
        );
    }

    #[test]
    fn on_demand_serves_twice_the_settled_peak_and_settles_after_30_minutes() {
        let settle = SimTime::from_secs(1800);
        // A new table: 12,000 reads per second at once, so a previous peak of 6,000.
        let mut p = OnDemandPeak::new(6000, 40_000, settle);
        assert_eq!(p.limit(s(0)), 12_000);
        assert!(p.try_take(s(0), 12_000));
        assert!(!p.try_take(s(0), 1));
        // A new second starts empty.
        assert!(p.try_take(s(1), 10_000));
        // The 12,000 peak of second 0 settles 30 minutes after that second ended.
        assert_eq!(p.limit(s(1800)), 12_000);
        assert_eq!(p.limit(s(1801)), 24_000);
        // The quota caps it.
        assert!(p.try_take(s(1802), 24_000));
        let mut q = OnDemandPeak::new(30_000, 40_000, settle);
        assert_eq!(q.limit(s(0)), 40_000);
    }
}
