//! Lambda in the world: the one entry point that invokes a function for an origin
//! (`invoke_lambda`), how each origin learns the result (a synchronous request is answered,
//! an asynchronous event is settled or retried), the Lambda time series per metric period,
//! the per-period bills, and the per-function results.
//!
//! Adding an origin (e.g. a queue's event source mapping): add an `Origin` variant, call
//! `invoke_lambda` (a refusal comes back at once: the throttle), and handle its completion in
//! `on_lambda_invocation_ended`'s match.

use super::World;
use super::request::Request;
use super::service::{Finish, Handles, Period, Service};
use crate::ids::{AsyncEventId, FunctionId, InvocationId, LbId, RequestId, WorkloadId};
use crate::kernel::Schedule;
use crate::metrics::{Outcome, TimeSeries};
use crate::model::lambda::LambdaEvent;
use crate::model::lambda::async_events::{AsyncEvent, Settlement};
use crate::model::lambda::environments::Placement;
use crate::model::lambda::meters::FunctionTotals;
use crate::model::lambda::{Completion, LambdaService, Origin, Payload, Refusal};
use crate::scenario::Scenario;
use crate::trace::{Field, Kind};
use crate::workload::InvocationType;

/// What one function did, for reports.
#[derive(Clone)]
pub struct FunctionResult {
    pub name: String,
    pub memory_mb: u32,
    pub architecture: &'static str,
    pub reserved_concurrency: Option<u32>,
    pub provisioned_concurrency: u32,
    /// Billed GB-seconds after the warm-up (on-demand and provisioned invocations).
    pub gb_seconds: f64,
    pub totals: FunctionTotals,
}

impl World {
    /// Invokes function `f` for `origin`. `Ok`: the invocation runs and its end comes back
    /// through `on_lambda_invocation_ended`. `Err`: it was throttled (counted and traced here);
    /// the origin decides what a throttle means to it.
    pub(super) fn invoke_lambda(
        &mut self,
        f: FunctionId,
        origin: Origin,
        trace_id: u64,
    ) -> Result<(), Refusal> {
        self.invoke_lambda_with(f, origin, Payload::ONE, trace_id)
    }

