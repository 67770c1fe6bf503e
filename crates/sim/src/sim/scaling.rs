//! Scaling at the end of each metric period: per-group metrics are published to the
//! CloudWatch model, alarms evaluated, policies decide, the group reconciles; plus scheduled
//! actions, the groups' activity log and the group time series.
//!
//! The policies' and alarms' code is methods of `Ec2` that take only what they need: the
//! period, the time series, whether a target group finds an instance healthy (the load
//! balancers' state, asked by the world as a function), and a [`ScalingCtx`] (the groups'
//! specs, the clock and a scheduler of Auto Scaling's own events, the tracer). A change of a
//! group's desired capacity comes back as a [`Reconcile`], which the world carries out:
//! `World::reconcile` launches and removes instances, which reaches the load balancers, the
//! queues' pollers and the requests in flight. The `impl World` at the end is the adapter.

use super::World;
use super::service::Period;
use super::state::Ec2;
use crate::event::Event;
use crate::ids::{GroupId, InstanceId, PolicyId, TgId};
use crate::kernel::{EventQueue, Schedule, SimTime};
use crate::metrics::TimeSeries;
use crate::model::autoscaling::{Activity, AlarmChange, AutoScalingEvent, GroupSpec};
use crate::model::cloudwatch::Metric;
use crate::model::ecs::capacity::RESERVATION_METRIC;
use crate::model::health::Health;
use crate::model::instance::InstanceState;
use crate::model::scaling_policy::{Blocked, Decision, GroupView, MetricRef, PolicyKind, combine};
use crate::scenario::Scenario;
use crate::trace::{Field, Kind, Tracer};

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

/// What a scaling decision asks of the world: launch or remove instances until the group's
/// pending and in-service instances match its desired capacity (`World::reconcile`).
#[must_use]
pub(super) struct Reconcile(pub GroupId);

/// The narrow view Auto Scaling's policy code works in (see the module docs).
pub(super) struct ScalingCtx<'a, Q> {
    /// The groups' specs (`Scenario::groups`).
    pub specs: &'a [GroupSpec],
    /// The end of the run (no scheduled action is scheduled past it).
    pub duration: SimTime,
    pub metric_period: SimTime,
    /// How many AZs the scenario has.
    pub azs: usize,
    /// The clock and a scheduler of Auto Scaling's own events.
    pub queue: &'a mut Q,
    pub tracer: Option<&'a mut Tracer>,
}

impl<'a> ScalingCtx<'a, EventQueue<Event>> {
    /// The view of the world's scenario, queue and tracer.
    fn new(
        s: &'a Scenario,
        queue: &'a mut EventQueue<Event>,
        tracer: &'a mut Option<Box<Tracer>>,
    ) -> Self {
        ScalingCtx {
            specs: &s.groups,
            duration: s.duration,
            metric_period: s.metric_period,
            azs: s.azs.len(),
            queue,
            tracer: tracer.as_deref_mut(),
        }
    }
}

impl Ec2 {
    /// Publishes a custom metric datapoint `value` of period `k` for group `g`, if one of
    /// its policies watches `name`.
    fn publish_custom_metric(&mut self, g: GroupId, name: &str, k: u64, value: Option<f64>) {
        let r = MetricRef::Custom(name.to_string());
        let gm = &mut self.group_metrics[g.index()];
        if let Some((_, m)) = gm.metrics.iter_mut().find(|(m, _)| *m == r) {
            m.publish(k, value);
        }
    }

