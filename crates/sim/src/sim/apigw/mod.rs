//! API Gateway in the world: a workload's request to `apigw/NAME` meets the API's limits
//! (`model::apigw::Gateways::admit`: 429, a cache hit, or the integration), then its
//! integration (a Lambda function, invoked synchronously through Lambda's adapter; an HTTP
//! endpoint whose answer time API Gateway draws; or an Application Load Balancer, whose path
//! the request takes and whose answer API Gateway proxies), and the integration timeout (504
//! at the timeout). The per-period series, the bill's usage and the results come from here too.
//!
//! The service's code is methods of [`Ctx`], API Gateway's narrow view: its state, the APIs'
//! specs, the clock and a scheduler of its own events, the tracer. It answers the world with
//! values ([`Reply`]: what the client gets, or what the integration needs); `adapter` (the
//! `Service` and `Handles<ApigwEvent>` impls and the entry points the request path and
//! Lambda call) is the only API Gateway code that takes the world.
//!
//! Latency (our choice, AWS publishes no figure): the client of an answered request waits
//! the integration's time plus the API's `overhead`, counted when the integration answers
//! (a cache hit: the overhead alone, counted at arrival); a 429 is answered at once (as
//! Stratus answers Lambda's 429s); a 504 comes at exactly the integration timeout after
//! arrival, and an answer at exactly the timeout is a 504 too (as the ALB's idle timeout).

mod adapter;

use crate::cost::billing::ApiGatewayUsage;
use crate::ids::{ApiId, LbId, RequestId, WorkloadId};
use crate::kernel::{Rng, Schedule, SimTime, stream};
use crate::metrics::{SeriesId, Statistic, TimeSeries};
use crate::model::apigw::gateway::ApiTotals;
use crate::model::apigw::{Admission, ApiKind, ApiSpec, ApigwEvent, Gateways, Integration};
use crate::scenario::Scenario;
use crate::trace::{Field, Kind, Tracer};
use std::collections::HashMap;

/// What one API did, for reports.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiResult {
    pub name: String,
    pub kind: ApiKind,
    /// `lambda/NAME` or `http`.
    pub integration: String,
    /// The stage cache's size in GB and TTL in seconds, if it has one.
    pub cache: Option<(String, f64)>,
    pub totals: ApiTotals,
    /// Its region, when the scenario declares `regions`.
    pub region: Option<String>,
}

/// API Gateway's state in the world.
pub struct ApiGateways {
    gateways: Gateways,
    /// Per API: `apigw/NAME/integration`, the HTTP integration's answer times.
    rngs: Vec<Rng>,
    /// Per API: requests, throttled, cache_hits, timeouts_504.
    series: Vec<[SeriesId; 4]>,
    /// Per API, per cost period: what the bill reads.
    usage: Vec<Vec<ApiGatewayUsage>>,
    /// Requests at an ALB integration, by request id (never iterated, so its order cannot
    /// reach an output; a hash map keeps its capacity: no allocation per request once warm).
    alb_waits: HashMap<u64, AlbWait>,
    /// Per workload: the APIs its requests reach: its target, or its distribution's API
    /// origins (the primary, and the secondary its origin group fails over to).
    reaches: Vec<[Option<ApiId>; 2]>,
}

/// Per workload: the APIs its requests reach: an `apigw/NAME` target, or a
/// `cloudfront/NAME` target's primary and secondary origins that are APIs.
fn api_reached(s: &Scenario) -> Vec<[Option<ApiId>; 2]> {
    use crate::model::cloudfront::{Origin, TARGET as CLOUDFRONT};
    let api = |o: Option<&Origin>| match o {
        Some(Origin::Api(a)) => Some(*a),
        _ => None,
    };
    s.workloads
        .iter()
        .map(|w| {
            if let Some(a) = w.target.of(crate::model::apigw::TARGET) {
                return [Some(ApiId(a as u16)), None];
            }
            let Some(d) = w.target.of(CLOUDFRONT) else {
                return [None, None];
            };
            let d = &s.services.cloudfront[d];
            [api(Some(&d.primary)), api(d.secondary.as_ref())]
        })
        .collect()
}

impl ApiGateways {
    /// The API workload `w`'s requests reach, if any: after a failover (`secondary`), its
    /// distribution's secondary origin.
    #[inline]
    pub(in crate::sim) fn reached_by(&self, w: WorkloadId, secondary: bool) -> Option<ApiId> {
        self.reaches.get(w.index())?[usize::from(secondary)]
    }
}

/// A request API Gateway sent to its ALB integration.
#[derive(Clone, Copy, Debug)]
struct AlbWait {
    api: ApiId,
    w: WorkloadId,
    arrived: SimTime,
    counted: bool,
    /// The cache key it missed (its answer fills it).
    cache_key: Option<u32>,
    /// The slot the load balancer's path holds it in (`None` until it is routed).
    held: Option<RequestId>,
    /// Its client's round trip to the API's region (ns).
    rtt_ns: u32,
}

impl ApiGateways {
    fn new(s: &Scenario, series: &mut TimeSeries) -> ApiGateways {
        let apis = &s.services.api_gateways.apis;
        let reaches = api_reached(s);
        ApiGateways {
            gateways: Gateways::new(
                s.seed,
                &s.services.api_gateways,
                &s.workloads,
                (&s.regions.api_region, &reaches),
            ),
            reaches,
            rngs: apis
                .iter()
                .map(|a| stream(s.seed, &format!("apigw/{}/integration", a.name)))
                .collect(),
            series: apis
                .iter()
                .map(|a| {
                    series.register(
                        &format!("apigw.{}", a.name),
                        [
                            ("requests", Statistic::Sum),
                            ("throttled", Statistic::Sum),
                            ("cache_hits", Statistic::Sum),
                            ("timeouts_504", Statistic::Sum),
                        ],
                    )
                })
                .collect(),
            usage: vec![Vec::new(); apis.len()],
            alb_waits: HashMap::new(),
        }
    }

