//! Lambda's current per-function scaling rate against AWS's statement of it
//! (https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html): up to 1,000 new
//! execution environments per function every 10 s, refilled continuously (100 per second),
//! unused portions not accrued; warm idle environments are reused without limit.

use crate::lambda::{flash_crowd, function, per_second_max};
use crate::support::*;
use stratus::metrics::Statistic;
use stratus::sim::RunResult;

/// The rule's figures.
const STEP: u64 = 1000;
const WINDOW_S: u64 = 10;

/// New environments a function may have created by time `t_s` from a full bucket at 0.
fn created_by(t_s: f64) -> f64 {
    STEP as f64 + STEP as f64 / WINDOW_S as f64 * t_s
}

/// From cold, under demand far above the rate (20,000 requests/s of executions that outlast
/// the run), the environments created by the end of each second follow `1,000 + 100 t`
/// continuously (never above it, and reaching it within one environment), up to the pool.
#[test]
fn from_cold_new_environments_follow_1000_per_10_seconds_continuously() {
    let pool = 5000u64;
    let r = flash_crowd("{model: per_function_10s}", pool as u32, 70);
    let got = per_second_max(&r);
    assert_eq!(got.len(), 70);
    for (s, &n) in got.iter().enumerate() {
        let bound = created_by((s + 1) as f64).min(pool as f64) as u64;
        assert!(
            n <= bound && n + 1 >= bound,
            "second {s}: {n} running, the rule allows {bound}"
        );
    }
    // Not a staircase: second 4 already runs more than the first 1,000.
    assert!(got[4] > STEP && got[4] < 2 * STEP, "{got:?}");
    let f = function(&r, "f");
    assert_eq!(f.totals.cold_starts, pool);
    assert_eq!(f.totals.max_concurrency as u64, pool);
    assert_eq!(f.totals.invocations + f.totals.throttles, r.arrived);
}

/// The sum of a series over the periods starting at `from_s` or later.
fn series_sum_from(r: &RunResult, key: &str, stat: Statistic, from_s: f64) -> f64 {
    r.series
        .points(key, stat)
        .iter()
        .filter(|p| p.0 >= from_s)
        .map(|p| p.1)
        .sum()
}

/// 3,000 warm idle environments (an account raised to 4,000): after a quiet minute a burst
/// of at least 3,000 requests runs at once, without a throttle. The first 3,000 reuse the
/// warm environments (no cold start); only the requests beyond them are cold starts.
#[test]
fn warm_idle_environments_are_reused_at_once_after_a_quiet_minute() {
    let r = simulate(parse(
        r#"
name: warm-burst
duration: 120s
warmup: 0s
metric_period: 1s
workloads:
  calls:
    target: lambda/f
    arrivals: uniform
    rate:
      profile: piecewise
      points: [[0s, 300], [40s, 300], [40001ms, 0], [99999ms, 0], [100s, 40000], [100080ms, 40000], [100081ms, 0]]
lambda_functions:
  f:
    duration: {dist: constant, value: 10s}
    init: {dist: constant, value: 0s}
    timeout: 60s
    idle_expiry: {dist: constant, value: 30m}
account:
  lambda_concurrency: 4000
"#,
        &[],
    ));
    let conc = r
        .series
        .points("lambda.f.concurrent_executions", Statistic::Maximum);
    // Before the quiet minute: 300 requests/s of 10 s each is 3,000 at once (Little's law).
    let before = conc
        .iter()
        .filter(|p| p.0 <= 41.0)
        .map(|p| p.1)
        .fold(0.0, f64::max);
    assert!(
        (3000.0..=3001.0).contains(&before),
        "{before}: 3,000 environments before the quiet minute"
    );
    let quiet = conc
        .iter()
        .filter(|p| p.0 > 52.0 && p.0 < 100.0)
        .map(|p| p.1)
        .fold(0.0, f64::max);
    assert_eq!(quiet, 0.0, "a quiet minute");
    let key = |k: &str| format!("lambda.f.{k}");
    let burst = series_sum_from(&r, &key("invocations"), Statistic::Sum, 100.0);
    let throttles = series_sum_from(&r, &key("throttles"), Statistic::Sum, 100.0);
    let cold = series_sum_from(&r, &key("cold_starts"), Statistic::Sum, 100.0);
    let peak = conc
        .iter()
        .filter(|p| p.0 >= 100.0)
        .map(|p| p.1)
        .fold(0.0, f64::max);
    assert!(burst >= before, "a burst of {burst}");
    assert_eq!(throttles, 0.0, "warm environments are not rate-limited");
    assert_eq!(peak, burst, "the whole burst runs at once");
    assert_eq!(cold, burst - before, "every warm environment reused");
}

