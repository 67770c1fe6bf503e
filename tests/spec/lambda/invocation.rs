//! Lambda invocation paths: asynchronous retries, expiry and on-failure; a function behind an
//! ALB; the bill; traces; `explain`; bad input.

use super::*;

const ASYNC: &str = r#"
name: async
duration: 2h
workloads:
  events:
    target: lambda/f
    invocation: async
    arrivals: uniform
    rate: {profile: piecewise, points: [[0s, 2], [1m, 2], [1m, 0]]}
lambda_functions:
  f:
    duration: {dist: constant, value: 2s}
    init: {dist: constant, value: 0s}
    reserved_concurrency: 1
"#;

/// Throttled asynchronous events are retried with backoff and all eventually succeed; the
/// callers were answered at once.
#[test]
fn async_throttles_are_retried_until_they_succeed() {
    let r = simulate(parse(ASYNC, &[]));
    let f = function(&r, "f");
    let t = &f.totals;
    assert_eq!(t.async_events, 120);
    assert_eq!(t.async_succeeded, t.async_events);
    assert_eq!(t.invocations, t.async_events);
    assert!(t.throttles > 120);
    assert_eq!(t.async_retries, t.throttles);
    assert_eq!(workload(&r, "events").ok, 120);
}

/// With a maximum event age of a minute, most events expire instead; every event still ends
/// exactly once.
#[test]
fn async_events_expire_at_their_maximum_age() {
    let r = simulate(parse(ASYNC, &["lambda_functions.f.max_event_age=60s"]));
    let t = &function(&r, "f").totals;
    assert!(t.async_expired > 50, "{}", t.async_expired);
    assert!(t.async_succeeded > 10);
    assert_eq!(
        t.async_succeeded + t.async_expired + t.async_failed,
        t.async_events
    );
    assert_eq!(t.invocations, t.async_succeeded);
}

/// A function that always fails: each event is tried three times (two retries, a minute and
/// two minutes later), then goes to the on-failure destination.
#[test]
fn async_function_errors_are_retried_twice_then_fail() {
    let r = simulate(parse(
        ASYNC,
        &[
            "lambda_functions.f.error_probability=1",
            "lambda_functions.f.reserved_concurrency=100",
        ],
    ));
    let t = &function(&r, "f").totals;
    assert_eq!(t.throttles, 0);
    assert_eq!(t.async_failed, 120);
    assert_eq!(t.invocations, 360);
    assert_eq!(t.errors, 360);
    assert_eq!(t.async_retries, 240);
    let r = simulate(parse(
        ASYNC,
        &[
            "lambda_functions.f.error_probability=1",
            "lambda_functions.f.reserved_concurrency=100",
            "lambda_functions.f.max_retry_attempts=0",
        ],
    ));
    assert_eq!(function(&r, "f").totals.invocations, 120);
}

const BEHIND_ALB: &str = r#"
name: alb-lambda
duration: 5m
azs: [a, b]
workloads:
  web: {target: alb/front, arrivals: uniform, rate: 10}
load_balancers:
  front: {azs: [a, b], rules: [{default: fn}]}
target_groups:
  fn: {lambda: api}
lambda_functions:
  api: {duration: {dist: constant, value: 1s}, reserved_concurrency: 5}
"#;

/// Behind an ALB, a throttle is a 503 from the load balancer and a function error a 502.
#[test]
fn behind_an_alb_throttles_are_503_and_errors_502() {
    let r = simulate(parse(BEHIND_ALB, &[]));
    let f = function(&r, "api");
    let o = &r.overall;
    assert!(f.totals.throttles > 1000);
    assert_eq!(o.errors[1], f.totals.throttles);
    assert_eq!(o.errors[3], 0, "no 429 reaches an ALB client");
    let r = simulate(parse(
        BEHIND_ALB,
        &[
            "lambda_functions.api.reserved_concurrency=100",
            "lambda_functions.api.error_probability=1",
        ],
    ));
    assert_eq!(r.overall.errors[0], r.overall.total);
}

/// The Lambda bill by hand from the price table: requests, GB-seconds rounded up to the
/// millisecond per invocation (a cold start's init included), x86 and arm64 rates, and
/// provisioned concurrency (configured GB-seconds plus its own duration rate).
#[test]
fn lambda_cost_by_hand_from_the_price_table() {
    let r = simulate(parse(
        r#"
name: bill
duration: 1h
workloads:
  a: {target: lambda/od, arrivals: uniform, rate: {profile: piecewise, points: [[0s, 10], [59m, 10], [59m, 0]]}}
  b: {target: lambda/pc, arrivals: uniform, rate: {profile: piecewise, points: [[0s, 10], [59m, 10], [59m, 0]]}}
lambda_functions:
  od: {memory_mb: 1024, duration: {dist: constant, value: 20.4ms}, init: {dist: constant, value: 50ms}}
  pc: {memory_mb: 2048, architecture: arm64, duration: {dist: constant, value: 20.4ms}, provisioned_concurrency: 2}
"#,
        &[],
    ));
    let p = stratus::cost::PriceTable::shipped().lambda;
    let (od, pc) = (function(&r, "od"), function(&r, "pc"));
    let n = od.totals.invocations as f64;
    assert!((35_399.0..=35_401.0).contains(&n), "{n}");
    assert_eq!(r.in_flight, 0);
    assert_eq!(od.totals.cold_starts, 1);
    assert_eq!(
        (pc.totals.invocations as f64, pc.totals.cold_starts),
        (n, 0)
    );
    // On demand, x86, 1 GB: one cold invocation of 70.4 ms (billed 71), the rest 21 ms.
    let od_cost = n * p.per_million_requests / 1e6
        + (71.0 + (n - 1.0) * 21.0) / 1e3 * 1.0 * p.per_gb_second.x86_64;
    // Provisioned, arm64, 2 GB: 2 environments for the hour, invocations at the provisioned
    // duration rate.
    let pc_cost = n * p.per_million_requests / 1e6
        + n * 21.0 / 1e3 * 2.0 * p.provisioned_duration_per_gb_second.arm64
        + 2.0 * 3600.0 * 2.0 * p.provisioned_per_gb_second.arm64;
    let expected = od_cost + pc_cost;
    let got = r.cost.by_service["lambda"];
    assert!(
        (got - expected).abs() < 1e-9 * expected,
        "lambda {got} vs {expected}"
    );
    assert!((od.gb_seconds - (71.0 + (n - 1.0) * 21.0) / 1e3).abs() < 1e-9);
    let summary = stratus::report::summary_json(&r);
    assert_eq!(summary["cost_usd"]["by_service"]["lambda"], got);
}

