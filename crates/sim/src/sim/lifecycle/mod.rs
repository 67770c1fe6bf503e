//! EC2's instance lifecycle: launch (pending, booting), in service, draining on scale-in,
//! stopped by a fault, terminated; and reconciling a group's instances with its desired
//! capacity.
//!
//! The lifecycle's code is methods of [`Ec2`] that take a narrow context ([`Ctx`]): the
//! groups' specs, which AZs are down (the faults' state, read-only), whether meters count,
//! the event being handled (a freed slot is reused from the next one on), and a scheduler of
//! EC2's own events (its instances' completions and Auto Scaling's boots, grace periods and
//! status checks). What other services must do comes back as values for the world to route:
//! a [`Registration`] in the group's target groups (the ALB registers and health-checks the
//! instance, SQS starts its pollers), [`ScaleIn::Drain`] (the ALB deregisters and names the
//! delay), the instances a reconcile removes, a [`Detection`] of a stopped instance, a
//! [`Replace`]ment (the activity log, then a termination, whose requests fail and whose
//! pollers stop). Only `adapter` takes the world.
//!
//! Every pending event that names an instance is scheduled keyed and its key kept among the
//! instance's timers (`instance_timers`), so terminating it cancels them all (the ALB's
//! health checks and deregistration end are scheduled by the adapter and kept the same way).

mod adapter;
#[cfg(test)]
mod tests;

use super::state::Ec2;
use crate::ids::{AzId, GroupId, InstanceId, TgId};
use crate::kernel::{Key, Schedule, SimTime};
use crate::model::autoscaling::{AutoScalingEvent, Candidate, GroupSpec, choose_victim};
use crate::model::health::{HealthCheckSpec, probe_passes};
use crate::model::instance::{Instance, InstanceEvent, InstanceState, pending_time};

/// How long after an instance stops the group learns it from EC2 status checks: a status
/// check needs two failed one-minute checks before the group replaces the instance.
pub const STATUS_CHECK_DETECTION: SimTime = SimTime::from_secs(120);

/// The narrow view EC2's lifecycle code works in (see the module docs).
pub(super) struct Ctx<'a, Q> {
    /// The groups' specs (`Scenario::groups`).
    pub specs: &'a [GroupSpec],
    /// Per AZ: whether it is down (launches go to the AZs that are up).
    pub az_down: &'a [bool],
    /// Whether meters count (the warm-up is over).
    pub counting: bool,
    /// The number of the event being handled (a slot freed now is reused from the next on).
    pub event: u64,
    /// The clock and a scheduler of EC2's own events.
    pub queue: &'a mut Q,
}

/// A scheduler of EC2's own events: its instances' completions and Auto Scaling's timers.
pub(super) trait Queue: Schedule<InstanceEvent> + Schedule<AutoScalingEvent> {}

impl<Q: Schedule<InstanceEvent> + Schedule<AutoScalingEvent>> Queue for Q {}

impl<Q: Queue> Ctx<'_, Q> {
    #[inline]
    pub fn now(&self) -> SimTime {
        Schedule::<AutoScalingEvent>::now(self.queue)
    }

    /// Whether group `g` can launch anywhere (one of its AZs is up).
    fn can_launch(&self, g: GroupId) -> bool {
        self.specs[g.index()]
            .azs
            .iter()
            .any(|a| !self.az_down[a.index()])
    }
}

/// An instance went in service: the target groups it registers with (the ALB registers it
/// with its current load and probes it at once) and SQS's consumers of its group.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Registration {
    pub id: InstanceId,
    pub group: GroupId,
    pub az: AzId,
    /// Its outstanding requests when registered.
    pub outstanding: u32,
}

/// What a scale-in of one instance asks.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ScaleIn {
    /// Pending or idle: it terminates now.
    Terminate,
    /// It drains (no longer in service): the ALB deregisters it, and its deregistration
    /// delay ends the drain.
    Drain { group: GroupId, az: AzId },
}

/// How the group learns that a stopped instance is gone.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Detection {
    /// A pending instance never boots: the group replaces it now.
    Now,
    /// Its status checks fail at the given time (`AutoScalingEvent::StatusCheckFailed`).
    At(SimTime),
}

/// Why the group replaces an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Why {
    /// A target group found it unhealthy (ELB health checks).
    Unhealthy,
    /// It stopped: how the group noticed.
    Stopped(&'static str),
}

/// An instance the group replaces (logged as a replacement activity, terminated, then the
/// group reconciled).
#[must_use]
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Replace {
    pub id: InstanceId,
    pub group: GroupId,
    /// The activity's cause.
    pub cause: String,
}

