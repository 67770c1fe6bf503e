//! The world's fault state: which AZs and instances are down, the load balancers' stale DNS
//! streams, AZ rebalancing and the fault log; and the part of the run result it produces
//! (availability from the requests' periods, per-fault detection and recovery, errors by
//! cause, the timeline and time markers). Databases (`database`) and Route 53 records
//! (`dns`) are services of their own and complete the result after it.

use super::World;
use super::service::{Finish, Handles, Period, Service, Stage};
use crate::ids::{FaultId, InstanceId};
use crate::kernel::{Rng, RngExt, SimTime, stream};
use crate::metrics::TimeSeries;
use crate::model::faults::{Availability, Cause, FaultEvent, FaultLog, TimelineEntry};
use crate::scenario::Scenario;
use crate::trace::Kind;

pub struct FaultState {
    pub az_down: Vec<bool>,
    /// When each AZ went down (for load balancer nodes' DNS TTL).
    pub az_down_since: Vec<SimTime>,
    /// Per region: under a `region_outage` (its regional services, Lambda and API Gateway,
    /// are unreachable).
    pub region_down: Vec<bool>,
    /// Per instance id: the fault that stopped it (`None`: running).
    pub stopped_by: Vec<Option<FaultId>>,
    /// Per database: call work and injected errors; failover times.
    /// Per load balancer: which node stale clients reach after an AZ outage.
    pub alb_dns_rngs: Vec<Rng>,
    /// Per group: instances launched to rebalance AZs, to be matched by terminations.
    pub rebalancing: Vec<u32>,
    /// Per group under a `target_errors` fault: the fraction of its requests that end in a
    /// 500, and the fault's stream (`faults/NAME/errors`) drawing them.
    pub target_errors: Vec<Option<(f64, Rng)>>,
    pub log: FaultLog,
    pub markers: Vec<(SimTime, String)>,
}

impl FaultState {
    /// Whether region `r` is under a `region_outage`.
    #[inline]
    pub fn region_is_down(&self, r: crate::ids::RegionId) -> bool {
        self.region_down.get(r.index()).copied().unwrap_or(false)
    }

    pub fn new(s: &Scenario) -> FaultState {
        let r = &s.resilience;
        FaultState {
            az_down: vec![false; s.azs.len()],
            az_down_since: vec![SimTime::ZERO; s.azs.len()],
            region_down: vec![false; s.regions.regions.len()],
            stopped_by: Vec::new(),
            alb_dns_rngs: s
                .load_balancers
                .iter()
                .map(|lb| stream(s.seed, &format!("alb/{}/dns", lb.name)))
                .collect(),
            rebalancing: vec![0; s.groups.len()],
            target_errors: vec![None; s.groups.len()],
            log: FaultLog::new(r.faults.len()),
            markers: Vec::new(),
        }
    }

    /// Whether a request the group's instance served ends in an injected 500 (one draw of
    /// the fault's stream while a `target_errors` fault is on; none otherwise).
    #[inline]
    pub fn target_error(&mut self, group: crate::ids::GroupId) -> bool {
        match &mut self.target_errors[group.index()] {
            None => false,
            Some((x, rng)) => rng.chance(*x),
        }
    }

    #[inline]
    pub fn is_stopped(&self, id: InstanceId) -> bool {
        matches!(self.stopped_by.get(id.index()), Some(Some(_)))
    }

    pub fn mark_stopped(&mut self, id: InstanceId, fault: FaultId) {
        if self.stopped_by.len() <= id.index() {
            self.stopped_by.resize(id.index() + 1, None);
        }
        self.stopped_by[id.index()] = Some(fault);
    }

    /// A terminated instance: its slot may be reused by a new instance, which runs.
    pub fn forget(&mut self, id: InstanceId) {
        if let Some(s) = self.stopped_by.get_mut(id.index()) {
            *s = None;
        }
    }

    pub fn stopped_by(&self, id: InstanceId) -> Option<FaultId> {
        self.stopped_by.get(id.index()).copied().flatten()
    }
}

/// One fault's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultResult {
    pub kind: String,
    pub target: String,
    pub at_s: f64,
    pub ended_s: Option<f64>,
    /// From the fault to the first health check, status check or failover reacting to it.
    pub time_to_detect_s: Option<f64>,
    /// From the fault to the end of the run of periods below the availability SLO it caused
    /// (0 when availability never dropped below it; `None` if it had not recovered by the end).
    pub time_to_recover_s: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseResult {
    pub name: String,
    pub multi_az: bool,
    pub calls: u64,
    pub failed_calls: u64,
    pub failovers: u64,
    pub downtime_s: f64,
    pub max_connections_in_use: u32,
    pub primary_az: String,
    /// A cache: its lookups that hit (`None` for a database).
    pub hits: Option<u64>,
    /// An ElastiCache cluster's engine, nodes and node losses (`None` otherwise).
    pub cache: Option<super::elasticache::CacheResult>,
}

