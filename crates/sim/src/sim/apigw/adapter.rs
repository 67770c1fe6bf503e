//! API Gateway's adapter to the world: the `Service` and `Handles<ApigwEvent>` impls and the
//! entry points the request path (`apigw/NAME` workloads) and Lambda's adapter (an
//! integration's answer) call. Each splits API Gateway's state and narrow context from the
//! world (`World::apigw_parts`), calls the service, and carries out what comes back on the
//! requests (their slots and statistics are the traffic's) and on Lambda.

use super::{ApiGateways, Ctx, Reply};
use crate::event::Event;
use crate::ids::{ApiId, RequestId, WorkloadId};
use crate::kernel::EventQueue;
use crate::metrics::{Outcome, TimeSeries};
use crate::model::apigw::{ApigwEvent, Integration};
use crate::model::lambda::{Completion, Origin, Payload};
use crate::scenario::Scenario;
use crate::sim::World;
use crate::sim::request::Request;
use crate::sim::service::{Finish, Handles, Period, Service};

impl World {
    /// API Gateway's state and its narrow context, split from the world.
    #[inline]
    fn apigw_parts(&mut self) -> Ctx<'_, EventQueue<Event>> {
        Ctx {
            gw: &mut self.apigw,
            specs: &self.scenario.api_gateways.apis,
            queue: &mut self.queue,
            tracer: self.tracer.as_deref_mut(),
        }
    }

    /// Request `uid` of workload `w`, class `class`, reaches API `api`.
    pub(in crate::sim) fn on_api_request(
        &mut self,
        api: ApiId,
        w: WorkloadId,
        class: usize,
        uid: u64,
    ) {
        let counted = self.counting;
        self.traffic.arrived += counted as u64;
        let slot = self.traffic.requests.next_id();
        let request = Request {
            id: uid,
            arrived_at: self.queue.now(),
            workload: w,
            instance: None,
            counted,
            class: class as u16,
            lb: None,
            rtt_ns: 0, // API Gateway's clients have no geography (refused when resolved)
            answered: false,
            connecting: false,
        };
        match self
            .apigw_parts()
            .arrive(api, (w, class), uid, slot, counted)
        {
            Reply::Throttled => self.finish_traced(w, uid, counted, Outcome::Throttled429, 0),
            Reply::CacheHit { latency } => {
                self.finish_traced(w, uid, counted, Outcome::Ok, latency.as_nanos())
            }
            Reply::Http => {
                let inserted = self.traffic.requests.insert(request);
                debug_assert_eq!(inserted, slot);
            }
            Reply::Lambda { cache_key } => self.invoke_integration(api, request, slot, cache_key),
        }
    }

    /// Invokes `api`'s Lambda integration for `request` (slot `slot`). A throttled
    /// invocation fails the request at once: AWS's proxy integration answers 500 (the
    /// function never ran, so there is no response to proxy; "Handle Lambda errors in API
    /// Gateway", https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html).
    /// Stratus has no 500 outcome: it is counted as a 502, the gateway's integration
    /// failure, and in the API's `integration_errors` (our choice).
    fn invoke_integration(
        &mut self,
        api: ApiId,
        request: Request,
        slot: RequestId,
        cache_key: Option<u32>,
    ) {
        let spec = &self.scenario.api_gateways.apis[api.index()];
        let Integration::Lambda(f) = spec.integration else {
            unreachable!("a Lambda reply comes from a Lambda integration")
        };
        let (timeout, overhead) = (spec.timeout, spec.overhead);
        let (w, uid, counted) = (request.workload, request.id, request.counted);
        if self
            .invoke_lambda_with(f, Origin::Request(slot), Payload::ONE, uid)
            .is_err()
        {
            self.apigw.gateways.integration_failed(api, counted);
            let latency = overhead.as_nanos();
            return self.finish_traced(w, uid, counted, Outcome::Http502, latency);
        }
        let inserted = self.traffic.requests.insert(request);
        debug_assert_eq!(inserted, slot);
        self.apigw.gateways.forwarded(api, slot, cache_key);
        let deadline = request.arrived_at + timeout;
        (self.apigw.gateways).wait_for_lambda(api, slot, uid, deadline, &mut self.queue);
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
        let spec = &self.scenario.api_gateways.apis[api.index()];
        let (timeout, overhead) = (spec.timeout, spec.overhead);
        let req = self.traffic.requests.remove(r);
        let waited = now - req.arrived_at;
        if waited >= timeout {
            return self.api_timed_out(api, r, &req);
        }
        (self.apigw.gateways).integration_answered(api, r, ok, now, req.counted);
        let outcome = if ok { Outcome::Ok } else { Outcome::Http502 };
        let latency = (waited + overhead).as_nanos();
        self.finish_traced(req.workload, req.id, req.counted, outcome, latency);
    }

    /// The client of `req` (slot `r`) gets its 504 at the integration timeout.
    fn api_timed_out(&mut self, api: ApiId, r: RequestId, req: &Request) {
        let timeout = self.scenario.api_gateways.apis[api.index()].timeout;
        self.apigw.gateways.timed_out(api, r, req.counted);
        let latency = timeout.as_nanos();
        self.finish_traced(req.workload, req.id, req.counted, Outcome::Http504, latency);
    }

    /// `api`'s timer fired: every request whose Lambda integration has not answered by its
    /// deadline gets its 504; the slot stays until the function ends.
    fn on_api_timeout_due(&mut self, api: ApiId) {
        while let Some(r) = (self.apigw.gateways).next_timeout(api, &mut self.queue, |r, uid| {
            self.traffic.requests.is_waiting(r, uid)
        }) {
            let req = self.traffic.requests.answer(r);
            self.api_timed_out(api, r, &req);
        }
    }
}

impl Service for ApiGateways {
    fn build(s: &Scenario, series: &mut TimeSeries) -> ApiGateways {
        ApiGateways::new(s, series)
    }

    fn period_ended(w: &mut World, p: &Period) {
        w.apigw.period_ended(p.start_s, &mut w.series);
    }

    fn close_cost_period(w: &mut World, seconds: f64) {
        w.apigw
            .close_cost_period(&w.scenario.api_gateways.apis, seconds);
    }

    /// Each API's figures (`results`, which checks conservation) and its billed usage.
    fn finish(w: &mut World, out: &mut Finish) {
        let s = &w.scenario;
        let functions: Vec<String> = s.lambda_functions.iter().map(|f| f.name.clone()).collect();
        out.result.api_gateways = w.apigw.results(&s.api_gateways.apis, &functions);
        out.usage.api_gateways = std::mem::take(&mut w.apigw.usage);
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
