//! EC2's lifecycle adapter to the world: each entry point splits EC2's state and its narrow
//! context from the world (`World::ec2_parts`), calls the lifecycle's methods, and routes what
//! comes back: a registration to the load balancers (register, probe now, among the
//! instance's timers) and to SQS (pollers start), a drain to the load balancers (deregister;
//! their delay ends it), a termination to the load balancers, the requests on the instance
//! (they fail), its database calls (detached), its pollers (they stop) and the fault state
//! (it forgets the instance), a replacement to Auto Scaling's activity log. This is the only
//! lifecycle code that takes the world.

use super::{Ctx, Detection, Replace, ScaleIn, Why};
use crate::event::Event;
use crate::ids::{AzId, GroupId, InstanceId, TgId};
use crate::kernel::{EventQueue, SimTime};
use crate::metrics::Outcome;
use crate::model::alb::AlbEvent;
use crate::model::health::Health;
use crate::model::instance::InstanceState;
use crate::sim::World;
use crate::sim::state::{Alb, Ec2};

impl World {
    /// EC2's state and its narrow lifecycle context, split from the world.
    pub(in crate::sim) fn ec2_parts(&mut self) -> (&mut Ec2, Ctx<'_, EventQueue<Event>>) {
        let cx = Ctx {
            specs: &self.scenario.groups,
            az_down: &self.faults.az_down,
            counting: self.counting,
            event: self.events,
            queue: &mut self.queue,
        };
        (&mut self.ec2, cx)
    }

    /// Schedules the load balancer's `event`, which names instance `id`, at `at`, among the
    /// instance's timers (its termination cancels it).
    fn alb_timer(&mut self, id: InstanceId, at: SimTime, event: AlbEvent) {
        let key = self.queue.schedule_keyed(at, event.into());
        self.ec2.keep_timer(id, key, &self.queue);
    }

    /// Launches an instance of group `g` in service at once (the initial capacity); an ECS
    /// task on EC2 where placement puts it, if it fits.
    pub(in crate::sim) fn launch_in_service(&mut self, g: GroupId) {
        if self.ecs_places(g) {
            self.place_tasks(g, 1, true);
            return;
        }
        let (ec2, mut cx) = self.ec2_parts();
        let id = ec2.launch(g, &mut cx);
        self.put_in_service(id, Health::Healthy);
    }

    /// Launches an instance of group `g` that boots first (none while all its AZs are down);
    /// an ECS task on EC2 where placement puts it, if it fits.
    pub(in crate::sim) fn launch_booting(&mut self, g: GroupId) {
        if self.ecs_places(g) {
            self.place_tasks(g, 1, false);
            return;
        }
        let (ec2, mut cx) = self.ec2_parts();
        let _ = ec2.launch_booting(g, &mut cx);
    }

    /// Launches a task of group `g` on a host in `az`, in service at once.
    pub(in crate::sim) fn launch_task_in_service(&mut self, g: GroupId, az: AzId) -> InstanceId {
        let (ec2, mut cx) = self.ec2_parts();
        let id = ec2.launch_in(g, az, &mut cx);
        self.put_in_service(id, Health::Healthy);
        id
    }

    /// Launches a task of group `g` on a host in `az`: it starts (the start time) first.
    pub(in crate::sim) fn launch_task_booting(&mut self, g: GroupId, az: AzId) -> InstanceId {
        let (ec2, mut cx) = self.ec2_parts();
        ec2.launch_booting_in(g, az, &mut cx)
    }

    pub(in crate::sim) fn on_instance_booted(&mut self, id: InstanceId) {
        // A pending instance that stopped was terminated at once (its boot cancelled).
        debug_assert_eq!(self.ec2.instances[id.index()].state, InstanceState::Pending);
        self.put_in_service(id, Health::Initial);
        let g = self.ec2.instances[id.index()].group;
        self.rebalance_step(g);
        // An ECS capacity provider's instance: provisioning tasks may fit now.
        self.ecs_host_ready(g);
    }

    /// In service: registers with the group's target groups (in `health`) and starts their
    /// health checks, the first one now; the group's queue pollers start; its grace period
    /// starts.
    fn put_in_service(&mut self, id: InstanceId, health: Health) {
        let (ec2, mut cx) = self.ec2_parts();
        let now = cx.now();
        let r = ec2.go_in_service(id, &mut cx);
        for i in 0..self.ec2.target_groups_of(r.group).len() {
            let tg = self.ec2.target_groups_of(r.group)[i];
            self.alb.target_groups[tg.index()].register(id, r.az, health, r.outstanding);
            // The first probe runs at registration (see `model::health`).
            self.alb_timer(id, now, AlbEvent::HealthCheckDue { instance: id, tg });
        }
        self.start_pollers(id);
        let (ec2, mut cx) = self.ec2_parts();
        ec2.start_grace(id, &mut cx);
    }

    /// The load balancer probes instance `id` for target group `tg`: the instance's load and
    /// the faults say whether it answers; a change of health is traced, may detect a fault,
    /// and an unhealthy instance may be replaced.
    pub(in crate::sim) fn on_health_check_due(&mut self, id: InstanceId, tg: TgId) {
        let inst = &self.ec2.instances[id.index()];
        if inst.state != InstanceState::InService {
            return;
        }
        let (az, serial) = (inst.az, inst.serial);
        let stopped = self.faults.is_stopped(id);
        let (ec2, groups) = (&self.ec2, &self.scenario.groups);
        let passes = |check: &_| ec2.passes_probe(id, groups, stopped, check);
        let spec = &self.scenario.target_groups[tg.index()];
        let now = self.queue.now();
        let Some(probe) = (self.alb).health_check((tg, spec), (id, az), now, passes) else {
            return;
        };
        let next = AlbEvent::HealthCheckDue { instance: id, tg };
        self.alb_timer(id, probe.next_at, next);
        let Some(health) = probe.changed else { return };
        if health == Health::Unhealthy
            && let Some(f) = self.faults.stopped_by(id)
        {
            self.fault_detected(f, &format!("target {serial} unhealthy"));
        }
        let spec = &self.scenario.target_groups[tg.index()];
        Alb::trace_health(self.tracer.as_deref_mut(), now, spec, serial, health);
        if health == Health::Unhealthy {
            self.on_target_unhealthy(id);
        }
    }

