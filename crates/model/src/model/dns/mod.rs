//! Route 53 records: a name whose answer is chosen among endpoints (load balancers) by a
//! routing policy, health checks of the endpoints, and clients that cache answers for the
//! record's TTL.
//!
//! Policies ([`Routing`], rules in `routing`, sources in `docs/models/route53.md`):
//! - `failover`: the primary while its health check passes, else the secondary;
//! - `simple`: every endpoint, in random order; a client uses the first;
//! - `weighted`: an endpoint with probability weight / sum of the weights considered;
//! - `multivalue`: up to 8 healthy endpoints at random; a client uses the first;
//! - `latency`, `geolocation`, `geoproximity`: by the client's geography (rules in `geo`):
//!   the healthy endpoint of lowest round trip, of most specific location, of smallest biased
//!   distance. A geolocation record may have no answer for a geography (the client's
//!   resolution fails).
//!
//! The health checker probes every `interval` (30 s, or 10 s fast): a failover record's
//! primary, or every endpoint of a weighted or multivalue record that has a health check.
//! After `failure_threshold` consecutive failures an endpoint is unhealthy, and after as many
//! consecutive passes healthy again. Each change of the healthy set becomes visible after
//! `propagation`. Clients resolved at uniformly spread times, so at `t` after a change a
//! fraction `min(1, t / ttl)` of them has the new answer: traffic moves after detection plus
//! the TTL, never before detection. This module decides; the world probes and routes.

pub mod geo;
mod routing;

pub use geo::GeoLocation;
pub use routing::{MAX_ANSWERS, MAX_ENDPOINTS, answer, answered};

use crate::ids::{GeoId, LbId, WorkloadId};
use crate::kernel::{Rng, RngExt, SimTime};

crate::ids::id!(/// A Route 53 record, in name order.
    DnsRecordId(u16));

/// How a record chooses among its endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Routing {
    Simple,
    Weighted,
    Multivalue,
    Failover,
    Latency,
    Geolocation,
    Geoproximity,
}

impl Routing {
    /// Whether the answer depends on the client's geography.
    pub fn geographic(self) -> bool {
        matches!(
            self,
            Routing::Latency | Routing::Geolocation | Routing::Geoproximity
        )
    }

    /// The policy's name in scenarios and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Routing::Simple => "simple",
            Routing::Weighted => "weighted",
            Routing::Multivalue => "multivalue",
            Routing::Failover => "failover",
            Routing::Latency => "latency",
            Routing::Geolocation => "geolocation",
            Routing::Geoproximity => "geoproximity",
        }
    }
}

/// One endpoint of a record: a load balancer and, for weighted routing, its weight (0-255),
/// for geoproximity routing its bias (-99..99).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsEndpoint {
    pub lb: LbId,
    pub weight: u8,
    pub bias: i8,
}

/// A Route 53 health check's schedule and threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DnsHealthCheck {
    /// 30 s (standard) or 10 s (fast).
    pub interval: SimTime,
    /// Consecutive failures to turn unhealthy, and passes to turn healthy again (1-10).
    pub failure_threshold: u32,
}

#[derive(Clone, Debug)]
pub struct DnsRecordSpec {
    pub name: String,
    pub routing: Routing,
    /// The endpoints, at most [`MAX_ENDPOINTS`]; a failover record's are the primary and the
    /// secondary, in that order.
    pub endpoints: Vec<DnsEndpoint>,
    /// `None`: no endpoint is checked, every one counts as healthy (always `Some` for
    /// failover, never for simple routing).
    pub health_check: Option<DnsHealthCheck>,
    pub ttl: SimTime,
    pub propagation: SimTime,
    /// The workloads whose clients resolve this record.
    pub workloads: Vec<WorkloadId>,
    /// Geographic policies: per client geography ([`GeoId`]), the endpoints in order of
    /// preference (`geo`); empty for the other policies.
    pub order: Vec<Vec<u8>>,
    /// Geographic policies: per endpoint, where it applies (its region, or a geolocation
    /// record's location), for outputs.
    pub places: Vec<String>,
}

impl DnsRecordSpec {
    /// How many endpoints the health checker probes (the first ones): a failover record's
    /// primary; all of a checked weighted or multivalue record's; none otherwise.
    pub fn probed(&self) -> usize {
        match (self.routing, self.health_check) {
            (_, None) => 0,
            (Routing::Failover, Some(_)) => 1,
            (_, Some(_)) => self.endpoints.len(),
        }
    }

    /// Every endpoint, as a set.
    pub fn all(&self) -> u64 {
        routing::all(self.endpoints.len())
    }
}

/// One endpoint's consecutive health-check results.
#[derive(Clone, Copy, Debug)]
struct EndpointHealth {
    healthy: bool,
    passes: u32,
    failures: u32,
}

