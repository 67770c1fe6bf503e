//! The routing policies' choice among a record's endpoints, given the healthy ones.
//!
//! AWS's rules (Route 53 Developer Guide, "Choosing a routing policy" and "How Amazon Route 53
//! chooses records when health checking is configured"):
//! - weighted: an endpoint gets weight / sum of the weights considered. Route 53 considers the
//!   healthy endpoints with a nonzero weight; if there are none, the healthy ones with weight
//!   0 (equally); if no endpoint is healthy, all of them, as if healthy ("fail open"). When
//!   every considered weight is 0, they share equally;
//! - multivalue answer: up to 8 healthy endpoints chosen at random; when none is healthy, up
//!   to 8 unhealthy ones;
//! - failover: the primary when healthy, else the secondary;
//! - simple: every endpoint, in random order (no health checks).
//!
//! A client uses the first endpoint of an answer (our choice: resolvers and clients that
//! try the first address; Route 53 randomizes the order).

use super::{DnsEndpoint, DnsRecordSpec, Routing};
use crate::kernel::{Rng, RngExt};

/// The endpoints a record may have (our limit: a set is a 64-bit mask).
pub const MAX_ENDPOINTS: usize = 64;

/// The endpoints a multivalue answer holds at most.
pub const MAX_ANSWERS: usize = 8;

/// The set of the first `n` endpoints.
pub(super) fn all(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

/// The endpoint a client of a record whose healthy set is `healthy` uses, for a uniform draw
/// `v` in [0, 1) (every policy but multivalue, which draws its answer).
pub(super) fn choose(spec: &DnsRecordSpec, healthy: u64, v: f64) -> usize {
    match spec.routing {
        Routing::Failover => usize::from(healthy & 1 == 0),
        Routing::Simple | Routing::Multivalue => nth(spec.all(), v),
        Routing::Latency | Routing::Geolocation | Routing::Geoproximity => {
            unreachable!("chosen by the client's geography in `DnsRecord::resolve`")
        }
        Routing::Weighted => weighted(&spec.endpoints, healthy, v),
    }
}

/// The endpoints a record with healthy set `healthy` answers with: for weighted routing those
/// it chooses among (Route 53's rules for weight 0 and for no healthy endpoint), for
/// multivalue the healthy ones (all when none is), for failover the one answered, for simple
/// every one.
pub fn answered(spec: &DnsRecordSpec, healthy: u64) -> u64 {
    let every = spec.all();
    match spec.routing {
        Routing::Failover => 1 << choose(spec, healthy, 0.0),
        Routing::Simple => every,
        Routing::Multivalue | Routing::Latency | Routing::Geolocation | Routing::Geoproximity
            if healthy & every != 0 =>
        {
            healthy & every
        }
        Routing::Multivalue | Routing::Latency | Routing::Geolocation | Routing::Geoproximity => {
            every
        }
        Routing::Weighted => considered(&spec.endpoints, healthy),
    }
}

/// The endpoints a weighted record chooses among: the healthy ones of nonzero weight; else
/// the healthy ones; else, none being healthy, those of nonzero weight; else all.
fn considered(endpoints: &[DnsEndpoint], healthy: u64) -> u64 {
    let every = all(endpoints.len());
    let nonzero = endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| e.weight > 0)
        .fold(0u64, |m, (i, _)| m | 1 << i);
    if healthy & nonzero != 0 {
        healthy & nonzero
    } else if healthy & every != 0 {
        healthy & every
    } else if nonzero != 0 {
        nonzero
    } else {
        every
    }
}

/// The weighted choice among the considered endpoints.
fn weighted(endpoints: &[DnsEndpoint], healthy: u64, v: f64) -> usize {
    let considered = considered(endpoints, healthy);
    let total: u32 = members(considered)
        .map(|i| u32::from(endpoints[i].weight))
        .sum();
    if total == 0 {
        return nth(considered, v);
    }
    let target = v * f64::from(total);
    let mut cumulative = 0u32;
    let mut last = 0;
    for i in members(considered) {
        cumulative += u32::from(endpoints[i].weight);
        last = i;
        if target < f64::from(cumulative) {
            return i;
        }
    }
    last
}

/// The members of set `m`, in index order.
fn members(m: u64) -> impl Iterator<Item = usize> {
    (0..64).filter(move |i| m >> i & 1 == 1)
}

/// The member of non-empty set `m` a uniform draw `v` in [0, 1) picks.
fn nth(m: u64, v: f64) -> usize {
    let n = m.count_ones() as usize;
    let k = ((v * n as f64) as usize).min(n - 1);
    members(m).nth(k).unwrap_or(0)
}

/// A multivalue answer: up to [`MAX_ANSWERS`] endpoints, in the order returned.
#[derive(Clone, Copy, Debug)]
pub struct Answer {
    endpoints: [u8; MAX_ANSWERS],
    len: usize,
}

impl Answer {
    /// The endpoints answered, in order.
    pub fn endpoints(&self) -> &[u8] {
        &self.endpoints[..self.len]
    }

    /// The endpoint a client uses.
    pub fn first(&self) -> usize {
        usize::from(self.endpoints[0])
    }
}

/// Route 53's multivalue answer for healthy set `healthy`: up to 8 of the healthy endpoints
/// at random (a partial shuffle), or up to 8 of all when none is healthy.
pub fn answer(endpoints: &[DnsEndpoint], healthy: u64, rng: &mut Rng) -> Answer {
    let every = all(endpoints.len());
    let pool_set = if healthy & every != 0 {
        healthy & every
    } else {
        every
    };
    let mut pool = [0u8; MAX_ENDPOINTS];
    let mut n = 0;
    for i in members(pool_set) {
        pool[n] = i as u8;
        n += 1;
    }
    let len = n.min(MAX_ANSWERS);
    for j in 0..len {
        let k = rng.uniform_u64(j as u64, n as u64) as usize;
        pool.swap(j, k);
    }
    let mut out = Answer {
        endpoints: [0; MAX_ANSWERS],
        len,
    };
    out.endpoints[..len].copy_from_slice(&pool[..len]);
    out
}
