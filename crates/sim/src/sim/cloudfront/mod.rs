//! CloudFront in the world: a workload's request to `cloudfront/NAME` reaches the edge of
//! its client's geography, follows the cache behavior of its path, and is answered by the
//! edge cache, by Origin Shield, or by the origin group (an ALB through its listener rules
//! and targets, or an object store whose answer is CloudFront's own event); a listed failing
//! status from the primary sends it to the secondary.
//!
//! The service's state is [`CloudFront`]: the caches and counters (`model::cloudfront`),
//! the behavior of each workload's class, the object stores' random streams, and the
//! requests waiting for an origin ([`Fetch`], by request id). `adapter` (the `Service` and
//! `Handles<CloudFrontEvent>` impls, the request path's entry point and the hook that hears
//! an origin's answer) is the only CloudFront code that takes the world.
//!
//! Latency (our model): a client with a geography waits one round trip to its edge
//! ([`crate::model::cloudfront::edge_rtt`] of its continent); a shield hit adds the round
//! trip from the client's geography to the shield's region, an origin fetch the round trip
//! to the origin's region (through the shield: to the shield's region, then between the two
//! regions by great-circle distance), and the origin's own time; a failover adds the
//! secondary's. Clients without a geography see the origin's time alone, as elsewhere in
//! Stratus. The network round trips are added to the latency, not simulated as delays.

mod adapter;

use crate::ids::{GeoId, RegionId};
use crate::kernel::{Rng, SimTime, stream};
use crate::metrics::{SeriesId, Statistic, TimeSeries};
use crate::model::cloudfront::{
    DistributionId, DistributionSpec, Distributions, Origin, Totals, edge_rtt,
};
use crate::model::region::{Regions, default_rtt, distance_km};
use crate::scenario::Scenario;
use std::collections::HashMap;

/// What one distribution did, for reports (`summary.json` `cloudfront.NAME`).
#[derive(Clone, Debug, PartialEq)]
pub struct DistributionResult {
    pub name: String,
    /// `alb/NAME` or `s3`, and the secondary's, if an origin group.
    pub origin: String,
    pub secondary: Option<String>,
    /// Origin Shield's region.
    pub shield: Option<String>,
    pub totals: Totals,
    /// Its bill over the run, USD.
    pub cost_usd: f64,
}

/// A request waiting for an origin.
#[derive(Clone, Copy, Debug)]
struct Fetch {
    d: DistributionId,
    class: u16,
    /// It is at the secondary origin (a failover happened).
    secondary: bool,
    counted: bool,
    /// When it reached the edge.
    arrived: SimTime,
    /// The round trips its client waits besides the origin's time, ns.
    network_ns: u64,
    /// Its CPU demand at an ALB's targets, and its client (sticky load balancers).
    work: SimTime,
    client: Option<u32>,
    geo: Option<GeoId>,
    via_shield: bool,
}

/// CloudFront's state in the world.
pub struct CloudFront {
    dists: Distributions,
    /// Per distribution, per workload, per class: its cache behavior (empty for workloads
    /// of other targets).
    behavior_of: Vec<Vec<Vec<u16>>>,
    /// Per distribution, per client geography: its edge cache (the geographies of the
    /// distribution's workloads in id order; 0 for the others and for clients without one).
    edge_of: Vec<Vec<u8>>,
    /// Per distribution: `cloudfront/NAME/origin`, the object stores' times and errors.
    origin_rngs: Vec<Rng>,
    /// Requests at an origin, by request id. Never iterated in an order that matters (the
    /// end counts them); a hash map keeps its capacity, so a fetch does not allocate once
    /// the run has seen its most fetches in flight.
    fetches: HashMap<u64, Fetch>,
    /// Per distribution: requests, hits, origin_fetches, failovers, bytes_out.
    series: Vec<[SeriesId; 5]>,
    /// Per distribution: its cost over the run; per cost period, all distributions'.
    cost_usd: Vec<f64>,
    costs: Vec<f64>,
}

impl CloudFront {
    /// Whether request `uid` is a fetch sent to its distribution's secondary origin.
    pub(in crate::sim) fn fetching_secondary(&self, uid: u64) -> bool {
        !self.fetches.is_empty() && self.fetches.get(&uid).is_some_and(|f| f.secondary)
    }

