//! The run's state of every API: the buckets a request must pass (`admit`), the stage
//! caches, the requests waiting for a Lambda integration (one timeout line per API), and the
//! counters the results, the time series and the bill read.

use super::{ApiGatewaySpec, ApiSpec, ApigwEvent, Quota, StageCache, TokenBucket};
use crate::ids::{ApiId, RequestId, WorkloadId};
use crate::kernel::{Rng, Schedule, SimTime, stream};
use crate::workload::WorkloadSpec;
use std::collections::VecDeque;

/// Which limit refused a request (429).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The API key's usage-plan quota for the period is spent ("Limit Exceeded").
    Quota,
    /// The API key's usage-plan throttle.
    UsagePlan,
    /// The method's throttle (its own, or the stage's default).
    Method,
    /// The account's throttle in the region.
    Account,
}

impl Limit {
    pub fn name(self) -> &'static str {
        match self {
            Limit::Quota => "quota",
            Limit::UsagePlan => "usage_plan",
            Limit::Method => "method",
            Limit::Account => "account",
        }
    }
}

/// What API Gateway does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// 429.
    Throttled(Limit),
    /// The stage cache answers.
    CacheHit,
    /// The integration is called; `cache_key` is filled when it answers well.
    Forward { cache_key: Option<u32> },
}

/// Counts over the accounted window (after the warm-up).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiTotals {
    pub requests: u64,
    pub throttled_account: u64,
    pub throttled_method: u64,
    pub throttled_usage_plan: u64,
    pub quota_exceeded: u64,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub integration_calls: u64,
    /// 504s at the integration timeout.
    pub timeouts: u64,
    /// The integration failed (a Lambda function error, timeout or throttle).
    pub integration_errors: u64,
}

impl ApiTotals {
    /// Every 429.
    pub fn throttled(&self) -> u64 {
        self.throttled_account
            + self.throttled_method
            + self.throttled_usage_plan
            + self.quota_exceeded
    }
}

/// One metric period's counts (the time series).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PeriodCounts {
    pub requests: u64,
    pub throttled: u64,
    pub cache_hits: u64,
    pub timeouts: u64,
}

/// An API key's usage-plan state.
#[derive(Clone, Debug)]
struct KeyState {
    bucket: Option<TokenBucket>,
    quota: Option<Quota>,
}

#[derive(Clone, Copy, Debug)]
struct Open {
    deadline: SimTime,
    waiter: Waiter,
    uid: u64,
}

/// Who waits for an integration's answer: a request slot of API Gateway's own (a Lambda
/// integration), or a request the load balancer holds (an ALB integration, known by its
/// unique id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiter {
    Slot(RequestId),
    Alb,
}

/// One API's state.
pub struct ApiState {
    /// Per route (`METHOD /path` of the classes that reach the API): its throttle's bucket.
    routes: Vec<Option<TokenBucket>>,
    /// Per route: whether its method is `GET` (cached by default).
    cacheable: Vec<bool>,
    keys: Vec<KeyState>,
    cache: Option<StageCache>,
    /// `apigw/NAME/cache_keys`: the cache key of each request.
    cache_rng: Rng,
    /// Per request slot: the cache key its integration's answer fills.
    pending_key: Vec<Option<u32>>,
    /// Requests waiting for a Lambda integration, oldest first (the timeout is the same for
    /// every request of an API, so deadlines come in arrival order), and whether the timer
    /// is armed.
    waiting: VecDeque<Open>,
    armed: bool,
    pub totals: ApiTotals,
    pub period: PeriodCounts,
    /// Requests billed in the open cost period.
    pub billed: u64,
}

/// Every API's state and the account's buckets, one per region ("per account, per Region",
/// "Amazon API Gateway quotas",
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
pub struct Gateways {
    /// Per region: the account's bucket there.
    accounts: Vec<TokenBucket>,
    /// Per API: its region's index.
    region: Vec<u8>,
    pub apis: Vec<ApiState>,
    /// Per workload, per class: its route in its API (empty for other targets).
    route_of: Vec<Vec<u16>>,
    /// Per workload: the API key it sends.
    key_of: Vec<Option<u16>>,
    /// Per workload whose distribution's origin group fails over to an API other than its
    /// primary: that API.
    second: Vec<Option<SecondApi>>,
}

/// The API a workload's requests reach after its distribution fails over.
struct SecondApi {
    api: ApiId,
    /// Per class: its route in that API.
    routes: Vec<u16>,
    /// The API key the workload sends it.
    key: Option<u16>,
}

/// Workload `w`'s classes' routes in the API whose route names are `names` (new names are
/// added).
fn routes_of(w: &WorkloadSpec, names: &mut Vec<String>) -> Vec<u16> {
    (w.classes.iter())
        .map(|c| {
            let name = format!("{} {}", c.method, c.path);
            let at = names.iter().position(|n| *n == name).unwrap_or_else(|| {
                names.push(name);
                names.len() - 1
            });
            at as u16
        })
        .collect()
}

