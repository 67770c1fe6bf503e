//! CloudFront's adapter to the world: the `Service` and `Handles<CloudFrontEvent>` impls,
//! the request path's entry point (`cloudfront/NAME` workloads), the fetch from an origin
//! (an ALB through the load balancer's own path, or an object store's answer scheduled as
//! CloudFront's event), and the hook through which the request path hands CloudFront an
//! origin's answer (`World::cloudfront_answered`, called where every request ends): a
//! listed failing status from the primary goes to the secondary; any other answer reaches
//! the client with the edge's and the network's time added.

use super::{CloudFront, DistributionResult, Fetch, network_ns, origin_name};
use crate::event::Event;
use crate::ids::{RequestId, WorkloadId};
use crate::kernel::{RngExt, SimTime};
use crate::metrics::{Outcome, TimeSeries};
use crate::model::cloudfront::CloudFrontPrices;
use crate::model::cloudfront::{CloudFrontEvent, DistributionId, Lookup, Origin};
use crate::scenario::Scenario;
use crate::sim::World;
use crate::sim::front::Front;
use crate::sim::request::Request;
use crate::sim::service::{Finish, Handles, Period, Service, Stage};
use crate::trace::{Field, Kind};

/// The HTTP status of an outcome the origin group's failover criteria can list.
fn status(outcome: Outcome) -> Option<u16> {
    match outcome {
        Outcome::Http500 => Some(500),
        Outcome::Http502 => Some(502),
        Outcome::Http503 => Some(503),
        Outcome::Http504 => Some(504),
        Outcome::LoadBalancer(s) => Some(s),
        _ => None,
    }
}

impl World {
    /// Request `uid` of workload `w` (class `class`, CPU demand `work` at an ALB's
    /// targets, client `client`) reaches distribution `d`.
    pub(in crate::sim) fn on_cloudfront_request(
        &mut self,
        d: DistributionId,
        (w, class, client): (WorkloadId, usize, Option<u32>),
        work: SimTime,
        uid: u64,
    ) {
        let counted = self.counting;
        self.traffic.arrived += counted as u64;
        let scenario = self.scenario.clone();
        let spec = &scenario.services.cloudfront[d.index()];
        let geo = self.traffic.geography(&scenario.regions, w);
        let edge = geo.map_or(0, |g| {
            self.cloudfront.edge_of[d.index()][g.index()] as usize
        });
        let c = &scenario.workloads[w.index()].classes[class];
        let behavior = self.cloudfront.behavior_of[d.index()][w.index()][class] as usize;
        let now = self.queue.now();
        let lookup =
            self.cloudfront
                .dists
                .lookup((d, spec), (behavior, &c.method), edge, now, counted);
        let via_shield = match lookup {
            Lookup::EdgeHit | Lookup::ShieldHit => {
                let shield = lookup == Lookup::ShieldHit;
                let bytes = c.response_bytes;
                self.cloudfront
                    .dists
                    .count(d, counted, |t| t.bytes_out += bytes);
                if let Some(t) = self.tracer.as_deref_mut() {
                    let layer = if shield { "origin_shield" } else { "edge" };
                    let fields = [("layer", Field::Str(layer))];
                    t.emit(now, Kind::CacheHit, &spec.name, Some(uid), &fields);
                }
                let latency = network_ns(&scenario.regions, spec, geo, None, shield);
                return self.finish_traced(w, uid, counted, Outcome::Ok, latency);
            }
            Lookup::Origin { via_shield } => via_shield,
        };
        let bytes = c.request_bytes;
        self.cloudfront
            .dists
            .count(d, counted, |t| t.bytes_to_origin += bytes);
        let network = network_ns(
            &scenario.regions,
            spec,
            geo,
            Some(&spec.primary),
            via_shield,
        );
        let fetch = Fetch {
            d,
            class: class as u16,
            secondary: false,
            counted,
            arrived: now,
            network_ns: network,
            work,
            client,
            geo,
            via_shield,
        };
        self.cloudfront_fetch(uid, w, fetch);
    }

