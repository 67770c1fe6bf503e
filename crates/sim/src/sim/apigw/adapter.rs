//! API Gateway's adapter to the world: the `Service` and `Handles<ApigwEvent>` impls and the
//! entry points the request path (`apigw/NAME` workloads) and Lambda's adapter (an
//! integration's answer) call. Each splits API Gateway's state and narrow context from the
//! world (`World::apigw_parts`), calls the service, and carries out what comes back on the
//! requests (their slots and statistics are the traffic's) and on Lambda.

use super::{AlbWait, ApiGateways, Ctx, Reply};
use crate::event::Event;
use crate::ids::{ApiId, RequestId, WorkloadId};
use crate::kernel::{EventQueue, SimTime};
use crate::metrics::{Outcome, TimeSeries};
use crate::model::apigw::gateway::Waiter;
use crate::model::apigw::{ApigwEvent, Integration};
use crate::model::lambda::{Completion, Payload};
use crate::scenario::Scenario;
use crate::sim::World;
use crate::sim::entries;
use crate::sim::front::Front;
use crate::sim::lambda::{LambdaClient, origin};
use crate::sim::request::Request;
use crate::sim::service::{Finish, Handles, Period, Service, Stage};
use crate::trace::Kind;

impl World {
    /// API Gateway's state and its narrow context, split from the world.
    #[inline]
    fn apigw_parts(&mut self) -> Ctx<'_, EventQueue<Event>> {
        Ctx {
            gw: &mut self.apigw,
            specs: &self.scenario.services.api_gateways.apis,
            queue: &mut self.queue,
            tracer: self.tracer.as_deref_mut(),
        }
    }

    /// Request `uid` of workload `w`, class `class` (client `client`, `work` on an ALB
    /// integration's targets), reaches API `api`.
    pub(in crate::sim) fn on_api_request(
        &mut self,
        api: ApiId,
        (w, class, client): (WorkloadId, usize, Option<u32>),
        work: SimTime,
        uid: u64,
    ) {
        let counted = self.counting;
        self.traffic.arrived += counted as u64;
        // The client's round trip to the API's region (none without a geography): every
        // answer's latency carries it.
        let rtt = self.client_rtt(w, self.scenario.regions.of_api(api));
        self.api_admit(api, (w, class, client), work, (uid, counted), rtt);
    }

    /// CloudFront's fetch of request `uid` (counted as CloudFront counted it) from its API
    /// origin `api`: the API's path, with no client round trip of its own (CloudFront adds
    /// the network's time when the answer reaches it through `finish_traced`).
    pub(in crate::sim) fn forward_into_api(
        &mut self,
        api: ApiId,
        to: (WorkloadId, usize, Option<u32>),
        work: SimTime,
        uid: u64,
        counted: bool,
    ) {
        self.traffic.rtt_ns = 0;
        self.api_admit(api, to, work, (uid, counted), 0);
    }

    /// Request `uid` reaches `api`'s limits, then its cache or integration; `rtt` is its
    /// client's round trip (ns), added to every answer.
    fn api_admit(
        &mut self,
        api: ApiId,
        (w, class, client): (WorkloadId, usize, Option<u32>),
        work: SimTime,
        (uid, counted): (u64, bool),
        rtt: u64,
    ) {
        if self
            .faults
            .region_is_down(self.scenario.regions.of_api(api))
        {
            return self.fail_region_unreachable(w, uid, counted);
        }
        let slot = self.traffic.requests.next_id();
        let request = Request {
            id: uid,
            arrived_at: self.queue.now(),
            workload: w,
            instance: None,
            counted,
            class: class as u16,
            lb: None,
            rtt_ns: rtt as u32,
            answered: false,
            connecting: false,
        };
        match self
            .apigw_parts()
            .arrive(api, (w, class), uid, slot, counted)
        {
            Reply::Throttled => self.finish_traced(w, uid, counted, Outcome::Throttled429, rtt),
            Reply::CacheHit { latency } => {
                self.finish_traced(w, uid, counted, Outcome::Ok, latency.as_nanos() + rtt)
            }
            Reply::Http => {
                let inserted = self.traffic.requests.insert(request);
                debug_assert_eq!(inserted, slot);
            }
            Reply::Lambda { cache_key } => self.invoke_integration(api, request, slot, cache_key),
            Reply::Alb { lb, cache_key } => {
                let now = self.queue.now();
                let wait = AlbWait {
                    api,
                    w,
                    arrived: now,
                    counted,
                    cache_key,
                    held: None,
                    rtt_ns: rtt as u32,
                };
                self.apigw.alb_waits.insert(uid, wait);
                let deadline = now + self.scenario.services.api_gateways.apis[api.index()].timeout;
                (self.apigw.gateways).wait_for_integration(
                    api,
                    Waiter::Alb,
                    uid,
                    deadline,
                    &mut self.queue,
                );
                // The load balancer's path takes the next request slot, unless it answers
                // at once (then the wait is over).
                let held = self.traffic.requests.next_id();
                self.forward_into_alb(lb, (w, class, client), work, uid, counted);
                if let Some(wait) = self.apigw.alb_waits.get_mut(&uid) {
                    debug_assert!(self.traffic.requests.is_live(held, uid));
                    wait.held = Some(held);
                }
            }
        }
    }

    /// The request path ended request `uid` with `outcome`: if API Gateway sent it to its
    /// ALB integration, the answer is API Gateway's (`true`: taken here). The load balancer's
    /// answer is proxied as it is, its status included (an HTTP proxy integration passes the
    /// backend's status through: "Set up HTTP proxy integrations in API Gateway",
    /// https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html),
    /// after API Gateway's overhead; an answer at or after the integration timeout is the
    /// 504's, and the answer of a request whose client already got its 504 is dropped.
    #[inline]
    pub(in crate::sim) fn apigw_alb_answered(&mut self, uid: u64, outcome: Outcome) -> bool {
        if self.apigw.alb_waits.is_empty() {
            return false;
        }
        let Some(wait) = self.apigw.alb_waits.remove(&uid) else {
            return false;
        };
        let now = self.queue.now();
        let spec = &self.scenario.services.api_gateways.apis[wait.api.index()];
        let waited = now - wait.arrived;
        if waited >= spec.timeout {
            self.alb_integration_timed_out(uid, wait);
            return true;
        }
        let ok = match outcome {
            Outcome::Ok => true,
            Outcome::LoadBalancer(status) => status < 500,
            _ => false,
        };
        let latency = (waited + spec.overhead).as_nanos() + u64::from(wait.rtt_ns);
        (self.apigw.gateways).alb_answered(wait.api, wait.cache_key, ok, now, wait.counted);
        self.finish_traced(wait.w, uid, wait.counted, outcome, latency);
        true
    }

    /// The client of request `uid`, at `wait`'s ALB integration, gets its 504 at the
    /// integration timeout. The load balancer's path goes on with the request answered: its
    /// late answer is dropped there, as after the load balancer's own idle timeout.
    fn alb_integration_timed_out(&mut self, uid: u64, wait: AlbWait) {
        if let Some(held) = wait.held
            && self.traffic.requests.is_waiting(held, uid)
        {
            self.traffic.requests.answer(held);
        }
        let timeout = self.scenario.services.api_gateways.apis[wait.api.index()].timeout;
        self.apigw.gateways.timed_out(wait.api, None, wait.counted);
        let latency = timeout.as_nanos() + u64::from(wait.rtt_ns);
        self.finish_traced(wait.w, uid, wait.counted, Outcome::Http504, latency);
    }

    /// Invokes `api`'s Lambda integration for `request` (slot `slot`). A throttled
    /// invocation fails the request at once with a 500: the function never ran, so there is
    /// no response to proxy, and API Gateway answers its own 500 ("Handle Lambda errors in
    /// API Gateway",
    /// https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html;
    /// "Why do I get Internal server error from API Gateway": "If the backend service
    /// throttled ... the API Gateway API might return an Internal server error",
    /// https://repost.aws/knowledge-center/api-gateway-internal-server-error). It is counted
    /// in the API's `integration_errors`.
    fn invoke_integration(
        &mut self,
        api: ApiId,
        request: Request,
        slot: RequestId,
        cache_key: Option<u32>,
    ) {
        let spec = &self.scenario.services.api_gateways.apis[api.index()];
        let Integration::Lambda(f) = spec.integration else {
            unreachable!("a Lambda reply comes from a Lambda integration")
        };
        let (timeout, overhead) = (spec.timeout, spec.overhead);
        let (w, uid, counted) = (request.workload, request.id, request.counted);
        let invoke = entries::Invoke {
            function: f,
            origin: origin::<ApiGateways>(slot.0),
            payload: Payload::ONE,
            trace: uid,
        };
        if self.ask(invoke).is_err() {
            self.apigw.gateways.integration_failed(api, counted);
            let latency = overhead.as_nanos() + u64::from(request.rtt_ns);
            return self.finish_traced(w, uid, counted, Outcome::Http500, latency);
        }
        let inserted = self.traffic.requests.insert(request);
        debug_assert_eq!(inserted, slot);
        self.apigw.gateways.forwarded(api, slot, cache_key);
        let deadline = request.arrived_at + timeout;
        (self.apigw.gateways).wait_for_integration(
            api,
            Waiter::Slot(slot),
            uid,
            deadline,
            &mut self.queue,
        );
    }

    /// The Lambda integration of `api` answered request `r`: the client gets it (200, or 502
    /// for a function error or timeout, after the overhead), unless its 504 came first (the
    /// late answer is discarded) or comes now (an answer at exactly the timeout).
    pub(in crate::sim) fn on_api_lambda_answered(
        &mut self,
        api: ApiId,
        r: RequestId,
        completion: Completion,
    ) {
        if self.traffic.requests.get(r).answered {
            self.traffic.requests.remove(r);
            return;
        }
        self.integration_answered(api, r, !completion.is_error());
    }

    /// The integration answered request `r` (`ok`: well) before the client's timeout, or at
    /// it (then the client gets its 504 now).
    fn integration_answered(&mut self, api: ApiId, r: RequestId, ok: bool) {
        let now = self.queue.now();
        let spec = &self.scenario.services.api_gateways.apis[api.index()];
        let (timeout, overhead) = (spec.timeout, spec.overhead);
        let req = self.traffic.requests.remove(r);
        let waited = now - req.arrived_at;
        if waited >= timeout {
            return self.api_timed_out(api, r, &req);
        }
        (self.apigw.gateways).integration_answered(api, r, ok, now, req.counted);
        let outcome = if ok { Outcome::Ok } else { Outcome::Http502 };
        let latency = req.client_latency(waited + overhead).as_nanos();
        self.finish_traced(req.workload, req.id, req.counted, outcome, latency);
    }

    /// The client of `req` (slot `r`) gets its 504 at the integration timeout.
    fn api_timed_out(&mut self, api: ApiId, r: RequestId, req: &Request) {
        let timeout = self.scenario.services.api_gateways.apis[api.index()].timeout;
        self.apigw.gateways.timed_out(api, Some(r), req.counted);
        let latency = req.client_latency(timeout).as_nanos();
        self.finish_traced(req.workload, req.id, req.counted, Outcome::Http504, latency);
    }

    /// `api`'s timer fired: every request whose Lambda or ALB integration has not answered
    /// by its deadline gets its 504; a Lambda integration's slot stays until the function
    /// ends, and an ALB integration's answer is dropped when it comes.
    fn on_api_timeout_due(&mut self, api: ApiId) {
        loop {
            let (requests, waits) = (&self.traffic.requests, &self.apigw.alb_waits);
            let waiting = |waiter, uid| match waiter {
                Waiter::Slot(r) => requests.is_waiting(r, uid),
                Waiter::Alb => waits.contains_key(&uid),
            };
            let gateways = &mut self.apigw.gateways;
            let Some((waiter, uid)) = gateways.next_timeout(api, &mut self.queue, waiting) else {
                break;
            };
            match waiter {
                Waiter::Slot(r) => {
                    let req = self.traffic.requests.answer(r);
                    self.api_timed_out(api, r, &req);
                }
                Waiter::Alb => {
                    let wait = self.apigw.alb_waits.remove(&uid).expect("still waiting");
                    self.alb_integration_timed_out(uid, wait);
                }
            }
        }
    }
}

