//! NAT gateways and the external endpoints requests call through them.
//!
//! An instance in a private subnet reaches the internet through the NAT gateway its subnet's
//! route table names: one gateway per AZ, or one shared by every AZ. A call to an external
//! endpoint (`{external: NAME}`) goes through the gateway of its instance's AZ; it fails at
//! once when that gateway's AZ is down, and a call in flight through it fails when the AZ goes
//! down. Source: "NAT gateways" in the Amazon VPC User Guide
//! (<https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html>): a NAT gateway is
//! created in a specific Availability Zone and implemented with redundancy in that zone; "if
//! you have resources in multiple Availability Zones and they share one NAT gateway, and if
//! the NAT gateway's Availability Zone is down, resources in the other Availability Zones lose
//! internet access", so AWS recommends a gateway per AZ with each AZ's route table using its
//! own. A gateway in another AZ than the instance is reached across AZs, billed as inter-AZ
//! data transfer (Amazon VPC pricing, <https://aws.amazon.com/vpc/pricing/>).
//!
//! A gateway supports up to 55,000 simultaneous connections to each unique destination; past
//! that it cannot allocate a source port and counts `ErrorPortAllocation` ("NAT gateway
//! basics" and "Troubleshoot NAT gateways: ErrorPortAllocation" in the same guide,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-basics.html>,
//! <https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-troubleshooting.html>). Our
//! choices: an external endpoint is one destination (one IP, port and protocol), a call is one
//! connection for its whole latency, the gateway has one IP address (AWS allows up to 8, each
//! adding 55,000), and a call refused a port fails at once. This module decides; the world
//! schedules events and ends requests.

use crate::dist::Dist;
use crate::ids::{AzId, EndpointId, RequestId};
use crate::kernel::{Key, SimTime};

/// The field of an external call in a request's `calls` (`{external: NAME}`): the kind of
/// call NAT gateways register (`scenario::calls::CallKey`, `sim::calls::CallKind`).
pub const CALL: &str = "external";

crate::ids::id!(/// A NAT gateway, in name order.
    GatewayId(u16));

crate::ids::id!(/// A call to an external endpoint in flight: its slot, reused after the call ends.
    ExternalSlot(u32));

/// Simultaneous connections a NAT gateway (one IP address) supports to one destination.
pub const MAX_CONNECTIONS_PER_DESTINATION: u32 = 55_000;

#[derive(Clone, Debug)]
pub struct GatewaySpec {
    pub name: String,
    pub az: AzId,
}

/// The named NAT gateways and each AZ's route (`nat_gateways: {NAME: {az, serves}}`).
#[derive(Clone, Debug, Default)]
pub struct NatSpec {
    pub gateways: Vec<GatewaySpec>,
    /// Per AZ: the gateway its private subnets route external traffic through (`None`: the
    /// AZ has no route to the internet).
    pub routes: Vec<Option<GatewayId>>,
    /// The older form `nat_gateways: N`: gateways billed but not placed or routed.
    pub unplaced: u32,
}

impl NatSpec {
    /// Gateways billed by the hour.
    pub fn billed_gateways(&self) -> u32 {
        self.unplaced + self.gateways.len() as u32
    }
}

/// An internet endpoint requests call (`external_endpoints: {NAME: {latency}}`).
#[derive(Clone, Debug)]
pub struct EndpointSpec {
    pub name: String,
    /// The call's round trip beyond the gateway.
    pub latency: Dist,
}

/// A call to an external endpoint in flight.
#[derive(Clone, Copy, Debug)]
pub struct ExternalCall {
    /// The request waiting on it; `None` once the request ended without it.
    pub request: Option<RequestId>,
    pub step: u8,
    pub gateway: GatewayId,
    pub endpoint: EndpointId,
    pub end: Key,
}

/// Per gateway: what went through it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GatewayMeters {
    pub calls: u64,
    /// Calls that found the gateway's AZ down, or were in flight when it went down.
    pub failed_calls: u64,
    /// Calls from an instance in another AZ than the gateway.
    pub cross_az_calls: u64,
    pub bytes: f64,
    /// Connections opened (calls that got through the gateway).
    pub connections: u64,
    /// Calls refused a source port (`ErrorPortAllocation`).
    pub port_allocation_errors: u64,
    /// The most connections open through the gateway at once.
    pub max_active: u32,
}

/// How an external call began.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ExternalStart {
    /// Through `gateway`; `cross_az` when the instance is in another AZ.
    Started {
        gateway: GatewayId,
        cross_az: bool,
        bytes: u64,
    },
    /// The route's gateway is in a down AZ (or there is no route): the call fails at once.
    NoEgress,
    /// The gateway has no source port left for the endpoint: the call fails at once.
    NoPort { gateway: GatewayId },
}

/// The external calls in flight, in reusable slots.
#[derive(Default)]
pub struct ExternalCalls {
    slots: Vec<Option<ExternalCall>>,
    free: Vec<ExternalSlot>,
}

