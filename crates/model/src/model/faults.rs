//! Scheduled fault injection: what a fault is (an AZ outage, lost instances, a forced
//! database failover, injected latency or errors on a database), and the record of what
//! happened because of it: a timeline, when it was detected, when service recovered, and why
//! requests failed. The world applies faults; this module only describes and records them.

use crate::ids::{AzId, DatabaseId, FaultId, GroupId, RegionId};
use crate::kernel::SimTime;

/// How many instances an `instance_failure` takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HowMany {
    Count(u32),
    Fraction(f64),
}

#[derive(Clone, Debug, PartialEq)]
pub enum FaultKind {
    /// Every instance, load balancer node and database node in the AZ stops.
    AzOutage(AzId),
    /// Every AZ of the region is out (an AZ outage in each): its load balancers fail Route
    /// 53's health checks.
    RegionOutage(RegionId),
    /// Random instances of a group fail (a seeded stream picks them).
    InstanceFailure(GroupId, HowMany),
    /// The database's primary is lost: a Multi-AZ database fails over.
    DatabaseFailover(DatabaseId),
    /// Calls to the database take this much longer.
    LatencyInjection(DatabaseId, SimTime),
    /// This fraction of the database's calls fail.
    ErrorInjection(DatabaseId, f64),
    /// This fraction of the requests the group's instances serve end in a 500 from the
    /// target (a bad build: the instance does the work, then answers 500).
    TargetErrors(GroupId, f64),
}

impl FaultKind {
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::AzOutage(_) => "az_outage",
            FaultKind::RegionOutage(_) => "region_outage",
            FaultKind::InstanceFailure(..) => "instance_failure",
            FaultKind::DatabaseFailover(_) => "database_failover",
            FaultKind::LatencyInjection(..) => "latency_injection",
            FaultKind::ErrorInjection(..) => "error_injection",
            FaultKind::TargetErrors(..) => "target_errors",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    /// Its unique name (given, or `default_name`): random streams are named after it.
    pub name: String,
    pub at: SimTime,
    /// How long it lasts (outages and injections); `None`: until the end of the run.
    pub duration: Option<SimTime>,
    pub kind: FaultKind,
    /// What it hits, by name (an AZ, a group or a database), for outputs.
    pub target: String,
}

impl FaultSpec {
    /// The name of a fault that gives none: what it is, `KIND TARGET at AT` (`at` in the
    /// largest unit that states it exactly), e.g. `instance_failure web at 10m`.
    pub fn default_name(kind: &str, target: &str, at: SimTime) -> String {
        let ns = at.as_nanos();
        let units: [(u64, &str); 7] = [
            (86_400_000_000_000, "d"),
            (3_600_000_000_000, "h"),
            (60_000_000_000, "m"),
            (1_000_000_000, "s"),
            (1_000_000, "ms"),
            (1_000, "us"),
            (1, "ns"),
        ];
        let (size, unit) = units
            .into_iter()
            .find(|&(size, _)| ns.is_multiple_of(size) && ns > 0)
            .unwrap_or((1, "s"));
        format!("{kind} {target} at {}{unit}", ns / size)
    }

    /// A short label: `az_outage a`.
    pub fn label(&self) -> String {
        format!("{} {}", self.kind.name(), self.target)
    }
}

/// Why a request failed, beyond its HTTP status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// Routed to a target that had stopped (not yet found unhealthy).
    TargetUnreachable,
    /// In flight on an instance when it stopped.
    InstanceLost,
    /// The client's cached DNS answer pointed at a load balancer node that had stopped.
    AlbNodeUnreachable,
    /// A database call found the database failing over or down.
    DatabaseUnavailable,
    /// A database call was in flight when the primary was lost.
    DatabaseCallAborted,
    /// An injected error.
    InjectedError,
    /// An external call found no way out: the NAT gateway its subnet routes through was in
    /// a down AZ (or went down while the call was in flight).
    NatUnreachable,
    /// An external call found its NAT gateway at 55,000 simultaneous connections to the
    /// endpoint: no source port to allocate (`ErrorPortAllocation`).
    NatPortAllocation,
    /// The client could not reach a regional endpoint (a Lambda function's or an API's)
    /// whose region was under a `region_outage`, or a call found its DynamoDB table's
    /// region down.
    RegionUnreachable,
}

