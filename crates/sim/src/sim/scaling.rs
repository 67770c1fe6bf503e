//! Scaling at the end of each metric period: per-group metrics are published to the
//! CloudWatch model, alarms evaluated, policies decide, the group reconciles; plus scheduled
//! actions and the group time series.

use super::World;
use super::service::Period;
use crate::ids::{GroupId, PolicyId};
use crate::kernel::Schedule;
use crate::kernel::SimTime;
use crate::model::autoscaling::AlarmChange;
use crate::model::autoscaling::AutoScalingEvent;
use crate::model::cloudwatch::Metric;
use crate::model::health::Health;
use crate::model::instance::InstanceState;
use crate::model::scaling_policy::{Blocked, Decision, GroupView, MetricRef, PolicyKind, combine};
use crate::trace::{Field, Kind};

/// The CloudWatch metrics of one group: one per distinct metric its policies watch.
#[derive(Default)]
pub struct GroupMetrics {
    pub metrics: Vec<(MetricRef, Metric)>,
    /// `(period, settled instances)` of recent periods, oldest first: the base a datapoint of
    /// that period was measured on.
    settled: std::collections::VecDeque<(u64, u32)>,
}

impl GroupMetrics {
    pub fn new(refs: Vec<MetricRef>) -> Self {
        GroupMetrics {
            metrics: refs.into_iter().map(|r| (r, Metric::default())).collect(),
            settled: Default::default(),
        }
    }

    fn metric(&self, r: &MetricRef) -> Option<&Metric> {
        self.metrics.iter().find(|(m, _)| m == r).map(|(_, m)| m)
    }

    /// Remembers the settled instances of `period` (a few dozen periods are kept).
    fn record_settled(&mut self, period: u64, settled: u32) {
        self.settled.push_back((period, settled));
        if self.settled.len() > 64 {
            self.settled.pop_front();
        }
    }

    /// The settled instances of `period`, if remembered.
    fn settled_at(&self, period: u64) -> Option<u32> {
        self.settled
            .iter()
            .rev()
            .find(|(p, _)| *p == period)
            .map(|(_, n)| *n)
    }
}

impl World {
    /// Publishes a custom metric datapoint for a group's current period (used by other models,
    /// e.g. SQS backlog per instance, before the period's evaluation).
    pub fn publish_custom_metric(&mut self, g: GroupId, name: &str, value: Option<f64>) {
        let k = self.period_index();
        let r = MetricRef::Custom(name.to_string());
        let gm = &mut self.ec2.group_metrics[g.index()];
        if let Some((_, m)) = gm.metrics.iter_mut().find(|(m, _)| *m == r) {
            m.publish(k, value);
        }
    }

    /// The index of the metric period that just ended (at a period end).
    fn period_index(&self) -> u64 {
        let p = self.scenario.metric_period.as_nanos();
        (self.queue.now().as_nanos() / p).saturating_sub(1)
    }

