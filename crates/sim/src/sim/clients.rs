//! Where a request's client is: its geography, drawn from its workload's mix, and the trace
//! of the region it reached with the round trip its latency carries (`model::region`).

use super::state::Traffic;
use crate::ids::{GeoId, LbId, WorkloadId};
use crate::kernel::SimTime;
use crate::model::region::Regions;
use crate::scenario::Scenario;
use crate::trace::{Field, Kind, Tracer};

/// Trace kind: a client with a geography reached a region (its load balancer, the round trip).
pub(in crate::sim) const CLIENT_ROUTED: Kind = Kind::new("client_routed");

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
