//! A distribution's run state: its edge caches (one per client geography: the clients of a
//! geography reach the edge locations near them, our model of CloudFront's edge network),
//! its Origin Shield cache (one, in the shield's region), the draws of objects and of typed
//! hit ratios, and its counters (the run's totals after the warm-up, the metric period's,
//! and the cost period's).
//!
//! A request's lookup ([`Distributions::lookup`]): a behavior that does not cache, or a
//! method CloudFront does not cache, goes to the origin; a typed hit ratio draws the hit; a
//! TTL behavior draws the object and asks the edge cache, then on a miss Origin Shield if
//! the distribution has one (AWS, "Use Amazon CloudFront Origin Shield",
//! https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/origin-shield.html:
//! "all requests from all of CloudFront's caching layers to your origin go through Origin
//! Shield"), then the origin. A shield miss refreshes the shield's copy and the edge's.

use super::cache::TtlCache;
use super::popularity::KeySampler;
use super::{Caching, DistributionId, DistributionSpec, cacheable_method};
use crate::kernel::{Rng, RngExt, SimTime, stream};

/// Counters of a distribution.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Totals {
    pub requests: u64,
    /// Answered by the edge cache.
    pub edge_hits: u64,
    /// Edge misses that asked Origin Shield, and the ones it answered.
    pub shield_requests: u64,
    pub shield_hits: u64,
    /// Requests sent to the origin group (cache misses and requests not cached).
    pub origin_fetches: u64,
    /// Fetches the primary failed (a listed status) and the secondary was asked.
    pub failovers: u64,
    /// Fetches the origin group answered in the end, and of those the errors (passed to
    /// the client).
    pub origin_answers: u64,
    pub origin_errors: u64,
    /// Bytes of answers to clients (data transfer out to the internet), and of requests
    /// forwarded to the origin (data transfer out to the origin).
    pub bytes_out: u64,
    pub bytes_to_origin: u64,
}

impl Totals {
    /// Edge and shield hits over requests (0 without requests).
    pub fn hit_ratio(&self) -> f64 {
        if self.requests == 0 {
            0.0
        } else {
            (self.edge_hits + self.shield_hits) as f64 / self.requests as f64
        }
    }
}

/// Where a request's answer comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    EdgeHit,
    ShieldHit,
    /// The origin group; `via_shield`: through Origin Shield.
    Origin {
        via_shield: bool,
    },
}

/// One distribution's state.
pub struct DistributionState {
    /// Per behavior: its key space (TTL behaviors only).
    samplers: Vec<Option<KeySampler>>,
    /// Per behavior, per edge.
    edge_caches: Vec<Vec<TtlCache>>,
    /// Per behavior (a distribution with Origin Shield).
    shield_caches: Vec<TtlCache>,
    /// `cloudfront/NAME/objects`: the object of each request.
    objects: Rng,
    /// `cloudfront/NAME/hits`: typed hit ratios.
    hits: Rng,
    /// After the warm-up.
    pub totals: Totals,
    /// This metric period (from the start).
    pub period: Totals,
    /// This cost period (from the start: the bill counts every request).
    pub billed: Totals,
}

/// Every distribution's state.
pub struct Distributions {
    pub dists: Vec<DistributionState>,
}

impl Distributions {
    /// `edges`: per distribution, its number of edge caches (the client geographies of its
    /// workloads, at least 1).
    pub fn new(seed: u64, specs: &[DistributionSpec], edges: &[usize]) -> Distributions {
        let dists = specs
            .iter()
            .zip(edges)
            .map(|(spec, &edges)| {
                let samplers: Vec<Option<KeySampler>> = spec
                    .behaviors
                    .iter()
                    .map(|b| match b.caching {
                        Caching::Ttl {
                            objects,
                            popularity,
                            ..
                        } => Some(KeySampler::new(objects, popularity)),
                        _ => None,
                    })
                    .collect();
                let cache = |s: &Option<KeySampler>| {
                    s.as_ref()
                        .map_or_else(TtlCache::default, |k| TtlCache::new(k.objects()))
                };
                DistributionState {
                    edge_caches: samplers
                        .iter()
                        .map(|s| (0..edges.max(1)).map(|_| cache(s)).collect())
                        .collect(),
                    shield_caches: if spec.shield.is_some() {
                        samplers.iter().map(cache).collect()
                    } else {
                        Vec::new()
                    },
                    samplers,
                    objects: stream(seed, &format!("cloudfront/{}/objects", spec.name)),
                    hits: stream(seed, &format!("cloudfront/{}/hits", spec.name)),
                    totals: Totals::default(),
                    period: Totals::default(),
                    billed: Totals::default(),
                }
            })
            .collect();
        Distributions { dists }
    }

