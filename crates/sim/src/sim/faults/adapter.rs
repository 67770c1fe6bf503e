//! The faults' adapter to the world: the `FaultEvent` entry points and the calls other
//! services make (a fault note, a detection, a request failed by a fault, a rebalancing
//! launch in service). Each splits the fault state and its narrow context from the world
//! (`World::fault_parts`), calls its methods, and carries out the [`Effect`] that comes back:
//! instances stop (EC2: their completions and pollers end, their requests fail as lost, the
//! group detects them), databases lose or regain their primary or have latency or errors
//! injected, groups refill and rebalance when an AZ returns. This is the only fault code that
//! takes the world.

use super::{Ctx, Effect, Step};
use crate::event::Event;
use crate::ids::{AzId, FaultId, GroupId, InstanceId, RequestId};
use crate::kernel::EventQueue;
use crate::metrics::Outcome;
use crate::model::faults::Cause;
use crate::sim::World;
use crate::sim::resilience::FaultState;
use crate::sim::state::Ec2;

impl World {
    /// The fault state and its narrow context, split from the world, and EC2's state (read
    /// only: faults pick their victims among its instances).
    fn fault_parts(&mut self) -> (&mut FaultState, &Ec2, Ctx<'_, EventQueue<Event>>) {
        let s = &*self.scenario;
        let cx = Ctx {
            specs: &s.resilience.faults,
            regions: &s.regions,
            seed: s.seed,
            queue: &mut self.queue,
            tracer: self.tracer.as_deref_mut(),
        };
        (&mut self.faults, &self.ec2, cx)
    }

    /// Schedules every fault's start.
    pub(in crate::sim) fn schedule_faults(&mut self) {
        let duration = self.scenario.duration;
        let (faults, _, mut cx) = self.fault_parts();
        faults.schedule_starts(duration, &mut cx);
    }

    /// Notes a fault event in the timeline, the trace and (optionally) the time markers.
    pub(in crate::sim) fn fault_note(
        &mut self,
        fault: Option<FaultId>,
        event: &'static str,
        detail: String,
        marker: bool,
    ) {
        let (faults, _, mut cx) = self.fault_parts();
        faults.note(fault, event, detail, marker, &mut cx);
    }

    /// Something reacted to fault `f`: the first reaction is its detection.
    pub(in crate::sim) fn fault_detected(&mut self, f: FaultId, how: &str) {
        let (faults, _, mut cx) = self.fault_parts();
        faults.detected(f, how, &mut cx);
    }

    pub(in crate::sim) fn on_fault_started(&mut self, f: FaultId) {
        let (faults, ec2, mut cx) = self.fault_parts();
        let effect = faults.start(f, ec2, &mut cx);
        self.apply(f, effect);
    }

    pub(in crate::sim) fn on_fault_ended(&mut self, f: FaultId) {
        let (faults, _, mut cx) = self.fault_parts();
        let effect = faults.end(f, &mut cx);
        self.apply(f, effect);
    }

    /// Carries out what fault `f`'s start or end asks.
    fn apply(&mut self, f: FaultId, effect: Effect) {
        match effect {
            Effect::Nothing => {}
            Effect::AzDown { az, stop } => self.az_down(az, stop, f),
            Effect::AzUp(az) => self.az_up(az),
            Effect::AzsDown(down) => {
                for (az, stop) in down {
                    self.az_down(az, stop, f);
                }
            }
            Effect::AzsUp(up) => {
                for az in up {
                    self.az_up(az);
                }
            }
            Effect::Stop(ids) => {
                for id in ids {
                    self.stop_instance(id, f);
                }
            }
            Effect::LosePrimary(d) => self.lose_database_primary(d, Some(f)),
            Effect::Latency(d, extra) => self.databases.list[d.index()].extra_latency = extra,
            Effect::Errors(d, x) => self.databases.list[d.index()].error_fraction = x,
        }
    }

    /// AZ `az` went down (fault `f`): `stop` stop, then the databases whose primary is there
    /// lose it.
    fn az_down(&mut self, az: AzId, stop: Vec<InstanceId>, f: FaultId) {
        for id in stop {
            self.stop_instance(id, f);
        }
        for d in self.databases.primaries_in(az) {
            self.lose_database_primary(d, Some(f));
        }
        self.lose_cache_nodes(az);
        self.nat_az_down(az);
    }

    /// The AZ is back: databases waiting for it serve again, groups refill and rebalance.
    fn az_up(&mut self, az: AzId) {
        let now = self.queue.now();
        for d in self.databases.recover_in(az, now) {
            let name = self.scenario.resilience.databases[d.index()].name.clone();
            self.fault_note(None, "database_recovered", name, true);
        }
        for g in 0..self.ec2.groups.len() {
            let g = GroupId(g as u16);
            if self.scenario.groups[g.index()].azs.contains(&az) {
                self.reconcile(g);
                self.rebalance(g);
            }
        }
    }

    /// Fault `f` stops an instance: its requests end as errors (502), it stays registered
    /// until health checks find it; EC2 status checks have the group replace it.
    fn stop_instance(&mut self, id: InstanceId, f: FaultId) {
        if self.faults.is_stopped(id) {
            return;
        }
        let (ec2, mut cx) = self.ec2_parts();
        if !ec2.stop(id, &mut cx) {
            return;
        }
        self.outstanding_changed(id);
        self.faults.mark_stopped(id, f);
        // Its queue pollers die with it; the messages they hold reappear after their
        // visibility timeout.
        self.stop_pollers(id);
        let ended = self.traffic.requests.on_instance(id);
        self.detach_calls(&ended);
        for &request in &ended {
            self.fail_with_cause(request, Outcome::Http502, Cause::InstanceLost);
        }
        #[cfg(test)]
        self.check_indexes();
        self.detect_stop(id);
    }

    /// A request ends with an error caused by a fault.
    pub(in crate::sim) fn fail_with_cause(
        &mut self,
        id: RequestId,
        outcome: Outcome,
        cause: Cause,
    ) {
        let r = self.traffic.requests.get(id);
        if r.counted && !r.answered {
            self.faults.log.count(cause);
        }
        self.fail_request(id, outcome);
    }

    /// After an AZ returns: group `g` launches in its emptiest AZs, to terminate as many
    /// from its fullest as they go in service.
    fn rebalance(&mut self, g: GroupId) {
        let spec = &self.scenario.groups[g.index()];
        let launches = self.faults.rebalance(g, spec, &self.ec2);
        if launches == 0 {
            return;
        }
        let desired = self.ec2.groups[g.index()].desired;
        let cause = format!("rebalancing AZs: launching {launches} before terminating as many");
        self.log_activity(g, desired, desired, cause);
        for _ in 0..launches {
            self.launch_booting(g);
        }
    }

    /// An instance of group `g` went in service: a rebalancing launch lets the group
    /// terminate one from its fullest AZ, and the last one of a round checks the AZs again.
    pub(in crate::sim) fn rebalance_step(&mut self, g: GroupId) {
        if let Step::Reconcile { again } = self.faults.rebalance_step(g) {
            self.reconcile(g);
            if again {
                self.rebalance(g); // the next step, if the AZs are still uneven
            }
        }
    }
}