impl Ec2 {
    /// Keeps `key`, an event naming instance `id`, among its timers (cancelled when it
    /// terminates).
    pub(super) fn keep_timer(
        &mut self,
        id: InstanceId,
        key: Key,
        queue: &impl Schedule<AutoScalingEvent>,
    ) {
        self.instance_timers
            .keep(id, key, |k| queue.due(k).is_some());
    }

    /// Schedules EC2's own `event` naming instance `id` at `at`, among its timers.
    pub(super) fn timer(
        &mut self,
        id: InstanceId,
        at: SimTime,
        event: AutoScalingEvent,
        queue: &mut impl Schedule<AutoScalingEvent>,
    ) {
        let key = queue.keyed(at, event);
        self.keep_timer(id, key, queue);
    }

    /// Creates a pending instance of group `g` in the AZ the group's placement picks among
    /// the AZs that are up.
    pub(super) fn launch(&mut self, g: GroupId, cx: &mut Ctx<impl Queue>) -> InstanceId {
        let spec = &cx.specs[g.index()];
        let down = cx.az_down;
        let az = self.groups[g.index()].placement_az_in(spec, |a| !down[a.index()]);
        self.launch_in(g, az, cx)
    }

    /// Creates a pending instance of group `g` in `az` (an ECS task on its instance's AZ).
    pub(super) fn launch_in(
        &mut self,
        g: GroupId,
        az: AzId,
        cx: &mut Ctx<impl Queue>,
    ) -> InstanceId {
        let spec = &cx.specs[g.index()];
        let group = &self.groups[g.index()];
        let mut inst = Instance::new(g, az, spec.vcpus, spec.discipline, cx.now());
        inst.speed = spec.ecs.map_or(1.0, |t| t.speed());
        if let Some(credits) = spec.credits {
            // The instances the group starts with take its `initial_credits`.
            inst.set_credits(credits, cx.now() == SimTime::ZERO);
        }
        inst.protected = group.launched < spec.protected_instances as u64;
        let id = self.instances.insert(inst, cx.event);
        let group = &mut self.groups[g.index()];
        group.instances.push(id);
        group.count_in_az(spec, az, 1);
        group.launched += 1;
        id
    }

    /// Launches an instance that boots (the group's `boot_time`) before going in service;
    /// `None` when every AZ of the group is down (it launches when one returns).
    pub(super) fn launch_booting(
        &mut self,
        g: GroupId,
        cx: &mut Ctx<impl Queue>,
    ) -> Option<InstanceId> {
        if !cx.can_launch(g) {
            return None;
        }
        let id = self.launch(g, cx);
        self.boot(id, cx);
        Some(id)
    }

    /// Launches an instance of group `g` in `az` that boots before going in service.
    pub(super) fn launch_booting_in(
        &mut self,
        g: GroupId,
        az: AzId,
        cx: &mut Ctx<impl Queue>,
    ) -> InstanceId {
        let id = self.launch_in(g, az, cx);
        self.boot(id, cx);
        id
    }

    /// Pending instance `id` boots: its group's `boot_time`, billed from the end of
    /// `pending` inside it.
    fn boot(&mut self, id: InstanceId, cx: &mut Ctx<impl Queue>) {
        let g = self.instances[id.index()].group;
        let boot = cx.specs[g.index()]
            .boot_time
            .sample(&mut self.group_rngs[g.index()]);
        // Billing starts when `pending` ends, inside the boot time.
        let pending = pending_time(boot, &mut self.pending_rngs[g.index()]);
        self.instances[id.index()].running_at += pending;
        let at = cx.now() + boot;
        self.timer(id, at, AutoScalingEvent::InstanceBooted(id), cx.queue);
    }

    /// Instance `id` goes in service now: the group's capacity and counters count it; its
    /// registration in the target groups (and SQS's pollers) is the world's to carry out.
    pub(super) fn go_in_service(
        &mut self,
        id: InstanceId,
        cx: &mut Ctx<impl Queue>,
    ) -> Registration {
        let now = cx.now();
        let inst = &mut self.instances[id.index()];
        inst.state = InstanceState::InService;
        inst.in_service_since = Some(now);
        let (group, az, vcpus, outstanding) = (inst.group, inst.az, inst.vcpus, inst.outstanding);
        self.group_meters[group.index()].change_capacity(now, vcpus as i64, cx.counting);
        let g = &mut self.groups[group.index()];
        g.in_service += 1;
        g.max_in_service = g.max_in_service.max(g.in_service);
        g.last_settled = now;
        Registration {
            id,
            group,
            az,
            outstanding,
        }
    }

