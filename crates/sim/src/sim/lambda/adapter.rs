//! Lambda's adapter to the world: the `Service` and `Handles<LambdaEvent>` impls and the
//! entry points other services call (a workload's request to `lambda/NAME`, a load
//! balancer's request to a Lambda target, a queue's batch). Each splits Lambda's state and
//! its narrow context from the world (`World::lambda_parts`), calls the service, and routes
//! what comes back: a throttle to the origin that asked (429 to a workload's request, 503
//! from the load balancer, a retry to SQS's poller), an answer to its request (directly, or
//! through the load balancer's idle timeout), a batch's result to SQS. The requests
//! themselves (their ids, slots and statistics) are the traffic's. This is the only Lambda
//! code that takes the world.

use super::{Ctx, Handback, request_outcome, results};
use crate::event::Event;
use crate::ids::{FunctionId, InvocationId, LbId, RequestId, WorkloadId};
use crate::kernel::EventQueue;
use crate::metrics::{Outcome, TimeSeries};
use crate::model::lambda::{Completion, LambdaEvent, LambdaService, Origin, Payload, Refusal};
use crate::scenario::Scenario;
use crate::sim::World;
use crate::sim::entries;
use crate::sim::request::Request;
use crate::sim::service::{Finish, Handles, Period, Service, Stage};
use crate::trace::Kind;
use crate::workload::InvocationType;

impl World {
    /// Lambda's state and its narrow context, split from the world.
    #[inline]
    fn lambda_parts(&mut self) -> Ctx<'_, EventQueue<Event>> {
        Ctx {
            lambda: &mut self.lambda,
            specs: &self.scenario.lambda_functions,
            counting: self.counting,
            queue: &mut self.queue,
            tracer: self.tracer.as_deref_mut(),
        }
    }

    /// Invokes function `f` for `origin` with `payload` (a queue's batch: records and their
    /// failure). `Ok`: the invocation runs and its end is routed by `on_lambda_invocation_ended`.
    /// `Err`: it was throttled (counted and traced by Lambda); the origin decides what a
    /// throttle means to it.
    #[inline]
    fn invoke_lambda_with(
        &mut self,
        f: FunctionId,
        origin: Origin,
        payload: Payload,
        trace_id: u64,
    ) -> Result<(), Refusal> {
        self.lambda_parts().invoke(f, origin, payload, trace_id)
    }

    /// An invocation ended: Lambda releases it, and its origin learns the result.
    fn on_lambda_invocation_ended(&mut self, id: InvocationId) {
        match self.lambda_parts().invocation_ended(id) {
            None => {}
            Some(Handback::Answer {
                request,
                completion,
            }) => self.answer_lambda_request(request, completion),
            Some(Handback::Service { origin, completion }) => {
                self.lambda_handed_back(origin, completion)
            }
        }
    }

    /// A workload's request to a `lambda/NAME` target.
    pub(in crate::sim) fn on_lambda_request_arrived(&mut self, w: WorkloadId, f: FunctionId) {
        let id = self.traffic.next_request_id;
        self.traffic.next_request_id += 1;
        let counted = self.counting;
        self.traffic.arrived += counted as u64;
        let now = self.queue.now();
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.workloads[w.index()].name;
            t.emit(now, Kind::RequestArrived, name, Some(id), &[]);
        }
        // The client's round trip to the function's region (none without a geography).
        let region = self.scenario.regions.of_function(f);
        let rtt = self.client_rtt(w, region);
        if self.faults.region_is_down(region) {
            return self.fail_region_unreachable(w, id, counted);
        }
        match self.scenario.workloads[w.index()].invocation {
            InvocationType::Sync => {
                // A throttled request never takes a slot (a flash crowd throttles most).
                let request = self.traffic.requests.next_id();
                let origin = Origin::Request(request);
                if self
                    .invoke_lambda_with(f, origin, Payload::ONE, id)
                    .is_err()
                {
                    self.finish_traced(w, id, counted, Outcome::Throttled429, rtt);
                    return;
                }
                self.insert_lambda_request(request, id, w, counted, None);
            }
            InvocationType::Async => {
                // The Invoke call is accepted at once (202); Lambda owns the event from here.
                self.finish_traced(w, id, counted, Outcome::Ok, rtt);
                self.lambda_parts().accept_async(f, id);
            }
        }
    }

    /// The ALB forwards a request to a target group whose target is function `f`; a throttle
    /// makes the ALB answer 503. AWS documents no status for it: the troubleshooting page lists
    /// 503 only for "no registered targets", and the access logs' error reason
    /// `LambdaThrottling` carries none
    /// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html).
    /// Our choice: 503 (RFC 9110 §15.6.4, temporarily unable to handle the request), since
    /// the function's concurrency, not one connection, refused it; 502 is kept for a refused
    /// connection and for function errors.
    pub(in crate::sim) fn route_to_lambda(
        &mut self,
        lb: LbId,
        w: WorkloadId,
        f: FunctionId,
        id: u64,
        counted: bool,
    ) {
        let request = self.traffic.requests.next_id();
        let origin = Origin::Request(request);
        if self
            .invoke_lambda_with(f, origin, Payload::ONE, id)
            .is_err()
        {
            return self.reject(lb, w, id, counted, "Lambda function throttled");
        }
        self.insert_lambda_request(request, id, w, counted, Some(lb));
        self.open_client_request(lb, request);
    }

    /// A synchronous request whose invocation runs takes its slot (`request`, the id its
    /// origin was given).
    fn insert_lambda_request(
        &mut self,
        request: RequestId,
        id: u64,
        w: WorkloadId,
        counted: bool,
        lb: Option<LbId>,
    ) {
        let slot = self.traffic.requests.insert(Request {
            id,
            arrived_at: self.queue.now(),
            workload: w,
            instance: None,
            counted,
            class: 0,
            lb,
            answered: false,
            connecting: false,
            // Its client's round trip: to the load balancer's region behind one, else to the
            // function's (`client_rtt`; none without a geography).
            rtt_ns: self.traffic.rtt_ns,
        });
        debug_assert_eq!(slot, request);
    }

    /// A synchronous request gets its answer (`request_outcome`); behind a load balancer,
    /// the client had its 504 at the idle timeout if the answer comes too late
    /// (`idle_timeout`).
    fn answer_lambda_request(&mut self, r: RequestId, completion: Completion) {
        let direct = self.traffic.requests.get(r).lb.is_none();
        let outcome = request_outcome(completion, direct);
        let (req, latency) = if direct {
            let req = self.traffic.requests.remove(r);
            (req, self.queue.now() - req.arrived_at)
        } else {
            let Some(answer) = self.target_answered(r) else {
                return; // the client already had its 504
            };
            answer
        };
        self.finish_traced(
            req.workload,
            req.id,
            req.counted,
            outcome,
            req.client_latency(latency).as_nanos(),
        );
    }
}

