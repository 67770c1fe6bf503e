//! Applying scenario faults to the world: AZ outages (instances, load balancer nodes and
//! database nodes stop, and come back), instance failures, forced database failovers and
//! injected latency or errors; how a stopped instance is found and replaced; the load balancer
//! nodes clients still reach through cached DNS answers; and AZ rebalancing after recovery.

use super::World;
use crate::ids::{AzId, GroupId, InstanceId};
use crate::ids::{DatabaseId, FaultId};
use crate::kernel::Schedule;
use crate::kernel::{RngExt, SimTime, stream};
use crate::metrics::Outcome;
use crate::model::autoscaling::AutoScalingEvent;
use crate::model::faults::FaultEvent;
use crate::model::faults::{Cause, FaultKind, HowMany};
use crate::model::instance::InstanceState;
use crate::trace::{Field, Kind};

/// How long the load balancer tries to set up a connection to a target (then 504).
pub const CONNECT_TIMEOUT: SimTime = SimTime::from_secs(10);

impl World {
    /// Schedules every fault's start, and the Route 53 health checks.
    pub(super) fn schedule_faults(&mut self) {
        let s = std::sync::Arc::clone(&self.scenario);
        for (i, f) in s.resilience.faults.iter().enumerate() {
            if f.at <= s.duration {
                self.queue.at(f.at, FaultEvent::Started(FaultId(i as u16)));
            }
        }
        self.dns
            .start(&s.resilience.dns, s.duration, &mut self.queue);
    }