    /// At the end of period `p`: group `g`'s series, its metrics, alarms and policies.
    /// `healthy(tg, i)`: whether target group `tg` finds instance `i` healthy.
    fn evaluate_group(
        &mut self,
        g: GroupId,
        p: &Period,
        healthy: impl Fn(TgId, InstanceId) -> bool,
        series: &mut TimeSeries,
        cx: &mut ScalingCtx<impl Schedule<AutoScalingEvent>>,
    ) -> Option<Reconcile> {
        let (t, k, now) = (p.start_s, p.index, p.end);
        let (period, azs) = (cx.metric_period, cx.azs);
        let g = g.index();
        let spec = &cx.specs[g];
        let warmup = spec.warmup();
        // Settled instances: in service past the warm-up; their capacity this period.
        let mut settled = 0u32;
        let mut settled_capacity = 0u128;
        // Instances still warming up, and whether one is launching or terminating.
        let mut warming = 0u32;
        let mut in_progress = false;
        let (mut pending, mut healthy_count) = (0u32, 0u32);
        let mut per_az = vec![0u32; azs];
        let mut pending_az = vec![0u32; azs];
        let mut healthy_az = vec![0u32; azs];
        for &i in &self.groups[g].instances {
            let inst = &self.instances[i.index()];
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
                    let tgs = &self.group_target_groups[g];
                    if !tgs.is_empty() && tgs.iter().all(|&tg| healthy(tg, i)) {
                        healthy_count += 1;
                        healthy_az[inst.az.index()] += 1;
                    }
                }
                _ => {}
            }
        }
        let in_service: u32 = per_az.iter().sum();
        let m = &mut self.group_meters[g];
        let cpu =
            (settled_capacity > 0).then(|| 100.0 * m.settled_busy as f64 / settled_capacity as f64);
        let per_target = (in_service > 0).then(|| m.routed as f64 / in_service as f64);
        m.settled_busy = 0;
        m.routed = 0;
        let ids = &self.series[g];
        let values = [
            self.groups[g].desired as f64,
            in_service as f64,
            pending as f64,
            healthy_count as f64,
            m.take_period_cpu_percent(),
        ];
        for (&id, v) in ids.group.iter().zip(values) {
            series.push(t, id, v);
        }
        for (ids, counts) in ids.per_az.iter().zip([&per_az, &pending_az, &healthy_az]) {
            for (&id, n) in ids.iter().zip(counts) {
                series.push(t, id, *n as f64);
            }
        }
        for (r, metric) in &mut self.group_metrics[g].metrics {
            match r {
                MetricRef::Cpu => metric.publish(k, cpu),
                MetricRef::RequestCountPerTarget => metric.publish(k, per_target),
                MetricRef::Custom(_) => {}
            }
        }
        // ECS's `CapacityProviderReservation` (M / N) is a ratio over every running
        // instance, warm or not: target tracking sizes it on all of them; from none (200%
        // with tasks waiting), as from one (our choice: proportional sizing has no base).
        let managed = (self.group_metrics[g].metrics.iter())
            .any(|(r, _)| matches!(r, MetricRef::Custom(n) if n == RESERVATION_METRIC));
        let base = if managed { in_service.max(1) } else { settled };
        self.group_metrics[g].record_settled(k, base);
        let capacity = self.groups[g].desired;
        if spec.ecs.is_some() {
            // Application Auto Scaling: no warm-up; inside a scale-out cooldown the capacity
            // that scale-out added is what a new one must exceed (`model::ecs::app_scaling`).
            warming = self.groups[g].app_cooldown.added(now, capacity);
        }
        let view = GroupView {
            now,
            capacity,
            settled,
            measured: settled,
            warming,
            in_progress,
            cooldown_until: None,
        };
        self.apply_policies(GroupId(g as u16), k, view, cx)
    }

    /// Evaluates the group's alarms (recording state changes), lets its policies decide,
    /// combines their proposals and applies the result; counts what held policies back.
    fn apply_policies(
        &mut self,
        g: GroupId,
        k: u64,
        mut view: GroupView,
        cx: &mut ScalingCtx<impl Schedule<AutoScalingEvent>>,
    ) -> Option<Reconcile> {
        let spec = &cx.specs[g.index()];
        if spec
            .policies
            .iter()
            .all(|p| matches!(p.kind, PolicyKind::Scheduled { .. }))
        {
            return None;
        }
        let now = view.now;
        let delay = self.metric_delay_periods;
        let group = &mut self.groups[g.index()];
        group.settle_cooldown(view.in_progress);
        view.cooldown_until = group.cooldown_until;
        let metrics = &self.group_metrics[g.index()];
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
                // An ECS service's scale-out cooldown stands where a group's warm-up does.
                let b = match b {
                    Blocked::Warming if spec.ecs.is_some() => Blocked::Cooldown,
                    b => b,
                };
                group.policy_states[i].blocked[b.index()] += 1;
            }
            proposals.push((policy, p.votes_on_scale_in(), decision.proposal().cloned()));
        }
        let flat: Vec<_> = proposals
            .iter()
            .map(|(_, votes, p)| (*votes, p.clone()))
            .collect();
        let chosen = combine(&flat, view.capacity)?;
        let from = group.desired;
        let same_way = |p: &Option<crate::model::scaling_policy::Proposal>| {
            p.as_ref().is_some_and(|p| p.scale_out == chosen.scale_out)
        };
        // Application Auto Scaling holds an ECS service's scale-in in its cooldowns and
        // during a deployment (`model::ecs::app_scaling`).
        if spec.ecs.is_some() && !chosen.scale_out && group.app_cooldown.blocks_scale_in(now) {
            for (i, _, p) in &proposals {
                if same_way(p) {
                    group.policy_states[i.index()].blocked[Blocked::Cooldown.index()] += 1;
                }
            }
            return None;
        }
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
            return None;
        }
        let to = group.desired;
        if let Some(tasks) = &spec.ecs {
            (group.app_cooldown).activity(now, from, chosen.scale_out, tasks.cooldowns);
        }
        // A simple policy's activity starts the group's cooldown once it has finished.
        let by = proposals
            .iter()
            .find(|(_, _, p)| p.as_ref() == Some(&chosen))
            .map(|(i, _, _)| *i);
        if let Some(c) = by.and_then(|i| spec.policies[i.index()].simple_cooldown()) {
            group.cooldown_pending = Some(c);
            group.cooldown_until = None;
        }
        trace_activity(cx, g, from, to, &chosen.cause);
        Some(Reconcile(g))
    }

    /// Scheduled action `policy` of group `g` is due: the next occurrence is scheduled, the
    /// group's bounds and desired capacity change, and the group is to be reconciled.
    fn on_scheduled_action(
        &mut self,
        g: GroupId,
        policy: PolicyId,
        cx: &mut ScalingCtx<impl Schedule<AutoScalingEvent>>,
    ) -> Option<Reconcile> {
        let p = &cx.specs[g.index()].policies[policy.index()];
        let PolicyKind::Scheduled {
            every,
            min,
            max,
            desired,
            ..
        } = p.kind
        else {
            return None;
        };
        let name = &p.name;
        if let Some(e) = every {
            let next = cx.queue.now() + e;
            if next <= cx.duration {
                cx.queue.at(
                    next,
                    AutoScalingEvent::ScheduledActionDue { group: g, policy },
                );
            }
        }
        let group = &mut self.groups[g.index()];
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
        group.set_desired(cx.queue.now(), wanted, cause.clone());
        let to = group.desired;
        if to != from {
            trace_activity(cx, g, from, to, &cause);
        }
        Some(Reconcile(g))
    }

    /// Logs an activity of group `g` (traced) from `from` to `to` instances.
    fn push_activity(
        &mut self,
        g: GroupId,
        (from, to): (u32, u32),
        cause: String,
        replacement: bool,
        cx: &mut ScalingCtx<impl Schedule<AutoScalingEvent>>,
    ) {
        trace_activity(cx, g, from, to, &cause);
        let now = cx.queue.now();
        self.groups[g.index()].activities.push(Activity {
            time: now,
            from,
            to,
            cause,
            replacement,
        });
    }
}

