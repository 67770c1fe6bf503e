//! SQS with a Lambda event source mapping: every message ends exactly once; the poller fleet
//! ramps at AWS's documented rate (5 batches, then +300 a minute up to 1,250 since Nov 2023;
//! +60 up to 1,000 before); batch sizes follow `batch_size` and `batching_window`; partial
//! batch failures return only the failed items; throttles back the pollers off; same seed,
//! same outputs.

use crate::sqs::queue;
use crate::support::*;
use stratus::metrics::Statistic;
use stratus::report::summary_json;
use stratus::sim::{EventSourceResult, RunResult};

pub(crate) fn mapping(r: &RunResult) -> &EventSourceResult {
    &r.event_sources[0]
}

/// A queue `jobs` fed by workload `send` and consumed by function `f`; `function`,
/// `queue` and `consumer` are extra YAML flow-mapping entries, `account` extra top-level text.
pub(crate) fn scenario(
    duration: &str,
    send: &str,
    function: &str,
    queue: &str,
    consumer: &str,
) -> String {
    format!(
        r#"
name: esm-test
duration: {duration}
workloads:
  send: {{target: sqs/jobs, work: {{dist: constant, value: 0s}}, {send}}}
lambda_functions:
  f: {{{function}}}
queues:
  jobs: {{{queue} consumers: [{{lambda: f, {consumer}}}]}}
  jobs-dlq: {{}}
account: {{lambda_concurrency: 3000, lambda_scaling: {{model: per_function_10s, step: 2000}}}}
"#
    )
}

#[test]
fn every_message_ends_exactly_once_through_failures_throttles_and_the_dlq() {
    let text = scenario(
        "20m",
        "rate: 200",
        "duration: {dist: exponential, mean: 100ms}, timeout: 10s, error_probability: 0.02, reserved_concurrency: 8",
        "visibility_timeout: 20s, max_receive_count: 3, dead_letter_queue: jobs-dlq,",
        "failure_probability: 0.05, report_batch_item_failures: true",
    );
    let r = simulate(parse(&text, &[]));
    let jobs = queue(&r, "jobs");
    let dlq = queue(&r, "jobs-dlq");
    let m = mapping(&r);
    let f = &r.lambda_functions[0].totals;
    assert!(jobs.stats.sent > 200_000, "{}", jobs.stats.sent);
    assert!(dlq.stats.moved_in > 0 && jobs.stats.dead_lettered == dlq.stats.moved_in);
    // Each batch is one invocation or one throttle, as the function counts them.
    assert!(
        m.stats.throttled_batches > 0,
        "reserved concurrency 8 throttles"
    );
    assert_eq!(f.throttles, m.stats.throttled_batches);
    assert_eq!(f.invocations, m.stats.batches - m.stats.throttled_batches);
    assert!(f.max_concurrency <= 8);
    // Received messages are the batches' messages.
    assert_eq!(jobs.stats.received, m.stats.messages_invoked);
    assert!(m.stats.item_failures > 0 && m.stats.failed_batches > 0);
    assert_eq!(f.errors, m.stats.failed_batches);
}

/// A backlog far larger than the fleet can drain in five minutes (600,000 messages sent in
/// the first second; each batch runs 5 s), and a pool large enough for any fleet.
fn ramp(consumer: &str) -> RunResult {
    let text = scenario(
        "7m",
        "rate: {profile: piecewise, points: [[0s, 600000], [1s, 600000], [1001ms, 0]]}",
        "duration: {dist: constant, value: 5s}, timeout: 10s, init: {dist: constant, value: 100ms}",
        "visibility_timeout: 1h,",
        &format!("batch_duration: per_batch, {consumer}"),
    );
    simulate(parse(&text, &[]))
}

