//! Where a request's client is: its geography, drawn from its workload's mix, and the trace
//! of the region it reached with the round trip its latency carries (`model::region`); a
//! regional endpoint (a Lambda function's, an API's) the client cannot reach because its
//! region is under a `region_outage`.

use super::World;
use super::state::Traffic;
use crate::ids::{GeoId, LbId, RegionId, WorkloadId};
use crate::kernel::SimTime;
use crate::metrics::Outcome;
use crate::model::faults::Cause;
use crate::model::region::Regions;
use crate::scenario::Scenario;
use crate::trace::{Field, Kind, Tracer};

/// Trace kind: a client with a geography reached a region (its load balancer, the round trip).
pub(in crate::sim) const CLIENT_ROUTED: Kind = Kind::new("client_routed");

impl World {
    /// The round trip of workload `w`'s next request from its client to `region` (0 without
    /// a geography), kept as the request's (`Traffic::rtt_ns`) and returned in ns.
    #[inline]
    pub(super) fn client_rtt(&mut self, w: WorkloadId, region: RegionId) -> u64 {
        let regions = &self.scenario.regions;
        let geo = self.traffic.geography(regions, w);
        let rtt = regions.rtt_to(geo, region).as_nanos();
        self.traffic.rtt_ns = rtt as u32;
        rtt
    }

    /// The client of request `id` of workload `w` finds the regional endpoint it calls (a
    /// Lambda function's, an API's) unreachable: its region is under a `region_outage`.
    /// AWS documents no answer for an unreachable region (the connection cannot be made);
    /// our choice, as for a load balancer node that stopped: a 504 after the client's round
    /// trip, counted as `region_unreachable` when the client sees it: a CloudFront origin
    /// group's primary whose 504 sends the request to the secondary is not counted (the
    /// client gets the secondary's answer; the distribution counts the failover).
    pub(super) fn fail_region_unreachable(&mut self, w: WorkloadId, id: u64, counted: bool) {
        if counted && !self.cloudfront_fails_over(id, Outcome::Http504) {
            self.faults.log.count(Cause::RegionUnreachable);
        }
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.workloads[w.index()].name;
            let fields = [
                ("status", Field::Int(504)),
                ("reason", Field::Str(Cause::RegionUnreachable.key())),
            ];
            t.emit(
                self.queue.now(),
                Kind::RequestRejected,
                name,
                Some(id),
                &fields,
            );
        }
        let rtt = u64::from(self.traffic.rtt_ns);
        self.finish_traced(w, id, counted, Outcome::Http504, rtt);
    }
}

impl Traffic {
    /// The geography of the client of workload `w`'s next request (`None`: the workload has
    /// none). Draws from `workload/NAME/geography` only for a mix of several.
    #[inline]
    pub(super) fn geography(&mut self, regions: &Regions, w: WorkloadId) -> Option<GeoId> {
        let mix = regions.workload_mix.get(w.index())?;
        mix.pick(&mut self.geo_rngs[w.index()])
    }

    /// Traces a client in geography `g` reaching load balancer `lb`: its region and the
    /// round trip added to the request's latency.
    pub(super) fn trace_client(
        &self,
        t: &mut Tracer,
        s: &Scenario,
        now: SimTime,
        (w, id): (WorkloadId, u64),
        g: GeoId,
        lb: LbId,
    ) {
        let r = &s.regions;
        let region = &r.regions[r.lb_region[lb.index()].index()].name;
        let fields = [
            ("geography", Field::Str(&r.geographies[g.index()].name)),
            (
                "load_balancer",
                Field::Str(&s.load_balancers[lb.index()].name),
            ),
            ("region", Field::Str(region)),
            ("rtt_ms", Field::Num(self.rtt_ns as f64 / 1e6)),
        ];
        t.emit(
            now,
            CLIENT_ROUTED,
            &s.workloads[w.index()].name,
            Some(id),
            &fields,
        );
    }
}
