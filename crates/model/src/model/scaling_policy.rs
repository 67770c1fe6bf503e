//! Scaling policies: simple, step, target tracking and scheduled, as pure decisions.
//!
//! Each policy looks at its alarm states and metric and proposes a new desired capacity,
//! nothing, or says what blocks it; the group combines proposals as EC2 Auto Scaling does: if
//! any policy wants to scale out the largest proposal wins; the group scales in only when no
//! policy wants out and every target-tracking policy with scale-in enabled agrees, taking the
//! least reduction.
//!
//! Rules and sources (EC2 Auto Scaling user guide):
//! - "While a scale-out activity is in progress, all target tracking and step scaling scale-in
//!   activities are blocked until the instances finish warming up" (Cooldown.html and
//!   ec2-auto-scaling-default-instance-warmup.html). Target tracking for a group has no
//!   scale-in cooldown (API_TargetTrackingConfiguration: "not used if the scalable resource is
//!   an Auto Scaling group"). Because scale-in waits until no instance warms up, the settled
//!   instances a scale-in is sized from are the whole in-service fleet.
//! - "...will scale in only if all of the target tracking policies (with the scale-in portion
//!   enabled) are ready to scale in" (as-scaling-target-tracking.html).
//! - A simple policy "must also wait for an in-progress scaling activity or health check
//!   replacement to complete and a cooldown period to end"; the cooldown "takes effect
//!   starting when the last instance finishes launching or terminating" and holds back every
//!   simple policy of the group (simple-scaling-policies.html,
//!   ec2-auto-scaling-scaling-cooldowns.html). The group keeps that clock (`GroupView`).

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

/// Why a policy that wanted to act did not (counted per evaluation, for the reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// Scale-in waits for new instances to finish warming up; or a scale-out is already
    /// covered by instances still warming up.
    Warming,
    /// A simple policy waits for an activity in progress or the group's cooldown.
    Cooldown,
    /// The group is at its maximum.
    MaxReached,
    /// The group is at its minimum.
    MinReached,
    /// The alarm has no datapoints to evaluate.
    InsufficientData,
}

impl Blocked {
    pub const ALL: [Blocked; 5] = [
        Blocked::Warming,
        Blocked::Cooldown,
        Blocked::MaxReached,
        Blocked::MinReached,
        Blocked::InsufficientData,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Blocked::Warming => "warming",
            Blocked::Cooldown => "cooldown",
            Blocked::MaxReached => "max_reached",
            Blocked::MinReached => "min_reached",
            Blocked::InsufficientData => "insufficient_data",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// A policy's memory between evaluations: how often each reason held it back.
#[derive(Clone, Debug, Default)]
pub struct PolicyState {
    /// Evaluations at which the policy wanted to act but could not, by `Blocked::index`.
    pub blocked: [u64; 5],
}

/// What the group looks like to a policy at an evaluation.
#[derive(Clone, Copy, Debug)]
pub struct GroupView {
    pub now: SimTime,
    /// Desired capacity (pending and in-service instances the group is keeping).
    pub capacity: u32,
    /// In-service instances past the group's warm-up (they are what the metric measures).
    pub settled: u32,
    /// The settled instances of the period whose datapoint the policy sees (the metric is
    /// published a period late): target tracking sizes capacity from them.
    pub measured: u32,
    /// Pending instances and in-service ones still inside the warm-up.
    pub warming: u32,
    /// An instance is launching (pending) or terminating (draining): a scaling activity or a
    /// health replacement is in progress.
    pub in_progress: bool,
    /// The end of the group's simple-scaling cooldown, counted from when the last instance of
    /// the activity that started it finished launching or terminating.
    pub cooldown_until: Option<SimTime>,
}

/// What one policy makes of an evaluation.
#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    /// Nothing to do.
    Idle,
    /// The policy wanted to act but `Blocked` held it back.
    Blocked(Blocked),
    Propose(Proposal),
}

impl Decision {
    pub fn proposal(&self) -> Option<&Proposal> {
        match self {
            Decision::Propose(p) => Some(p),
            _ => None,
        }
    }
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

    /// The names of `alarms`, as AWS names a target-tracking policy's pair.
    pub fn alarm_names(&self) -> &'static [&'static str] {
        match &self.kind {
            PolicyKind::Simple { .. } | PolicyKind::Step { .. } => &["Alarm"],
            PolicyKind::TargetTracking { .. } => &["AlarmHigh", "AlarmLow"],
            PolicyKind::Scheduled { .. } => &[],
        }
    }

    /// The cooldown a simple policy's activity starts.
    pub fn simple_cooldown(&self) -> Option<SimTime> {
        match &self.kind {
            PolicyKind::Simple { cooldown, .. } => Some(*cooldown),
            _ => None,
        }
    }

    /// The warm-up during which a new instance is not counted in this policy's metric.
    pub fn warmup(&self) -> SimTime {
        match &self.kind {
            PolicyKind::Step { warmup, .. } | PolicyKind::TargetTracking { warmup, .. } => *warmup,
            _ => SimTime::ZERO,
        }
    }

