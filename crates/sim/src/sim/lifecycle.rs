//! Instance lifecycle: launch (pending, booting), in service (registered, health-checked),
//! draining on scale-in, terminated; health replacement; and reconciling a group's instances
//! with its desired capacity.

use super::World;
use super::state::Alb;
use crate::ids::{GroupId, InstanceId, TgId};
use crate::metrics::Outcome;
use crate::model::alb::AlbEvent;
use crate::model::autoscaling::AutoScalingEvent;
use crate::model::autoscaling::{Candidate, choose_victim};
use crate::model::health::{Health, probe_passes};
use crate::model::instance::{Instance, InstanceState};

impl World {
    /// Creates a pending instance of group `g` in the AZ the group's placement picks.
    pub(super) fn launch(&mut self, g: GroupId) -> InstanceId {
        let spec = &self.scenario.groups[g.index()];
        let group = &self.ec2.groups[g.index()];
        let down = &self.faults.az_down;
        let az = group.placement_az_in(spec, |a| !down[a.index()]);
        let mut inst = Instance::new(g, az, spec.vcpus, spec.discipline, self.queue.now());
        inst.protected = group.launched < spec.protected_instances as u64;
        let id = self.ec2.instances.insert(inst, self.events);
        // A reused slot: whatever the fault state said of its previous instance is gone.
        self.faults.clear_stopped(id);
        let group = &mut self.ec2.groups[g.index()];
        group.instances.push(id);
        group.count_in_az(spec, az, 1);
        group.launched += 1;
        id
    }

    /// Launches an instance that boots before going in service.
    pub(super) fn launch_booting(&mut self, g: GroupId) {
        if !self.can_launch(g) {
            return; // every AZ of the group is down: it launches when one returns
        }
        let id = self.launch(g);
        let boot = self.scenario.groups[g.index()]
            .boot_time
            .sample(&mut self.ec2.group_rngs[g.index()]);
        // Billing starts when `pending` ends, inside the boot time.
        let pending =
            crate::model::instance::pending_time(boot, &mut self.ec2.pending_rngs[g.index()]);
        self.ec2.instances[id.index()].running_at += pending;
        let at = self.queue.now() + boot;
        self.instance_timer(id, at, AutoScalingEvent::InstanceBooted(id));
    }

    pub(super) fn on_instance_booted(&mut self, id: InstanceId) {
        // A pending instance that stopped was terminated at once (its boot cancelled).
        debug_assert_eq!(self.ec2.instances[id.index()].state, InstanceState::Pending);
        self.put_in_service(id, Health::Initial);
        self.rebalance_step(self.ec2.instances[id.index()].group);
    }

    /// In service: registers with the group's target groups (in `health`) and starts their
    /// health checks, the first one now.
    pub(super) fn put_in_service(&mut self, id: InstanceId, health: Health) {
        let now = self.queue.now();
        let inst = &mut self.ec2.instances[id.index()];
        inst.state = InstanceState::InService;
        inst.in_service_since = Some(now);
        let (g, az, vcpus, outstanding) = (inst.group, inst.az, inst.vcpus, inst.outstanding);
        for i in 0..self.ec2.group_target_groups[g.index()].len() {
            let tg = self.ec2.group_target_groups[g.index()][i];
            self.alb.target_groups[tg.index()].register(id, az, health, outstanding);
            // The first probe runs at registration (see `model::health`).
            self.instance_timer(id, now, AlbEvent::HealthCheckDue { instance: id, tg });
        }
        self.ec2.group_meters[g.index()].change_capacity(now, vcpus as i64, self.counting);
        let group = &mut self.ec2.groups[g.index()];
        group.in_service += 1;
        group.max_in_service = group.max_in_service.max(group.in_service);
        group.last_settled = now;
        self.start_pollers(id);
        self.start_grace(id);
    }

    pub(super) fn on_health_check_due(&mut self, id: InstanceId, tg: TgId) {
        let inst = &self.ec2.instances[id.index()];
        if inst.state != InstanceState::InService {
            return;
        }
        let group = &self.scenario.groups[inst.group.index()];
        let stopped = self.faults.is_stopped(id);
        let passes = |check: &_| {
            !stopped && probe_passes(inst.outstanding, group.max_concurrent, inst.vcpus, check)
        };
        let spec = &self.scenario.target_groups[tg.index()];
        let now = self.queue.now();
        let Some(probe) = (self.alb).health_check((tg, spec), (id, inst.az), now, passes) else {
            return;
        };
        self.instance_timer(
            id,
            probe.next_at,
            AlbEvent::HealthCheckDue { instance: id, tg },
        );
        let Some(health) = probe.changed else { return };
        if health == Health::Unhealthy
            && let Some(f) = self.faults.stopped_by(id)
        {
            let how = format!("target {} unhealthy", self.ec2.instances[id.index()].serial);
            self.fault_detected(f, &how);
        }
        let serial = self.ec2.instances[id.index()].serial;
        let spec = &self.scenario.target_groups[tg.index()];
        Alb::trace_health(self.tracer.as_deref_mut(), now, spec, serial, health);
        if health == Health::Unhealthy {
            self.on_target_unhealthy(id);
        }
    }