/// `stratus explain` names the functions, their pools and the account, and lists the Lambda
/// defaults a scenario leaves out.
#[test]
fn explain_mentions_functions_and_their_defaults() {
    let text = stratus::explain::explain(&load("scenarios/lambda-cold-starts.yaml", &[]));
    for needle in [
        "Lambda function `plain`",
        "Lambda function `kept_warm`",
        "2 provisioned environment(s)",
        "(lambda plain, sync)",
        "Lambda account: concurrency 1000",
        "per_function_10s",
        "max_event_age = 6h",
        "lambda_concurrency = 1000",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
    // Set in the file, so not listed as a default.
    assert!(!text.contains("timeout = 3s"));
    let text = stratus::explain::explain(&parse(BEHIND_ALB, &[]));
    assert!(text.contains("[tg fn] --> (lambda api)"), "{text}");
    assert!(text.contains("timeout = 3s"), "{text}");
    assert!(text.contains("its own pool of 5"), "{text}");
}

/// Bad Lambda input: every problem at once, each with its field path.
#[test]
fn bad_lambda_input_is_reported_with_field_paths() {
    let p = problems(
        r#"
name: bad
duration: 1m
azs: [a, b]
workloads:
  direct: {target: lambda/nope, rate: 1, work: {dist: constant, value: 1ms}}
  web: {target: alb/front, rate: 1, invocation: async, work: {dist: constant, value: 1ms}}
load_balancers:
  front: {azs: [a, b], rules: [{default: both}]}
target_groups:
  both: {group: g, lambda: f}
auto_scaling_groups:
  g: {instance: {vcpus: 1}, azs: [a], desired: 1}
lambda_functions:
  f:
    duration: {dist: constant, value: 1s}
    error_probability: 1.5
    max_retry_attempts: 3
    max_event_age: 7h
account:
  lambda_scaling: {model: sideways}
"#,
        &[],
    );
    let paths: Vec<&str> = p.iter().map(|(path, _)| path.as_str()).collect();
    for expected in [
        "workloads.direct.target",
        "workloads.direct.work",
        "workloads.web.invocation",
        "target_groups.both",
        "lambda_functions.f.error_probability",
        "lambda_functions.f.max_retry_attempts",
        "lambda_functions.f.max_event_age",
    ] {
        assert!(paths.contains(&expected), "{expected} missing from {p:?}");
    }
    assert!(
        paths.iter().any(|p| p.starts_with("account")),
        "the unknown scaling model: {p:?}"
    );
}

/// `--trace` writes one `throttle` line per throttle and one `cold_start` line per cold start.
#[test]
fn throttles_and_cold_starts_are_traced() {
    let (r, lines) = simulate_traced(
        parse(TWO_FUNCTIONS, &["duration=20s"]),
        "kind=throttle|cold_start",
        1.0,
    );
    let count = |kind: &str, component: &str| {
        lines
            .iter()
            .filter(|l| l["kind"] == kind && l["component"] == component)
            .count() as u64
    };
    let flood = function(&r, "flood");
    assert!(flood.totals.throttles > 0);
    assert_eq!(count("throttle", "flood"), flood.totals.throttles);
    assert_eq!(count("cold_start", "flood"), flood.totals.cold_starts);
    assert_eq!(
        count("cold_start", "steady"),
        function(&r, "steady").totals.cold_starts
    );
    assert!(
        lines
            .iter()
            .any(|l| l["reason"] == "account concurrency (unreserved pool)")
    );
}

/// A failed invocation that ends after the event's maximum age: the event expires rather than
/// being retried (and the clock never runs backwards).
#[test]
fn an_error_past_the_maximum_age_expires_the_event() {
    let r = simulate(parse(
        ASYNC,
        &[
            "lambda_functions.f.error_probability=1",
            "lambda_functions.f.reserved_concurrency=500",
            "lambda_functions.f.duration={dist: constant, value: 100s}",
            "lambda_functions.f.timeout=900s",
            "lambda_functions.f.max_event_age=60s",
        ],
    ));
    let t = &function(&r, "f").totals;
    assert_eq!(t.async_events, 120);
    assert_eq!(t.invocations, 120);
    assert_eq!(t.async_expired, 120);
    assert_eq!(t.async_failed + t.async_succeeded, 0);
}