impl Cause {
    pub const ALL: [Cause; 9] = [
        Cause::TargetUnreachable,
        Cause::InstanceLost,
        Cause::AlbNodeUnreachable,
        Cause::DatabaseUnavailable,
        Cause::DatabaseCallAborted,
        Cause::InjectedError,
        Cause::NatUnreachable,
        Cause::NatPortAllocation,
        Cause::RegionUnreachable,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Cause::TargetUnreachable => "target_unreachable",
            Cause::InstanceLost => "instance_lost",
            Cause::AlbNodeUnreachable => "alb_node_unreachable",
            Cause::DatabaseUnavailable => "database_unavailable",
            Cause::DatabaseCallAborted => "database_call_aborted",
            Cause::InjectedError => "injected_error",
            Cause::NatUnreachable => "nat_unreachable",
            Cause::NatPortAllocation => "nat_port_allocation",
            Cause::RegionUnreachable => "region_unreachable",
        }
    }
}

/// One line of the fault timeline (`faults.csv`).
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineEntry {
    pub time: SimTime,
    /// The fault, or `None` for consequences not tied to one (DNS).
    pub fault: Option<FaultId>,
    pub event: &'static str,
    pub detail: String,
}

/// What happened per fault: detection (the first health check, status check or failover
/// that reacted to it) and the end of the fault.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultRecord {
    pub started: Option<SimTime>,
    pub detected: Option<SimTime>,
    pub ended: Option<SimTime>,
}

/// The fault log of a run.
#[derive(Default)]
pub struct FaultLog {
    pub records: Vec<FaultRecord>,
    pub timeline: Vec<TimelineEntry>,
    /// Failed requests (after the warm-up) by cause, indexed like [`Cause::ALL`].
    pub causes: [u64; Cause::ALL.len()],
}

impl FaultLog {
    pub fn new(faults: usize) -> FaultLog {
        FaultLog {
            records: vec![FaultRecord::default(); faults],
            ..Default::default()
        }
    }

    pub fn note(
        &mut self,
        time: SimTime,
        fault: Option<FaultId>,
        event: &'static str,
        detail: String,
    ) {
        self.timeline.push(TimelineEntry {
            time,
            fault,
            event,
            detail,
        });
    }

    /// The first reaction to fault `f`; returns whether this was it.
    pub fn detected(&mut self, f: FaultId, time: SimTime) -> bool {
        let r = &mut self.records[f.index()];
        let first = r.detected.is_none();
        if first {
            r.detected = Some(time);
        }
        first
    }

    pub fn count(&mut self, cause: Cause) {
        let i = Cause::ALL.iter().position(|&c| c == cause).unwrap_or(0);
        self.causes[i] += 1;
    }
}

/// Availability per period against an SLO: the longest run of consecutive periods below it,
/// and, from a period on, when the run of bad periods that starts there (or at the next) ends.
pub struct Availability<'a> {
    /// Per period: (requests ended, requests ok).
    pub periods: &'a [(u64, u64)],
    pub slo: f64,
}

impl Availability<'_> {
    /// A period with no requests meets the SLO (nothing failed).
    pub fn value(&self, k: usize) -> f64 {
        let (ended, ok) = self.periods[k];
        if ended == 0 {
            1.0
        } else {
            ok as f64 / ended as f64
        }
    }

    pub fn below(&self, k: usize) -> bool {
        self.value(k) < self.slo
    }

    /// The longest run of consecutive periods below the SLO, in periods.
    pub fn longest_run_below(&self) -> usize {
        let (mut best, mut run) = (0, 0);
        for k in 0..self.periods.len() {
            run = if self.below(k) { run + 1 } else { 0 };
            best = best.max(run);
        }
        best
    }

    /// The periods below the SLO.
    pub fn count_below(&self) -> usize {
        (0..self.periods.len()).filter(|&k| self.below(k)).count()
    }

    /// The end (exclusive period index) of the run of bad periods that starts at `k` or
    /// `k + 1`; `None` if neither is below the SLO.
    pub fn recovery_after(&self, k: usize) -> Option<usize> {
        let n = self.periods.len();
        let start = (k..(k + 2).min(n)).find(|&i| self.below(i))?;
        Some((start..n).find(|&i| !self.below(i)).unwrap_or(n))
    }
}

/// The scenario's faults beginning and ending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultEvent {
    /// A scenario fault begins.
    Started(FaultId),
    /// A scenario fault's duration is over: what it stopped comes back.
    Ended(FaultId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for FaultEvent {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_below_the_slo() {
        let periods = [
            (100, 100),
            (100, 90),
            (100, 50),
            (0, 0),
            (100, 98),
            (100, 97),
            (10, 10),
        ];
        let a = Availability {
            periods: &periods,
            slo: 0.99,
        };
        assert_eq!(a.longest_run_below(), 2);
        assert_eq!(a.count_below(), 4);
        assert_eq!(a.recovery_after(0), Some(3));
        assert_eq!(a.recovery_after(3), Some(6));
        assert_eq!(a.recovery_after(6), None);
    }
}
