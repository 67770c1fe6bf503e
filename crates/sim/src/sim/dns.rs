//! Route 53 in the world: the records' state, the health checker probing each record's
//! primary load balancer, and each client request resolving its workload's record through
//! its (TTL-cached) answer.
//!
//! The service's own code takes only what it needs: its state, the record specs, the clock
//! and a scheduler of its own events. What it needs from others comes in as values (whether
//! the primary serves: the load balancers' and the faults' state, asked by the world), and
//! what others need from it goes out as values (an answer change, which the world notes in
//! the fault log).

use super::World;
use super::service::{Finish, Handles, Period, Service};
use crate::ids::{DnsRecordId, FaultId, LbId, WorkloadId};
use crate::kernel::{Rng, RngExt, Schedule, SimTime, stream};
use crate::metrics::TimeSeries;
use crate::model::dns::{Answer, DnsEvent, DnsRecord, DnsRecordSpec};
use crate::scenario::Scenario;
use crate::sim::DnsResult;

/// Every record's health-check state and answers, and its clients' resolution stream.
pub struct Route53 {
    records: Vec<DnsRecord>,
    /// Per record: `dns/NAME/clients`, which answer a resolving client has cached.
    rngs: Vec<Rng>,
    /// Per workload: the record its clients resolve.
    workload_record: Vec<Option<DnsRecordId>>,
}

impl Route53 {
    /// The load balancer a request of workload `w` reaches: `lb` (its target), or the record's
    /// answer as this client has it cached.
    pub fn resolve(
        &mut self,
        specs: &[DnsRecordSpec],
        w: WorkloadId,
        lb: LbId,
        now: SimTime,
    ) -> LbId {
        let Some(r) = self.workload_record[w.index()] else {
            return lb;
        };
        let spec = &specs[r.index()];
        let record = &mut self.records[r.index()];
        let u = self.rngs[r.index()].open01();
        let chosen = record.resolve(spec, now, u);
        if chosen == spec.secondary {
            record.to_secondary += 1;
        }
        chosen
    }

    /// Schedules every record's first health check.
    pub fn start(
        &self,
        specs: &[DnsRecordSpec],
        duration: SimTime,
        queue: &mut impl Schedule<DnsEvent>,
    ) {
        for (i, r) in specs.iter().enumerate() {
            if r.interval <= duration {
                queue.at(r.interval, DnsEvent::CheckDue(DnsRecordId(i as u16)));
            }
        }
    }

    /// A health check of record `r`'s primary, which `passed`: the next check is scheduled,
    /// and the answer change it causes, if any, is returned.
    pub fn check(
        &mut self,
        r: DnsRecordId,
        spec: &DnsRecordSpec,
        passed: bool,
        duration: SimTime,
        queue: &mut impl Schedule<DnsEvent>,
    ) -> Option<Answer> {
        let now = queue.now();
        let next = now + spec.interval;
        if next <= duration {
            queue.at(next, DnsEvent::CheckDue(r));
        }
        self.records[r.index()].record_probe(passed, spec, now)
    }
}

impl Service for Route53 {
    fn build(s: &Scenario, _: &mut TimeSeries) -> Route53 {
        let specs = &s.resilience.dns;
        Route53 {
            records: specs.iter().map(|_| DnsRecord::default()).collect(),
            rngs: specs
                .iter()
                .map(|d| stream(s.seed, &format!("dns/{}/clients", d.name)))
                .collect(),
            workload_record: (0..s.workloads.len())
                .map(|w| s.resilience.record_of(WorkloadId(w as u16)))
                .collect(),
        }
    }

    fn period_ended(_: &mut World, _: &Period) {}

    /// Route 53 queries and health checks are not billed here (our choice: a few dollars a
    /// month, below the bill's resolution for the runs Stratus makes).
    fn close_cost_period(_: &mut World, _: f64) {}

    fn finish(w: &mut World, out: &mut Finish) {
        out.result.resilience.dns = w
            .scenario
            .resilience
            .dns
            .iter()
            .zip(&w.dns.records)
            .map(|(spec, r)| DnsResult {
                name: spec.name.clone(),
                failovers: r.failovers,
                failbacks: r.failbacks,
                requests_to_secondary: r.to_secondary,
            })
            .collect();
    }
}

/// A Route 53 health check of a record's primary: it passes when some node of the load
/// balancer is up and some target it forwards to is healthy and running (the world asks the
/// load balancers and the faults); an answer change is noted in the fault log, and detects
/// the faults then active.
impl Handles<DnsEvent> for Route53 {
    fn handle(w: &mut World, DnsEvent::CheckDue(r): DnsEvent) {
        let s = std::sync::Arc::clone(&w.scenario);
        let spec = &s.resilience.dns[r.index()];
        let passed = w.endpoint_serves(spec.primary);
        let Some(answer) = w.dns.check(r, spec, passed, s.duration, &mut w.queue) else {
            return;
        };
        let (event, to) = match answer {
            Answer::Secondary => (
                "dns_failover",
                &s.load_balancers[spec.secondary.index()].name,
            ),
            Answer::Primary => ("dns_failback", &s.load_balancers[spec.primary.index()].name),
        };
        let detail = format!("{} answers {to}", spec.name);
        for f in (0..s.resilience.faults.len()).map(|f| FaultId(f as u16)) {
            let record = &w.faults.log.records[f.index()];
            let active = record.started.is_some() && record.ended.is_none();
            if active && answer == Answer::Secondary {
                w.fault_detected(f, "Route 53 health check failed");
            }
        }
        w.fault_note(None, event, detail, true);
    }
}

impl World {
    /// Whether load balancer `lb` serves: some node is up and some target it forwards to is
    /// routable and running.
    fn endpoint_serves(&self, lb: LbId) -> bool {
        let spec = &self.scenario.load_balancers[lb.index()];
        if spec.azs.iter().all(|a| self.faults.az_down[a.index()]) {
            return false;
        }
        for tg in spec.forwarded() {
            let targets = self.alb.target_groups[tg.index()].routable(None);
            if targets.iter().any(|&i| !self.faults.is_stopped(i)) {
                return true;
            }
        }
        false
    }
}