impl Gateways {
    /// The gateways of `spec`'s APIs, API `a` in region `api_region[a]` (none given: the
    /// first region); workload `w` sends its requests to API `reaches[w][0]` (its target, or
    /// a distribution's API origin), and after a failover to `reaches[w][1]` (a
    /// distribution's secondary API origin).
    pub fn new(
        seed: u64,
        spec: &ApiGatewaySpec,
        workloads: &[WorkloadSpec],
        (api_region, reaches): (&[crate::ids::RegionId], &[[Option<ApiId>; 2]]),
    ) -> Gateways {
        let mut routes: Vec<Vec<String>> = vec![Vec::new(); spec.apis.len()];
        let mut route_of = Vec::with_capacity(workloads.len());
        let mut key_of = Vec::with_capacity(workloads.len());
        let mut second = Vec::with_capacity(workloads.len());
        for (i, w) in workloads.iter().enumerate() {
            let [first, then] = reaches.get(i).copied().unwrap_or_default();
            let key = |api: usize| {
                spec.apis[api]
                    .key_of(WorkloadId(i as u16))
                    .map(|k| k as u16)
            };
            let primary = w.target.of(super::TARGET).or(first.map(|a| a.index()));
            second.push(
                then.filter(|a| Some(a.index()) != primary)
                    .map(|api| SecondApi {
                        api,
                        routes: routes_of(w, &mut routes[api.index()]),
                        key: key(api.index()),
                    }),
            );
            let Some(api) = primary else {
                route_of.push(Vec::new());
                key_of.push(None);
                continue;
            };
            route_of.push(routes_of(w, &mut routes[api]));
            key_of.push(key(api));
        }
        let apis = spec
            .apis
            .iter()
            .zip(&routes)
            .map(|(api, names)| ApiState::new(seed, api, names))
            .collect();
        let region: Vec<u8> = (0..spec.apis.len())
            .map(|a| api_region.get(a).map_or(0, |r| r.0))
            .collect();
        let regions = region.iter().max().map_or(1, |r| usize::from(*r) + 1);
        Gateways {
            accounts: vec![TokenBucket::new(spec.account); regions],
            region,
            apis,
            route_of,
            key_of,
            second,
        }
    }

    /// Admits (or not) a request of workload `w`'s class `class` to `api` at `now`;
    /// `counted`: it arrived after the warm-up.
    pub fn admit(
        &mut self,
        api: ApiId,
        w: WorkloadId,
        class: usize,
        now: SimTime,
        counted: bool,
    ) -> Admission {
        let (route, key) = match &self.second[w.index()] {
            Some(s) if s.api == api => (s.routes[class], s.key),
            _ => (self.route_of[w.index()][class], self.key_of[w.index()]),
        };
        let (route, key) = (route as usize, key.map(|k| k as usize));
        let a = &mut self.apis[api.index()];
        a.period.requests += 1;
        a.totals.requests += counted as u64;
        let account = &mut self.accounts[usize::from(self.region[api.index()])];
        let refused = a.refusal(route, key, now, account);
        if let Some(limit) = refused {
            a.period.throttled += 1;
            if counted {
                let t = &mut a.totals;
                match limit {
                    Limit::Quota => t.quota_exceeded += 1,
                    Limit::UsagePlan => t.throttled_usage_plan += 1,
                    Limit::Method => t.throttled_method += 1,
                    Limit::Account => t.throttled_account += 1,
                }
            }
            return Admission::Throttled(limit);
        }
        a.billed += 1;
        let Some(cache) = a.cache.as_ref().filter(|_| a.cacheable[route]) else {
            a.totals.integration_calls += counted as u64;
            return Admission::Forward { cache_key: None };
        };
        let k = cache.draw_key(&mut a.cache_rng);
        if cache.hit(k, now) {
            a.period.cache_hits += 1;
            a.totals.cache_hits += counted as u64;
            return Admission::CacheHit;
        }
        a.totals.cache_misses += counted as u64;
        a.totals.integration_calls += counted as u64;
        Admission::Forward { cache_key: Some(k) }
    }

    /// Request `r` of `api` goes to the integration and will fill `cache_key` if it answers
    /// well.
    pub fn forwarded(&mut self, api: ApiId, r: RequestId, cache_key: Option<u32>) {
        let pending = &mut self.apis[api.index()].pending_key;
        if r.index() >= pending.len() {
            pending.resize(r.index() + 1, None);
        }
        pending[r.index()] = cache_key;
    }

    /// The integration answered request `r` of `api` at `now` (`ok`: well; its answer then
    /// fills the cache key it missed); `counted` requests' failures are counted.
    pub fn integration_answered(
        &mut self,
        api: ApiId,
        r: RequestId,
        ok: bool,
        now: SimTime,
        counted: bool,
    ) {
        let a = &mut self.apis[api.index()];
        let key = a.pending_key[r.index()].take();
        if !ok {
            a.totals.integration_errors += counted as u64;
            return;
        }
        if let (Some(k), Some(cache)) = (key, a.cache.as_mut()) {
            cache.fill(k, now);
        }
    }

