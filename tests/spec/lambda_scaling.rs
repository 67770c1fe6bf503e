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