    fn new(s: &Scenario, series: &mut TimeSeries) -> CloudFront {
        let specs = &s.services.cloudfront;
        let geos = s.regions.geographies.len();
        // An edge cache per geography some workload of the distribution has clients in.
        let edge_of: Vec<Vec<u8>> = (0..specs.len())
            .map(|d| {
                let mut used = vec![false; geos];
                for (w, spec) in s.workloads.iter().enumerate() {
                    if spec.target.of(crate::model::cloudfront::TARGET) == Some(d)
                        && let Some(mix) = s.regions.workload_mix.get(w)
                    {
                        for (g, _) in &mix.shares {
                            used[g.index()] = true;
                        }
                    }
                }
                let mut next = 0u16;
                used.iter()
                    .map(|&u| {
                        let e = if u { next as u8 } else { 0 };
                        next += u16::from(u);
                        e
                    })
                    .collect()
            })
            .collect();
        let edges: Vec<usize> = edge_of
            .iter()
            .map(|e| e.iter().map(|&x| x as usize + 1).max().unwrap_or(1))
            .collect();
        let behavior_of = specs
            .iter()
            .enumerate()
            .map(|(d, spec)| {
                s.workloads
                    .iter()
                    .map(|w| match w.target.of(crate::model::cloudfront::TARGET) {
                        Some(t) if t == d => w
                            .classes
                            .iter()
                            .map(|c| spec.behavior_for(&c.path) as u16)
                            .collect(),
                        _ => Vec::new(),
                    })
                    .collect()
            })
            .collect();
        CloudFront {
            dists: Distributions::new(s.seed, specs, &edges),
            behavior_of,
            edge_of,
            origin_rngs: specs
                .iter()
                .map(|d| stream(s.seed, &format!("cloudfront/{}/origin", d.name)))
                .collect(),
            fetches: HashMap::new(),
            series: specs
                .iter()
                .map(|d| {
                    series.register(
                        &format!("cloudfront.{}", d.name),
                        [
                            ("requests", Statistic::Sum),
                            ("hits", Statistic::Sum),
                            ("origin_fetches", Statistic::Sum),
                            ("failovers", Statistic::Sum),
                            ("bytes_out", Statistic::Sum),
                        ],
                    )
                })
                .collect(),
            cost_usd: vec![0.0; specs.len()],
            costs: Vec::new(),
        }
    }

    /// The period's rows (at `t` seconds); the period's counts start again.
    fn period_ended(&mut self, t: f64, series: &mut TimeSeries) {
        for (i, ids) in self.series.iter().enumerate() {
            let p = self.dists.take_period(DistributionId(i as u16));
            let values = [
                p.requests,
                p.edge_hits + p.shield_hits,
                p.origin_fetches,
                p.failovers,
                p.bytes_out,
            ];
            for (&id, v) in ids.iter().zip(values) {
                series.push(t, id, v as f64);
            }
        }
    }

    /// Closes a cost period: every distribution's requests, bytes out (to the internet and
    /// to the origin) and shield requests, priced.
    fn close_cost_period(&mut self, prices: &crate::model::cloudfront::CloudFrontPrices) {
        let mut period = 0.0;
        for (i, total) in self.cost_usd.iter_mut().enumerate() {
            let b = self.dists.take_billed(DistributionId(i as u16));
            let c = bill(&b, prices);
            *total += c;
            period += c;
        }
        self.costs.push(period);
    }
}

/// The bill of `t`'s requests and bytes (see `model::cloudfront::CloudFrontPrices`).
pub fn bill(t: &Totals, p: &crate::model::cloudfront::CloudFrontPrices) -> f64 {
    const GB: f64 = 1e9;
    t.requests as f64 / 1e4 * p.https_per_10k_requests
        + t.shield_requests as f64 / 1e4 * p.origin_shield_per_10k_requests
        + t.bytes_out as f64 / GB * p.out_to_internet_per_gb
        + t.bytes_to_origin as f64 / GB * p.out_to_origin_per_gb
}

/// The region an origin is in.
fn origin_region(regions: &Regions, o: &Origin) -> RegionId {
    match o {
        Origin::Alb(lb) => regions.lb_region[lb.index()],
        Origin::ObjectStore { region, .. } => *region,
        Origin::Api(api) => regions.of_api(*api),
    }
}

/// The round trip between two regions: none within one, else `default_rtt` of their
/// distance (our model, as for clients).
fn between_regions(regions: &Regions, a: RegionId, b: RegionId) -> u64 {
    if a == b {
        return 0;
    }
    let (ra, rb) = (&regions.regions[a.index()], &regions.regions[b.index()]);
    default_rtt(distance_km(ra.location, rb.location)).as_nanos()
}

/// The round trips a client in `geo` waits for an answer from `origin` of `spec` (through
/// the shield when `via_shield`), or from the shield alone (`origin` none), besides the edge.
fn network_ns(
    regions: &Regions,
    spec: &DistributionSpec,
    geo: Option<GeoId>,
    origin: Option<&Origin>,
    via_shield: bool,
) -> u64 {
    let Some(g) = geo else {
        return 0;
    };
    let geo = &regions.geographies[g.index()];
    let edge = edge_rtt(&geo.continent).as_nanos();
    let to = |r: RegionId| geo.rtt[r.index()].as_nanos();
    match (origin, spec.shield.filter(|_| via_shield)) {
        (None, Some(shield)) => edge + to(shield),
        (None, None) => edge,
        (Some(o), Some(shield)) => {
            edge + to(shield) + between_regions(regions, shield, origin_region(regions, o))
        }
        (Some(o), None) => edge + to(origin_region(regions, o)),
    }
}

/// An origin in words: `alb/NAME` or `s3`.
fn origin_name(s: &Scenario, o: &Origin) -> String {
    match o {
        Origin::Alb(lb) => format!("alb/{}", s.load_balancers[lb.index()].name),
        Origin::ObjectStore { region, .. } => {
            format!("s3 ({})", s.regions.regions[region.index()].name)
        }
        Origin::Api(api) => format!("apigw/{}", s.services.api_gateways.apis[api.index()].name),
    }
}