/// Two bursts of about 1,500 requests (each within 3 ms, at the highest rate a workload may
/// have) 5 s apart, after a quiet minute:
/// the bucket holds at most 1,000 (unused rate is not accrued), and refills 100 per second in
/// between, so 1,000 + 5 x 100 run (one fewer if float arrival times land a nanosecond early).
#[test]
fn unused_rate_is_not_accrued() {
    let r = simulate(parse(
        r#"
name: no-accrual
duration: 90s
warmup: 0s
metric_period: 1s
workloads:
  calls:
    target: lambda/f
    arrivals: uniform
    rate:
      profile: piecewise
      points: [[0s, 0], [59999ms, 0], [60s, 1000000], [60001ms, 1000000], [60002ms, 0], [64999ms, 0], [65s, 1000000], [65001ms, 1000000], [65002ms, 0]]
lambda_functions:
  f: {duration: {dist: constant, value: 20s}, timeout: 60s}
account:
  lambda_concurrency: 5000
"#,
        &[],
    ));
    let f = function(&r, "f");
    // A minute of quiet leaves a full bucket (1,000), not 6,000; 5 s later 500 more.
    let expected = STEP + STEP / WINDOW_S * 5;
    let n = f.totals.cold_starts;
    assert!(n == expected || n + 1 == expected, "{n} vs {expected}");
    assert_eq!(f.totals.invocations, n);
    assert_eq!(f.totals.throttles, r.arrived - n);
    assert!(
        r.arrived >= 2600,
        "two bursts, each larger than the bucket holds: {}",
        r.arrived
    );
}

/// The requests-per-second form of the rule (same page, and "Understanding concurrency and
/// requests per second" on https://docs.aws.amazon.com/lambda/latest/dg/lambda-concurrency.html):
/// a function serves at most 10 x its pool per second, and that rate grows by at most 10,000
/// every 10 s, refilled continuously (1,000 per second), from 10,000 at once. Counted per
/// one-second window of simulated time, the requests served in second `k` from cold under
/// sustained demand are `min(10 x pool, 10,000 + 1,000 (k + 1))`.
const RPS_PER_CONCURRENCY: u64 = 10;
const RPS_STEP: u64 = 10 * STEP;

fn rps_ceiling(second: u64, pool: u64) -> u64 {
    (RPS_STEP + RPS_STEP / WINDOW_S * (second + 1)).min(RPS_PER_CONCURRENCY * pool)
}

/// Short (5 ms) invocations at `rate` requests/s, evenly spaced, for `seconds`; `extra` is
/// added to the function, `scaling` is the account's `lambda_scaling`.
fn short_function_crowd(
    rate: u64,
    seconds: u64,
    account: u32,
    extra: &str,
    scaling: &str,
) -> RunResult {
    simulate(parse(
        &format!(
            r#"
name: rps
duration: {seconds}s
warmup: 0s
metric_period: 1s
workloads:
  crowd: {{target: lambda/f, arrivals: uniform, rate: {rate}}}
lambda_functions:
  f: {{duration: {{dist: constant, value: 5ms}}, init: {{dist: constant, value: 0s}}{extra}}}
account:
  lambda_concurrency: {account}
  lambda_scaling: {scaling}
"#
        ),
        &[],
    ))
}