    /// Notes a fault event in the timeline, the trace and (optionally) the time markers.
    pub(super) fn fault_note(
        &mut self,
        fault: Option<FaultId>,
        event: &'static str,
        detail: String,
        marker: bool,
    ) {
        let now = self.queue.now();
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = fault.map_or_else(
                || "faults".to_string(),
                |f| self.scenario.resilience.faults[f.index()].label(),
            );
            t.emit(
                now,
                Kind::Fault,
                &name,
                None,
                &[
                    ("event", Field::Str(event)),
                    ("detail", Field::Str(&detail)),
                ],
            );
        }
        if marker {
            let label = match fault {
                Some(f) => format!(
                    "{} {event}",
                    self.scenario.resilience.faults[f.index()].label()
                ),
                None => format!("{event}: {detail}"),
            };
            self.faults.markers.push((now, label));
        }
        self.faults.log.note(now, fault, event, detail);
    }

    /// Something reacted to fault `f` (a health check, a status check, a failover, DNS): the
    /// first reaction is its detection.
    pub(super) fn fault_detected(&mut self, f: FaultId, how: &str) {
        if self.faults.log.detected(f, self.queue.now()) {
            self.fault_note(Some(f), "detected", how.to_string(), true);
        }
    }

    pub(super) fn on_fault_started(&mut self, f: FaultId) {
        let s = std::sync::Arc::clone(&self.scenario);
        let spec = &s.resilience.faults[f.index()];
        let now = self.queue.now();
        self.faults.log.records[f.index()].started = Some(now);
        self.fault_note(Some(f), "started", spec.label(), true);
        if let Some(d) = spec.duration {
            self.queue.at(now + d, FaultEvent::Ended(f));
        }
        match spec.kind {
            FaultKind::AzOutage(az) => self.az_down(az, f),
            FaultKind::RegionOutage(r) => {
                for &az in &s.regions.regions[r.index()].azs {
                    self.az_down(az, f);
                }
            }
            FaultKind::InstanceFailure(g, how) => {
                let mut running: Vec<InstanceId> = self.ec2.groups[g.index()]
                    .instances
                    .iter()
                    .copied()
                    .filter(|&i| {
                        self.ec2.instances[i.index()].state == InstanceState::InService
                            && !self.faults.is_stopped(i)
                    })
                    .collect();
                let n = match how {
                    HowMany::Count(n) => n as usize,
                    HowMany::Fraction(x) => (x * running.len() as f64).round() as usize,
                }
                .min(running.len());
                // Named after the fault, not its position: other faults never change its picks.
                let mut rng = stream(s.seed, &format!("faults/{}/instances", spec.name));
                for _ in 0..n {
                    let k = rng.uniform_u64(0, running.len() as u64) as usize;
                    let id = running.swap_remove(k);
                    self.stop_instance(id, f);
                }
            }
            FaultKind::DatabaseFailover(d) => {
                self.fault_detected(f, "forced failover");
                self.lose_database_primary(d, Some(f));
            }
            FaultKind::LatencyInjection(d, extra) => {
                self.databases.list[d.index()].extra_latency = extra;
            }
            FaultKind::ErrorInjection(d, x) => {
                self.databases.list[d.index()].error_fraction = x;
            }
        }
    }

    pub(super) fn on_fault_ended(&mut self, f: FaultId) {
        let s = std::sync::Arc::clone(&self.scenario);
        let spec = &s.resilience.faults[f.index()];
        self.faults.log.records[f.index()].ended = Some(self.queue.now());
        self.fault_note(Some(f), "ended", spec.label(), true);
        match spec.kind {
            FaultKind::AzOutage(az) => self.az_up(az),
            FaultKind::RegionOutage(r) => {
                for &az in &s.regions.regions[r.index()].azs {
                    self.az_up(az);
                }
            }
            FaultKind::LatencyInjection(d, _) => {
                self.databases.list[d.index()].extra_latency = SimTime::ZERO
            }
            FaultKind::ErrorInjection(d, _) => self.databases.list[d.index()].error_fraction = 0.0,
            FaultKind::InstanceFailure(..) | FaultKind::DatabaseFailover(_) => {}
        }
    }

    /// Everything in the AZ stops: instances (their requests end), database primaries (a
    /// Multi-AZ one fails over); load balancer nodes there are reached only by stale clients.
    fn az_down(&mut self, az: AzId, f: FaultId) {
        if self.faults.az_down[az.index()] {
            return;
        }
        self.faults.az_down[az.index()] = true;
        self.faults.az_down_since[az.index()] = self.queue.now();
        // In launch order (slots are reused, so slot order is not launch order).
        let mut victims: Vec<InstanceId> = (self.ec2.instances.live().iter().copied())
            .filter(|&i| self.ec2.instances[i.index()].az == az)
            .collect();
        victims.sort_unstable_by_key(|i| self.ec2.instances[i.index()].serial);
        for id in victims {
            self.stop_instance(id, f);
        }
        for d in 0..self.databases.list.len() {
            let db = &self.databases.list[d];
            if db.primary_az == az
                && !matches!(db.availability, crate::model::database::Availability::Down)
            {
                self.lose_database_primary(DatabaseId(d as u16), Some(f));
            }
        }
    }

    /// The AZ is back: databases waiting for it serve again, groups refill and rebalance.
    fn az_up(&mut self, az: AzId) {
        if !self.faults.az_down[az.index()] {
            return;
        }
        self.faults.az_down[az.index()] = false;
        let now = self.queue.now();
        for d in 0..self.databases.list.len() {
            let db = &mut self.databases.list[d];
            if db.primary_az == az && db.availability == crate::model::database::Availability::Down
            {
                db.come_up(now);
                let name = self.scenario.resilience.databases[d].name.clone();
                self.fault_note(None, "database_recovered", name, true);
            }
        }
        for g in 0..self.ec2.groups.len() {
            let g = GroupId(g as u16);
            if self.scenario.groups[g.index()].azs.contains(&az) {
                self.reconcile(g);
                self.rebalance(g);
            }
        }
    }

    /// An instance stops: its requests end as errors (502), it stays registered until health
    /// checks find it; EC2 status checks have the group replace it.
    pub(super) fn stop_instance(&mut self, id: InstanceId, f: FaultId) {
        let now = self.queue.now();
        let inst = &mut self.ec2.instances[id.index()];
        if inst.state == InstanceState::Terminated || self.faults.is_stopped(id) {
            return;
        }
        let busy = inst.take_busy_core_ns(now);
        inst.stop(&mut self.queue);
        let g = inst.group;
        self.outstanding_changed(id);
        self.ec2.group_meters[g.index()].add_busy(busy, self.counting);
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
        if self.ec2.instances[id.index()].state == InstanceState::Pending {
            // A pending instance never boots: the group notices at once.
            self.replace_stopped(id, "a launching instance was lost");
        } else {
            let at = now + super::resilience::STATUS_CHECK_DETECTION;
            self.instance_timer(id, at, AutoScalingEvent::StatusCheckFailed(id));
        }
    }

    /// EC2 status checks failed on a stopped instance: the group replaces it.
    pub(super) fn on_status_check_failed(&mut self, id: InstanceId) {
        // Terminating the instance (a health replacement first) cancels this.
        debug_assert_ne!(
            self.ec2.instances[id.index()].state,
            InstanceState::Terminated
        );
        if let Some(f) = self.faults.stopped_by(id) {
            self.fault_detected(f, "EC2 status checks failed");
        }
        self.replace_stopped(id, "status checks failed");
    }

    fn replace_stopped(&mut self, id: InstanceId, why: &str) {
        let (g, serial) = (
            self.ec2.instances[id.index()].group,
            self.ec2.instances[id.index()].serial,
        );
        self.log_replacement(g, format!("replacing instance {serial} ({why})"));
        self.terminate(id, Outcome::Http502);
        self.reconcile(g);
    }

    /// A request ends with an error caused by a fault.
    pub(super) fn fail_with_cause(
        &mut self,
        id: crate::ids::RequestId,
        outcome: Outcome,
        cause: Cause,
    ) {
        let r = self.traffic.requests.get(id);
        if r.counted && !r.answered {
            self.faults.log.count(cause);
        }
        self.fail_request(id, outcome);
    }

    /// Whether `g` can launch anywhere (some of its AZs is up).
    pub(super) fn can_launch(&self, g: GroupId) -> bool {
        self.scenario.groups[g.index()]
            .azs
            .iter()
            .any(|a| !self.faults.az_down[a.index()])
    }

    /// After an AZ returns: launch in the emptiest AZs first; each launch, once in service,
    /// lets the group terminate one instance from its fullest AZ (launch first, then
    /// terminate), going over `max` by at most 10% or one instance.
    fn rebalance(&mut self, g: GroupId) {
        let spec = &self.scenario.groups[g.index()];
        let usable: Vec<AzId> = spec
            .azs
            .iter()
            .copied()
            .filter(|a| !self.faults.az_down[a.index()])
            .collect();
        if usable.len() < 2 {
            return;
        }
        let mut counts: Vec<u32> = usable
            .iter()
            .map(|&a| {
                self.ec2.groups[g.index()]
                    .instances
                    .iter()
                    .filter(|i| {
                        let inst = &self.ec2.instances[i.index()];
                        inst.az == a
                            && matches!(
                                inst.state,
                                InstanceState::Pending | InstanceState::InService
                            )
                    })
                    .count() as u32
            })
            .collect();
        let total: u32 = counts.iter().sum();
        let max = self.ec2.groups[g.index()].max;
        let ceiling = max + (max.div_ceil(10)).max(1);
        let mut launches = 0;
        loop {
            let (lo, hi) = (
                *counts.iter().min().unwrap_or(&0),
                *counts.iter().max().unwrap_or(&0),
            );
            if hi <= lo + 1 || total + launches >= ceiling {
                break;
            }
            let k = counts.iter().position(|&c| c == lo).unwrap_or(0);
            let j = counts.iter().position(|&c| c == hi).unwrap_or(0);
            counts[k] += 1;
            counts[j] -= 1;
            launches += 1;
        }
        if launches == 0 {
            return;
        }
        let desired = self.ec2.groups[g.index()].desired;
        self.log_activity(
            g,
            desired,
            desired,
            format!("rebalancing AZs: launching {launches} before terminating as many"),
        );
        for _ in 0..launches {
            self.launch_booting(g);
        }
        self.faults.rebalancing[g.index()] += launches;
    }

    /// A rebalancing launch went in service: the group terminates one from its fullest AZ.
    pub(super) fn rebalance_step(&mut self, g: GroupId) {
        if self.faults.rebalancing[g.index()] > 0 {
            self.faults.rebalancing[g.index()] -= 1;
            self.reconcile(g);
            if self.faults.rebalancing[g.index()] == 0 {
                self.rebalance(g); // the next step, if the AZs are still uneven
            }
        }
    }
}
