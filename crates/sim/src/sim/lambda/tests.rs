//! Lambda on its own: the service's code runs on a queue of its own events, with no world,
//! and what its origins must do comes back as values.

use super::{Ctx, Handback};
use crate::ids::{FunctionId, PollerId, RequestId};
use crate::kernel::{EventQueue, SimTime};
use crate::metrics::TimeSeries;
use crate::model::lambda::{Completion, LambdaEvent, LambdaService, Origin, Payload, Refusal};
use crate::scenario::Scenario;
use crate::sim::service::Service;
use crate::sim::sqs::SqsWorld;

/// One function with one reserved execution: a 2 s handler, and a 500 ms init on a cold
/// start.
const SCENARIO: &str = "
name: lambda-alone
duration: 1h
workloads:
  calls: {target: lambda/f, rate: 1}
lambda_functions:
  f:
    duration: {dist: constant, value: 2s}
    init: {dist: constant, value: 500ms}
    timeout: 10s
    reserved_concurrency: 1
";

const F: FunctionId = FunctionId(0);

fn scenario() -> Scenario {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Scenario::from_text(SCENARIO, "lambda-alone.yaml", &root, &[]).expect("valid")
}

fn ctx<'a>(
    lambda: &'a mut LambdaService,
    s: &'a Scenario,
    queue: &'a mut EventQueue<LambdaEvent>,
) -> Ctx<'a, EventQueue<LambdaEvent>> {
    Ctx {
        lambda,
        specs: &s.lambda_functions,
        counting: true,
        queue,
        tracer: None,
    }
}

fn ms(n: u64) -> SimTime {
    SimTime::from_millis(n)
}

/// A request's invocation starts cold (init, then the handler) and holds the function's one
/// reserved execution, so a batch's invocation meanwhile is refused; its end comes back as
/// the request's answer, and a batch's end as SQS's.
#[test]
fn invocations_end_as_answers_to_their_origin() {
    let s = scenario();
    let mut lambda = LambdaService::build(&s, &mut TimeSeries::default());
    let mut q = EventQueue::new();
    let request = RequestId(3);
    let poller = PollerId(5);
    let Origin::Service(batch) = super::origin::<SqsWorld>(poller.0) else {
        unreachable!("a service's origin")
    };
    let mut cx = ctx(&mut lambda, &s, &mut q);
    assert_eq!(
        cx.invoke(F, Origin::Request(request), Payload::ONE, 0),
        Ok(())
    );
    assert_eq!(
        cx.invoke(F, super::origin::<SqsWorld>(poller.0), Payload::ONE, 1),
        Err(Refusal::Reserved)
    );
    let (at, e) = q.pop().expect("the invocation's end");
    assert_eq!(at, ms(500 + 2000), "a cold start: init then handler");
    let LambdaEvent::InvocationEnded(id) = e else {
        panic!("unexpected {e:?}")
    };
    let mut cx = ctx(&mut lambda, &s, &mut q);
    assert_eq!(
        cx.invocation_ended(id),
        Some(Handback::Answer {
            request,
            completion: Completion::Succeeded
        })
    );
    // The execution is free again and its environment warm: no init.
    assert_eq!(
        cx.invoke(F, super::origin::<SqsWorld>(poller.0), Payload::ONE, 1),
        Ok(())
    );
    let (at, e) = q.pop().expect("the batch's end");
    assert_eq!(at, ms(2500 + 2000));
    let LambdaEvent::InvocationEnded(id) = e else {
        panic!("unexpected {e:?}")
    };
    assert_eq!(
        ctx(&mut lambda, &s, &mut q).invocation_ended(id),
        Some(Handback::Service {
            origin: batch,
            completion: Completion::Succeeded
        })
    );
    let t = &lambda.functions[0].meters.totals;
    assert_eq!((t.invocations, t.throttles, t.cold_starts), (2, 1, 1));
}

/// An asynchronous event stays inside Lambda: throttled while a request holds the one
/// execution, retried 1 s and then 2 s later (AWS's backoff for throttles), invoked once the
/// execution is free, and settled by its end, which asks nothing of anyone.
#[test]
fn a_throttled_async_event_is_retried_and_settled_inside_lambda() {
    let s = scenario();
    let mut lambda = LambdaService::build(&s, &mut TimeSeries::default());
    let mut q = EventQueue::new();
    let mut cx = ctx(&mut lambda, &s, &mut q);
    let request = RequestId(0);
    assert_eq!(
        cx.invoke(F, Origin::Request(request), Payload::ONE, 0),
        Ok(())
    );
    cx.accept_async(F, 1);
    let mut seen = Vec::new();
    while let Some((at, e)) = q.pop() {
        let mut cx = ctx(&mut lambda, &s, &mut q);
        match e {
            LambdaEvent::AsyncRetryDue(e) => {
                seen.push((at, None));
                cx.attempt_async(e);
            }
            LambdaEvent::InvocationEnded(id) => seen.push((at, cx.invocation_ended(id))),
            LambdaEvent::BurstWindowEnded(_) => panic!("no regional burst model here"),
        }
    }
    let answer = Some(Handback::Answer {
        request,
        completion: Completion::Succeeded,
    });
    assert_eq!(
        seen,
        vec![
            (ms(1000), None),        // the first retry: throttled again
            (ms(2500), answer),      // the request's end frees the execution
            (ms(1000 + 2000), None), // the second retry: invoked, warm
            (ms(3000 + 2000), None), // its end: settled, nothing handed back
        ]
    );
    let t = &lambda.functions[0].meters.totals;
    assert_eq!(
        (
            t.async_events,
            t.async_succeeded,
            t.async_retries,
            t.throttles
        ),
        (1, 1, 2, 2)
    );
    assert_eq!(lambda.live_counted_events, 0);
}
