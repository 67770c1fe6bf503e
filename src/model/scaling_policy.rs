//! Scaling policies: simple, step, target tracking and scheduled, as pure decisions.
//!
//! Each policy looks at its alarm states and metric and proposes a new desired capacity (or
//! nothing); the group combines proposals as EC2 Auto Scaling does: if any policy wants to
//! scale out the largest proposal wins; the group scales in only when no policy wants out
//! and every target-tracking policy agrees, taking the least reduction.

use super::cloudwatch::{Alarm, AlarmState, Comparison};
use crate::kernel::SimTime;

/// The metric a policy watches, per group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricRef {
    /// Average CPU utilization (%) of in-service instances past their warm-up.
    Cpu,
    /// ALB requests routed to the group's targets in the period, per in-service target.
    RequestCountPerTarget,
    /// A metric another model publishes for this group (e.g. SQS backlog per instance).
    Custom(String),
}

impl MetricRef {
    pub fn name(&self) -> String {
        match self {
            MetricRef::Cpu => "cpu".into(),
            MetricRef::RequestCountPerTarget => "request_count_per_target".into(),
            MetricRef::Custom(n) => format!("custom:{n}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Adjustment {
    /// Add (or, negative, remove) instances.
    Change(i64),
    /// Set the capacity.
    Exact(u32),
    /// Change by a percentage of the capacity, rounded toward zero, at least `min` instances.
    Percent { percent: f64, min: u32 },
}

impl Adjustment {
    pub fn apply(self, capacity: u32) -> u32 {
        match self {
            Adjustment::Change(n) => (capacity as i64 + n).max(0) as u32,
            Adjustment::Exact(n) => n,
            Adjustment::Percent { percent, min } => {
                let raw = (capacity as f64 * percent / 100.0).trunc() as i64;
                let magnitude = raw.abs().max(if percent != 0.0 { min as i64 } else { 0 });
                (capacity as i64 + magnitude * percent.signum() as i64).max(0) as u32
            }
        }
    }

    fn is_scale_out(self, capacity: u32) -> bool {
        self.apply(capacity) > capacity
    }
}

/// One step: applies when the metric is at or beyond `bound` (above it for scale-out steps,
/// below it for scale-in steps); the step with the furthest bound reached wins.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub bound: f64,
    pub adjustment: Adjustment,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PolicyKind {
    Simple {
        alarm: Alarm,
        adjustment: Adjustment,
        cooldown: SimTime,
    },
    Step {
        alarm: Alarm,
        steps: Vec<Step>,
        warmup: SimTime,
    },
    TargetTracking {
        target: f64,
        warmup: SimTime,
        disable_scale_in: bool,
        scale_in_cooldown: SimTime,
        /// Above target for 3 of 3 datapoints.
        high: Alarm,
        /// Below 0.9 x target for 15 of 15 datapoints.
        low: Alarm,
    },
    /// Sets min/max/desired at `at`, then every `every` if given.
    Scheduled {
        at: SimTime,
        every: Option<SimTime>,
        min: Option<u32>,
        max: Option<u32>,
        desired: Option<u32>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct PolicySpec {
    pub name: String,
    pub metric: Option<MetricRef>,
    pub kind: PolicyKind,
}

/// A policy's memory between evaluations.
#[derive(Clone, Debug, Default)]
pub struct PolicyState {
    /// When the policy last changed capacity (cooldowns).
    pub last_action: Option<SimTime>,
}

/// What the group looks like to a policy at an evaluation.
#[derive(Clone, Copy, Debug)]
pub struct GroupView {
    pub now: SimTime,
    /// Desired capacity (pending and in-service instances the group is keeping).
    pub capacity: u32,
    /// In-service instances past the policy's warm-up (they are what the metric measures).
    pub settled: u32,
}

/// A proposed desired capacity and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Proposal {
    pub desired: u32,
    pub scale_out: bool,
    pub cause: String,
}

impl PolicySpec {
    /// The alarms this policy needs evaluated, in a fixed order.
    pub fn alarms(&self) -> Vec<&Alarm> {
        match &self.kind {
            PolicyKind::Simple { alarm, .. } | PolicyKind::Step { alarm, .. } => vec![alarm],
            PolicyKind::TargetTracking { high, low, .. } => vec![high, low],
            PolicyKind::Scheduled { .. } => vec![],
        }
    }

    /// The warm-up during which a new instance is not counted in this policy's metric.
    pub fn warmup(&self) -> SimTime {
        match &self.kind {
            PolicyKind::Step { warmup, .. } | PolicyKind::TargetTracking { warmup, .. } => *warmup,
            _ => SimTime::ZERO,
        }
    }

    /// The proposal given the alarm states (same order as `alarms`) and the latest metric value.
    pub fn decide(
        &self,
        state: &PolicyState,
        alarms: &[AlarmState],
        metric: Option<f64>,
        g: GroupView,
    ) -> Option<Proposal> {
        match &self.kind {
            PolicyKind::Simple {
                adjustment,
                cooldown,
                ..
            } => {
                if alarms[0] != AlarmState::Alarm {
                    return None;
                }
                if state.last_action.is_some_and(|t| g.now < t + *cooldown) {
                    return None;
                }
                let desired = adjustment.apply(g.capacity);
                (desired != g.capacity).then(|| Proposal {
                    desired,
                    scale_out: adjustment.is_scale_out(g.capacity),
                    cause: format!("simple policy `{}`: alarm in ALARM", self.name),
                })
            }
            PolicyKind::Step { steps, alarm, .. } => {
                if alarms[0] != AlarmState::Alarm {
                    return None;
                }
                let value = metric?;
                let out = matches!(
                    alarm.comparison,
                    Comparison::GreaterThan | Comparison::GreaterOrEqual
                );
                let step = steps
                    .iter()
                    .filter(|s| {
                        if out {
                            value >= s.bound
                        } else {
                            value <= s.bound
                        }
                    })
                    .max_by(|a, b| {
                        if out {
                            a.bound.total_cmp(&b.bound)
                        } else {
                            b.bound.total_cmp(&a.bound)
                        }
                    })?;
                // Instances still warming up count toward capacity but not as a base to add
                // to: a breach in the same step does not add again.
                let warming = g.capacity.saturating_sub(g.settled);
                let desired = if out {
                    step.adjustment.apply(g.capacity - warming).max(g.capacity)
                } else {
                    step.adjustment.apply(g.capacity)
                };
                (desired != g.capacity).then(|| Proposal {
                    desired,
                    scale_out: out,
                    cause: format!(
                        "step policy `{}`: metric {value:.2} past {}",
                        self.name, step.bound
                    ),
                })
            }
            PolicyKind::TargetTracking {
                target,
                disable_scale_in,
                scale_in_cooldown,
                ..
            } => {
                let value = metric?;
                let needed = (g.settled as f64 * value / target - 1e-9).ceil().max(0.0) as u32;
                if alarms[0] == AlarmState::Alarm {
                    let desired = needed.max(g.capacity);
                    return (desired > g.capacity).then(|| Proposal {
                        desired,
                        scale_out: true,
                        cause: format!(
                            "target tracking `{}`: {} {value:.2} above target {target}",
                            self.name,
                            self.metric_name()
                        ),
                    });
                }
                if alarms[1] == AlarmState::Alarm && !disable_scale_in {
                    if state
                        .last_action
                        .is_some_and(|t| g.now < t + *scale_in_cooldown)
                    {
                        return None;
                    }
                    let desired = needed.max(1).min(g.capacity);
                    return (desired < g.capacity).then(|| Proposal {
                        desired,
                        scale_out: false,
                        cause: format!(
                            "target tracking `{}`: {} {value:.2} below target {target}",
                            self.name,
                            self.metric_name()
                        ),
                    });
                }
                None
            }
            PolicyKind::Scheduled { .. } => None,
        }
    }

    fn metric_name(&self) -> String {
        self.metric
            .as_ref()
            .map(MetricRef::name)
            .unwrap_or_default()
    }

    pub fn is_target_tracking(&self) -> bool {
        matches!(self.kind, PolicyKind::TargetTracking { .. })
    }
}

/// Combines the proposals of one evaluation, as EC2 Auto Scaling does.
pub fn combine(proposals: &[(bool, Option<Proposal>)], capacity: u32) -> Option<Proposal> {
    let outs = proposals
        .iter()
        .filter_map(|(_, p)| p.as_ref())
        .filter(|p| p.scale_out);
    if let Some(best) = outs.max_by_key(|p| p.desired) {
        return Some(best.clone());
    }
    // Scale in only if every target-tracking policy wants to.
    let tt_agree = proposals
        .iter()
        .all(|(tt, p)| !tt || p.as_ref().is_some_and(|p| !p.scale_out));
    if !tt_agree {
        return None;
    }
    proposals
        .iter()
        .filter_map(|(_, p)| p.as_ref())
        .filter(|p| !p.scale_out && p.desired < capacity)
        .max_by_key(|p| p.desired)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adjustments() {
        assert_eq!(Adjustment::Change(2).apply(4), 6);
        assert_eq!(Adjustment::Change(-9).apply(4), 0);
        assert_eq!(Adjustment::Exact(7).apply(4), 7);
        assert_eq!(
            Adjustment::Percent {
                percent: 25.0,
                min: 1
            }
            .apply(10),
            12
        );
        assert_eq!(
            Adjustment::Percent {
                percent: 10.0,
                min: 1
            }
            .apply(4),
            5
        );
        assert_eq!(
            Adjustment::Percent {
                percent: -50.0,
                min: 1
            }
            .apply(5),
            3
        );
    }

    fn tt() -> PolicySpec {
        let a = |c, t, n| Alarm {
            comparison: c,
            threshold: t,
            evaluation_periods: n,
            datapoints_to_alarm: n,
            delay: 0,
        };
        PolicySpec {
            name: "tt".into(),
            metric: Some(MetricRef::Cpu),
            kind: PolicyKind::TargetTracking {
                target: 50.0,
                warmup: SimTime::from_secs(300),
                disable_scale_in: false,
                scale_in_cooldown: SimTime::from_secs(300),
                high: a(Comparison::GreaterThan, 50.0, 3),
                low: a(Comparison::LessThan, 45.0, 15),
            },
        }
    }

    #[test]
    fn target_tracking_is_proportional_and_does_not_stack_on_warming_capacity() {
        let p = tt();
        let s = PolicyState::default();
        let g = GroupView {
            now: SimTime::ZERO,
            capacity: 4,
            settled: 4,
        };
        let out = p
            .decide(&s, &[AlarmState::Alarm, AlarmState::Ok], Some(90.0), g)
            .unwrap();
        assert_eq!(out.desired, 8); // ceil(4 * 90 / 50) = ceil(7.2)
        // Four more are warming: capacity 8, still 4 settled at 90%: nothing more.
        let g2 = GroupView { capacity: 8, ..g };
        assert_eq!(
            p.decide(&s, &[AlarmState::Alarm, AlarmState::Ok], Some(90.0), g2),
            None
        );
        let inn = p
            .decide(
                &s,
                &[AlarmState::Ok, AlarmState::Alarm],
                Some(20.0),
                GroupView {
                    capacity: 8,
                    settled: 8,
                    ..g
                },
            )
            .unwrap();
        assert_eq!(inn.desired, 4); // ceil(8 * 20 / 50) = ceil(3.2)
    }

    #[test]
    fn scale_out_wins_and_scale_in_needs_every_target_tracker() {
        let out = Proposal {
            desired: 6,
            scale_out: true,
            cause: String::new(),
        };
        let inn = Proposal {
            desired: 2,
            scale_out: false,
            cause: String::new(),
        };
        assert_eq!(
            combine(&[(true, Some(inn.clone())), (false, Some(out.clone()))], 4),
            Some(out)
        );
        assert_eq!(combine(&[(true, Some(inn.clone())), (true, None)], 4), None);
        assert_eq!(
            combine(&[(true, Some(inn.clone())), (false, None)], 4),
            Some(inn)
        );
    }
}