    /// At a period end: group series, metrics, alarms and policies, for every group.
    pub(super) fn evaluate_groups(&mut self, p: &Period) {
        let (t, k, now) = (p.start_s, p.index, p.end);
        let period = self.scenario.metric_period;
        for g in 0..self.scenario.groups.len() {
            let gid = GroupId(g as u16);
            let spec = &self.scenario.groups[g];
            let warmup = spec.warmup();
            // Settled instances: in service past the warm-up; their capacity this period.
            let mut settled = 0u32;
            let mut settled_capacity = 0u128;
            // Instances still warming up, and whether one is launching or terminating.
            let mut warming = 0u32;
            let mut in_progress = false;
            let (mut pending, mut healthy) = (0u32, 0u32);
            let azs = self.scenario.azs.len();
            let mut per_az = vec![0u32; azs];
            let mut pending_az = vec![0u32; azs];
            let mut healthy_az = vec![0u32; azs];
            for &i in &self.ec2.groups[g].instances {
                let inst = &self.ec2.instances[i.index()];
                match inst.state {
                    InstanceState::Pending => {
                        pending += 1;
                        pending_az[inst.az.index()] += 1;
                        warming += 1;
                        in_progress = true;
                    }
                    InstanceState::Draining => in_progress = true,
                    InstanceState::InService => {
                        per_az[inst.az.index()] += 1;
                        let since = inst.in_service_since.unwrap_or(now);
                        if now >= since + warmup {
                            settled += 1;
                            let span = (now - since).min(period);
                            settled_capacity += span.as_nanos() as u128 * inst.vcpus as u128;
                        } else {
                            warming += 1;
                        }
                        let tgs = &self.ec2.group_target_groups[g];
                        if !tgs.is_empty()
                            && tgs.iter().all(|tg| {
                                self.alb.target_groups[tg.index()].health(i)
                                    == Some(Health::Healthy)
                            })
                        {
                            healthy += 1;
                            healthy_az[inst.az.index()] += 1;
                        }
                    }
                    _ => {}
                }
            }
            let in_service: u32 = per_az.iter().sum();
            let m = &mut self.ec2.group_meters[g];
            let cpu = (settled_capacity > 0)
                .then(|| 100.0 * m.settled_busy as f64 / settled_capacity as f64);
            let per_target = (in_service > 0).then(|| m.routed as f64 / in_service as f64);
            m.settled_busy = 0;
            m.routed = 0;
            let ids = &self.ec2.series[g];
            let values = [
                self.ec2.groups[g].desired as f64,
                in_service as f64,
                pending as f64,
                healthy as f64,
                m.take_period_cpu_percent(),
            ];
            for (&id, v) in ids.group.iter().zip(values) {
                self.series.push(t, id, v);
            }
            for (ids, counts) in ids.per_az.iter().zip([&per_az, &pending_az, &healthy_az]) {
                for (&id, n) in ids.iter().zip(counts) {
                    self.series.push(t, id, *n as f64);
                }
            }
            for (r, metric) in &mut self.ec2.group_metrics[g].metrics {
                match r {
                    MetricRef::Cpu => metric.publish(k, cpu),
                    MetricRef::RequestCountPerTarget => metric.publish(k, per_target),
                    MetricRef::Custom(_) => {}
                }
            }
            self.ec2.group_metrics[g].record_settled(k, settled);
            let view = GroupView {
                now,
                capacity: self.ec2.groups[g].desired,
                settled,
                measured: settled,
                warming,
                in_progress,
                cooldown_until: None,
            };
            self.apply_policies(gid, k, view);
        }
    }

    /// Evaluates the group's alarms (recording state changes), lets its policies decide,
    /// combines their proposals and applies the result; counts what held policies back.
    fn apply_policies(&mut self, g: GroupId, k: u64, mut view: GroupView) {
        let spec = &self.scenario.groups[g.index()];
        if spec
            .policies
            .iter()
            .all(|p| matches!(p.kind, PolicyKind::Scheduled { .. }))
        {
            return;
        }
        let now = view.now;
        let delay = self.ec2.metric_delay_periods;
        let group = &mut self.ec2.groups[g.index()];
        group.settle_cooldown(view.in_progress);
        view.cooldown_until = group.cooldown_until;
        let metrics = &self.ec2.group_metrics[g.index()];
        let mut proposals = Vec::new();
        for (i, p) in spec.policies.iter().enumerate() {
            let policy = PolicyId(i as u16);
            if matches!(p.kind, PolicyKind::Scheduled { .. }) {
                continue;
            }
            let Some(metric) = p.metric.as_ref().and_then(|r| metrics.metric(r)) else {
                continue;
            };
            let latest = metric.latest_visible(k, delay);
            let value = latest.map(|(_, v)| v);
            let measured = latest
                .and_then(|(period, _)| metrics.settled_at(period))
                .unwrap_or(view.settled);
            let mut states = [crate::model::cloudwatch::AlarmState::InsufficientData; 2];
            for (j, a) in p.alarms().into_iter().enumerate() {
                let mut a = a.clone();
                a.delay = delay;
                let state = a.evaluate(metric, k);
                states[j] = state;
                if group.alarm_states[i][j] != state {
                    group.alarm_states[i][j] = state;
                    group.alarm_history.push(AlarmChange {
                        time: now,
                        policy,
                        alarm: p.alarm_names()[j],
                        state,
                        value,
                        threshold: a.threshold,
                    });
                }
            }
            let decision = p.decide(
                &states[..p.alarms().len()],
                value,
                GroupView { measured, ..view },
            );
            if let Decision::Blocked(b) = decision {
                group.policy_states[i].blocked[b.index()] += 1;
            }
            proposals.push((policy, p.votes_on_scale_in(), decision.proposal().cloned()));
        }
        let flat: Vec<_> = proposals
            .iter()
            .map(|(_, votes, p)| (*votes, p.clone()))
            .collect();
        let Some(chosen) = combine(&flat, view.capacity) else {
            return;
        };
        let from = group.desired;
        let same_way = |p: &Option<crate::model::scaling_policy::Proposal>| {
            p.as_ref().is_some_and(|p| p.scale_out == chosen.scale_out)
        };
        if !group.set_desired(now, chosen.desired, chosen.cause.clone()) {
            // Clamped to where the group already is: at its maximum or minimum.
            let why = if chosen.scale_out {
                Blocked::MaxReached
            } else {
                Blocked::MinReached
            };
            for (i, _, p) in &proposals {
                if same_way(p) {
                    group.policy_states[i.index()].blocked[why.index()] += 1;
                }
            }
            return;
        }
        let to = group.desired;
        // A simple policy's activity starts the group's cooldown once it has finished.
        let by = proposals
            .iter()
            .find(|(_, _, p)| p.as_ref() == Some(&chosen))
            .map(|(i, _, _)| *i);
        if let Some(c) = by.and_then(|i| spec.policies[i.index()].simple_cooldown()) {
            group.cooldown_pending = Some(c);
            group.cooldown_until = None;
        }
        self.trace_activity(g, from, to, &chosen.cause);
        self.reconcile(g);
    }