/// The most concurrent executions in each minute, and the pollers at each minute's end.
pub(crate) fn per_minute(r: &RunResult) -> (Vec<f64>, Vec<f64>) {
    let conc = r
        .series
        .points("lambda.f.concurrent_executions", Statistic::Maximum);
    let pollers = r.series.points("sqs.jobs.lambda_pollers", Statistic::Value);
    (
        conc.iter().map(|p| p.1).collect(),
        pollers.iter().map(|p| p.1).collect(),
    )
}

#[test]
fn pollers_ramp_by_300_a_minute_up_to_1250_under_a_backlog() {
    let r = ramp("batch_size: 10");
    let (conc, pollers) = per_minute(&r);
    // Minute k runs 5 + 300k batches (AWS: 5 to start, up to 300 more per minute, 1,250 at
    // most), while the backlog lasts: 600,000 messages take until well after minute 5.
    let expected = |k: u32| (5 + 300 * k).min(1250) as f64;
    for k in 0..6 {
        assert_eq!(conc[k as usize], expected(k), "minute {k}: {conc:?}");
        assert_eq!(
            pollers[k as usize],
            expected(k + 1),
            "minute {k}: {pollers:?}"
        );
    }
    assert!(queue(&r, "jobs").stats.max_visible > 500_000);
    assert_eq!(mapping(&r).stats.peak_pollers, 1250);
    assert_eq!(r.lambda_functions[0].totals.throttles, 0);
}

#[test]
fn legacy_pollers_ramp_by_60_a_minute_and_maximum_concurrency_caps_them() {
    let r = ramp("poller_scaling: {model: legacy}");
    let (conc, _) = per_minute(&r);
    for k in 0..7u32 {
        assert_eq!(
            conc[k as usize],
            (5 + 60 * k) as f64,
            "minute {k}: {conc:?}"
        );
    }
    let r = ramp("maximum_concurrency: 400");
    let (conc, _) = per_minute(&r);
    let want: Vec<f64> = [5.0, 305.0, 400.0, 400.0, 400.0].to_vec();
    assert_eq!(&conc[..5], &want[..]);
}

#[test]
fn a_backlog_fills_every_batch_and_a_window_gathers_arrivals() {
    // A backlog: every batch is full, but for the first of each of the 5 pollers waiting
    // when the first message arrives (each takes that one message).
    let r = ramp("batch_size: 7");
    let m = mapping(&r);
    assert_eq!(m.stats.messages_invoked, 7 * m.stats.batches - 5 * 6);
    // One poller, a trickle of 10 messages/s, a 2 s window, batches of up to 100: a batch
    // holds its first message and the Poisson arrivals of the window that follows it,
    // 1 + 10 x 2 = 21 on average (the 30 ms between windows add at most 0.3).
    let text = scenario(
        "3h",
        "rate: 10",
        "duration: {dist: constant, value: 10ms}, timeout: 10s",
        "visibility_timeout: 1m,",
        "batch_size: 100, batching_window: 2s, batch_duration: per_batch, poller_scaling: {initial: 1, maximum: 1}",
    );
    let r = simulate(parse(&text, &[]));
    let m = mapping(&r);
    let mean = m.stats.messages_invoked as f64 / m.stats.batches as f64;
    // Batch sizes vary like 1 + Poisson(20) (sd 4.5); over about 5,300 batches the mean's
    // standard error is 0.06: 21 +- 0.3 (5 se) + 0.3 (the gaps).
    assert!(
        (mean - 21.0).abs() < 0.6,
        "mean batch {mean} over {}",
        m.stats.batches
    );
    // A fast trickle fills batches of 100 before the window closes.
    let text = text.replace("rate: 10", "rate: 500");
    let r = simulate(parse(&text, &[]));
    let m = mapping(&r);
    let mean = m.stats.messages_invoked as f64 / m.stats.batches as f64;
    assert!(mean > 99.0 && mean <= 100.0, "{mean}");
}

