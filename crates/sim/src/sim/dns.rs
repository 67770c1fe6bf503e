//! Route 53 in the world: the records' state, the health checker probing each record's
//! endpoints (load balancers), and each client request resolving its workload's record
//! through its (TTL-cached) answer, by the record's routing policy.
//!
//! The service's own code takes only what it needs: its state, the record specs, the clock
//! and a scheduler of its own events. What it needs from others comes in as values (whether
//! an endpoint serves: the load balancers' and the faults' state, asked by the world), and
//! what others need from it goes out as values (an answer change, which the world notes in
//! the fault log).

use super::World;
use super::service::{Finish, Handles, Period, Service, Stage};
use crate::ids::{FaultId, GeoId, LbId, WorkloadId};
use crate::kernel::{Rng, Schedule, SimTime, stream};
use crate::metrics::TimeSeries;
use crate::model::dns::DnsRecordId;
use crate::model::dns::{DnsEvent, DnsRecord, DnsRecordSpec, Routing, answered};
use crate::scenario::Scenario;
use crate::trace::Kind;

/// Trace kind: a client's DNS resolution got no answer (a geolocation record without a match).
pub(in crate::sim) const DNS_NO_ANSWER: Kind = Kind::new("dns_no_answer");

/// A record's part of a run's results (`summary.json` `dns.NAME`).
#[derive(Clone, Debug, PartialEq)]
pub struct DnsResult {
    pub name: String,
    /// The record's routing policy.
    pub routing: &'static str,
    /// A failover record's moves to the secondary and back.
    pub failovers: u64,
    pub failbacks: u64,
    /// Changes of the healthy endpoints answered.
    pub answer_changes: u64,
    /// Requests sent to each endpoint (a failover record's primary, then its secondary).
    pub requests: Vec<(String, u64)>,
    /// Resolutions without an answer (geolocation records).
    pub no_answer: u64,
}

impl DnsResult {
    /// A failover record's requests to its secondary (its second endpoint).
    pub fn requests_to_secondary(&self) -> u64 {
        self.requests.get(1).map_or(0, |e| e.1)
    }
}

/// Every record's health-check state and answers, and its clients' resolution stream.
pub struct Route53 {
    records: Vec<DnsRecord>,
    /// Per record: `dns/NAME/clients`, which answer a resolving client has cached.
    rngs: Vec<Rng>,
    /// Per workload: the record its clients resolve.
    workload_record: Vec<Option<DnsRecordId>>,
}

impl Route53 {
    /// The load balancer a request of workload `w`, whose client is in geography `geo`,
    /// reaches: `lb` (its target), or the endpoint its client uses, by the record's policy and
    /// the answer it has cached; `None` when the record has no answer for the client.
    pub fn resolve(
        &mut self,
        specs: &[DnsRecordSpec],
        w: WorkloadId,
        lb: LbId,
        now: SimTime,
        geo: Option<GeoId>,
    ) -> Option<LbId> {
        let Some(r) = self.workload_record[w.index()] else {
            return Some(lb);
        };
        let spec = &specs[r.index()];
        let rng = &mut self.rngs[r.index()];
        let chosen = self.records[r.index()].resolve(spec, now, rng, geo)?;
        Some(spec.endpoints[chosen].lb)
    }

    /// Schedules every record's first health check.
    pub fn start(
        &self,
        specs: &[DnsRecordSpec],
        duration: SimTime,
        queue: &mut impl Schedule<DnsEvent>,
    ) {
        for (i, r) in specs.iter().enumerate() {
            let Some(hc) = r.health_check else { continue };
            if hc.interval <= duration {
                queue.at(hc.interval, DnsEvent::CheckDue(DnsRecordId(i as u16)));
            }
        }
    }