    /// Adds to distribution `d`'s counters: the period's and the bill's always, the run's
    /// totals when `counted`.
    #[inline]
    pub fn count(&mut self, d: DistributionId, counted: bool, f: impl Fn(&mut Totals)) {
        let s = &mut self.dists[d.index()];
        f(&mut s.period);
        f(&mut s.billed);
        if counted {
            f(&mut s.totals);
        }
    }

    /// A request with `method` that follows `behavior` of distribution `d` reaches edge
    /// `edge` at `now`: where its answer comes from (counted: requests, hits, shield
    /// requests, origin fetches).
    pub fn lookup(
        &mut self,
        (d, spec): (DistributionId, &DistributionSpec),
        (behavior, method): (usize, &str),
        edge: usize,
        now: SimTime,
        counted: bool,
    ) -> Lookup {
        let shield = spec.shield.is_some();
        let s = &mut self.dists[d.index()];
        let answer = match &spec.behaviors[behavior].caching {
            _ if !cacheable_method(method) => Lookup::Origin { via_shield: false },
            Caching::Off => Lookup::Origin { via_shield: false },
            Caching::HitRatio(x) => {
                if s.hits.chance(*x) {
                    Lookup::EdgeHit
                } else {
                    Lookup::Origin { via_shield: shield }
                }
            }
            Caching::Ttl { ttl, .. } => {
                let sampler = s.samplers[behavior]
                    .as_ref()
                    .expect("a TTL behavior's keys");
                let object = sampler.draw(&mut s.objects);
                if s.edge_caches[behavior][edge].lookup(object, now, *ttl) {
                    Lookup::EdgeHit
                } else if !shield {
                    Lookup::Origin { via_shield: false }
                } else if s.shield_caches[behavior].lookup(object, now, *ttl) {
                    Lookup::ShieldHit
                } else {
                    Lookup::Origin { via_shield: true }
                }
            }
        };
        self.count(d, counted, |t| {
            t.requests += 1;
            match answer {
                Lookup::EdgeHit => t.edge_hits += 1,
                Lookup::ShieldHit => {
                    t.shield_requests += 1;
                    t.shield_hits += 1;
                }
                Lookup::Origin { via_shield } => {
                    t.shield_requests += via_shield as u64;
                    t.origin_fetches += 1;
                }
            }
        });
        answer
    }

    /// Distribution `d`'s period counters; the next period starts from zero.
    pub fn take_period(&mut self, d: DistributionId) -> Totals {
        std::mem::take(&mut self.dists[d.index()].period)
    }

    /// Distribution `d`'s cost-period counters; the next cost period starts from zero.
    pub fn take_billed(&mut self, d: DistributionId) -> Totals {
        std::mem::take(&mut self.dists[d.index()].billed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{BehaviorSpec, Origin, Popularity};
    use super::*;
    use crate::dist::Dist;
    use crate::ids::RegionId;
    use crate::model::rules::Pattern;

    fn spec(shield: bool) -> DistributionSpec {
        DistributionSpec {
            name: "cdn".into(),
            behaviors: vec![
                BehaviorSpec {
                    pattern: Some(Pattern::path("/api/*")),
                    caching: Caching::Off,
                },
                BehaviorSpec {
                    pattern: None,
                    caching: Caching::Ttl {
                        ttl: SimTime::from_secs(60),
                        objects: 1,
                        popularity: Popularity::Uniform,
                    },
                },
            ],
            primary: Origin::ObjectStore {
                region: RegionId(0),
                latency: Dist::Constant(SimTime::from_millis(20)),
                error_rate: 0.0,
            },
            secondary: None,
            failover_codes: Vec::new(),
            shield: shield.then_some(RegionId(0)),
        }
    }

    #[test]
    fn first_match_then_default_behavior() {
        let s = spec(false);
        assert_eq!(s.behavior_for("/api/users"), 0);
        assert_eq!(s.behavior_for("/img/a.png"), 1);
    }

    #[test]
    fn edges_miss_apart_and_the_shield_answers_the_second_edge() {
        let s = spec(true);
        let mut d = Distributions::new(1, std::slice::from_ref(&s), &[2]);
        let id = DistributionId(0);
        let t = SimTime::from_secs(1);
        let at = |e| (e, t);
        let mut ask =
            |(edge, now): (usize, SimTime), m: &str| d.lookup((id, &s), (1, m), edge, now, true);
        assert_eq!(ask(at(0), "GET"), Lookup::Origin { via_shield: true });
        assert_eq!(ask(at(0), "GET"), Lookup::EdgeHit);
        assert_eq!(ask(at(1), "GET"), Lookup::ShieldHit);
        assert_eq!(ask(at(1), "POST"), Lookup::Origin { via_shield: false });
        let tot = d.dists[0].totals;
        assert_eq!((tot.requests, tot.edge_hits, tot.shield_hits), (4, 1, 1));
        assert_eq!((tot.shield_requests, tot.origin_fetches), (2, 2));
    }
}