/// Batches of 10 from a backlog with a per-message failure probability `p`.
fn failing(p: f64, report: bool) -> RunResult {
    let text = scenario(
        "30m",
        "rate: 400",
        "duration: {dist: constant, value: 20ms}, timeout: 10s",
        "visibility_timeout: 30s,",
        &format!(
            "failure_probability: {p}, report_batch_item_failures: {report}, poller_scaling: {{initial: 2, maximum: 2}}"
        ),
    );
    simulate(parse(&text, &[]))
}

#[test]
fn partial_batch_failures_return_only_the_failed_items() {
    let p = 0.1;
    let r = failing(p, true);
    let m = mapping(&r);
    let n = m.stats.messages_invoked as f64;
    let frac = m.stats.item_failures as f64 / n;
    let sd = (p * (1.0 - p) / n).sqrt();
    assert!((frac - p).abs() < 4.0 * sd, "{frac} vs {p} (sd {sd})");
    assert_eq!(m.stats.failed_batches, 0);
    // Without reporting, one failed item fails its batch: 1 - (1 - p)^k of batches of k.
    let r = failing(p, false);
    let m = mapping(&r);
    assert_eq!(m.stats.item_failures, 0);
    let jobs = queue(&r, "jobs");
    // Two pollers against 400 messages/s: a backlog, so every batch holds 10 (but for the
    // pollers' first, taken when the first message arrived).
    assert_eq!(m.stats.messages_invoked, 10 * m.stats.batches - 2 * 9);
    let b = m.stats.batches as f64;
    let q = 1.0 - (1.0 - p).powi(10);
    let frac = m.stats.failed_batches as f64 / b;
    let sd = (q * (1.0 - q) / b).sqrt();
    assert!((frac - q).abs() < 4.0 * sd, "{frac} vs {q} (sd {sd})");
    assert_eq!(r.lambda_functions[0].totals.errors, m.stats.failed_batches);
    assert_eq!(jobs.stats.failures, 10 * m.stats.failed_batches);
}

#[test]
fn throttles_back_the_pollers_off_and_maximum_concurrency_avoids_them() {
    // A backlog against reserved concurrency 10: the fleet grows to 305 at the first minute,
    // its batches are throttled, each throttle lowers the fleet's target by one, throttled
    // batches are retried by their pollers, and no window with throttles grows the fleet.
    let run = |consumer: &str| {
        let text = scenario(
            "10m",
            "rate: {profile: piecewise, points: [[0s, 2000], [10s, 2000], [10001ms, 0]]}",
            "duration: {dist: constant, value: 1s}, timeout: 5s, reserved_concurrency: 10",
            "visibility_timeout: 30s,",
            &format!("batch_duration: per_batch, {consumer}"),
        );
        simulate(parse(&text, &[]))
    };
    let r = run("backoff: 1s");
    let m = mapping(&r);
    let f = &r.lambda_functions[0].totals;
    assert!(f.throttles > 250, "{}", f.throttles);
    assert_eq!(f.throttles, m.stats.throttled_batches);
    assert!(f.max_concurrency <= 10);
    let jobs = queue(&r, "jobs");
    // Retries: more throttled attempts than the batches that gave up (each give-up lets its
    // 10 messages' visibility timeout expire).
    assert!(10 * m.stats.throttled_batches > jobs.stats.visibility_expiries);
    let (_, pollers) = per_minute(&r);
    assert!(pollers[1] <= 20.0, "the fleet backed off: {pollers:?}");
    // Throttled messages came back and were all processed in the end.
    assert_eq!(jobs.stats.deleted, jobs.stats.sent);
    // Capping the mapping at the function's reservation: no throttles, the same drain.
    let r = run("maximum_concurrency: 10");
    assert_eq!(r.lambda_functions[0].totals.throttles, 0);
    let jobs = queue(&r, "jobs");
    assert_eq!(jobs.stats.deleted, jobs.stats.sent);
}