/// Schedules the first occurrence of each scheduled action of group `g`.
fn schedule_actions(g: GroupId, cx: &mut ScalingCtx<impl Schedule<AutoScalingEvent>>) {
    for (i, p) in cx.specs[g.index()].policies.iter().enumerate() {
        if let PolicyKind::Scheduled { at, .. } = p.kind
            && at <= cx.duration
        {
            cx.queue.at(
                at,
                AutoScalingEvent::ScheduledActionDue {
                    group: g,
                    policy: PolicyId(i as u16),
                },
            );
        }
    }
}

fn trace_activity(
    cx: &mut ScalingCtx<impl Schedule<AutoScalingEvent>>,
    g: GroupId,
    from: u32,
    to: u32,
    cause: &str,
) {
    if let Some(t) = cx.tracer.as_deref_mut() {
        let name = &cx.specs[g.index()].name;
        t.emit(
            cx.queue.now(),
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

/// The adapter: builds the narrow view from the world and carries out the reconciles.
impl World {
    /// Auto Scaling's state and its narrow context, split from the world.
    fn scaling_parts(&mut self) -> (&mut Ec2, ScalingCtx<'_, EventQueue<Event>>) {
        let cx = ScalingCtx::new(&self.scenario, &mut self.queue, &mut self.tracer);
        (&mut self.ec2, cx)
    }

    /// Publishes a custom metric datapoint for a group's current period (used by other models,
    /// e.g. SQS backlog per instance, before the period's evaluation).
    pub fn publish_custom_metric(&mut self, g: GroupId, name: &str, value: Option<f64>) {
        let k = self.period_index();
        self.ec2.publish_custom_metric(g, name, k, value);
    }

    /// The index of the metric period that just ended (at a period end).
    fn period_index(&self) -> u64 {
        let p = self.scenario.metric_period.as_nanos();
        (self.queue.now().as_nanos() / p).saturating_sub(1)
    }

    /// At a period end: group series, metrics, alarms and policies, for every group (each
    /// reconciled, if its policies changed it, before the next is evaluated).
    pub(super) fn evaluate_groups(&mut self, p: &Period) {
        for g in 0..self.scenario.groups.len() {
            let target_groups = &self.alb.target_groups;
            let healthy =
                |tg: TgId, i| target_groups[tg.index()].health(i) == Some(Health::Healthy);
            let mut cx = ScalingCtx::new(&self.scenario, &mut self.queue, &mut self.tracer);
            let g = GroupId(g as u16);
            let scaled = self
                .ec2
                .evaluate_group(g, p, healthy, &mut self.series, &mut cx);
            if let Some(Reconcile(g)) = scaled {
                self.reconcile(g);
            }
        }
    }

    /// Schedules the first occurrence of each scheduled action of a group.
    pub(super) fn schedule_actions(&mut self, g: GroupId) {
        let (_, mut cx) = self.scaling_parts();
        schedule_actions(g, &mut cx);
    }

    pub(super) fn on_scheduled_action(&mut self, g: GroupId, policy: PolicyId) {
        let (ec2, mut cx) = self.scaling_parts();
        if let Some(Reconcile(g)) = ec2.on_scheduled_action(g, policy, &mut cx) {
            self.reconcile(g);
        }
    }

    /// Logs an activity that does not change desired capacity (AZ rebalancing).
    pub(super) fn log_activity(&mut self, g: GroupId, from: u32, to: u32, cause: String) {
        let (ec2, mut cx) = self.scaling_parts();
        ec2.push_activity(g, (from, to), cause, false, &mut cx);
    }

    /// Logs a health replacement: an unhealthy or stopped instance replaced.
    pub(super) fn log_replacement(&mut self, g: GroupId, cause: String) {
        let (ec2, mut cx) = self.scaling_parts();
        let desired = ec2.groups[g.index()].desired;
        ec2.push_activity(g, (desired, desired), cause, true, &mut cx);
    }
}

/// The publication delay in whole periods (rounded up).
pub(super) fn delay_periods(delay: SimTime, period: SimTime) -> u64 {
    delay.as_nanos().div_ceil(period.as_nanos().max(1))
}