    /// Sends request `uid` of workload `w` to its fetch's origin (the primary, or the
    /// secondary after a failover).
    fn cloudfront_fetch(&mut self, uid: u64, w: WorkloadId, fetch: Fetch) {
        let scenario = self.scenario.clone();
        let spec = &scenario.services.cloudfront[fetch.d.index()];
        let origin = match (&spec.secondary, fetch.secondary) {
            (Some(s), true) => s,
            _ => &spec.primary,
        };
        let now = self.queue.now();
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = origin_name(&scenario, origin);
            let fields = [
                ("origin", Field::Str(&name)),
                ("secondary", Field::Int(u64::from(fetch.secondary))),
            ];
            t.emit(now, Kind::RequestRouted, &spec.name, Some(uid), &fields);
        }
        self.cloudfront.fetches.insert(uid, fetch);
        match origin {
            Origin::ObjectStore { latency, .. } => {
                let slot = self.traffic.requests.insert(Request {
                    id: uid,
                    arrived_at: now,
                    workload: w,
                    instance: None,
                    counted: fetch.counted,
                    class: fetch.class,
                    lb: None,
                    answered: false,
                    connecting: false,
                    rtt_ns: 0,
                });
                let rng = &mut self.cloudfront.origin_rngs[fetch.d.index()];
                let at = now + latency.sample(rng);
                let e = CloudFrontEvent::ObjectStoreAnswered(fetch.d, slot);
                self.queue.schedule(at, Event::from(e));
            }
            Origin::Alb(lb) => {
                let to = (w, fetch.class as usize, fetch.client);
                self.forward_into_alb(*lb, to, fetch.work, uid, fetch.counted);
            }
            Origin::Api(api) => {
                let to = (w, fetch.class as usize, fetch.client);
                self.forward_into_api(*api, to, fetch.work, uid, fetch.counted);
            }
        }
    }

    /// An object store answered the fetch in `slot`: a 500 for its share of errors.
    fn on_object_store_answered(&mut self, d: DistributionId, slot: RequestId) {
        let r = self.traffic.requests.remove(slot);
        let secondary = self
            .cloudfront
            .fetches
            .get(&r.id)
            .is_some_and(|f| f.secondary);
        let spec = &self.scenario.services.cloudfront[d.index()];
        let origin = match (&spec.secondary, secondary) {
            (Some(s), true) => s,
            _ => &spec.primary,
        };
        let error_rate = match origin {
            Origin::ObjectStore { error_rate, .. } => *error_rate,
            Origin::Alb(_) | Origin::Api(_) => 0.0,
        };
        let rng = &mut self.cloudfront.origin_rngs[d.index()];
        let failed = error_rate > 0.0 && rng.chance(error_rate);
        let outcome = if failed {
            Outcome::Http500
        } else {
            Outcome::Ok
        };
        self.finish_traced(r.workload, r.id, r.counted, outcome, 0);
    }

    /// Whether an answer `outcome` to request `uid` goes no further than CloudFront: the
    /// request is a primary origin's fetch whose origin group fails over on it, so the
    /// client gets the secondary's answer instead (`cloudfront_answered`).
    pub(in crate::sim) fn cloudfront_fails_over(&self, uid: u64, outcome: Outcome) -> bool {
        let Some(fetch) = self.cloudfront.fetches.get(&uid) else {
            return false;
        };
        let spec = &self.scenario.services.cloudfront[fetch.d.index()];
        !fetch.secondary
            && spec.secondary.is_some()
            && status(outcome).is_some_and(|code| spec.fails_over(code))
    }

    /// The request path ends request `uid` of workload `w` with `outcome` after
    /// `latency_ns`: if CloudFront sent it to an origin, the answer is CloudFront's. A
    /// primary's answer with a listed status goes to the secondary (AWS, "Optimize high
    /// availability with CloudFront origin failover",
    /// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/high_availability_origin_failover.html:
    /// "CloudFront routes the request to the secondary origin only when the primary origin
    /// returns one of the status codes", or when the connection fails or times out: the
    /// load balancer's 502 and 504 here): `None`, the request goes on. Otherwise the
    /// client's answer: its warm-up flag and its latency from the edge's arrival, the round
    /// trips added. Requests CloudFront did not send pass through unchanged.
    #[inline]
    pub(in crate::sim) fn cloudfront_answered(
        &mut self,
        w: WorkloadId,
        uid: u64,
        (counted, outcome): (bool, Outcome),
        latency_ns: u64,
    ) -> Option<(bool, u64)> {
        if self.cloudfront.fetches.is_empty() {
            return Some((counted, latency_ns));
        }
        let Some(fetch) = self.cloudfront.fetches.remove(&uid) else {
            return Some((counted, latency_ns));
        };
        let scenario = self.scenario.clone();
        let spec = &scenario.services.cloudfront[fetch.d.index()];
        let code = status(outcome);
        if let (false, Some(code), Some(secondary)) = (fetch.secondary, code, &spec.secondary)
            && spec.fails_over(code)
        {
            self.cloudfront
                .dists
                .count(fetch.d, fetch.counted, |t| t.failovers += 1);
            let regions = &scenario.regions;
            let (geo, shield) = (fetch.geo, fetch.via_shield);
            let edge = network_ns(regions, spec, geo, None, false);
            let leg = network_ns(regions, spec, geo, Some(secondary), shield) - edge;
            let next = Fetch {
                secondary: true,
                network_ns: fetch.network_ns + leg,
                ..fetch
            };
            self.cloudfront_fetch(uid, w, next);
            return None;
        }
        let ok = outcome == Outcome::Ok;
        let bytes = if ok {
            scenario.workloads[w.index()].classes[fetch.class as usize].response_bytes
        } else {
            0
        };
        let failed = code.is_some_and(|c| c >= 500);
        self.cloudfront.dists.count(fetch.d, fetch.counted, |t| {
            t.origin_answers += 1;
            t.origin_errors += failed as u64;
            t.bytes_out += bytes;
        });
        let latency = (self.queue.now() - fetch.arrived).as_nanos() + fetch.network_ns;
        Some((fetch.counted, latency))
    }
}