#[test]
fn same_seed_same_summary() {
    let go = || {
        let s = load("scenarios/sqs-lambda.yaml", &["duration=12m"]);
        let mut v = summary_json(&simulate(s));
        v["wall_s"] = serde_json::Value::Null;
        serde_json::to_string(&v).unwrap()
    };
    let a = go();
    assert_eq!(a, go());
    assert!(a.contains("lambda_consumers"));
    let s = load("scenarios/sqs-lambda.yaml", &["duration=12m", "seed=9"]);
    let mut v = summary_json(&simulate(s));
    v["wall_s"] = serde_json::Value::Null;
    assert_ne!(a, serde_json::to_string(&v).unwrap());
}

#[test]
fn bad_event_source_mappings_are_reported_all_at_once() {
    let text = r#"
name: bad
duration: 10m
workloads:
  send: {target: sqs/jobs, rate: 1, work: {dist: constant, value: 1ms}}
lambda_functions:
  f: {duration: {dist: constant, value: 10ms}, timeout: 60s}
queues:
  jobs:
    visibility_timeout: 30s
    consumers:
      - {lambda: f, batch_size: 50, maximum_concurrency: 1, pollers: 3}
      - {lambda: ghost, batching_window: 301s, failure_probability: 2}
      - {lambda: f, batch_size: 20000, batching_window: 5s, poller_scaling: {initial: 0}}
  other:
    consumers:
      - {group: workers, batch_size: 10, report_batch_item_failures: true}
auto_scaling_groups:
  workers: {instance: {vcpus: 1}, desired: 1}
"#;
    let err = stratus::scenario::Scenario::from_text(text, "bad.yaml", &repo_path("."), &[])
        .expect_err("invalid");
    let has = |path: &str, words: &str| {
        assert!(
            err.problems
                .iter()
                .any(|p| p.path == path && p.message.contains(words)),
            "no `{words}` at {path}: {err}"
        )
    };
    let c = "queues.jobs.consumers";
    has(&format!("{c}[0].batch_size"), "at least 1s");
    has(&format!("{c}[0].maximum_concurrency"), "2..1000");
    has(&format!("{c}[0].pollers"), "worker fleets only");
    has(
        &format!("{c}[0].lambda"),
        "shorter than the function's timeout",
    );
    has(
        &format!("{c}[1].lambda"),
        "no Lambda function named `ghost`",
    );
    has(&format!("{c}[1].batching_window"), "at most 5m");
    has(&format!("{c}[1].failure_probability"), "0..1");
    has(&format!("{c}[2].batch_size"), "1..10000");
    has(&format!("{c}[2].poller_scaling.initial"), "expected 1..");
    has(
        "queues.other.consumers[0].report_batch_item_failures",
        "Lambda consumers only",
    );
}

#[test]
fn explain_describes_the_mapping_and_its_defaults() {
    let text = stratus::explain::explain(&load("scenarios/sqs-lambda.yaml", &[]));
    for needle in [
        "Lambda event source mapping to `resize`",
        "(sqs jobs) ==> (lambda resize)",
        "poller_scaling = {model: current, initial: 5, per_minute: 300, maximum: 1250}",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}

#[test]
fn the_shipped_scenario_drains_its_burst_and_the_fleet_falls_back() {
    let r = simulate(load("scenarios/sqs-lambda.yaml", &[]));
    let jobs = queue(&r, "jobs");
    assert!(
        jobs.stats.max_visible > 150_000,
        "{}",
        jobs.stats.max_visible
    );
    assert!(jobs.remaining < 100, "drained: {}", jobs.remaining);
    let m = mapping(&r);
    // Capped by maximum_concurrency, then back near the trickle's needs.
    assert_eq!(m.stats.peak_pollers, 500);
    assert_eq!(r.lambda_functions[0].totals.max_concurrency, 500);
    let pollers = r.series.points("sqs.jobs.lambda_pollers", Statistic::Value);
    let last = pollers.last().unwrap().1;
    assert!((5.0..=20.0).contains(&last), "{pollers:?}");
    assert_eq!(r.lambda_functions[0].totals.throttles, 0);
}