/// The Lambda integration's invocation (its origin: the request's slot) ended.
impl LambdaClient for ApiGateways {
    fn invocation_ended(world: &mut World, slot: u32, completion: Completion) {
        let r = RequestId(slot);
        let req = world.traffic.requests.get(r);
        // The API is the workload's target or its distribution's origin (the secondary
        // after a failover).
        let secondary = world.cloudfront.fetching_secondary(req.id);
        let api = (world.apigw.reached_by(req.workload, secondary)).expect("an API's request");
        world.on_api_lambda_answered(api, r, completion);
    }
}

/// Workloads send requests to an API as `apigw/NAME`; an ALB integration's answer comes back
/// through `answered`.
impl Front for ApiGateways {
    const PREFIX: &'static str = crate::model::apigw::TARGET;

    #[inline]
    fn arrived(world: &mut World, w: WorkloadId, index: usize) {
        let d = world.new_request(w);
        world.on_api_request(ApiId(index as u16), (w, d.class, d.client), d.work, d.id);
    }

    #[inline(always)]
    fn answered(
        world: &mut World,
        _: WorkloadId,
        uid: u64,
        outcome: Outcome,
        seen: (bool, u64),
    ) -> Option<(bool, u64)> {
        if world.apigw.alb_waits.is_empty() {
            return Some(seen); // no ALB integration waits (inlined on every request)
        }
        (!world.apigw_alb_answered(uid, outcome)).then_some(seen)
    }
}

