//! Applying scenario faults: AZ outages (instances, load balancer nodes and database nodes
//! stop, and come back), instance failures, forced database failovers and injected latency or
//! errors; the fault log's notes and detections; and AZ rebalancing after an AZ returns.
//!
//! The faults' code is methods of [`FaultState`] that take a narrow context ([`Ctx`]: the
//! faults' specs and the seed their random streams derive from, the clock and a scheduler
//! of the faults' own events, the tracer) and read-only views of others' state passed as
//! values (EC2's instances, `&Ec2`, to pick victims and count AZs). What the others must do
//! comes back as an [`Effect`] (these instances stop, a database loses its primary or has
//! latency or errors injected, an AZ returns) or as a count of launches (rebalancing), which
//! `adapter`, the only fault code taking the world, carries out.

mod adapter;
#[cfg(test)]
mod tests;

use super::resilience::FaultState;
use super::state::Ec2;
use crate::ids::{AzId, DatabaseId, FaultId, GroupId, InstanceId};
use crate::kernel::{RngExt, Schedule, SimTime, stream};
use crate::model::autoscaling::GroupSpec;
use crate::model::faults::{FaultEvent, FaultKind, FaultSpec, HowMany};
use crate::trace::{Field, Kind, Tracer};

/// Trace kind: a fault started, ended, was detected or acted on.
pub(in crate::sim) const FAULT: Kind = Kind::new("fault");

/// How long the load balancer tries to set up a connection to a target (then 504).
pub const CONNECT_TIMEOUT: SimTime = SimTime::from_secs(10);

/// The narrow view the faults' code works in (see the module docs).
pub(super) struct Ctx<'a, Q> {
    /// The faults' specs (`Scenario::resilience.faults`).
    pub specs: &'a [FaultSpec],
    /// The regions and their AZs (a region outage is an outage of each).
    pub regions: &'a crate::model::region::Regions,
    /// The scenario's seed (a fault's stream is named after the fault).
    pub seed: u64,
    /// The clock and a scheduler of the faults' own events.
    pub queue: &'a mut Q,
    pub tracer: Option<&'a mut Tracer>,
}

/// What a fault's start or end asks of the other services.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Effect {
    /// Nothing more (the AZ was already down or up, or the fault acts at its start only).
    Nothing,
    /// AZ `az` went down: these instances stop (in launch order), then every database whose
    /// primary is there loses it.
    AzDown { az: AzId, stop: Vec<InstanceId> },
    /// AZ `az` is back: databases waiting for it serve again, its groups refill and rebalance.
    AzUp(AzId),
    /// A region went down: for each of its AZs not down already, as `AzDown`, in AZ order.
    AzsDown(Vec<(AzId, Vec<InstanceId>)>),
    /// A region is back: each of its AZs that was down, as `AzUp`.
    AzsUp(Vec<AzId>),
    /// These instances stop.
    Stop(Vec<InstanceId>),
    /// The database loses its primary (detected at once: a forced failover).
    LosePrimary(DatabaseId),
    /// The database's calls take this much longer (zero: the injection ended).
    Latency(DatabaseId, SimTime),
    /// This fraction of the database's calls fail (zero: the injection ended).
    Errors(DatabaseId, f64),
}

/// What a rebalancing launch going in service asks of its group.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// The group is not rebalancing.
    Idle,
    /// The group terminates one instance from its fullest AZ (a reconcile); `again`: that
    /// was the last launch of the round, so the group checks its AZs again.
    Reconcile { again: bool },
}

impl FaultState {
    /// Schedules every fault's start (those before the end of the run).
    pub(super) fn schedule_starts(
        &self,
        duration: SimTime,
        cx: &mut Ctx<impl Schedule<FaultEvent>>,
    ) {
        for (i, f) in cx.specs.iter().enumerate() {
            if f.at <= duration {
                cx.queue.at(f.at, FaultEvent::Started(FaultId(i as u16)));
            }
        }
    }

