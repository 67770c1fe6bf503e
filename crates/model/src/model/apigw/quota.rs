//! A usage plan's quota: at most `limit` requests per API key per day, week or month, the
//! count starting again at the period's calendar boundary.
//!
//! AWS: a usage plan's `quota` has a `limit`, a `period` (`DAY`, `WEEK` or `MONTH`) and an
//! `offset`, "the day that a time period starts": for `WEEK` 0 is Sunday and 2 Tuesday; for
//! `DAY` it must be 0 (API Gateway API reference, "QuotaSettings",
//! https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html). A request over
//! the quota gets 429 "Limit Exceeded" (https://repost.aws/knowledge-center/api-gateway-429-limit).
//! Quotas reset on calendar boundaries in UTC, a monthly one on the first of the month (plus
//! the offset), not a month after first use.
//!
//! Simulated time has no date; Stratus puts time 0 at Monday 1 January 2024, 00:00 UTC (our
//! choice, documented in `docs/models/api-gateway.md`), so a monthly quota resets on real
//! month lengths (31 days for January, 29 for February 2024, ...). A month's offset is at
//! most 27 (our limit, so that every month has that day).

use crate::kernel::SimTime;

const DAY_NS: u64 = 86_400 * 1_000_000_000;
/// Time 0's weekday, counted from Sunday (0) as AWS counts a week's offset: a Monday.
const EPOCH_WEEKDAY: u64 = 1;
/// Time 0's date.
const EPOCH: (i64, u32) = (2024, 1);
/// The largest offset of a monthly quota (our limit: every month has a 28th day).
pub const MAX_MONTH_OFFSET: u32 = 27;

/// A quota's period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
}

impl QuotaPeriod {
    pub fn name(self) -> &'static str {
        match self {
            QuotaPeriod::Day => "DAY",
            QuotaPeriod::Week => "WEEK",
            QuotaPeriod::Month => "MONTH",
        }
    }
}

/// A usage plan's quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaSpec {
    pub limit: u64,
    pub period: QuotaPeriod,
    /// Days into the period at which it starts (0 for `DAY`; 0-6 from Sunday for `WEEK`;
    /// 0-27 from the 1st for `MONTH`).
    pub offset: u32,
}

impl QuotaSpec {
    /// The first boundary strictly after `t`.
    pub fn next_boundary(&self, t: SimTime) -> SimTime {
        let day = t.as_nanos() / DAY_NS;
        let next_day = match self.period {
            QuotaPeriod::Day => day + 1,
            QuotaPeriod::Week => {
                // The next day after `day` whose weekday is the offset.
                let weekday = (day + EPOCH_WEEKDAY) % 7;
                let ahead = (self.offset as u64 + 7 - weekday) % 7;
                day + if ahead == 0 { 7 } else { ahead }
            }
            QuotaPeriod::Month => {
                let (mut year, mut month) = EPOCH;
                loop {
                    let start = days_since_epoch(year, month) + self.offset as u64;
                    if start > day {
                        break start;
                    }
                    (year, month) = if month == 12 {
                        (year + 1, 1)
                    } else {
                        (year, month + 1)
                    };
                }
            }
        };
        SimTime::from_nanos(next_day * DAY_NS)
    }
}

/// Days from time 0 (2024-01-01) to the first of `month` of `year` (Gregorian calendar).
fn days_since_epoch(year: i64, month: u32) -> u64 {
    (days_from_civil(year, month) - days_from_civil(EPOCH.0, EPOCH.1)) as u64
}

/// Days from 1970-01-01 to the first of the month (the proleptic Gregorian calendar).
fn days_from_civil(year: i64, month: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// One API key's use of its quota in the current period.
#[derive(Clone, Debug)]
pub struct Quota {
    spec: QuotaSpec,
    used: u64,
    /// The end of the current period.
    resets_at: SimTime,
}

impl Quota {
    pub fn new(spec: QuotaSpec) -> Quota {
        Quota {
            spec,
            used: 0,
            resets_at: spec.next_boundary(SimTime::ZERO),
        }
    }

    /// Whether a request at `now` is within the quota (the count restarts at a boundary).
    #[inline]
    pub fn allows(&mut self, now: SimTime) -> bool {
        if now >= self.resets_at {
            self.used = 0;
            self.resets_at = self.spec.next_boundary(now);
        }
        self.used < self.spec.limit
    }

    /// Counts a request `allows` let through.
    #[inline]
    pub fn count(&mut self) {
        self.used += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(d: u64) -> SimTime {
        SimTime::from_nanos(d * DAY_NS)
    }

    #[test]
    fn daily_quotas_reset_at_midnight() {
        let q = QuotaSpec {
            limit: 1,
            period: QuotaPeriod::Day,
            offset: 0,
        };
        assert_eq!(q.next_boundary(SimTime::ZERO), days(1));
        assert_eq!(q.next_boundary(days(1)), days(2));
        assert_eq!(q.next_boundary(days(1) + SimTime::from_secs(3)), days(2));
    }

    /// Time 0 is a Monday: offset 0 (Sunday) first resets on day 6 (7 January 2024), offset 1
    /// (Monday) on day 7, offset 2 (Tuesday) on day 1.
    #[test]
    fn weekly_quotas_reset_on_their_weekday() {
        let week = |offset| QuotaSpec {
            limit: 1,
            period: QuotaPeriod::Week,
            offset,
        };
        assert_eq!(week(0).next_boundary(SimTime::ZERO), days(6));
        assert_eq!(week(1).next_boundary(SimTime::ZERO), days(7));
        assert_eq!(week(2).next_boundary(SimTime::ZERO), days(1));
        assert_eq!(week(0).next_boundary(days(6)), days(13));
    }

    /// 2024 is a leap year: months start on days 31 (1 Feb), 60 (1 Mar), 91 (1 Apr); 2025's
    /// January starts on day 366.
    #[test]
    fn monthly_quotas_reset_on_the_first_plus_the_offset() {
        let month = |offset| QuotaSpec {
            limit: 1,
            period: QuotaPeriod::Month,
            offset,
        };
        assert_eq!(month(0).next_boundary(SimTime::ZERO), days(31));
        assert_eq!(month(0).next_boundary(days(31)), days(60));
        assert_eq!(month(0).next_boundary(days(60)), days(91));
        assert_eq!(month(0).next_boundary(days(365)), days(366));
        assert_eq!(month(4).next_boundary(SimTime::ZERO), days(4));
        assert_eq!(month(4).next_boundary(days(4)), days(35));
    }

    /// 3 requests a day, 10 offered each day: exactly 3 pass per day, the count restarting
    /// at each midnight and not before.
    #[test]
    fn a_quota_passes_its_limit_per_period() {
        let mut q = Quota::new(QuotaSpec {
            limit: 3,
            period: QuotaPeriod::Day,
            offset: 0,
        });
        for d in 0..5u64 {
            let mut passed = 0;
            for i in 0..10u64 {
                let t = days(d) + SimTime::from_secs(i * 8_000);
                if q.allows(t) {
                    q.count();
                    passed += 1;
                }
            }
            assert_eq!(passed, 3, "day {d}");
        }
        assert!(!q.allows(days(5) - SimTime::from_nanos(1)));
        assert!(q.allows(days(5)));
    }
}
