//! NAT gateways in the world: the `NatGateways` service (the external calls in flight and
//! what went through each gateway) and the call phase's side of an external call.
//!
//! A request's call `{external: NAME}` leaves through the NAT gateway its instance's AZ
//! routes to (`model::nat::route`): it fails at once (502, cause `nat_unreachable`) when that
//! gateway's AZ is down, else it takes the endpoint's latency and the request moves on. An AZ
//! outage fails the calls in flight through the gateways there. Every byte through a gateway
//! is billed as processed (`nat_gateway` in the bill, with the gateways' hours), and a call
//! from another AZ than its gateway's is also billed as inter-AZ data transfer.

use super::World;
use super::service::{Finish, Handles, Period, Service, Stage};
use crate::ids::{AzId, EndpointId, RequestId};
use crate::kernel::{Rng, Schedule, stream};
use crate::metrics::TimeSeries;
use crate::model::faults::Cause;
use crate::model::nat::{
    ExternalCall, ExternalCalls, ExternalStart, GatewayMeters, NatEvent, NatSpec, call_time, route,
};
use crate::model::nat::{ExternalSlot, GatewayId};
use crate::scenario::Scenario;
use crate::trace::Kind;

/// A NAT gateway's part of a run's results (`summary.json` `nat_gateways.NAME`).
#[derive(Clone, Debug, PartialEq)]
pub struct GatewayResult {
    pub name: String,
    pub az: String,
    /// The AZs whose subnets route through it.
    pub serves: Vec<String>,
    pub meters: GatewayMeters,
}

/// The external calls in flight, each gateway's meters and each endpoint's latency stream.
pub struct NatGateways {
    calls: ExternalCalls,
    meters: Vec<GatewayMeters>,
    /// Per endpoint: `external/NAME/latency`.
    rngs: Vec<Rng>,
}

impl NatGateways {
    /// Call `step` of `request` from an instance in `az` to endpoint `e`; answers how it
    /// began (counted only while `counting`).
    fn start(
        &mut self,
        spec: (&NatSpec, &[crate::model::nat::EndpointSpec]),
        (e, az, bytes): (EndpointId, AzId, u64),
        (request, step): (RequestId, u8),
        az_down: &[bool],
        queue: &mut impl Schedule<NatEvent>,
    ) -> ExternalStart {
        let (nat, endpoints) = spec;
        let started = route(nat, az, az_down, bytes);
        let gateway = match started {
            ExternalStart::Started {
                gateway, cross_az, ..
            } => {
                let m = &mut self.meters[gateway.index()];
                m.calls += 1;
                m.cross_az_calls += cross_az as u64;
                m.bytes += bytes as f64;
                gateway
            }
            ExternalStart::NoEgress => {
                if let Some(g) = nat.routes.get(az.index()).copied().flatten() {
                    let m = &mut self.meters[g.index()];
                    m.calls += 1;
                    m.failed_calls += 1;
                }
                return started;
            }
        };
        let latency = call_time(&endpoints[e.index()], &mut self.rngs[e.index()]);
        let at = queue.now() + latency;
        let slot = self.calls.next_slot();
        let end = queue.keyed(at, NatEvent::CallEnded(slot));
        let inserted = self.calls.insert(ExternalCall {
            request: Some(request),
            step,
            gateway,
            end,
        });
        debug_assert_eq!(inserted, slot);
        started
    }
}

impl World {
    /// Call `step` of request `id` goes to external endpoint `e`.
    pub(super) fn start_external_call(&mut self, id: RequestId, step: u8, e: EndpointId) {
        let r = *self.traffic.requests.get(id);
        let az = self.ec2.instances[r.server().index()].az;
        let s = std::sync::Arc::clone(&self.scenario);
        let bytes = s.resilience.calls(r.workload, r.class as usize)[step as usize].bytes;
        let started = self.nat.start(
            (&s.services.nat_gateways, &s.services.external_endpoints),
            (e, az, bytes),
            (id, step),
            &self.faults.az_down,
            &mut self.queue,
        );
        match started {
            ExternalStart::Started {
                cross_az, bytes, ..
            } => {
                self.bills.nat_bytes += bytes as f64;
                if cross_az {
                    self.bills.inter_az_bytes += bytes as f64;
                }
            }
            ExternalStart::NoEgress => self.end_calls(id, Some(Cause::NatUnreachable)),
        }
    }

    fn on_external_call_ended(&mut self, slot: ExternalSlot) {
        let Some(call) = self.nat.calls.remove(slot) else {
            return;
        };
        if let Some(request) = call.request {
            self.call_step_done(request, call.step as usize + 1);
        }
    }

    /// AZ `az` went down: the calls in flight through its gateways fail.
    pub(super) fn nat_az_down(&mut self, az: AzId) {
        let lost: Vec<GatewayId> = (self.scenario.services.nat_gateways.gateways.iter())
            .enumerate()
            .filter(|(_, g)| g.az == az)
            .map(|(i, _)| GatewayId(i as u16))
            .collect();
        if lost.is_empty() {
            return;
        }
        for call in self.nat.calls.take_through(&lost) {
            self.queue.cancel(call.end);
            self.nat.meters[call.gateway.index()].failed_calls += 1;
            if let Some(request) = call.request {
                self.end_calls(request, Some(Cause::NatUnreachable));
            }
        }
    }

    /// The requests in `ended` (sorted) ended while their external calls were in flight.
    pub(super) fn detach_external_calls(&mut self, ended: &[RequestId]) {
        self.nat.calls.detach(ended);
    }
}

impl Service for NatGateways {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[];

    fn start(_: &mut World) {}

    fn build(s: &Scenario, _: &mut TimeSeries) -> NatGateways {
        NatGateways {
            calls: ExternalCalls::default(),
            meters: vec![GatewayMeters::default(); s.services.nat_gateways.gateways.len()],
            rngs: (s.services.external_endpoints.iter())
                .map(|e| stream(s.seed, &format!("external/{}/latency", e.name)))
                .collect(),
        }
    }

    fn period_ended(_: &mut World, _: &Period) {}

    /// The gateways' hours and bytes are billed with the older count (`Bills`), which the
    /// scenario's `nat_gateways` total includes.
    fn close_cost_period(_: &mut World, _: f64) {}

    fn finish(w: &mut World, out: &mut Finish) {
        let s = &w.scenario;
        let nat = &s.services.nat_gateways;
        out.result.services.nat = (nat.gateways.iter().enumerate())
            .map(|(i, g)| GatewayResult {
                name: g.name.clone(),
                az: s.azs[g.az.index()].clone(),
                serves: (nat.routes.iter().enumerate())
                    .filter(|(_, r)| **r == Some(GatewayId(i as u16)))
                    .map(|(a, _)| s.azs[a].clone())
                    .collect(),
                meters: w.nat.meters[i],
            })
            .collect();
    }
}

impl Handles<NatEvent> for NatGateways {
    fn handle(w: &mut World, e: NatEvent) {
        match e {
            NatEvent::CallEnded(slot) => w.on_external_call_ended(slot),
        }
    }
}
