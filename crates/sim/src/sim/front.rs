//! Services that receive workloads' requests: a service whose entries workloads target as
//! `PREFIX/NAME` (a `workload::Target::Service`, resolved by the scenario's `targets`)
//! implements [`Front`] and is marked `+ Front` in `registry`. The `world!` macro generates
//! the dispatch: each such workload's front is found once, when the world is built
//! (`World::front_slots`, by the prefix), and each arrival goes to it by one `match` on that
//! slot (`World::front_arrived`); every ending request passes each front's `answered` hook
//! in registry order (`World::fronts_answered`), where a service that sent a request on
//! behalf of its own (CloudFront's origin fetch, API Gateway's ALB integration) takes its
//! answer back.

use super::World;
use super::state::{Bills, Traffic};
use crate::ids::WorkloadId;
use crate::kernel::SimTime;
use crate::metrics::Outcome;
use crate::trace::{Field, Kind, Tracer};
use crate::workload::WorkloadSpec;

/// A service that receives workloads' requests (see the module docs).
pub(super) trait Front {
    /// The prefix of its targets, `PREFIX/NAME`: its model's constant, the one its scenario
    /// key's `TargetKey` declares.
    const PREFIX: &'static str;

    /// A request of workload `w` arrives at entry `index` (its position in the service's
    /// list). A service with request classes draws the request with `World::new_request`.
    fn arrived(world: &mut World, w: WorkloadId, index: usize);

    /// Request `uid` of workload `w` ends with `outcome`, `(counted, latency_ns)` as its
    /// client would see it: `None` when the service takes the answer (it was its own
    /// request to another service), else what goes on to the client, possibly changed.
    #[inline]
    fn answered(
        world: &mut World,
        w: WorkloadId,
        uid: u64,
        outcome: Outcome,
        seen: (bool, u64),
    ) -> Option<(bool, u64)> {
        let _ = (world, w, uid, outcome);
        Some(seen)
    }
}

/// A request drawn for a workload with classes: its class, its client, its work and its id.
#[derive(Clone, Copy, Debug)]
pub(super) struct Drawn {
    pub class: usize,
    pub client: Option<u32>,
    pub work: SimTime,
    pub id: u64,
}

impl World {
    /// A new request of workload `w`: its class and then its work drawn from the workload's
    /// work stream (here or by the feed's thread, `feed::Draws`), its id, its client, its
    /// arrival traced, its NAT bytes metered. Inlined into each caller: it is on every
    /// request's path (out of line it cost `mm8` 1.1% of its instructions).
    #[inline(always)]
    pub(super) fn new_request(&mut self, w: WorkloadId) -> Drawn {
        let spec = &self.scenario.workloads[w.index()];
        let now = self.queue.now();
        let tracer = self.tracer.as_deref_mut();
        draw_request(&mut self.traffic, tracer, &mut self.bills, now, (w, spec))
    }
}

/// [`World::new_request`] with the workload's spec at hand (an arrival has looked it up
/// already) and the world's parts it touches: the traffic's streams and ids, the tracer, the
/// NAT meter.
#[inline(always)]
pub(super) fn draw_request(
    traffic: &mut Traffic,
    tracer: Option<&mut Tracer>,
    bills: &mut Bills,
    now: SimTime,
    (w, spec): (WorkloadId, &WorkloadSpec),
) -> Drawn {
    let (class, work) = traffic.draws[w.index()].next(&spec.classes);
    let class_spec = &spec.classes[class];
    let id = traffic.next_request_id;
    traffic.next_request_id += 1;
    let client = traffic.clients.draw(w);
    if let Some(t) = tracer {
        let fields = [
            ("class", Field::Str(&class_spec.name)),
            ("path", Field::Str(&class_spec.path)),
            ("client", Field::Int(client.map_or(0, u64::from))),
        ];
        // The client only for workloads with `clients`.
        let n = if client.is_some() { 3 } else { 2 };
        t.emit(
            now,
            Kind::RequestArrived,
            &spec.name,
            Some(id),
            &fields[..n],
        );
    }
    // The older `nat_bytes` goes through the unplaced gateways (`nat_gateways: N`), in
    // the first region (`Bills::finish`). Nothing to add for a class without NAT bytes
    // (adding 0.0 to a sum of non-negative bytes leaves it as it is, bit for bit).
    if class_spec.nat_bytes != 0 {
        bills.nat(crate::ids::RegionId(0), class_spec.nat_bytes as f64);
    }
    Drawn {
        class,
        client,
        work,
        id,
    }
}

#[cfg(test)]
mod tests {
    use super::World;
    use crate::scenario::raw::RawScenario;

    /// Every target kind a scenario key registers (`=> TargetKey`) has its service in the
    /// registry (`+ Front`), each its own: a workload the scenario accepts always has a
    /// front.
    #[test]
    fn every_registered_target_kind_has_a_front() {
        let kinds = RawScenario::default().target_keys();
        assert!(
            kinds.len() >= 3,
            "API Gateway, CloudFront and Kinesis at least"
        );
        let mut slots: Vec<u8> = (kinds.iter())
            .map(|r| World::front_slot(r.kind.prefix).expect(r.kind.prefix))
            .collect();
        slots.sort_unstable();
        slots.dedup();
        assert_eq!(slots.len(), kinds.len(), "one service per prefix");
        assert_eq!(World::front_slot("alb"), None, "the world's own targets");
    }
}