    /// Launches or removes instances until the group's pending and in-service instances
    /// match its desired capacity.
    pub(super) fn reconcile(&mut self, g: GroupId) {
        let active: Vec<InstanceId> = self.ec2.groups[g.index()]
            .instances
            .iter()
            .copied()
            .filter(|i| {
                matches!(
                    self.ec2.instances[i.index()].state,
                    InstanceState::Pending | InstanceState::InService
                )
            })
            .collect();
        let desired = self.ec2.groups[g.index()].desired as usize;
        for _ in active.len()..desired {
            self.launch_booting(g);
        }
        if active.len() <= desired {
            return;
        }
        let mut candidates: Vec<Candidate> = active
            .iter()
            .map(|&i| {
                let inst = &self.ec2.instances[i.index()];
                Candidate {
                    id: i,
                    az: inst.az,
                    launched_at: inst.launched_at,
                    serial: inst.serial,
                    protected: inst.protected,
                }
            })
            .collect();
        let policy = self.scenario.groups[g.index()].termination_policy;
        for _ in desired..active.len() {
            let now = self.queue.now();
            let Some(victim) = choose_victim(
                policy,
                &candidates,
                now,
                &mut self.ec2.group_rngs[g.index()],
            ) else {
                break; // the rest are protected
            };
            candidates.retain(|c| c.id != victim);
            self.scale_in(victim);
        }
    }

    /// Scale-in of one instance: a pending one terminates, an in-service one drains.
    fn scale_in(&mut self, id: InstanceId) {
        let inst = &self.ec2.instances[id.index()];
        if inst.state == InstanceState::Pending || inst.outstanding == 0 {
            self.terminate(id, Outcome::Http502);
            return;
        }
        let (g, az) = (inst.group, inst.az);
        self.ec2.instances[id.index()].state = InstanceState::Draining;
        self.ec2.groups[g.index()].in_service -= 1;
        let tgs = &self.ec2.group_target_groups[g.index()];
        let delay = (self.alb).deregister(tgs, &self.scenario.target_groups, (id, az));
        let at = self.queue.now() + delay;
        self.instance_timer(id, at, AlbEvent::DeregistrationEnded(id));
    }

    pub(super) fn on_deregistration_ended(&mut self, id: InstanceId) {
        // A draining instance leaves that state only by terminating (which cancels this).
        debug_assert_eq!(
            self.ec2.instances[id.index()].state,
            InstanceState::Draining
        );
        // Connections still open when the delay runs out are closed: 502 to the client.
        self.terminate(id, Outcome::Http502);
    }

    /// A request ended on `instance`: a draining instance with nothing left terminates.
    pub(super) fn on_instance_request_ended(&mut self, instance: InstanceId) {
        let inst = &self.ec2.instances[instance.index()];
        if inst.state == InstanceState::Draining && inst.outstanding == 0 {
            self.terminate(instance, Outcome::Http502);
        }
    }

    /// Terminates an instance now; requests still on it end with `outcome`.
    pub(super) fn terminate(&mut self, id: InstanceId, outcome: Outcome) {
        let now = self.queue.now();
        let inst = &mut self.ec2.instances[id.index()];
        let was_in_service = inst.state == InstanceState::InService;
        let was_serving = was_in_service || inst.state == InstanceState::Draining;
        let busy = inst.take_busy_core_ns(now);
        inst.stop(&mut self.queue);
        inst.state = InstanceState::Terminated;
        inst.terminated_at = Some(now);
        let (g, az, vcpus) = (inst.group, inst.az, inst.vcpus);
        self.ec2.group_meters[g.index()].add_busy(busy, self.counting);
        if was_serving {
            self.ec2.group_meters[g.index()].change_capacity(now, -(vcpus as i64), self.counting);
        }
        let tgs = &self.ec2.group_target_groups[g.index()];
        (self.alb).deregister(tgs, &self.scenario.target_groups, (id, az));
        let group = &mut self.ec2.groups[g.index()];
        if was_in_service {
            group.in_service -= 1;
        }
        let before = group.instances.len();
        group.instances.retain(|&i| i != id);
        if group.instances.len() < before {
            group.count_in_az(&self.scenario.groups[g.index()], az, -1);
        }
        group.terminated += 1;
        group.last_settled = now;
        let ended = self.traffic.requests.on_instance(id);
        self.detach_calls(&ended);
        for &request in &ended {
            self.fail_request(request, outcome);
        }
        self.traffic.requests.detach_connecting(id);
        self.cancel_instance_timers(id);
        self.stop_pollers(id);
        #[cfg(test)]
        self.check_nothing_names(id);
        // Last: the slot may be reused from the next event on.
        self.ec2.instances.retire(id, self.events);
        #[cfg(test)]
        self.check_indexes();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The in-service counter agrees with the instances' states after runs that scale out,
    /// drain and terminate on scale-in, and replace and rebalance across an AZ outage.
    #[test]
    fn the_in_service_counter_matches_the_instances() {
        for file in ["scenarios/quickstart.yaml", "scenarios/az-outage.yaml"] {
            let world = crate::sim::invariants::run_shipped(file);
            for (g, group) in world.ec2.groups.iter().enumerate() {
                let scanned = group
                    .instances
                    .iter()
                    .filter(|i| world.ec2.instances[i.index()].state == InstanceState::InService)
                    .count() as u32;
                assert_eq!(group.in_service, scanned, "{file}: group {g}");
            }
            // The run went through terminations, so the counter was moved both ways.
            assert!(world.ec2.groups.iter().any(|g| g.terminated > 0), "{file}");
        }
    }
}