    /// Notes a fault event in the timeline, the trace and (optionally) the time markers.
    pub(super) fn note(
        &mut self,
        fault: Option<FaultId>,
        event: &'static str,
        detail: String,
        marker: bool,
        cx: &mut Ctx<impl Schedule<FaultEvent>>,
    ) {
        let now = cx.queue.now();
        if let Some(t) = cx.tracer.as_deref_mut() {
            let name = fault.map_or_else(|| "faults".to_string(), |f| cx.specs[f.index()].label());
            let fields = [
                ("event", Field::Str(event)),
                ("detail", Field::Str(&detail)),
            ];
            t.emit(now, FAULT, &name, None, &fields);
        }
        if marker {
            let label = match fault {
                Some(f) => format!("{} {event}", cx.specs[f.index()].label()),
                None => format!("{event}: {detail}"),
            };
            self.markers.push((now, label));
        }
        self.log.note(now, fault, event, detail);
    }

    /// Something reacted to fault `f` (a health check, a status check, a failover, DNS): the
    /// first reaction is its detection.
    pub(super) fn detected(
        &mut self,
        f: FaultId,
        how: &str,
        cx: &mut Ctx<impl Schedule<FaultEvent>>,
    ) {
        if self.log.detected(f, cx.queue.now()) {
            self.note(Some(f), "detected", how.to_string(), true, cx);
        }
    }

    /// Fault `f` starts now: it is logged, its end scheduled, and what it does decided on
    /// EC2's instances as they are (`fleet`).
    pub(super) fn start(
        &mut self,
        f: FaultId,
        fleet: &Ec2,
        cx: &mut Ctx<impl Schedule<FaultEvent>>,
    ) -> Effect {
        let spec = &cx.specs[f.index()];
        let now = cx.queue.now();
        self.log.records[f.index()].started = Some(now);
        let (label, duration, kind) = (spec.label(), spec.duration, spec.kind.clone());
        self.note(Some(f), "started", label, true, cx);
        if let Some(d) = duration {
            cx.queue.at(now + d, FaultEvent::Ended(f));
        }
        match kind {
            FaultKind::AzOutage(az) => {
                if self.az_down[az.index()] {
                    return Effect::Nothing;
                }
                self.az_down[az.index()] = true;
                self.az_down_since[az.index()] = now;
                Effect::AzDown {
                    az,
                    stop: fleet.live_in_az(az),
                }
            }
            FaultKind::RegionOutage(r) => {
                if let Some(d) = self.region_down.get_mut(r.index()) {
                    *d = true;
                }
                let mut down = Vec::new();
                for &az in &cx.regions.regions[r.index()].azs {
                    if !self.az_down[az.index()] {
                        self.az_down[az.index()] = true;
                        self.az_down_since[az.index()] = now;
                        down.push((az, fleet.live_in_az(az)));
                    }
                }
                Effect::AzsDown(down)
            }
            FaultKind::InstanceFailure(g, how) => Effect::Stop(self.pick(f, g, how, fleet, cx)),
            FaultKind::DatabaseFailover(d) => {
                self.detected(f, "forced failover", cx);
                Effect::LosePrimary(d)
            }
            FaultKind::LatencyInjection(d, extra) => Effect::Latency(d, extra),
            FaultKind::ErrorInjection(d, x) => Effect::Errors(d, x),
            FaultKind::TargetErrors(g, x) => {
                // Named after the fault: other faults never change its draws.
                let name = &cx.specs[f.index()].name;
                let rng = stream(cx.seed, &format!("faults/{name}/errors"));
                self.target_errors[g.index()] = Some((x, rng));
                Effect::Nothing
            }
        }
    }

