//! Route 53 failover records in the world: the health checker probing the primary load
//! balancer, and each client request resolving the record through its (TTL-cached) answer.

use super::World;
use crate::ids::{DnsRecordId, FaultId};
use crate::ids::{LbId, WorkloadId};
use crate::kernel::RngExt;
use crate::kernel::Schedule;
use crate::model::dns::Answer;
use crate::model::dns::DnsEvent;

impl World {
    /// The load balancer a request of workload `w` reaches: `lb` (its target), or the record's
    /// answer as this client has it cached.
    pub(super) fn resolve_endpoint(&mut self, w: WorkloadId, lb: LbId) -> LbId {
        let Some(r) = self.faults.workload_record[w.index()] else {
            return lb;
        };
        let now = self.queue.now();
        let spec = &self.scenario.resilience.dns[r.index()];
        let record = &mut self.faults.records[r.index()];
        let u = self.faults.dns_rngs[r.index()].open01();
        let chosen = record.resolve(spec, now, u);
        if chosen == spec.secondary {
            record.to_secondary += 1;
        }
        chosen
    }

    /// A Route 53 health check of the primary: it passes when some node of the load balancer
    /// is up and some target it forwards to is healthy and running.
    pub(super) fn on_dns_check_due(&mut self, r: DnsRecordId) {
        let s = std::sync::Arc::clone(&self.scenario);
        let spec = &s.resilience.dns[r.index()];
        let next = self.queue.now() + spec.interval;
        if next <= s.duration {
            self.queue.at(next, DnsEvent::CheckDue(r));
        }
        let passed = self.endpoint_serves(spec.primary);
        let now = self.queue.now();
        if let Some(answer) = self.faults.records[r.index()].record_probe(passed, spec, now) {
            let (event, to) = match answer {
                Answer::Secondary => (
                    "dns_failover",
                    &s.load_balancers[spec.secondary.index()].name,
                ),
                Answer::Primary => ("dns_failback", &s.load_balancers[spec.primary.index()].name),
            };
            let detail = format!("{} answers {to}", spec.name);
            for f in (0..s.resilience.faults.len()).map(|f| FaultId(f as u16)) {
                let record = &self.faults.log.records[f.index()];
                let active = record.started.is_some() && record.ended.is_none();
                if active && answer == Answer::Secondary {
                    self.fault_detected(f, "Route 53 health check failed");
                }
            }
            self.fault_note(None, event, detail, true);
        }
    }

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
