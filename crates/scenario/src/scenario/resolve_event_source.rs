//! Validation of a queue's Lambda event source mapping (`{lambda: NAME, batch_size: 10, ...}`
//! in `consumers`) into `model::sqs::EventSourceSpec`, with AWS's limits: batch size 1..10
//! (up to 10,000 with a batching window of at least 1 s), batching window up to 300 s,
//! `maximum_concurrency` 2..1,000, and a queue visibility timeout no shorter than the
//! function's timeout (AWS refuses such a mapping).

use super::raw::{RawBatchDuration, RawConsumer, RawPollerModel};
use super::resolve::{Ctx, reference};
use super::resolve_queue::DEFAULT_API_LATENCY;
use crate::ids::FunctionId;
use crate::kernel::SimTime;
use crate::model::lambda::FunctionSpec;
use crate::model::sqs::{BatchDuration, ConsumerSpec, EventSourceSpec, PollerScaling};
use std::collections::BTreeMap;

pub const DEFAULT_BATCH_SIZE: u32 = 10;
pub const DEFAULT_BACKOFF: SimTime = SimTime::from_secs(1);
pub const MAX_BATCHING_WINDOW: SimTime = SimTime::from_secs(300);

/// The functions a mapping may name.
pub struct Functions<'a> {
    pub ids: &'a BTreeMap<String, FunctionId>,
    pub specs: &'a [FunctionSpec],
}

pub(super) fn resolve_event_source(
    ctx: &mut Ctx,
    path: &str,
    function: &str,
    c: &RawConsumer,
    functions: &Functions,
    visibility_timeout: SimTime,
) -> Option<ConsumerSpec> {
    let before = ctx.problems.len();
    for (key, given) in [
        ("pollers", c.pollers.is_some()),
        ("wait_time", c.wait_time.is_some()),
        ("max_messages", c.max_messages.is_some()),
    ] {
        if given {
            ctx.err(
                &format!("{path}.{key}"),
                "applies to worker fleets only; a Lambda consumer uses `batch_size`, \
                 `batching_window` and `maximum_concurrency` (its pollers scale themselves)",
            );
        }
    }
    let id = reference(
        ctx,
        &format!("{path}.lambda"),
        functions.ids,
        "Lambda function",
        "lambda_functions",
        function,
    );
    let batching_window = c.batching_window.map_or(SimTime::ZERO, |d| d.0);
    if batching_window > MAX_BATCHING_WINDOW {
        ctx.err(
            &format!("{path}.batching_window"),
            format!("expected at most {MAX_BATCHING_WINDOW}, got {batching_window}"),
        );
    }
    let batch_size = c.batch_size.unwrap_or(DEFAULT_BATCH_SIZE);
    if !(1..=10_000).contains(&batch_size) {
        ctx.err(
            &format!("{path}.batch_size"),
            format!("expected 1..10000 messages per batch, got {batch_size}"),
        );
    } else if batch_size > 10 && batching_window < SimTime::from_secs(1) {
        ctx.err(
            &format!("{path}.batch_size"),
            format!(
                "a batch of more than 10 messages needs `batching_window` of at least 1s, \
                 got {batch_size} with {batching_window}"
            ),
        );
    }
    if let Some(m) = c.maximum_concurrency
        && !(2..=1000).contains(&m)
    {
        ctx.err(
            &format!("{path}.maximum_concurrency"),
            format!("expected 2..1000 concurrent batches, got {m}"),
        );
    }
    let failure_probability = c.failure_probability.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&failure_probability) {
        ctx.err(
            &format!("{path}.failure_probability"),
            format!("expected a probability in 0..1, got {failure_probability}"),
        );
    }
    let mut scaling = PollerScaling::CURRENT;
    if let Some(s) = &c.poller_scaling {
        if let Some(RawPollerModel::Legacy) = s.model {
            scaling = PollerScaling::LEGACY;
        }
        scaling.initial = s.initial.unwrap_or(scaling.initial);
        scaling.per_minute = s.per_minute.unwrap_or(scaling.per_minute);
        scaling.maximum = s.maximum.unwrap_or(scaling.maximum);
        let sp = format!("{path}.poller_scaling");
        if !(1..=20_000).contains(&scaling.maximum) {
            ctx.err(
                &format!("{sp}.maximum"),
                format!("expected 1..20000 pollers, got {}", scaling.maximum),
            );
        }
        if scaling.initial == 0 || scaling.initial > scaling.maximum {
            ctx.err(
                &format!("{sp}.initial"),
                format!(
                    "expected 1..{} (at most `maximum`), got {}",
                    scaling.maximum, scaling.initial
                ),
            );
        }
    }
    let backoff = c.backoff.map_or(DEFAULT_BACKOFF, |d| d.0);
    if backoff == SimTime::ZERO {
        ctx.err(
            &format!("{path}.backoff"),
            "expected a positive back-off after a throttle",
        );
    }
    let api_latency = c.api_latency.map_or(DEFAULT_API_LATENCY, |d| d.0);
    if let Some(spec) = functions.specs.iter().find(|f| f.name == function)
        && visibility_timeout < spec.timeout
    {
        ctx.err(
            &format!("{path}.lambda"),
            format!(
                "the queue's visibility_timeout ({visibility_timeout}) is shorter than the \
                 function's timeout ({}); AWS refuses such a mapping (it recommends at least \
                 6 times the timeout)",
                spec.timeout
            ),
        );
    }
    if ctx.problems.len() != before {
        return None;
    }
    Some(ConsumerSpec::Lambda(EventSourceSpec {
        function: id?,
        batch_size,
        batching_window,
        maximum_concurrency: c.maximum_concurrency,
        report_batch_item_failures: c.report_batch_item_failures.unwrap_or(false),
        failure_probability,
        batch_duration: match c.batch_duration {
            Some(RawBatchDuration::PerBatch) => BatchDuration::PerBatch,
            _ => BatchDuration::PerMessage,
        },
        scaling,
        backoff,
        api_latency,
    }))
}