impl Service for ApiGateways {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[Kind::Throttle, Kind::CacheHit];

    fn start(_: &mut World) {}

    fn build(s: &Scenario, series: &mut TimeSeries) -> ApiGateways {
        ApiGateways::new(s, series)
    }

    fn period_ended(w: &mut World, p: &Period) {
        w.apigw.period_ended(p.start_s, &mut w.series);
    }

    fn close_cost_period(w: &mut World, seconds: f64) {
        w.apigw
            .close_cost_period(&w.scenario.services.api_gateways.apis, seconds);
    }

    /// Each API's figures (`results`, which checks conservation) and its billed usage.
    fn finish(w: &mut World, out: &mut Finish) {
        out.result.api_gateways = w.apigw.results(&w.scenario);
        out.usage.api_gateways = std::mem::take(&mut w.apigw.usage);
        out.usage.api_gateway_regions = (w.scenario.regions.api_region.iter())
            .map(|r| r.index())
            .collect();
    }
}

impl Handles<ApigwEvent> for ApiGateways {
    fn handle(w: &mut World, e: ApigwEvent) {
        match e {
            ApigwEvent::HttpAnswered(api, r) => w.integration_answered(api, r, true),
            ApigwEvent::HttpTimedOut(api, r) => {
                let req = w.traffic.requests.remove(r);
                w.api_timed_out(api, r, &req)
            }
            ApigwEvent::TimeoutDue(api) => w.on_api_timeout_due(api),
        }
    }
}