    /// Whether instance `id` answers a health check of `check` (`stopped`: a fault stopped
    /// it): see `model::health::probe_passes`.
    pub(super) fn passes_probe(
        &self,
        id: InstanceId,
        specs: &[GroupSpec],
        stopped: bool,
        check: &HealthCheckSpec,
    ) -> bool {
        let inst = &self.instances[id.index()];
        let spec = &specs[inst.group.index()];
        if inst.speed != 1.0 {
            // A fractional ECS task's core runs the probe's work slower too.
            let slow = HealthCheckSpec {
                probe_work: SimTime::ceil_nanos(check.probe_work.as_nanos() as f64 / inst.speed),
                ..check.clone()
            };
            return !stopped && probe_passes(inst.outstanding, spec.max_concurrent, 1, &slow);
        }
        !stopped && probe_passes(inst.outstanding, spec.max_concurrent, inst.vcpus, check)
    }

    /// The instances group `g` removes to match its desired capacity (after launching the
    /// ones it lacks): chosen one by one by its termination policy among its pending and
    /// in-service instances, never a protected one.
    pub(super) fn reconcile(&mut self, g: GroupId, cx: &mut Ctx<impl Queue>) -> Vec<InstanceId> {
        let active: Vec<InstanceId> = self.groups[g.index()]
            .instances
            .iter()
            .copied()
            .filter(|i| {
                matches!(
                    self.instances[i.index()].state,
                    InstanceState::Pending | InstanceState::InService
                )
            })
            .collect();
        let desired = self.groups[g.index()].desired as usize;
        // An ECS service's tasks on an EC2 capacity provider launch where they are placed
        // (`sim::ecs_capacity`), not here.
        let placed = cx.specs[g.index()]
            .ecs
            .is_some_and(|t| t.provider.is_some());
        for _ in active.len()..if placed { 0 } else { desired } {
            let _ = self.launch_booting(g, cx);
        }
        if active.len() <= desired {
            return Vec::new();
        }
        let mut candidates: Vec<Candidate> = active
            .iter()
            .map(|&i| {
                let inst = &self.instances[i.index()];
                Candidate {
                    id: i,
                    az: inst.az,
                    launched_at: inst.launched_at,
                    serial: inst.serial,
                    protected: inst.protected,
                }
            })
            .collect();
        let policy = cx.specs[g.index()].termination_policy;
        let now = cx.now();
        let mut victims = Vec::new();
        for _ in desired..active.len() {
            let rng = &mut self.group_rngs[g.index()];
            let Some(victim) = choose_victim(policy, &candidates, now, rng) else {
                break; // the rest are protected
            };
            candidates.retain(|c| c.id != victim);
            victims.push(victim);
        }
        victims
    }

    /// Scale-in of one instance: a pending or idle one terminates; an in-service one with
    /// requests drains (it leaves service; the ALB's deregistration delay ends the drain).
    pub(super) fn scale_in(&mut self, id: InstanceId) -> ScaleIn {
        let inst = &mut self.instances[id.index()];
        if inst.state == InstanceState::Pending || inst.outstanding == 0 {
            return ScaleIn::Terminate;
        }
        inst.state = InstanceState::Draining;
        let (g, az) = (inst.group, inst.az);
        self.groups[g.index()].in_service -= 1;
        ScaleIn::Drain { group: g, az }
    }

    /// Whether instance `id` drained: draining, and its last request ended (it terminates).
    pub(super) fn drained(&self, id: InstanceId) -> bool {
        let inst = &self.instances[id.index()];
        inst.state == InstanceState::Draining && inst.outstanding == 0
    }