    /// Launches or removes instances until the group's pending and in-service instances
    /// match its desired capacity.
    pub(in crate::sim) fn reconcile(&mut self, g: GroupId) {
        self.ecs_protect_hosts(g);
        let (ec2, mut cx) = self.ec2_parts();
        for id in ec2.reconcile(g, &mut cx) {
            self.scale_in(id);
        }
        // An ECS service on EC2 launches its missing tasks where they fit.
        self.place_missing(g);
    }

    /// Scale-in of one instance: it terminates, or drains for its target groups'
    /// deregistration delay.
    pub(in crate::sim) fn scale_in(&mut self, id: InstanceId) {
        match self.ec2.scale_in(id) {
            ScaleIn::Terminate => self.terminate(id, Outcome::Http502),
            ScaleIn::Drain { group, az } => {
                let tgs = self.ec2.target_groups_of(group);
                let delay = (self.alb).deregister(tgs, &self.scenario.target_groups, (id, az));
                let at = self.queue.now() + delay;
                self.alb_timer(id, at, AlbEvent::DeregistrationEnded(id));
            }
        }
    }

    pub(in crate::sim) fn on_deregistration_ended(&mut self, id: InstanceId) {
        // A draining instance leaves that state only by terminating (which cancels this).
        debug_assert_eq!(
            self.ec2.instances[id.index()].state,
            InstanceState::Draining
        );
        // Connections still open when the delay runs out are closed: 502 to the client.
        self.terminate(id, Outcome::Http502);
    }

    /// A request ended on `instance`: a draining instance with nothing left terminates.
    pub(in crate::sim) fn on_instance_request_ended(&mut self, instance: InstanceId) {
        if self.ec2.drained(instance) {
            self.terminate(instance, Outcome::Http502);
        }
    }

    /// Terminates an instance now; requests still on it end with `outcome`.
    pub(in crate::sim) fn terminate(&mut self, id: InstanceId, outcome: Outcome) {
        let serial = self.ec2.instances[id.index()].serial;
        let (ec2, mut cx) = self.ec2_parts();
        let (g, az) = ec2.terminate(id, &mut cx);
        let tgs = self.ec2.target_groups_of(g);
        let _ = (self.alb).deregister(tgs, &self.scenario.target_groups, (id, az));
        let ended = self.traffic.requests.on_instance(id);
        self.detach_calls(&ended);
        for &request in &ended {
            self.fail_request(request, outcome);
        }
        self.traffic.requests.detach_connecting(id);
        self.stop_pollers(id);
        let (ec2, mut cx) = self.ec2_parts();
        ec2.retire(id, &mut cx);
        #[cfg(test)]
        self.check_nothing_names(id);
        // Its slot may be reused from the next event on: the faults forget it.
        self.faults.forget(id);
        #[cfg(test)]
        self.check_indexes();
        // An ECS task frees its reservation; a capacity provider's instance stops its tasks.
        self.ecs_instance_gone(g, serial);
    }

    /// EC2 status checks failed on a stopped instance: the group replaces it.
    pub(in crate::sim) fn on_status_check_failed(&mut self, id: InstanceId) {
        // Terminating the instance (a health replacement first) cancels this.
        debug_assert_ne!(
            self.ec2.instances[id.index()].state,
            InstanceState::Terminated
        );
        if let Some(f) = self.faults.stopped_by(id) {
            self.fault_detected(f, "EC2 status checks failed");
        }
        let r = self
            .ec2
            .replacement(id, Why::Stopped("status checks failed"));
        self.replace(r);
    }

    /// A stopped instance: the group notices at once (it was pending) or when its status
    /// checks fail.
    pub(in crate::sim) fn detect_stop(&mut self, id: InstanceId) {
        let (ec2, mut cx) = self.ec2_parts();
        if ec2.detect_stop(id, &mut cx) == Detection::Now {
            let why = Why::Stopped("a launching instance was lost");
            let r = self.ec2.replacement(id, why);
            self.replace(r);
        }
    }

    /// The grace period ran out: an instance still unhealthy is replaced now.
    pub(in crate::sim) fn on_grace_period_ended(&mut self, id: InstanceId) {
        let target_groups = &self.alb.target_groups;
        let health = |tg: TgId, i| target_groups[tg.index()].health(i);
        if let Some(r) = self.ec2.grace_ended(id, health) {
            self.replace(r);
        }
    }

    /// A target group found the instance unhealthy: replaced unless still in its grace period.
    fn on_target_unhealthy(&mut self, id: InstanceId) {
        let now = self.queue.now();
        if let Some(r) = self.ec2.target_unhealthy(id, &self.scenario.groups, now) {
            self.replace(r);
        }
    }

    /// The group replaces an instance: the activity is logged, the instance terminates, the
    /// group launches its replacement.
    fn replace(&mut self, r: Replace) {
        self.log_replacement(r.group, r.cause);
        self.terminate(r.id, Outcome::Http502);
        self.reconcile(r.group);
    }
}
