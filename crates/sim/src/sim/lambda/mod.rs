//! Lambda in the world: invoking a function for an origin (a workload's or a load balancer's
//! synchronous request, an asynchronous event, a queue's batch), the asynchronous events'
//! attempts and retries, what the end of an invocation asks of its origin, and the
//! per-function results.
//!
//! The service's code is methods of [`Ctx`], Lambda's narrow view: its state (the model's
//! `LambdaService`: environments, pools, meters, random streams, queued asynchronous events),
//! the functions' specs, whether figures count (the warm-up is over), the clock and a
//! scheduler of Lambda's own events, and the tracer. An asynchronous event is Lambda's own
//! from its acceptance to its settlement. What another service must do comes back as a value
//! the world routes: a refused invocation at once (the [`Refusal`], a throttle; its origin
//! decides what that means to it), and the end of an invocation as a [`Handback`] (answer a
//! synchronous request, or hand a batch's result back to SQS). Only the adapter (`adapter`:
//! the `Service` and `Handles<LambdaEvent>` impls and the entry points other services call)
//! takes the world.
//!
//! Adding an origin (e.g. a stream's event source mapping) touches no Lambda file: the
//! service implements [`LambdaClient`] and is marked `+ LambdaClient` in the registry; it
//! invokes by asking (`entries::Invoke`) with `origin::<ItsState>(id)` (`id`: what the
//! invocation is to it; a refusal comes back at once: the throttle), and its end comes back
//! as `Handback::Service`, which the registry's generated dispatch hands to the service's
//! `LambdaClient::invocation_ended` (`World::lambda_handed_back`).

mod adapter;
#[cfg(test)]
mod tests;

use crate::cost::billing::LambdaUsage;
use crate::ids::{AsyncEventId, FunctionId, InvocationId, RequestId};
use crate::kernel::Schedule;
use crate::metrics::Outcome;
use crate::model::lambda::LambdaEvent;
use crate::model::lambda::async_events::{AsyncEvent, Settlement};
use crate::model::lambda::environments::Placement;
use crate::model::lambda::meters::FunctionTotals;
use crate::model::lambda::{
    Completion, FunctionSpec, LambdaService, Origin, Payload, Refusal, ServiceOrigin, ServiceTag,
};
use crate::sim::World;
use crate::sim::service::Registered;
use crate::trace::{Field, Kind, Tracer};

/// Trace kind: an invocation started a new execution environment.
pub(in crate::sim) const COLD_START: Kind = Kind::new("cold_start");

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
    /// Its region, when the scenario declares `regions`.
    pub region: Option<String>,
}

/// The narrow view Lambda's code works in (see the module docs), built by the world's
/// adapter for each call.
struct Ctx<'a, Q> {
    lambda: &'a mut LambdaService,
    /// The functions' specs (`Scenario::lambda_functions`).
    specs: &'a [FunctionSpec],
    /// Whether figures count (the world's warm-up flag, set by its `WarmupEnded` event).
    counting: bool,
    /// The clock and a scheduler of Lambda's own events.
    queue: &'a mut Q,
    tracer: Option<&'a mut Tracer>,
}

/// What the end of an invocation asks of its origin outside Lambda.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Handback {
    /// Answer synchronous request `request` (directly, or through its load balancer).
    Answer {
        request: RequestId,
        completion: Completion,
    },
    /// Hand the result of another service's invocation back to it (a queue's or a stream's
    /// batch, an API's integration).
    Service {
        origin: ServiceOrigin,
        completion: Completion,
    },
}

/// A service that invokes Lambda functions (marked `+ LambdaClient` in the registry): the
/// end of each invocation it asked for comes back to it.
pub(in crate::sim) trait LambdaClient {
    /// The invocation this service asked for as `id` (its own: a poller, a lane, a request
    /// slot) ended with `completion`.
    fn invocation_ended(world: &mut World, id: u32, completion: Completion);
}

/// The origin of an invocation service `S` asks for, as its `id`.
#[inline]
pub(in crate::sim) fn origin<S: Registered>(id: u32) -> Origin {
    Origin::Service(ServiceOrigin {
        service: ServiceTag(S::SLOT),
        id,
    })
}

