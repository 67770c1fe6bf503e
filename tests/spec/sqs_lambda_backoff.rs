//! How an SQS event source mapping backs off, against AWS's statements
//! (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html and
//! services-sqs-scaling.html): a throttled batch is retried "until the message's timestamp
//! exceeds your queue's visibility timeout" (not dropped); errors in the function's code make
//! Lambda reduce the mapping's concurrency; with low traffic the fleet "can optimize to as few
//! as 2" concurrent batches (not with maximum concurrency, where it stays at 5).

use crate::sqs::queue;
use crate::sqs_lambda::{mapping, per_minute, scenario};
use crate::support::*;

/// The documented figures.
const INITIAL: f64 = 5.0;
const PER_MINUTE: f64 = 300.0;
const LOW_TRAFFIC_FLOOR: f64 = 2.0;

/// Ten messages in the first second, one per batch, against a reservation of 2: the batches
/// beyond two are throttled, and their pollers retry them within the 5-minute visibility
/// timeout. With `max_receive_count: 1`, a throttle that let a message's visibility timeout
/// run out would send it to the DLQ on its next receive; none goes there.
///
/// The messages are evenly spaced (`arrivals: uniform`, one every 100 ms), so their number
/// does not depend on the draws: with Poisson arrivals the first second holds Poisson(10)
/// messages, fewer than 9 one seed in three, and fewer than 3 (no throttle) one in 360.
#[test]
fn a_throttled_batch_is_retried_within_the_visibility_timeout() {
    let text = scenario(
        "3m",
        "rate: {profile: piecewise, points: [[0s, 10], [1s, 10], [1001ms, 0]]}, arrivals: uniform",
        "duration: {dist: constant, value: 1s}, timeout: 5s, reserved_concurrency: 2",
        "visibility_timeout: 5m, max_receive_count: 1, dead_letter_queue: jobs-dlq,",
        "batch_size: 1",
    );
    let r = simulate(parse(&text, &["warmup=0s"]));
    let jobs = queue(&r, "jobs");
    let f = &r.lambda_functions[0].totals;
    let m = mapping(&r);
    assert!(jobs.stats.sent >= 10, "{}", jobs.stats.sent);
    assert!(f.throttles > 0, "the reservation throttles");
    assert_eq!(f.throttles, m.stats.throttled_batches);
    // Every message was invoked exactly once successfully: no receive beyond the first.
    assert_eq!(f.invocations, jobs.stats.sent);
    assert_eq!(jobs.stats.received, jobs.stats.sent);
    assert_eq!(jobs.stats.visibility_expiries, 0);
    assert_eq!(jobs.stats.deleted, jobs.stats.sent);
    assert_eq!(queue(&r, "jobs-dlq").stats.moved_in, 0);
}

/// A backlog the first fleet cannot drain (600 messages/s for a minute; a batch of 10 runs
/// 1 s): without errors the fleet grows by 300 at the first minute; when every batch fails,
/// Lambda backs off instead, down to 2.
#[test]
fn function_errors_back_the_fleet_off() {
    let run = |p: &str| {
        let text = scenario(
            "4m",
            "rate: {profile: piecewise, points: [[0s, 600], [60s, 600], [60001ms, 0]]}",
            &format!(
                "duration: {{dist: constant, value: 100ms}}, timeout: 5s, error_probability: {p}"
            ),
            "visibility_timeout: 30s,",
            "batch_size: 10",
        );
        simulate(parse(&text, &["warmup=0s", "metric_period=60s"]))
    };
    let (_, healthy) = per_minute(&run("0"));
    assert_eq!(healthy[0], INITIAL + PER_MINUTE, "{healthy:?}");
    let r = run("1");
    let (_, failing) = per_minute(&r);
    for (k, &n) in failing.iter().enumerate() {
        assert_eq!(n, LOW_TRAFFIC_FLOOR, "minute {k}: {failing:?}");
    }
    // Every batch that ended failed (the last ones may still run when the run ends).
    let m = mapping(&r);
    assert_eq!(r.lambda_functions[0].totals.errors, m.stats.failed_batches);
    assert!(m.stats.batches - m.stats.failed_batches <= LOW_TRAFFIC_FLOOR as u64);
}

/// One message every 20 s: after a quiet minute the fleet is at 2, not 5; with
/// `maximum_concurrency` AWS keeps 5.
#[test]
fn with_little_traffic_the_fleet_falls_to_2() {
    let run = |consumer: &str| {
        let text = scenario(
            "5m",
            "rate: 0.05",
            "duration: {dist: constant, value: 10ms}, timeout: 5s",
            "",
            consumer,
        );
        simulate(parse(&text, &["warmup=0s", "metric_period=60s"]))
    };
    // The first minute ends with the initial 5; every later one with 2.
    let (_, pollers) = per_minute(&run("batch_size: 1"));
    assert!(pollers.len() >= 4);
    assert_eq!(pollers[0], INITIAL);
    for (k, &n) in pollers.iter().enumerate().skip(1) {
        assert_eq!(n, LOW_TRAFFIC_FLOOR, "minute {k}: {pollers:?}");
    }
    let (_, capped) = per_minute(&run("batch_size: 1, maximum_concurrency: 10"));
    for (k, &n) in capped.iter().enumerate() {
        assert_eq!(n, INITIAL, "minute {k}: {capped:?}");
    }
}
