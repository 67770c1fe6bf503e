//! DynamoDB auto scaling: Application Auto Scaling's target tracking of a provisioned table's
//! read or write capacity, as DynamoDB documents it
//! (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html,
//! https://repost.aws/knowledge-center/dynamodb-auto-scaling):
//! - DynamoDB publishes consumed capacity per one-minute period;
//! - capacity rises when consumption is above the target utilization for two consecutive
//!   minutes, to the capacity at which the last minute's consumption is the target;
//! - it falls when consumption is 20 points or more below the target for 15 consecutive
//!   minutes (target 70%: at or below 50% of the capacity);
//! - the UpdateTable that follows "takes several minutes"; until then the old capacity holds
//!   (our choice of delay: `update_delay`, 2 minutes by default);
//! - decreases are limited: four a day at any time, then one more each hour without a
//!   decrease, 27 a day in all
//!   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html,
//!   "Decreasing provisioned throughput"); a day is a UTC day of simulated time from 0.
//!
//! Throttled requests consume nothing, so a table throttled at its capacity shows 100%
//! utilization and grows by 1/target per step (AWS's behavior, and a lesson of the lab).

use crate::kernel::SimTime;

/// One scaled dimension's settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScalingSpec {
    pub min: u64,
    pub max: u64,
    /// Target utilization, a fraction (AWS allows 20% to 90%).
    pub target: f64,
    /// How long UpdateTable takes to apply a new capacity.
    pub update_delay: SimTime,
}

/// A decision: the capacity to provision after `update_delay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub capacity: u64,
}

const DAY_NS: u64 = 86_400_000_000_000;
const HOUR: SimTime = SimTime::from_secs(3600);

/// The alarm state of one scaled dimension.
#[derive(Clone, Debug, Default)]
pub struct Tracker {
    above: u32,
    below: u32,
    /// A change decided and not yet applied: no other is decided meanwhile.
    pending: bool,
    /// Decreases in the current UTC day, the day, and when the last one was decided.
    decreases: u32,
    day: u64,
    last_decrease: Option<SimTime>,
    /// Changes applied, for the results.
    pub increases: u64,
    pub decreases_done: u64,
}

impl Tracker {
    /// The minute ending at `now` consumed `consumed_per_s` units per second against
    /// `capacity` provisioned: a change, when the rules call for one.
    pub fn minute(
        &mut self,
        spec: &ScalingSpec,
        now: SimTime,
        consumed_per_s: f64,
        capacity: u64,
    ) -> Option<Change> {
        let utilization = consumed_per_s / capacity.max(1) as f64;
        if utilization > spec.target {
            self.above += 1;
            self.below = 0;
        } else if utilization <= spec.target - 0.2 {
            self.below += 1;
            self.above = 0;
        } else {
            self.above = 0;
            self.below = 0;
        }
        if self.pending {
            return None;
        }
        let wanted = ((consumed_per_s / spec.target).ceil() as u64).clamp(spec.min, spec.max);
        if self.above >= 2 && wanted > capacity {
            self.above = 0;
            self.pending = true;
            return Some(Change { capacity: wanted });
        }
        if self.below >= 15 && wanted < capacity && self.may_decrease(now) {
            self.below = 0;
            self.pending = true;
            self.decreases += 1;
            self.last_decrease = Some(now);
            return Some(Change { capacity: wanted });
        }
        None
    }

    /// Whether a decrease is allowed now: four a day at any time, then one an hour.
    fn may_decrease(&mut self, now: SimTime) -> bool {
        let day = now.as_nanos() / DAY_NS;
        if day != self.day {
            self.day = day;
            self.decreases = 0;
        }
        self.decreases < 4 || self.last_decrease.is_none_or(|t| now - t >= HOUR)
    }

    /// The decided change was applied (`increase`: it raised the capacity).
    pub fn applied(&mut self, increase: bool) {
        self.pending = false;
        if increase {
            self.increases += 1;
        } else {
            self.decreases_done += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> ScalingSpec {
        ScalingSpec {
            min: 100,
            max: 1000,
            target: 0.7,
            update_delay: SimTime::from_secs(120),
        }
    }

    fn m(k: u64) -> SimTime {
        SimTime::from_secs(60 * k)
    }

    #[test]
    fn two_minutes_above_the_target_raise_capacity_to_the_target() {
        let (s, mut t) = (spec(), Tracker::default());
        // 71% for one minute is not enough; the second minute above decides.
        assert_eq!(t.minute(&s, m(1), 71.0, 100), None);
        assert_eq!(
            t.minute(&s, m(2), 150.0, 100),
            Some(Change { capacity: 215 })
        );
        // Nothing more until the change is applied, though the minutes above still count:
        // the second since the decision decides again, capped by the maximum.
        assert_eq!(t.minute(&s, m(3), 200.0, 100), None);
        t.applied(true);
        assert_eq!(
            t.minute(&s, m(4), 900.0, 215),
            Some(Change { capacity: 1000 })
        );
    }

    #[test]
    fn fifteen_minutes_20_points_below_lower_it_within_the_daily_limit() {
        let (s, mut t) = (spec(), Tracker::default());
        let mut capacity = 1000;
        let mut decided = Vec::new();
        // 400 units/s is 40% of 1000 (30 points below 70%): 15 minutes decide a decrease to
        // ceil(400 / 0.7) = 572.
        for k in 1..=15 {
            if let Some(c) = t.minute(&s, m(k), 400.0, capacity) {
                decided.push((k, c.capacity));
            }
        }
        assert_eq!(decided, vec![(15, 572)]);
        t.applied(false);
        capacity = 572;
        // 51% of 572 is 19 points below: no decrease.
        for k in 16..=40 {
            assert_eq!(t.minute(&s, m(k), 0.51 * 572.0, capacity), None);
        }
        // Four decreases a day, then one an hour.
        let mut t = Tracker::default();
        let mut times = Vec::new();
        let mut cap = 1000u64;
        for k in 1..=300 {
            if let Some(c) = t.minute(&s, m(k), 10.0, cap.max(s.min + 1)) {
                times.push(k);
                t.applied(false);
                cap = c.capacity + 1000; // stay far above the need, so it keeps deciding
            }
        }
        assert_eq!(&times[..4], &[15, 30, 45, 60]);
        // The fifth waits an hour after the fourth, and 15 minutes below.
        assert_eq!(times[4], 120);
    }
}