    /// The instances an instance failure `f` of group `g` stops: `how` many of its
    /// in-service instances not already stopped (a fraction rounds to the nearest count),
    /// drawn without replacement from the fault's own stream (`faults/NAME/instances`).
    fn pick(
        &self,
        f: FaultId,
        g: GroupId,
        how: HowMany,
        fleet: &Ec2,
        cx: &Ctx<impl Schedule<FaultEvent>>,
    ) -> Vec<InstanceId> {
        let mut running: Vec<InstanceId> = fleet
            .in_service_of(g)
            .filter(|&i| !self.is_stopped(i))
            .collect();
        let n = match how {
            HowMany::Count(n) => n as usize,
            HowMany::Fraction(x) => (x * running.len() as f64).round() as usize,
        }
        .min(running.len());
        // Named after the fault, not its position: other faults never change its picks.
        let name = &cx.specs[f.index()].name;
        let mut rng = stream(cx.seed, &format!("faults/{name}/instances"));
        (0..n)
            .map(|_| {
                let k = rng.uniform_u64(0, running.len() as u64) as usize;
                running.swap_remove(k)
            })
            .collect()
    }

    /// Fault `f` ends now: logged, and what its end undoes.
    pub(super) fn end(&mut self, f: FaultId, cx: &mut Ctx<impl Schedule<FaultEvent>>) -> Effect {
        let spec = &cx.specs[f.index()];
        self.log.records[f.index()].ended = Some(cx.queue.now());
        let (label, kind) = (spec.label(), spec.kind.clone());
        self.note(Some(f), "ended", label, true, cx);
        match kind {
            FaultKind::AzOutage(az) => {
                if !self.az_down[az.index()] {
                    return Effect::Nothing;
                }
                self.az_down[az.index()] = false;
                Effect::AzUp(az)
            }
            FaultKind::RegionOutage(r) => {
                if let Some(d) = self.region_down.get_mut(r.index()) {
                    *d = false;
                }
                let mut up = Vec::new();
                for &az in &cx.regions.regions[r.index()].azs {
                    if self.az_down[az.index()] {
                        self.az_down[az.index()] = false;
                        up.push(az);
                    }
                }
                Effect::AzsUp(up)
            }
            FaultKind::LatencyInjection(d, _) => Effect::Latency(d, SimTime::ZERO),
            FaultKind::ErrorInjection(d, _) => Effect::Errors(d, 0.0),
            FaultKind::TargetErrors(g, _) => {
                self.target_errors[g.index()] = None;
                Effect::Nothing
            }
            FaultKind::InstanceFailure(..) | FaultKind::DatabaseFailover(_) => Effect::Nothing,
        }
    }

    /// After an AZ returns, group `g` (spec `spec`) rebalances: it launches in its emptiest
    /// AZs first, and each launch, once in service, lets it terminate one instance from its
    /// fullest AZ (launch first, then terminate), going over its maximum by at most 10% or
    /// one instance, whichever is greater (AWS, "Rebalancing activities":
    /// https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-availability-zone-balanced.html).
    /// Returns how
    /// many to launch (remembered: each going in service is one `rebalance_step`).
    pub(super) fn rebalance(&mut self, g: GroupId, spec: &GroupSpec, fleet: &Ec2) -> u32 {
        let usable: Vec<AzId> = (spec.azs.iter().copied())
            .filter(|a| !self.az_down[a.index()])
            .collect();
        if usable.len() < 2 {
            return 0;
        }
        let mut counts: Vec<u32> = usable.iter().map(|&a| fleet.active_in(g, a)).collect();
        let total: u32 = counts.iter().sum();
        let max = fleet.groups[g.index()].max;
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
        self.rebalancing[g.index()] += launches;
        launches
    }

    /// An instance of group `g` went in service: if it was a rebalancing launch, the group
    /// terminates one from its fullest AZ.
    pub(super) fn rebalance_step(&mut self, g: GroupId) -> Step {
        let left = &mut self.rebalancing[g.index()];
        if *left == 0 {
            return Step::Idle;
        }
        *left -= 1;
        Step::Reconcile { again: *left == 0 }
    }
}