/// Workloads send requests to a distribution as `cloudfront/NAME`; an origin fetch's answer
/// comes back through `answered` (`World::cloudfront_answered`).
impl Front for CloudFront {
    const PREFIX: &'static str = crate::model::cloudfront::TARGET;

    #[inline]
    fn arrived(world: &mut World, w: WorkloadId, index: usize) {
        let d = world.new_request(w);
        let dist = DistributionId(index as u16);
        world.on_cloudfront_request(dist, (w, d.class, d.client), d.work, d.id);
    }

    #[inline(always)]
    fn answered(
        world: &mut World,
        w: WorkloadId,
        uid: u64,
        outcome: Outcome,
        (counted, latency_ns): (bool, u64),
    ) -> Option<(bool, u64)> {
        if world.cloudfront.fetches.is_empty() {
            return Some((counted, latency_ns)); // no origin fetch waits (inlined on every request)
        }
        world.cloudfront_answered(w, uid, (counted, outcome), latency_ns)
    }
}

impl Service for CloudFront {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[Kind::CacheHit];

    fn start(_: &mut World) {}

    fn build(s: &Scenario, series: &mut TimeSeries) -> CloudFront {
        CloudFront::new(s, series)
    }

    /// Per distribution: `cloudfront.NAME.requests`, `hits`, `origin_fetches`, `failovers`,
    /// `bytes_out`.
    fn period_ended(w: &mut World, p: &Period) {
        w.cloudfront.period_ended(p.start_s, &mut w.series);
    }

    fn close_cost_period(w: &mut World, _: f64) {
        let prices = (w.scenario.prices.section::<CloudFrontPrices>())
            .expect("the shipped figures when the table has none");
        w.cloudfront.close_cost_period(&prices);
    }

    /// Every distribution's results, checked by conservation: each counted request was a
    /// hit or went to the origin group, and each fetch was answered or is still at an
    /// origin at the end.
    fn finish(w: &mut World, out: &mut Finish) {
        let s = &*w.scenario;
        let specs = &s.services.cloudfront;
        if specs.is_empty() {
            return;
        }
        out.usage
            .priced
            .insert("cloudfront", w.cloudfront.costs.clone());
        let mut at_origin = vec![0u64; specs.len()];
        for f in w.cloudfront.fetches.values().filter(|f| f.counted) {
            at_origin[f.d.index()] += 1;
        }
        out.result.services.cloudfront = specs
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let t = w.cloudfront.dists.dists[i].totals;
                assert_eq!(
                    t.requests,
                    t.edge_hits + t.shield_hits + t.origin_fetches,
                    "conservation: every request to distribution {} was a hit or fetched",
                    spec.name
                );
                assert_eq!(
                    t.origin_fetches,
                    t.origin_answers + at_origin[i],
                    "conservation: every fetch of distribution {} was answered or is at an origin",
                    spec.name
                );
                DistributionResult {
                    name: spec.name.clone(),
                    origin: origin_name(s, &spec.primary),
                    secondary: spec.secondary.as_ref().map(|o| origin_name(s, o)),
                    shield: spec
                        .shield
                        .map(|r| s.regions.regions[r.index()].name.clone()),
                    totals: t,
                    cost_usd: w.cloudfront.cost_usd[i],
                }
            })
            .collect();
    }
}

impl Handles<CloudFrontEvent> for CloudFront {
    fn handle(w: &mut World, e: CloudFrontEvent) {
        match e {
            CloudFrontEvent::ObjectStoreAnswered(d, slot) => w.on_object_store_answered(d, slot),
        }
    }
}
