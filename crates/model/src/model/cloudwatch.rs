//! CloudWatch, as scaling sees it: per-period datapoints of named metrics, published after a
//! delay, and alarms that evaluate "M of N" datapoints into OK / ALARM / INSUFFICIENT_DATA.
//!
//! Periods are the scenario's metric periods, numbered from 0. A datapoint of period `k`
//! becomes visible at the end of period `k + delay`; an alarm evaluated at the end of period
//! `e` looks at the `N` most recent visible periods. Missing datapoints are "missing" (AWS's
//! default): they neither breach nor satisfy, and an alarm with none at all is
//! INSUFFICIENT_DATA.

use std::collections::VecDeque;

/// How many periods of datapoints a metric keeps (enough for any alarm).
const KEEP: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlarmState {
    Ok,
    Alarm,
    InsufficientData,
}

impl AlarmState {
    pub fn name(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::Alarm => "ALARM",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
}

impl Comparison {
    pub fn breaches(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::GreaterThan => value > threshold,
            Comparison::GreaterOrEqual => value >= threshold,
            Comparison::LessThan => value < threshold,
            Comparison::LessOrEqual => value <= threshold,
        }
    }
}

/// One metric's datapoints: `(period, value)`, oldest first.
#[derive(Clone, Debug, Default)]
pub struct Metric {
    points: VecDeque<(u64, f64)>,
}

impl Metric {
    /// Records the datapoint of `period` (one per period; `None` is missing data).
    pub fn publish(&mut self, period: u64, value: Option<f64>) {
        if let Some(v) = value.filter(|v| v.is_finite()) {
            self.points.push_back((period, v));
            if self.points.len() > KEEP {
                self.points.pop_front();
            }
        }
    }

    /// The datapoint of `period`, if published.
    pub fn at(&self, period: u64) -> Option<f64> {
        self.points
            .iter()
            .rev()
            .find(|(p, _)| *p == period)
            .map(|(_, v)| *v)
    }

    /// The most recent datapoint visible at the end of period `now` with `delay` periods.
    pub fn latest_visible(&self, now: u64, delay: u64) -> Option<(u64, f64)> {
        let newest = now.checked_sub(delay)?;
        self.points
            .iter()
            .rev()
            .find(|(p, _)| *p <= newest)
            .copied()
    }
}

/// An alarm on one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Alarm {
    pub comparison: Comparison,
    pub threshold: f64,
    pub evaluation_periods: u32,
    pub datapoints_to_alarm: u32,
    /// Publication delay, in periods.
    pub delay: u64,
}

impl Alarm {
    /// The state at the end of period `now`.
    pub fn evaluate(&self, metric: &Metric, now: u64) -> AlarmState {
        let Some(newest) = now.checked_sub(self.delay) else {
            return AlarmState::InsufficientData;
        };
        let n = self.evaluation_periods as u64;
        let mut present = 0;
        let mut breaching = 0;
        for k in 0..n {
            let Some(p) = newest.checked_sub(k) else {
                break;
            };
            if let Some(v) = metric.at(p) {
                present += 1;
                if self.comparison.breaches(v, self.threshold) {
                    breaching += 1;
                }
            }
        }
        if present == 0 {
            AlarmState::InsufficientData
        } else if breaching >= self.datapoints_to_alarm {
            AlarmState::Alarm
        } else {
            AlarmState::Ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(n: u32, m: u32, delay: u64) -> Alarm {
        Alarm {
            comparison: Comparison::GreaterThan,
            threshold: 50.0,
            evaluation_periods: n,
            datapoints_to_alarm: m,
            delay,
        }
    }

    #[test]
    fn m_of_n_with_missing_data_and_delay() {
        let mut metric = Metric::default();
        for (p, v) in [(0, 60.0), (1, 40.0), (2, 70.0), (3, 80.0)] {
            metric.publish(p, Some(v));
        }
        assert_eq!(alarm(3, 3, 0).evaluate(&metric, 3), AlarmState::Ok);
        assert_eq!(alarm(3, 2, 0).evaluate(&metric, 3), AlarmState::Alarm);
        // One period of delay: at the end of period 3 only 0..=2 are visible.
        assert_eq!(alarm(2, 2, 1).evaluate(&metric, 3), AlarmState::Ok);
        assert_eq!(alarm(2, 2, 1).evaluate(&metric, 4), AlarmState::Alarm);
        assert_eq!(
            alarm(3, 3, 0).evaluate(&Metric::default(), 5),
            AlarmState::InsufficientData
        );
        metric.publish(4, None);
        assert_eq!(alarm(2, 1, 0).evaluate(&metric, 4), AlarmState::Alarm);
        assert_eq!(metric.latest_visible(4, 0), Some((3, 80.0)));
    }
}