impl EndpointHealth {
    /// Records a probe; true when the endpoint's health changes.
    fn probe(&mut self, passed: bool, threshold: u32) -> bool {
        if passed {
            self.passes += 1;
            self.failures = 0;
            if !self.healthy && self.passes >= threshold {
                self.healthy = true;
                return true;
            }
        } else {
            self.failures += 1;
            self.passes = 0;
            if self.healthy && self.failures >= threshold {
                self.healthy = false;
                return true;
            }
        }
        false
    }
}

/// A record's health-check state and its answer history: the healthy endpoints (a set, bit
/// `i` for endpoint `i`) resolvers see now, and before the last change.
pub struct DnsRecord {
    health: Vec<EndpointHealth>,
    /// The healthy endpoints resolvers get since `answer_since`.
    pub healthy: u64,
    /// When the current answer became visible to resolvers.
    pub answer_since: SimTime,
    pub previous: u64,
    /// Changes of the healthy set so far.
    pub answer_changes: u64,
    /// A failover record's changes to the secondary and back.
    pub failovers: u64,
    pub failbacks: u64,
    /// Requests sent to each endpoint.
    pub requests: Vec<u64>,
    /// Resolutions that got no answer (a geolocation record without a match).
    pub no_answer: u64,
}

impl DnsRecord {
    /// A record whose endpoints are all healthy.
    pub fn new(spec: &DnsRecordSpec) -> DnsRecord {
        let healthy = EndpointHealth {
            healthy: true,
            passes: 0,
            failures: 0,
        };
        DnsRecord {
            health: vec![healthy; spec.probed()],
            healthy: spec.all(),
            answer_since: SimTime::ZERO,
            previous: spec.all(),
            answer_changes: 0,
            failovers: 0,
            failbacks: 0,
            requests: vec![0; spec.endpoints.len()],
            no_answer: 0,
        }
    }

    /// Records a round of probes at `now`: `passed` has bit `i` set when probed endpoint `i`
    /// serves. Returns the new healthy set if it changes.
    pub fn record_probes(
        &mut self,
        passed: u64,
        spec: &DnsRecordSpec,
        now: SimTime,
    ) -> Option<u64> {
        let threshold = spec.health_check?.failure_threshold;
        let mut changed = false;
        for (i, h) in self.health.iter_mut().enumerate() {
            changed |= h.probe(passed >> i & 1 == 1, threshold);
        }
        if !changed {
            return None;
        }
        let mut next = spec.all();
        for (i, h) in self.health.iter().enumerate() {
            if !h.healthy {
                next &= !(1 << i);
            }
        }
        self.previous = self.healthy;
        self.healthy = next;
        self.answer_since = now + spec.propagation;
        self.answer_changes += 1;
        if spec.routing == Routing::Failover {
            if next & 1 == 0 {
                self.failovers += 1;
            } else {
                self.failbacks += 1;
            }
        }
        Some(next)
    }

    /// The fraction of clients holding the current answer at `now`.
    pub fn fraction_current(&self, spec: &DnsRecordSpec, now: SimTime) -> f64 {
        if now < self.answer_since {
            return 0.0;
        }
        if spec.ttl == SimTime::ZERO {
            return 1.0;
        }
        ((now - self.answer_since).as_secs_f64() / spec.ttl.as_secs_f64()).min(1.0)
    }

    /// The endpoint (its index in the spec) a client in geography `geo` resolves to at `now`:
    /// whether it holds the current or the previous answer, and what the answer gives it, are
    /// drawn from `rng` (one draw, and more for a multivalue answer's order). `None`: no
    /// answer (a geographic record with no endpoint for the client).
    pub fn resolve(
        &mut self,
        spec: &DnsRecordSpec,
        now: SimTime,
        rng: &mut Rng,
        geo: Option<GeoId>,
    ) -> Option<usize> {
        let u = rng.open01();
        let f = self.fraction_current(spec, now);
        // The draw decides the answer's age, and rescaled to [0, 1) the choice within it.
        let (healthy, v) = if u < f {
            (self.healthy, u / f)
        } else {
            (self.previous, (u - f) / (1.0 - f))
        };
        let chosen = match spec.routing {
            Routing::Multivalue => Some(answer(&spec.endpoints, healthy, rng).first()),
            r if r.geographic() => geo
                .and_then(|g| spec.order.get(g.index()))
                .and_then(|order| geo::preferred(order, healthy)),
            _ => Some(routing::choose(spec, healthy, v)),
        };
        match chosen {
            Some(i) => self.requests[i] += 1,
            None => self.no_answer += 1,
        }
        chosen
    }
}

/// What happens to Route 53 records on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DnsEvent {
    /// A Route 53 health check of a record's endpoints is due.
    CheckDue(DnsRecordId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for DnsEvent {}

#[cfg(test)]
mod tests;