    /// The decision given the alarm states (same order as `alarms`) and the latest metric value.
    pub fn decide(&self, alarms: &[AlarmState], metric: Option<f64>, g: GroupView) -> Decision {
        let no_data = alarms.iter().all(|a| *a == AlarmState::InsufficientData);
        match &self.kind {
            PolicyKind::Simple { adjustment, .. } => {
                if no_data {
                    return Decision::Blocked(Blocked::InsufficientData);
                }
                if alarms[0] != AlarmState::Alarm {
                    return Decision::Idle;
                }
                if g.in_progress || g.cooldown_until.is_some_and(|t| g.now < t) {
                    return Decision::Blocked(Blocked::Cooldown);
                }
                let desired = adjustment.apply(g.capacity);
                propose(
                    desired,
                    g.capacity,
                    adjustment.is_scale_out(g.capacity),
                    format!("simple policy `{}`: alarm in ALARM", self.name),
                )
            }
            PolicyKind::Step { steps, alarm, .. } => {
                if no_data {
                    return Decision::Blocked(Blocked::InsufficientData);
                }
                if alarms[0] != AlarmState::Alarm {
                    return Decision::Idle;
                }
                let Some(value) = metric else {
                    return Decision::Blocked(Blocked::InsufficientData);
                };
                let out = matches!(
                    alarm.comparison,
                    Comparison::GreaterThan | Comparison::GreaterOrEqual
                );
                let Some(step) = steps
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
                    })
                else {
                    return Decision::Idle;
                };
                let cause = format!(
                    "step policy `{}`: metric {value:.2} past {}",
                    self.name, step.bound
                );
                if out {
                    // Instances still warming up count toward capacity but not as a base to
                    // add to: a breach in the same step does not add again.
                    let desired = step
                        .adjustment
                        .apply(g.capacity.saturating_sub(g.warming))
                        .max(g.capacity);
                    if desired == g.capacity && g.warming > 0 {
                        return Decision::Blocked(Blocked::Warming);
                    }
                    propose(desired, g.capacity, true, cause)
                } else if g.warming > 0 {
                    Decision::Blocked(Blocked::Warming)
                } else {
                    propose(step.adjustment.apply(g.capacity), g.capacity, false, cause)
                }
            }
            PolicyKind::TargetTracking {
                target,
                disable_scale_in,
                ..
            } => {
                if alarms[0] == AlarmState::InsufficientData {
                    return Decision::Blocked(Blocked::InsufficientData);
                }
                let Some(value) = metric else {
                    return Decision::Blocked(Blocked::InsufficientData);
                };
                // Our choice (AWS documents proportional sizing, not its base): the instances
                // that produced the datapoint, so a stale datapoint is not applied twice.
                let needed = (g.measured as f64 * value / target - 1e-9).ceil().max(0.0) as u32;
                if alarms[0] == AlarmState::Alarm {
                    let desired = needed.max(g.capacity);
                    if desired == g.capacity && g.warming > 0 {
                        return Decision::Blocked(Blocked::Warming);
                    }
                    return propose(
                        desired,
                        g.capacity,
                        true,
                        format!(
                            "target tracking `{}`: {} {value:.2} above target {target}",
                            self.name,
                            self.metric_name()
                        ),
                    );
                }
                if alarms[1] == AlarmState::Alarm && !disable_scale_in {
                    if g.warming > 0 {
                        return Decision::Blocked(Blocked::Warming);
                    }
                    let desired = needed.max(1).min(g.capacity);
                    return propose(
                        desired,
                        g.capacity,
                        false,
                        format!(
                            "target tracking `{}`: {} {value:.2} below target {target}",
                            self.name,
                            self.metric_name()
                        ),
                    );
                }
                Decision::Idle
            }
            PolicyKind::Scheduled { .. } => Decision::Idle,
        }
    }

    /// Whether this policy takes part in the scale-in vote: a target-tracking policy with its
    /// scale-in portion enabled.
    pub fn votes_on_scale_in(&self) -> bool {
        matches!(
            self.kind,
            PolicyKind::TargetTracking {
                disable_scale_in: false,
                ..
            }
        )
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

/// A proposal if `desired` differs from `capacity`.
fn propose(desired: u32, capacity: u32, scale_out: bool, cause: String) -> Decision {
    if desired == capacity {
        return Decision::Idle;
    }
    Decision::Propose(Proposal {
        desired,
        scale_out,
        cause,
    })
}

/// Combines the proposals of one evaluation, as EC2 Auto Scaling does. Each entry says whether
/// its policy votes on scale-in (`PolicySpec::votes_on_scale_in`).
pub fn combine(proposals: &[(bool, Option<Proposal>)], capacity: u32) -> Option<Proposal> {
    let outs = proposals
        .iter()
        .filter_map(|(_, p)| p.as_ref())
        .filter(|p| p.scale_out);
    if let Some(best) = outs.max_by_key(|p| p.desired) {
        return Some(best.clone());
    }
    // Scale in only if every target-tracking policy with scale-in enabled wants to.
    let tt_agree = proposals
        .iter()
        .all(|(votes, p)| !votes || p.as_ref().is_some_and(|p| !p.scale_out));
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
#[path = "scaling_policy_tests.rs"]
mod tests;