/// Invocations and throttles of each one-second period.
fn per_second(r: &RunResult, what: &str) -> Vec<u64> {
    r.series
        .points(&format!("lambda.f.{what}"), Statistic::Sum)
        .iter()
        .map(|p| p.1 as u64)
        .collect()
}

/// A flash crowd of 30,000 requests/s of 5 ms (about 150 concurrent: environments never
/// limit it) on a function of a 5,000 account (ceiling 50,000/s): served requests per second
/// follow the ramp until it passes the demand; the rest is throttled.
#[test]
fn from_cold_requests_per_second_grow_10000_per_10_seconds() {
    let (rate, seconds, pool) = (30_000u64, 40u64, 5000u64);
    let r = short_function_crowd(rate, seconds, pool as u32, "", "{model: per_function_10s}");
    let served = per_second(&r, "invocations");
    let throttled = per_second(&r, "throttles");
    assert_eq!(served.len() as u64, seconds);
    let mut expected_throttles = 0;
    for k in 0..seconds as usize {
        let offered = served[k] + throttled[k];
        assert!(offered.abs_diff(rate) <= 1, "second {k}: {offered} offered");
        let ceiling = rps_ceiling(k as u64, pool);
        let expected = offered.min(ceiling);
        assert!(
            served[k] <= ceiling && served[k] + 1 >= expected,
            "second {k}: {} served, the rule allows {ceiling} of {offered}",
            served[k]
        );
        expected_throttles += offered - expected;
    }
    // The ramp binds for the first 19 seconds (10,000 + 1,000 x 20 = 30,000), not after (the
    // last token of second 19 refills at 20 s exactly, so one request may miss it).
    assert!(
        throttled[18] > 1 && throttled[19..].iter().all(|&t| t <= 1),
        "{throttled:?}"
    );
    let f = function(&r, "f");
    assert_eq!(f.totals.invocations + f.totals.throttles, r.arrived);
    assert!(
        f.totals.throttles.abs_diff(expected_throttles) <= seconds,
        "{} throttled, the rule gives {expected_throttles}",
        f.totals.throttles
    );
    assert!(
        f.totals.max_concurrency < 1000,
        "environments never limit it"
    );
}

/// Reserved concurrency 100 caps the request rate at 10 x 100 = 1,000 per second, at steady
/// state, although 2,000 requests/s of 5 ms need only about 10 concurrent executions.
#[test]
fn requests_per_second_are_at_most_10_times_the_pool() {
    let (rate, seconds, reserved) = (2000u64, 30u64, 100u64);
    let extra = format!(", reserved_concurrency: {reserved}");
    let r = short_function_crowd(rate, seconds, 1000, &extra, "{model: per_function_10s}");
    let served = per_second(&r, "invocations");
    let throttled = per_second(&r, "throttles");
    assert_eq!(served.len() as u64, seconds);
    let cap = RPS_PER_CONCURRENCY * reserved;
    for k in 0..seconds as usize {
        let offered = served[k] + throttled[k];
        assert!(offered.abs_diff(rate) <= 1, "second {k}: {offered} offered");
        assert_eq!(served[k], cap, "second {k}");
        assert_eq!(throttled[k], offered - cap, "second {k}");
    }
    let f = function(&r, "f");
    assert!(
        f.totals.max_concurrency as u64 <= reserved / 5,
        "concurrency never binds"
    );

    // `request_rate: false` switches the limit off: every request is served.
    let r = short_function_crowd(
        rate,
        seconds,
        1000,
        &extra,
        "{model: per_function_10s, request_rate: false}",
    );
    let f = function(&r, "f");
    assert_eq!(f.totals.throttles, 0);
    assert_eq!(f.totals.invocations, r.arrived);
}