impl ExternalCalls {
    pub fn insert(&mut self, call: ExternalCall) -> ExternalSlot {
        match self.free.pop() {
            Some(s) => {
                self.slots[s.index()] = Some(call);
                s
            }
            None => {
                self.slots.push(Some(call));
                ExternalSlot((self.slots.len() - 1) as u32)
            }
        }
    }

    /// The slot the next `insert` takes (to schedule its end before inserting it).
    pub fn next_slot(&self) -> ExternalSlot {
        (self.free.last().copied()).unwrap_or(ExternalSlot(self.slots.len() as u32))
    }

    pub fn remove(&mut self, s: ExternalSlot) -> Option<ExternalCall> {
        let call = self.slots.get_mut(s.index())?.take()?;
        self.free.push(s);
        Some(call)
    }

    /// The requests in `ended` (sorted) ended without their calls (a scan: rare events).
    pub fn detach(&mut self, ended: &[RequestId]) {
        for call in self.slots.iter_mut().flatten() {
            if call
                .request
                .is_some_and(|r| ended.binary_search(&r).is_ok())
            {
                call.request = None;
            }
        }
    }

    /// Removes and returns the live calls through the gateways in `lost` (a scan: rare).
    pub fn take_through(&mut self, lost: &[GatewayId]) -> Vec<ExternalCall> {
        let mut out = Vec::new();
        for (i, slot) in self.slots.iter_mut().enumerate() {
            if slot.is_some_and(|c| lost.contains(&c.gateway)) {
                out.extend(slot.take());
                self.free.push(ExternalSlot(i as u32));
            }
        }
        out
    }
}

/// Where a call from an instance in `az` leaves the VPC, given which AZs are down.
pub fn route(spec: &NatSpec, az: AzId, az_down: &[bool], bytes: u64) -> ExternalStart {
    match spec.routes.get(az.index()).copied().flatten() {
        Some(g) if !az_down[spec.gateways[g.index()].az.index()] => ExternalStart::Started {
            gateway: g,
            cross_az: spec.gateways[g.index()].az != az,
            bytes,
        },
        _ => ExternalStart::NoEgress,
    }
}

/// What happens to external calls on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NatEvent {
    /// An external call's answer came back.
    CallEnded(ExternalSlot),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for NatEvent {}

/// The time an external call takes: its endpoint's latency.
pub fn call_time(endpoint: &EndpointSpec, rng: &mut crate::kernel::Rng) -> SimTime {
    endpoint.latency.sample(rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(gateway_azs: &[u8], routes: &[Option<u16>]) -> NatSpec {
        NatSpec {
            gateways: (gateway_azs.iter().enumerate())
                .map(|(i, &a)| GatewaySpec {
                    name: format!("nat{i}"),
                    az: AzId(a),
                })
                .collect(),
            routes: routes.iter().map(|r| r.map(GatewayId)).collect(),
            unplaced: 0,
        }
    }

    #[test]
    fn a_shared_gateway_cuts_every_az_when_its_az_is_down() {
        let s = spec(&[0], &[Some(0), Some(0), Some(0)]);
        let down = [true, false, false];
        for az in 0..3 {
            assert_eq!(route(&s, AzId(az), &down, 10), ExternalStart::NoEgress);
        }
        let up = [false; 3];
        let started = route(&s, AzId(2), &up, 10);
        assert_eq!(
            started,
            ExternalStart::Started {
                gateway: GatewayId(0),
                cross_az: true,
                bytes: 10
            }
        );
    }

    #[test]
    fn one_gateway_per_az_cuts_only_the_down_az() {
        let s = spec(&[0, 1, 2], &[Some(0), Some(1), Some(2)]);
        let down = [true, false, false];
        assert_eq!(route(&s, AzId(0), &down, 1), ExternalStart::NoEgress);
        for az in 1..3u8 {
            assert_eq!(
                route(&s, AzId(az), &down, 1),
                ExternalStart::Started {
                    gateway: GatewayId(az as u16),
                    cross_az: false,
                    bytes: 1
                }
            );
        }
    }

    #[test]
    fn slots_are_reused_and_calls_through_a_lost_gateway_are_taken() {
        let mut calls = ExternalCalls::default();
        let mut q = crate::kernel::EventQueue::<NatEvent>::new();
        let mut key =
            |n| q.schedule_keyed(SimTime::from_secs(n), NatEvent::CallEnded(ExternalSlot(0)));
        let a = calls.insert(ExternalCall {
            request: Some(RequestId(1)),
            step: 0,
            gateway: GatewayId(0),
            endpoint: EndpointId(0),
            end: key(0),
        });
        let _b = calls.insert(ExternalCall {
            request: Some(RequestId(2)),
            step: 0,
            gateway: GatewayId(1),
            endpoint: EndpointId(0),
            end: key(1),
        });
        let lost = calls.take_through(&[GatewayId(0)]);
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0].request, Some(RequestId(1)));
        assert!(calls.remove(a).is_none(), "taken once");
        let c = calls.insert(ExternalCall {
            request: None,
            step: 1,
            gateway: GatewayId(0),
            endpoint: EndpointId(0),
            end: key(2),
        });
        assert_eq!(c, a, "the freed slot is reused");
    }
}