/// Another service's synchronous Invoke (`entries::Invoke`: a queue's or a stream's batch,
/// an API's Lambda integration); its end goes back to the origin's `LambdaClient`.
impl entries::Ask for entries::Invoke {
    type Answer = entries::Invoked;

    #[inline]
    fn answer(self, world: &mut World) -> entries::Invoked {
        world.invoke_lambda_with(self.function, self.origin, self.payload, self.trace)
    }
}

/// Another service's asynchronous Invoke (`entries::InvokeAsync`: SNS's delivery to a
/// subscribed function, an EventBridge rule's function target): Lambda queues the event.
impl entries::Ask for entries::InvokeAsync {
    type Answer = ();

    fn answer(self, world: &mut World) {
        world.lambda_parts().accept_async(self.function, self.trace);
    }
}

impl Service for LambdaService {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[super::COLD_START, Kind::Throttle];

    fn start(_: &mut World) {}

    fn build(s: &Scenario, series: &mut TimeSeries) -> LambdaService {
        LambdaService::new(
            s.seed,
            &s.lambda_functions,
            &s.account,
            (&s.regions.function_region, s.regions.regions.len()),
            (
                s.prices.lambda.billing_granularity_ms,
                s.prices.lambda.init_billed,
            ),
            series,
        )
    }

    fn period_ended(w: &mut World, p: &Period) {
        let period_ns = w.scenario.metric_period.as_nanos() as f64;
        let specs = &w.scenario.lambda_functions;
        w.lambda
            .period_ended(specs, p.end, p.start_s, period_ns, &mut w.series);
    }

    fn close_cost_period(w: &mut World, seconds: f64) {
        w.lambda
            .close_cost_period(&w.scenario.lambda_functions, seconds);
    }

    /// Each function's figures and bills (`results`, which checks conservation).
    fn finish(w: &mut World, out: &mut Finish) {
        let s = &w.scenario;
        let (functions, bills) = results(&w.lambda, &s.lambda_functions, &s.regions);
        out.result.lambda_functions = functions;
        out.usage.lambda = bills;
        out.usage.lambda_regions = (s.regions.function_region.iter())
            .map(|r| r.index())
            .collect();
    }
}

impl Handles<LambdaEvent> for LambdaService {
    fn handle(w: &mut World, e: LambdaEvent) {
        match e {
            LambdaEvent::InvocationEnded(id) => w.on_lambda_invocation_ended(id),
            LambdaEvent::BurstWindowEnded(r) => w.lambda_parts().burst_window_ended(r),
            LambdaEvent::AsyncRetryDue(e) => w.lambda_parts().attempt_async(e),
        }
    }
}