    /// `invoke_lambda` with a payload (a queue's batch: records and their failure).
    pub(super) fn invoke_lambda_with(
        &mut self,
        f: FunctionId,
        origin: Origin,
        payload: Payload,
        trace_id: u64,
    ) -> Result<(), Refusal> {
        let counted = self.counting;
        let specs = &self.scenario.lambda_functions;
        let started = self
            .lambda
            .start_with(specs, f, origin, payload, counted, &mut self.queue);
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &specs[f.index()].name;
            let now = self.queue.now();
            match &started {
                Ok((_, inv)) if inv.placement == Placement::Cold => t.emit(
                    now,
                    Kind::ColdStart,
                    name,
                    Some(trace_id),
                    &[("init_ms", Field::Num(inv.init.as_millis_f64()))],
                ),
                Ok(_) => {}
                Err(r) => t.emit(
                    now,
                    Kind::Throttle,
                    name,
                    Some(trace_id),
                    &[("reason", Field::Str(r.reason()))],
                ),
            }
        }
        started.map(|_| ())
    }

    /// An invocation ended: release it, then tell its origin.
    pub(super) fn on_lambda_invocation_ended(&mut self, id: InvocationId) {
        let now = self.queue.now();
        let inv = self.lambda.finish(&self.scenario.lambda_functions, id, now);
        match inv.origin {
            Origin::Request(r) => self.answer_lambda_request(r, inv.completion),
            Origin::Async(e) => self.async_attempt_ended(e, inv.completion),
            Origin::Batch(p) => self.on_batch_invocation_ended(p, inv.completion),
        }
    }

    /// A workload's request to a `lambda/NAME` target.
    pub(super) fn on_lambda_request_arrived(&mut self, w: WorkloadId, f: FunctionId) {
        let id = self.traffic.next_request_id;
        self.traffic.next_request_id += 1;
        let counted = self.counting;
        self.traffic.arrived += counted as u64;
        let now = self.queue.now();
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.workloads[w.index()].name;
            t.emit(now, Kind::RequestArrived, name, Some(id), &[]);
        }
        match self.scenario.workloads[w.index()].invocation {
            InvocationType::Sync => {
                // A throttled request never takes a slot (a flash crowd throttles most).
                let request = self.traffic.requests.next_id();
                if self.invoke_lambda(f, Origin::Request(request), id).is_err() {
                    self.finish_traced(w, id, counted, Outcome::Throttled429, 0);
                    return;
                }
                let slot = self.traffic.requests.insert(Request {
                    id,
                    arrived_at: now,
                    workload: w,
                    instance: None,
                    counted,
                    class: 0,
                    lb: None,
                    answered: false,
                    connecting: false,
                });
                debug_assert_eq!(slot, request);
            }
            InvocationType::Async => {
                // The Invoke call is accepted at once (202); Lambda owns the event from here.
                self.finish_traced(w, id, counted, Outcome::Ok, 0);
                let e = self.lambda.queue_event(AsyncEvent {
                    function: f,
                    trace_id: id,
                    enqueued_at: now,
                    error_retries: 0,
                    throttles: 0,
                    counted,
                });
                self.attempt_async(e);
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
    pub(super) fn route_to_lambda(
        &mut self,
        lb: LbId,
        w: WorkloadId,
        f: FunctionId,
        id: u64,
        counted: bool,
    ) {
        let request = self.traffic.requests.next_id();
        if self.invoke_lambda(f, Origin::Request(request), id).is_err() {
            return self.reject(lb, w, id, counted, "Lambda function throttled");
        }
        let slot = self.traffic.requests.insert(Request {
            id,
            arrived_at: self.queue.now(),
            workload: w,
            instance: None,
            counted,
            class: 0,
            lb: Some(lb),
            answered: false,
            connecting: false,
        });
        debug_assert_eq!(slot, request);
        self.open_client_request(lb, request);
    }

    /// A synchronous request gets its answer. Directly, a function error or timeout is a
    /// function error (Invoke answers 200 with `FunctionError`); behind an ALB it is a 502, and
    /// the client had its 504 at the idle timeout if the answer comes too late (`idle_timeout`).
    fn answer_lambda_request(&mut self, r: RequestId, completion: Completion) {
        let direct = self.traffic.requests.get(r).lb.is_none();
        let outcome = match (completion.is_error(), direct) {
            (false, _) => Outcome::Ok,
            (true, true) => Outcome::FunctionError,
            (true, false) => Outcome::Http502,
        };
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
            latency.as_nanos(),
        );
    }

    /// Tries (or retries) an asynchronous event: expired past its maximum age, otherwise
    /// invoked, or backed off after a throttle.
    pub(super) fn attempt_async(&mut self, e: AsyncEventId) {
        let now = self.queue.now();
        let ev = *self.lambda.event_mut(e);
        let spec = &self.scenario.lambda_functions[ev.function.index()];
        let max_age = spec.max_event_age;
        if now >= ev.deadline(max_age) {
            self.lambda.settle_event(e, Settlement::Expired);
            return;
        }
        if self
            .invoke_lambda(ev.function, Origin::Async(e), ev.trace_id)
            .is_err()
        {
            let at = self.lambda.event_mut(e).after_throttle(now, max_age);
            self.count_async_retry(ev.function, ev.counted);
            self.queue.at(at, LambdaEvent::AsyncRetryDue(e));
        }
    }

    fn async_attempt_ended(&mut self, e: AsyncEventId, completion: Completion) {
        if !completion.is_error() {
            self.lambda.settle_event(e, Settlement::Succeeded);
            return;
        }
        let now = self.queue.now();
        let ev = self.lambda.event_mut(e);
        let (f, counted) = (ev.function, ev.counted);
        let spec = &self.scenario.lambda_functions[f.index()];
        match ev.after_error(now, spec.max_event_age, spec.max_retry_attempts) {
            Some(at) => {
                self.count_async_retry(f, counted);
                self.queue.at(at, LambdaEvent::AsyncRetryDue(e));
            }
            None => {
                self.lambda.settle_event(e, Settlement::Failed);
            }
        }
    }

    fn count_async_retry(&mut self, f: FunctionId, counted: bool) {
        self.lambda.functions[f.index()].meters.totals.async_retries += counted as u64;
    }
}

impl Service for LambdaService {
    fn build(s: &Scenario, series: &mut TimeSeries) -> LambdaService {
        LambdaService::new(
            s.seed,
            &s.lambda_functions,
            &s.account,
            s.prices.lambda.billing_granularity_ms,
            s.prices.lambda.init_billed,
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

    /// Each function's figures and bills, checked by conservation: every accepted
    /// asynchronous event ended exactly once, or is still queued.
    fn finish(w: &mut World, out: &mut Finish) {
        let (mut accepted, mut settled) = (0, 0);
        for st in &w.lambda.functions {
            let t = &st.meters.totals;
            accepted += t.async_events;
            settled += t.async_succeeded + t.async_failed + t.async_expired;
        }
        assert_eq!(
            accepted,
            settled + w.lambda.live_counted_events,
            "conservation: every asynchronous event ended exactly once or is still queued"
        );
        let specs = &w.scenario.lambda_functions;
        out.result.lambda_functions = specs
            .iter()
            .zip(&w.lambda.functions)
            .map(|(spec, st)| FunctionResult {
                name: spec.name.clone(),
                memory_mb: spec.memory_mb,
                architecture: spec.architecture.name(),
                reserved_concurrency: spec.reserved_concurrency,
                provisioned_concurrency: spec.provisioned_concurrency,
                gb_seconds: st.meters.totals.billed_ms / 1e3 * spec.memory_gb(),
                totals: st.meters.totals.clone(),
            })
            .collect();
        out.usage.lambda = w
            .lambda
            .functions
            .iter()
            .map(|st| st.meters.bills.clone())
            .collect();
    }
}

impl Handles<LambdaEvent> for LambdaService {
    fn handle(w: &mut World, e: LambdaEvent) {
        match e {
            LambdaEvent::InvocationEnded(id) => w.on_lambda_invocation_ended(id),
            LambdaEvent::BurstWindowEnded => w.lambda.burst_window_ended(&mut w.queue),
            LambdaEvent::AsyncRetryDue(e) => w.attempt_async(e),
        }
    }
}
