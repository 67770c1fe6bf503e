//! NAT gateways in the world: the `NatGateways` service (the external calls in flight and
//! what went through each gateway) and the call phase's side of an external call.
//!
//! A request's call `{external: NAME}` leaves through the NAT gateway its instance's AZ
//! routes to (`model::nat::route`): it fails at once (502, cause `nat_unreachable`) when that
//! gateway's AZ is down, else it takes the endpoint's latency and the request moves on. An AZ
//! outage fails the calls in flight through the gateways there. Every byte through a gateway
//! is billed as processed (`nat_gateway` in the bill, with the gateways' hours), and a call
//! from another AZ than its gateway's is also billed as inter-AZ data transfer. A call that
//! finds its gateway at 55,000 open connections to the endpoint fails at once (502, cause
//! `nat_port_allocation`, AWS's `ErrorPortAllocation`). Each gateway's series
//! (`nat.NAME.*`) count per period the connections opened, the bytes processed, the calls
//! that found no way out, the port allocation errors and the most connections open at once.

use super::World;
use super::calls::CallKind;
use super::service::{Finish, Handles, Period, Service, Stage};
use crate::ids::{AzId, EndpointId, RequestId};
use crate::kernel::{Rng, Schedule, stream};
use crate::metrics::{SeriesId, Statistic, TimeSeries};
use crate::model::faults::Cause;
use crate::model::nat::{
    ExternalCall, ExternalCalls, ExternalStart, GatewayMeters, MAX_CONNECTIONS_PER_DESTINATION,
    NatEvent, NatSpec, call_time, route,
};
use crate::model::nat::{ExternalSlot, GatewayId};
use crate::scenario::Scenario;
use crate::trace::{Field, Kind};

/// Trace kind: an external call found no NAT gateway to take it (its AZ's gateway is down).
pub(in crate::sim) const NAT_UNREACHABLE: Kind = Kind::new("nat_unreachable");
/// Trace kind: a NAT gateway had no port left for another connection to the destination
/// (AWS's `ErrorPortAllocation`).
pub(in crate::sim) const NAT_PORT_ALLOCATION: Kind = Kind::new("nat_port_allocation");

/// A gateway's series, `nat.NAME.*`, after CloudWatch's NAT gateway metrics
/// (`ConnectionEstablishedCount`, bytes, `ErrorPortAllocation`, `ActiveConnectionCount`).
const SERIES: [(&str, Statistic); 5] = [
    ("connections", Statistic::Sum),
    ("bytes", Statistic::Sum),
    ("unreachable", Statistic::Sum),
    ("error_port_allocation", Statistic::Sum),
    ("active_connections", Statistic::Maximum),
];

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
    /// Per gateway and endpoint (`gateway * endpoints + endpoint`): connections open.
    open: Vec<u32>,
    /// Per gateway: connections open, and the most at once in this period.
    active: Vec<u32>,
    period_max: Vec<u32>,
    /// Per gateway: its meters at the end of the last period, and its series.
    last: Vec<GatewayMeters>,
    series: Vec<[SeriesId; 5]>,
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
                let open = &mut self.open[gateway.index() * endpoints.len() + e.index()];
                let m = &mut self.meters[gateway.index()];
                if *open >= MAX_CONNECTIONS_PER_DESTINATION {
                    m.port_allocation_errors += 1;
                    return ExternalStart::NoPort { gateway };
                }
                *open += 1;
                m.calls += 1;
                m.connections += 1;
                m.cross_az_calls += cross_az as u64;
                m.bytes += bytes as f64;
                let active = &mut self.active[gateway.index()];
                *active += 1;
                m.max_active = m.max_active.max(*active);
                let max = &mut self.period_max[gateway.index()];
                *max = (*max).max(*active);
                gateway
            }
            ExternalStart::NoEgress | ExternalStart::NoPort { .. } => {
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
            endpoint: e,
            end,
        });
        debug_assert_eq!(inserted, slot);
        started
    }

    /// Call `call` closed its connection (answered, or cut by its gateway's AZ).
    fn close(&mut self, call: &ExternalCall, endpoints: usize) {
        let g = call.gateway.index();
        self.open[g * endpoints + call.endpoint.index()] -= 1;
        self.active[g] -= 1;
    }
}

impl World {
    /// Call `step` of request `id` goes to external endpoint `e`, moving `bytes`.
    #[inline]
    fn start_external_call(&mut self, id: RequestId, step: u8, e: EndpointId, bytes: u64) {
        let r = *self.traffic.requests.get(id);
        let az = self.ec2.instances[r.server().index()].az;
        let s = std::sync::Arc::clone(&self.scenario);
        let started = self.nat.start(
            (&s.services.nat_gateways, &s.services.external_endpoints),
            (e, az, bytes),
            (id, step),
            &self.faults.az_down,
            &mut self.queue,
        );
        match started {
            ExternalStart::Started {
                gateway,
                cross_az,
                bytes,
            } => {
                // Billed in the gateway's region (an AZ routes to a gateway of its region).
                let gateway_az = s.services.nat_gateways.gateways[gateway.index()].az;
                let region = s.regions.of_az(gateway_az);
                self.bills.nat(region, bytes as f64);
                if cross_az {
                    self.bills.inter_az(region, bytes as f64);
                }
            }
            ExternalStart::NoEgress => self.nat_failed(id, NAT_UNREACHABLE, az),
            ExternalStart::NoPort { .. } => self.nat_failed(id, NAT_PORT_ALLOCATION, az),
        }
    }