    /// Schedules the first occurrence of each scheduled action of a group.
    pub(super) fn schedule_actions(&mut self, g: GroupId) {
        for (i, p) in self.scenario.groups[g.index()].policies.iter().enumerate() {
            if let PolicyKind::Scheduled { at, .. } = p.kind
                && at <= self.scenario.duration
            {
                self.queue.at(
                    at,
                    AutoScalingEvent::ScheduledActionDue {
                        group: g,
                        policy: PolicyId(i as u16),
                    },
                );
            }
        }
    }

    pub(super) fn on_scheduled_action(&mut self, g: GroupId, policy: PolicyId) {
        let p = &self.scenario.groups[g.index()].policies[policy.index()];
        let PolicyKind::Scheduled {
            every,
            min,
            max,
            desired,
            ..
        } = p.kind
        else {
            return;
        };
        let name = p.name.clone();
        if let Some(e) = every {
            let next = self.queue.now() + e;
            if next <= self.scenario.duration {
                self.queue.at(
                    next,
                    AutoScalingEvent::ScheduledActionDue { group: g, policy },
                );
            }
        }
        let group = &mut self.ec2.groups[g.index()];
        let from = group.desired;
        if let Some(m) = min {
            group.min = m;
        }
        if let Some(m) = max {
            group.max = m;
        }
        group.max = group.max.max(group.min);
        let wanted = desired.unwrap_or(group.desired);
        let cause = format!("scheduled action `{name}`");
        group.set_desired(self.queue.now(), wanted, cause.clone());
        let to = group.desired;
        if to != from {
            self.trace_activity(g, from, to, &cause);
        }
        self.reconcile(g);
    }

    /// Logs an activity that does not change desired capacity (AZ rebalancing).
    pub(super) fn log_activity(&mut self, g: GroupId, from: u32, to: u32, cause: String) {
        self.push_activity(g, from, to, cause, false);
    }

    /// Logs a health replacement: an unhealthy or stopped instance replaced.
    pub(super) fn log_replacement(&mut self, g: GroupId, cause: String) {
        let desired = self.ec2.groups[g.index()].desired;
        self.push_activity(g, desired, desired, cause, true);
    }

    fn push_activity(&mut self, g: GroupId, from: u32, to: u32, cause: String, replacement: bool) {
        self.trace_activity(g, from, to, &cause);
        let now = self.queue.now();
        self.ec2.groups[g.index()]
            .activities
            .push(crate::model::autoscaling::Activity {
                time: now,
                from,
                to,
                cause,
                replacement,
            });
    }

    fn trace_activity(&mut self, g: GroupId, from: u32, to: u32, cause: &str) {
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.groups[g.index()].name;
            t.emit(
                self.queue.now(),
                Kind::ScalingActivity,
                name,
                None,
                &[
                    ("from", Field::Int(from as u64)),
                    ("to", Field::Int(to as u64)),
                    ("cause", Field::Str(cause)),
                ],
            );
        }
    }
}

/// The publication delay in whole periods (rounded up).
pub(super) fn delay_periods(delay: SimTime, period: SimTime) -> u64 {
    delay.as_nanos().div_ceil(period.as_nanos().max(1))
}