impl<Q: Schedule<LambdaEvent>> Ctx<'_, Q> {
    /// Invokes function `f` for `origin` with `payload`. `Ok`: the invocation runs and its end
    /// comes back through `invocation_ended`. `Err`: it was throttled (counted and traced
    /// here); the origin decides what a throttle means to it.
    fn invoke(
        &mut self,
        f: FunctionId,
        origin: Origin,
        payload: Payload,
        trace_id: u64,
    ) -> Result<(), Refusal> {
        let started =
            self.lambda
                .start_with(self.specs, f, origin, payload, self.counting, self.queue);
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.specs[f.index()].name;
            let now = self.queue.now();
            match &started {
                Ok((_, inv)) if inv.placement == Placement::Cold => t.emit(
                    now,
                    COLD_START,
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

    /// An invocation ended: it is released, and its origin learns the result. An
    /// asynchronous event is settled or retried here; the other origins are handed back.
    fn invocation_ended(&mut self, id: InvocationId) -> Option<Handback> {
        let now = self.queue.now();
        let inv = self.lambda.finish(self.specs, id, now);
        let completion = inv.completion;
        match inv.origin {
            Origin::Request(request) => Some(Handback::Answer {
                request,
                completion,
            }),
            Origin::Async(e) => {
                self.async_attempt_ended(e, completion);
                None
            }
            Origin::Service(origin) => Some(Handback::Service { origin, completion }),
        }
    }

    /// An asynchronous Invoke call of `f` was accepted (the caller has its 202): Lambda
    /// queues the event and makes its first attempt.
    fn accept_async(&mut self, f: FunctionId, trace_id: u64) {
        let e = self.lambda.queue_event(AsyncEvent {
            function: f,
            trace_id,
            enqueued_at: self.queue.now(),
            error_retries: 0,
            throttles: 0,
            counted: self.counting,
        });
        self.attempt_async(e);
    }

    /// Tries (or retries) an asynchronous event: expired past its maximum age, otherwise
    /// invoked, or backed off after a throttle.
    fn attempt_async(&mut self, e: AsyncEventId) {
        let now = self.queue.now();
        let ev = *self.lambda.event_mut(e);
        let max_age = self.specs[ev.function.index()].max_event_age;
        if now >= ev.deadline(max_age) {
            self.lambda.settle_event(e, Settlement::Expired);
            return;
        }
        if self
            .invoke(ev.function, Origin::Async(e), Payload::ONE, ev.trace_id)
            .is_err()
        {
            let at = self.lambda.event_mut(e).after_throttle(now, max_age);
            self.count_async_retry(ev.function, ev.counted);
            self.queue.at(at, LambdaEvent::AsyncRetryDue(e));
        }
    }

    /// An attempt of an asynchronous event ended: settled on success, retried after an error
    /// while retries are left, failed otherwise.
    fn async_attempt_ended(&mut self, e: AsyncEventId, completion: Completion) {
        if !completion.is_error() {
            self.lambda.settle_event(e, Settlement::Succeeded);
            return;
        }
        let now = self.queue.now();
        let ev = self.lambda.event_mut(e);
        let (f, counted) = (ev.function, ev.counted);
        let spec = &self.specs[f.index()];
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

    /// The account's scaling window in region `r` ended (`regional_burst`).
    fn burst_window_ended(&mut self, r: crate::ids::RegionId) {
        self.lambda.burst_window_ended(r, self.queue);
    }
}

/// The answer a synchronous request gets for an invocation that ended with `completion`.
/// Directly (`direct`), a function error or timeout is a function error (Invoke answers 200
/// with `FunctionError`); behind a load balancer it is a 502.
fn request_outcome(completion: Completion, direct: bool) -> Outcome {
    match (completion.is_error(), direct) {
        (false, _) => Outcome::Ok,
        (true, true) => Outcome::FunctionError,
        (true, false) => Outcome::Http502,
    }
}

/// Each function's figures and its bills per period, checked by conservation: every
/// accepted asynchronous event ended exactly once, or is still queued.
fn results(
    lambda: &LambdaService,
    specs: &[FunctionSpec],
    regions: &crate::model::region::Regions,
) -> (Vec<FunctionResult>, Vec<Vec<LambdaUsage>>) {
    let (mut accepted, mut settled) = (0, 0);
    for st in &lambda.functions {
        let t = &st.meters.totals;
        accepted += t.async_events;
        settled += t.async_succeeded + t.async_failed + t.async_expired;
    }
    assert_eq!(
        accepted,
        settled + lambda.live_counted_events,
        "conservation: every asynchronous event ended exactly once or is still queued"
    );
    let functions = specs
        .iter()
        .zip(&lambda.functions)
        .enumerate()
        .map(|(f, (spec, st))| FunctionResult {
            region: regions.declared_name(regions.function_region.get(f).copied()),
            name: spec.name.clone(),
            memory_mb: spec.memory_mb,
            architecture: spec.architecture.name(),
            reserved_concurrency: spec.reserved_concurrency,
            provisioned_concurrency: spec.provisioned_concurrency,
            gb_seconds: st.meters.totals.billed_ms / 1e3 * spec.memory_gb(),
            totals: st.meters.totals.clone(),
        })
        .collect();
    let bills = lambda
        .functions
        .iter()
        .map(|st| st.meters.bills.clone())
        .collect();
    (functions, bills)
}