    /// The period's rows (at `t` seconds); the period's counts start again.
    fn period_ended(&mut self, t: f64, series: &mut TimeSeries) {
        for (api, ids) in self.gateways.apis.iter_mut().zip(&self.series) {
            let p = std::mem::take(&mut api.period);
            let values = [p.requests, p.throttled, p.cache_hits, p.timeouts];
            for (&id, v) in ids.iter().zip(values) {
                series.push(t, id, v as f64);
            }
        }
    }

    /// Closes a cost period `seconds` long: the requests billed and the cache's time.
    fn close_cost_period(&mut self, specs: &[ApiSpec], seconds: f64) {
        for ((api, spec), usage) in self
            .gateways
            .apis
            .iter_mut()
            .zip(specs)
            .zip(&mut self.usage)
        {
            usage.push(ApiGatewayUsage {
                rest: spec.kind == ApiKind::Rest,
                requests: std::mem::take(&mut api.billed) as f64,
                cache: spec.cache.as_ref().map(|c| (c.size_gb.clone(), seconds)),
            });
        }
    }

    /// Every API's results, checked by conservation: each counted request was throttled,
    /// answered from the cache or sent to the integration, exactly once.
    fn results(&self, s: &Scenario) -> Vec<ApiResult> {
        s.services.api_gateways
            .apis
            .iter()
            .zip(&self.gateways.apis)
            .enumerate()
            .map(|(i, (spec, api))| {
                let t = &api.totals;
                assert_eq!(
                    t.requests,
                    t.throttled() + t.cache_hits + t.integration_calls,
                    "conservation: every request to API {} was throttled, a cache hit or integrated",
                    spec.name
                );
                ApiResult {
                    region: (s.regions).declared_name(s.regions.api_region.get(i).copied()),
                    name: spec.name.clone(),
                    kind: spec.kind,
                    integration: match &spec.integration {
                        Integration::Lambda(f) => {
                            format!("lambda/{}", s.lambda_functions[f.index()].name)
                        }
                        Integration::Http { .. } => "http".to_string(),
                        Integration::Alb(lb) => format!("alb/{}", s.load_balancers[lb.index()].name),
                    },
                    cache: spec
                        .cache
                        .as_ref()
                        .map(|c| (c.size_gb.clone(), c.ttl.as_secs_f64())),
                    totals: t.clone(),
                }
            })
            .collect()
    }
}

/// What API Gateway does with a request that just arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reply {
    /// 429 at once.
    Throttled,
    /// 200 from the stage cache after `latency`.
    CacheHit { latency: SimTime },
    /// Invoke the Lambda integration; the request then waits for it (`wait_for_lambda`).
    Lambda { cache_key: Option<u32> },
    /// The HTTP integration's answer (or the timeout) is scheduled for the request's slot.
    Http,
    /// Send the request to the load balancer; API Gateway waits for its answer.
    Alb { lb: LbId, cache_key: Option<u32> },
}

/// API Gateway's narrow view (see the module docs), built by the adapter for each call.
struct Ctx<'a, Q> {
    gw: &'a mut ApiGateways,
    specs: &'a [ApiSpec],
    queue: &'a mut Q,
    tracer: Option<&'a mut Tracer>,
}

impl<Q: Schedule<ApigwEvent>> Ctx<'_, Q> {
    /// Request `uid` of workload `w` (class `class`) reaches `api`; `slot` is the request
    /// slot it takes if it goes to an HTTP integration.
    fn arrive(
        &mut self,
        api: ApiId,
        (w, class): (WorkloadId, usize),
        uid: u64,
        slot: RequestId,
        counted: bool,
    ) -> Reply {
        let now = self.queue.now();
        let spec = &self.specs[api.index()];
        match self.gw.gateways.admit(api, w, class, now, counted) {
            Admission::Throttled(limit) => {
                if let Some(t) = self.tracer.as_deref_mut() {
                    let fields = [
                        ("status", Field::Int(429)),
                        ("limit", Field::Str(limit.name())),
                    ];
                    t.emit(now, Kind::Throttle, &spec.name, Some(uid), &fields);
                }
                Reply::Throttled
            }
            Admission::CacheHit => {
                if let Some(t) = self.tracer.as_deref_mut() {
                    t.emit(now, Kind::CacheHit, &spec.name, Some(uid), &[]);
                }
                Reply::CacheHit {
                    latency: spec.overhead,
                }
            }
            Admission::Forward { cache_key } => match &spec.integration {
                Integration::Lambda(_) => Reply::Lambda { cache_key },
                Integration::Alb(lb) => Reply::Alb { lb: *lb, cache_key },
                Integration::Http { latency } => {
                    self.gw.gateways.forwarded(api, slot, cache_key);
                    let d = latency.sample(&mut self.gw.rngs[api.index()]);
                    if d >= spec.timeout {
                        self.queue
                            .at(now + spec.timeout, ApigwEvent::HttpTimedOut(api, slot));
                    } else {
                        self.queue.at(now + d, ApigwEvent::HttpAnswered(api, slot));
                    }
                    Reply::Http
                }
            },
        }
    }
}