    /// Instance `id` terminates now: its completions are cancelled, its busy time and
    /// capacity leave the meters, its group forgets it. Returns its group and AZ (its target
    /// groups deregister it); `retire` ends it once the others have let go of it.
    pub(super) fn terminate(
        &mut self,
        id: InstanceId,
        cx: &mut Ctx<impl Queue>,
    ) -> (GroupId, AzId) {
        let now = cx.now();
        let inst = &mut self.instances[id.index()];
        let was_in_service = inst.state == InstanceState::InService;
        let was_serving = was_in_service || inst.state == InstanceState::Draining;
        let busy = inst.take_busy_core_ns(now);
        inst.stop(cx.queue);
        inst.state = InstanceState::Terminated;
        inst.terminated_at = Some(now);
        let (g, az, vcpus) = (inst.group, inst.az, inst.vcpus);
        if let (Some(m), Some(c)) = (inst.take_credit_meter(now), &mut self.credits[g.index()]) {
            c.add(m, cx.counting);
        }
        let meters = &mut self.group_meters[g.index()];
        meters.add_busy(busy, cx.counting);
        if was_serving {
            meters.change_capacity(now, -(vcpus as i64), cx.counting);
        }
        let group = &mut self.groups[g.index()];
        if was_in_service {
            group.in_service -= 1;
        }
        let before = group.instances.len();
        group.instances.retain(|&i| i != id);
        if group.instances.len() < before {
            group.count_in_az(&cx.specs[g.index()], az, -1);
        }
        group.terminated += 1;
        group.last_settled = now;
        (g, az)
    }

    /// A terminated instance's pending timers are cancelled and its slot freed (reused from
    /// the next event on). Last: nothing may name it after.
    pub(super) fn retire(&mut self, id: InstanceId, cx: &mut Ctx<impl Queue>) {
        for key in self.instance_timers.take(id) {
            Schedule::<AutoScalingEvent>::cancel(cx.queue, key);
        }
        self.instances.retire(id, cx.event);
    }

    /// A fault stops instance `id` (not already stopped): its completions are cancelled and
    /// its busy time goes to the meters. False if it had terminated.
    pub(super) fn stop(&mut self, id: InstanceId, cx: &mut Ctx<impl Queue>) -> bool {
        let inst = &mut self.instances[id.index()];
        if inst.state == InstanceState::Terminated {
            return false;
        }
        let busy = inst.take_busy_core_ns(cx.now());
        inst.stop(cx.queue);
        let g = inst.group;
        if let (Some(m), Some(c)) = (
            inst.take_credit_meter(cx.now()),
            &mut self.credits[g.index()],
        ) {
            c.add(m, cx.counting);
        }
        self.group_meters[g.index()].add_busy(busy, cx.counting);
        true
    }

    /// How the group learns that instance `id` stopped: a pending one at once; a running one
    /// when its EC2 status checks fail (scheduled among its timers).
    pub(super) fn detect_stop(&mut self, id: InstanceId, cx: &mut Ctx<impl Queue>) -> Detection {
        if self.instances[id.index()].state == InstanceState::Pending {
            return Detection::Now;
        }
        let at = cx.now() + STATUS_CHECK_DETECTION;
        self.timer(id, at, AutoScalingEvent::StatusCheckFailed(id), cx.queue);
        Detection::At(at)
    }

    /// The group's replacement of instance `id`, for `why`.
    pub(super) fn replacement(&self, id: InstanceId, why: Why) -> Replace {
        let inst = &self.instances[id.index()];
        let serial = inst.serial;
        Replace {
            id,
            group: inst.group,
            cause: match why {
                Why::Unhealthy => format!("replacing unhealthy instance {serial}"),
                Why::Stopped(how) => format!("replacing instance {serial} ({how})"),
            },
        }
    }
}

/// What other services read of EC2's instances (the faults pick their victims from these).
impl Ec2 {
    /// The live instances in `az`, in launch order.
    pub(super) fn live_in_az(&self, az: AzId) -> Vec<InstanceId> {
        let mut found: Vec<InstanceId> = (self.instances.live().iter().copied())
            .filter(|&i| self.instances[i.index()].az == az)
            .collect();
        found.sort_unstable_by_key(|i| self.instances[i.index()].serial);
        found
    }

    /// Group `g`'s in-service instances, in the group's order.
    pub(super) fn in_service_of(&self, g: GroupId) -> impl Iterator<Item = InstanceId> + '_ {
        self.groups[g.index()]
            .instances
            .iter()
            .copied()
            .filter(|&i| self.instances[i.index()].state == InstanceState::InService)
    }

    /// Group `g`'s pending and in-service instances in `az`.
    pub(super) fn active_in(&self, g: GroupId, az: AzId) -> u32 {
        self.groups[g.index()]
            .instances
            .iter()
            .filter(|i| {
                let inst = &self.instances[i.index()];
                inst.az == az
                    && matches!(
                        inst.state,
                        InstanceState::Pending | InstanceState::InService
                    )
            })
            .count() as u32
    }

    /// The target groups group `g`'s instances register with.
    pub(super) fn target_groups_of(&self, g: GroupId) -> &[TgId] {
        &self.group_target_groups[g.index()]
    }
}