    /// The ALB integration answered a request of `api` at `now` (`ok`: well; its answer
    /// then fills `cache_key`, the key it missed); `counted` requests' failures are counted.
    pub fn alb_answered(
        &mut self,
        api: ApiId,
        cache_key: Option<u32>,
        ok: bool,
        now: SimTime,
        counted: bool,
    ) {
        let a = &mut self.apis[api.index()];
        if !ok {
            a.totals.integration_errors += counted as u64;
            return;
        }
        if let (Some(k), Some(cache)) = (cache_key, a.cache.as_mut()) {
            cache.fill(k, now);
        }
    }

    /// The integration could not be called (a throttled Lambda function).
    pub fn integration_failed(&mut self, api: ApiId, counted: bool) {
        self.apis[api.index()].totals.integration_errors += counted as u64;
    }

    /// A client got its 504 at the integration timeout.
    pub fn timed_out(&mut self, api: ApiId, r: Option<RequestId>, counted: bool) {
        let a = &mut self.apis[api.index()];
        if let Some(r) = r {
            a.pending_key[r.index()] = None;
        }
        a.period.timeouts += 1;
        a.totals.timeouts += counted as u64;
    }

    /// Request `uid` of `api` (held by `waiter`) starts waiting for its Lambda or ALB
    /// integration until `deadline`; the API's timer is armed if it was not.
    pub fn wait_for_integration(
        &mut self,
        api: ApiId,
        waiter: Waiter,
        uid: u64,
        deadline: SimTime,
        queue: &mut impl Schedule<ApigwEvent>,
    ) {
        let a = &mut self.apis[api.index()];
        a.waiting.push_back(Open {
            deadline,
            waiter,
            uid,
        });
        if !a.armed {
            a.armed = true;
            queue.at(deadline, ApigwEvent::TimeoutDue(api));
        }
    }

    /// `api`'s timer fired: the next request whose deadline passed and that still waits
    /// (`waiting(waiter, uid)`), to answer with its 504; `None` once none is left, the timer
    /// then re-armed at the oldest request still waiting (or disarmed).
    pub fn next_timeout(
        &mut self,
        api: ApiId,
        queue: &mut impl Schedule<ApigwEvent>,
        waiting: impl Fn(Waiter, u64) -> bool,
    ) -> Option<(Waiter, u64)> {
        let now = queue.now();
        let a = &mut self.apis[api.index()];
        while let Some(&o) = a.waiting.front() {
            let still = waiting(o.waiter, o.uid);
            if still && o.deadline > now {
                queue.at(o.deadline, ApigwEvent::TimeoutDue(api));
                return None;
            }
            a.waiting.pop_front();
            if still {
                return Some((o.waiter, o.uid));
            }
        }
        a.armed = false;
        None
    }
}

impl ApiState {
    fn new(seed: u64, spec: &ApiSpec, routes: &[String]) -> ApiState {
        let throttle_of = |route: &String| {
            spec.method_throttles
                .iter()
                .find(|(m, _)| m == route)
                .map(|(_, t)| *t)
                .or(spec.stage_throttle)
        };
        ApiState {
            routes: routes
                .iter()
                .map(|r| throttle_of(r).map(TokenBucket::new))
                .collect(),
            cacheable: routes.iter().map(|r| r.starts_with("GET ")).collect(),
            keys: spec
                .api_keys
                .iter()
                .map(|k| {
                    let plan = &spec.usage_plans[k.plan];
                    KeyState {
                        bucket: plan.throttle.map(TokenBucket::new),
                        quota: plan.quota.map(Quota::new),
                    }
                })
                .collect(),
            cache: spec.cache.as_ref().map(StageCache::new),
            cache_rng: stream(seed, &format!("apigw/{}/cache_keys", spec.name)),
            pending_key: Vec::new(),
            waiting: VecDeque::new(),
            armed: false,
            totals: ApiTotals::default(),
            period: PeriodCounts::default(),
            billed: 0,
        }
    }

    /// The first limit (in AWS's order) without room for a request now; `None`: every
    /// applicable bucket had a token, and each has been taken (and the quota counted).
    fn refusal(
        &mut self,
        route: usize,
        key: Option<usize>,
        now: SimTime,
        account: &mut TokenBucket,
    ) -> Option<Limit> {
        let mut key = key.map(|k| &mut self.keys[k]);
        if let Some(k) = key.as_deref_mut() {
            if k.quota.as_mut().is_some_and(|q| !q.allows(now)) {
                return Some(Limit::Quota);
            }
            if k.bucket.as_mut().is_some_and(|b| !b.has_token(now)) {
                return Some(Limit::UsagePlan);
            }
        }
        let mut method = self.routes[route].as_mut();
        if method.as_deref_mut().is_some_and(|b| !b.has_token(now)) {
            return Some(Limit::Method);
        }
        if !account.has_token(now) {
            return Some(Limit::Account);
        }
        account.take();
        if let Some(b) = method {
            b.take();
        }
        if let Some(k) = key {
            if let Some(q) = k.quota.as_mut() {
                q.count();
            }
            if let Some(b) = k.bucket.as_mut() {
                b.take();
            }
        }
        None
    }
}