    /// Request `id`'s external call from an instance in `az` failed at its gateway.
    fn nat_failed(&mut self, id: RequestId, kind: Kind, az: AzId) {
        let s = &self.scenario;
        let nat = &s.services.nat_gateways;
        if let (Some(tr), Some(g)) = (
            self.tracer.as_deref_mut(),
            nat.routes.get(az.index()).copied().flatten(),
        ) {
            let fields = [("from_az", Field::Str(&s.azs[az.index()]))];
            let name = &nat.gateways[g.index()].name;
            tr.emit(self.queue.now(), kind, name, Some(id.0 as u64), &fields);
        }
        let cause = if kind == NAT_PORT_ALLOCATION {
            Cause::NatPortAllocation
        } else {
            Cause::NatUnreachable
        };
        self.end_calls(id, Some(cause));
    }

    fn on_external_call_ended(&mut self, slot: ExternalSlot) {
        let Some(call) = self.nat.calls.remove(slot) else {
            return;
        };
        let endpoints = self.scenario.services.external_endpoints.len();
        self.nat.close(&call, endpoints);
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
        let endpoints = self.scenario.services.external_endpoints.len();
        for call in self.nat.calls.take_through(&lost) {
            self.queue.cancel(call.end);
            self.nat.close(&call, endpoints);
            self.nat.meters[call.gateway.index()].failed_calls += 1;
            if let Some(request) = call.request {
                if let Some(tr) = self.tracer.as_deref_mut() {
                    let name = &self.scenario.services.nat_gateways.gateways[call.gateway.index()];
                    let fields = [("in_flight", Field::Int(1))];
                    let now = self.queue.now();
                    tr.emit(
                        now,
                        NAT_UNREACHABLE,
                        &name.name,
                        Some(request.0 as u64),
                        &fields,
                    );
                }
                self.end_calls(request, Some(Cause::NatUnreachable));
            }
        }
    }
}

/// Internet endpoints are a kind of call (`{external: NAME}`), made through the gateways.
impl CallKind for NatGateways {
    const FIELD: &'static str = crate::model::nat::CALL;

    #[inline]
    fn start(w: &mut World, id: RequestId, step: u8, entry: u32, bytes: u64) {
        let e = w.scenario.resilience.service_calls.external_endpoints[entry as usize];
        w.start_external_call(id, step, e, bytes);
    }

    fn detach(w: &mut World, ended: &[RequestId]) {
        w.nat.calls.detach(ended);
    }
}

impl Service for NatGateways {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[NAT_UNREACHABLE, NAT_PORT_ALLOCATION];

    fn start(_: &mut World) {}

    fn build(s: &Scenario, series: &mut TimeSeries) -> NatGateways {
        let gateways = &s.services.nat_gateways.gateways;
        let n = gateways.len();
        NatGateways {
            calls: ExternalCalls::default(),
            meters: vec![GatewayMeters::default(); n],
            rngs: (s.services.external_endpoints.iter())
                .map(|e| stream(s.seed, &format!("external/{}/latency", e.name)))
                .collect(),
            open: vec![0; n * s.services.external_endpoints.len()],
            active: vec![0; n],
            period_max: vec![0; n],
            last: vec![GatewayMeters::default(); n],
            series: (gateways.iter())
                .map(|g| series.register(&format!("nat.{}", g.name), SERIES))
                .collect(),
        }
    }

    /// Each gateway's period: connections opened, bytes, calls with no way out, port
    /// allocation errors, and the most connections open at once.
    fn period_ended(w: &mut World, p: &Period) {
        let nat = &mut w.nat;
        for g in 0..nat.meters.len() {
            let (now, last) = (nat.meters[g], nat.last[g]);
            nat.last[g] = now;
            let max = std::mem::replace(&mut nat.period_max[g], nat.active[g]);
            let values = [
                (now.connections - last.connections) as f64,
                now.bytes - last.bytes,
                (now.failed_calls - last.failed_calls) as f64,
                (now.port_allocation_errors - last.port_allocation_errors) as f64,
                max as f64,
            ];
            for (id, v) in nat.series[g].iter().zip(values) {
                w.series.push(p.start_s, *id, v);
            }
        }
    }

    /// The gateways' hours and bytes are billed with the older count (`Bills`), which
    /// `NatSpec::billed_gateways` totals.
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