    /// A round of health checks of record `r`'s probed endpoints; bit `i` of `passed` is set
    /// when endpoint `i` passed. The next round is scheduled, and the healthy set it leaves,
    /// if it changed, is returned with the one before.
    pub fn check(
        &mut self,
        r: DnsRecordId,
        spec: &DnsRecordSpec,
        passed: u64,
        duration: SimTime,
        queue: &mut impl Schedule<DnsEvent>,
    ) -> Option<(u64, u64)> {
        let now = queue.now();
        let interval = spec.health_check?.interval;
        if now + interval <= duration {
            queue.at(now + interval, DnsEvent::CheckDue(r));
        }
        let record = &mut self.records[r.index()];
        let before = record.healthy;
        record
            .record_probes(passed, spec, now)
            .map(|after| (before, after))
    }
}

impl Service for Route53 {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[DNS_NO_ANSWER];

    /// The records' first health checks.
    fn start(w: &mut World) {
        let s = &*w.scenario;
        w.dns.start(&s.services.dns, s.duration, &mut w.queue);
    }

    fn build(s: &Scenario, _: &mut TimeSeries) -> Route53 {
        let specs = &s.services.dns;
        Route53 {
            records: specs.iter().map(DnsRecord::new).collect(),
            rngs: specs
                .iter()
                .map(|d| stream(s.seed, &format!("dns/{}/clients", d.name)))
                .collect(),
            workload_record: (0..s.workloads.len())
                .map(|w| {
                    let w = WorkloadId(w as u16);
                    let r = specs.iter().position(|r| r.workloads.contains(&w))?;
                    Some(DnsRecordId(r as u16))
                })
                .collect(),
        }
    }

    fn period_ended(_: &mut World, _: &Period) {}

    /// Route 53 queries and health checks are not billed here (our choice: a few dollars a
    /// month, below the bill's resolution for the runs Stratus makes).
    fn close_cost_period(_: &mut World, _: f64) {}

    fn finish(w: &mut World, out: &mut Finish) {
        out.result.services.dns = w
            .scenario
            .services
            .dns
            .iter()
            .zip(&w.dns.records)
            .map(|(spec, r)| DnsResult {
                name: spec.name.clone(),
                routing: spec.routing.name(),
                failovers: r.failovers,
                failbacks: r.failbacks,
                answer_changes: r.answer_changes,
                no_answer: r.no_answer,
                requests: spec
                    .endpoints
                    .iter()
                    .zip(&r.requests)
                    .map(|(e, &n)| (w.scenario.load_balancers[e.lb.index()].name.clone(), n))
                    .collect(),
            })
            .collect();
    }
}

/// A round of Route 53 health checks of a record's endpoints: one passes when some node of
/// its load balancer is up and some target it forwards to is healthy and running (the world
/// asks the load balancers and the faults). An answer change is noted in the fault log; when
/// an endpoint turned unhealthy, it detects the faults then active.
impl Handles<DnsEvent> for Route53 {
    fn handle(w: &mut World, DnsEvent::CheckDue(r): DnsEvent) {
        let s = std::sync::Arc::clone(&w.scenario);
        let spec = &s.services.dns[r.index()];
        let passed = (0..spec.probed())
            .filter(|&i| w.endpoint_serves(spec.endpoints[i].lb))
            .fold(0u64, |m, i| m | 1 << i);
        let Some((before, after)) = w.dns.check(r, spec, passed, s.duration, &mut w.queue) else {
            return;
        };
        let name = |i: usize| s.load_balancers[spec.endpoints[i].lb.index()].name.as_str();
        let (event, detail) = match spec.routing {
            Routing::Failover if after & 1 == 0 => ("dns_failover", name(1).to_string()),
            Routing::Failover => ("dns_failback", name(0).to_string()),
            _ => {
                let answered = answered(spec, after);
                let ends = (0..spec.endpoints.len()).filter(|i| answered >> i & 1 == 1);
                let mut list = ends.map(name).collect::<Vec<_>>().join(", ");
                if after == 0 {
                    list.push_str(" (none healthy)");
                }
                ("dns_answer", list)
            }
        };
        let detail = format!("{} answers {detail}", spec.name);
        if before & !after != 0 {
            for f in (0..s.resilience.faults.len()).map(|f| FaultId(f as u16)) {
                let record = &w.faults.log.records[f.index()];
                if record.started.is_some() && record.ended.is_none() {
                    w.fault_detected(f, "Route 53 health check failed");
                }
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