/// Availability and faults of a run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResilienceResult {
    /// Requests ok over requests ended, after the warm-up.
    pub availability: f64,
    pub slo: f64,
    /// The metric period, in seconds.
    pub period_s: f64,
    /// Per metric period over the whole run.
    pub availability_per_period: Vec<f64>,
    pub periods_below_slo: usize,
    pub longest_run_below_slo: usize,
    pub faults: Vec<FaultResult>,
    /// Failed requests after the warm-up by cause (fault causes, then `other`).
    pub errors_by_cause: Vec<(String, u64)>,
    pub databases: Vec<DatabaseResult>,
    pub timeline: Vec<TimelineEntry>,
}

impl FaultState {
    /// Closes the books: `ok`/`failed` are the counted requests that ended, `periods` each
    /// closed metric period's (requests ended, ok).
    pub fn result(
        &self,
        s: &Scenario,
        ok: u64,
        failed: u64,
        periods: &[(u64, u64)],
    ) -> ResilienceResult {
        let slo = s.resilience.availability_slo;
        let a = Availability { periods, slo };
        let period = s.metric_period;
        let faults = s
            .resilience
            .faults
            .iter()
            .zip(&self.log.records)
            .map(|(f, rec)| {
                let k = (f.at.as_nanos() / period.as_nanos().max(1)) as usize;
                let recover = if k >= periods.len() {
                    None
                } else {
                    match a.recovery_after(k) {
                        None => Some(0.0),
                        Some(end) if end >= periods.len() => None,
                        Some(end) => Some(
                            (SimTime::from_nanos(period.as_nanos() * end as u64) - f.at)
                                .as_secs_f64(),
                        ),
                    }
                };
                FaultResult {
                    kind: f.kind.name().to_string(),
                    target: f.target.clone(),
                    at_s: f.at.as_secs_f64(),
                    ended_s: rec.ended.map(SimTime::as_secs_f64),
                    time_to_detect_s: rec.detected.map(|d| (d - f.at).as_secs_f64()),
                    time_to_recover_s: recover,
                }
            })
            .collect();
        let fault_errors: u64 = self.log.causes.iter().sum();
        let mut errors_by_cause: Vec<(String, u64)> = Cause::ALL
            .iter()
            .zip(self.log.causes)
            // A cause of a service the scenario does not use is left out.
            .filter(|(c, _)| match c {
                Cause::NatUnreachable | Cause::NatPortAllocation => {
                    !s.services.nat_gateways.gateways.is_empty()
                }
                Cause::RegionUnreachable => s.regions.declared,
                _ => true,
            })
            .map(|(c, n)| (c.key().to_string(), n))
            .collect();
        errors_by_cause.push(("other".into(), failed.saturating_sub(fault_errors)));
        let ended = ok + failed;
        ResilienceResult {
            availability: if ended == 0 {
                1.0
            } else {
                ok as f64 / ended as f64
            },
            slo,
            period_s: period.as_secs_f64(),
            availability_per_period: (0..periods.len()).map(|k| a.value(k)).collect(),
            periods_below_slo: a.count_below(),
            longest_run_below_slo: a.longest_run_below(),
            faults,
            errors_by_cause,
            databases: Vec::new(),
            timeline: self.log.timeline.clone(),
        }
    }
}

/// Faults: no period work (availability per period is the requests'); at the end, the
/// resilience results and the dashboard's markers.
impl Service for FaultState {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[super::faults::FAULT];

    /// Each fault's start.
    fn start(w: &mut World) {
        w.schedule_faults();
    }

    fn build(s: &Scenario, _: &mut TimeSeries) -> FaultState {
        FaultState::new(s)
    }

    fn period_ended(_: &mut World, _: &Period) {}

    fn close_cost_period(_: &mut World, _: f64) {}

    fn finish(w: &mut World, out: &mut Finish) {
        let s = &*w.scenario;
        let r = &mut out.result;
        r.resilience =
            w.faults
                .result(s, r.overall.ok, r.overall.failed(), &w.traffic.availability);
        r.markers = w
            .faults
            .markers
            .iter()
            .map(|(t, l)| (t.as_secs_f64(), l.clone()))
            .collect();
    }
}

impl Handles<FaultEvent> for FaultState {
    fn handle(w: &mut World, e: FaultEvent) {
        match e {
            FaultEvent::Started(f) => w.on_fault_started(f),
            FaultEvent::Ended(f) => w.on_fault_ended(f),
        }
    }
}
