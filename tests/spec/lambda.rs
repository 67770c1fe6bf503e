//! Lambda against things nobody here chose: Erlang B for a loss system, AWS's documented
//! scaling curves (exactly), pool arithmetic and its documented minimum, environments
//! (provisioned, warm, expired), timeouts, asynchronous retries and conservation.

use crate::support::*;
use stratus::metrics::Statistic;
use stratus::scenario::Scenario;
use stratus::sim::{FunctionResult, RunResult};

mod invocation;

pub(crate) fn function<'a>(r: &'a RunResult, name: &str) -> &'a FunctionResult {
    r.lambda_functions
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no function {name}"))
}

fn workload<'a>(r: &'a RunResult, name: &str) -> &'a stratus::metrics::RequestStats {
    &r.workloads.iter().find(|(n, _)| n == name).unwrap().1
}

/// The throttle fraction of `lambda-erlang-b.yaml` with `c` environments at offered load `a`
/// Erlangs, over independent replications, against Erlang B(c, a).
fn check_erlang_b(c: u32, a: f64) {
    let mean_s = 0.1;
    let rate = a / mean_s;
    let theory = erlang_b(c, a);
    // Enough arrivals that each replication sees about 20,000 throttles.
    let duration_s = (20_000.0 / (theory * rate)).clamp(600.0, 14_400.0).ceil();
    let fractions: Vec<f64> = (0..10)
        .map(|k| {
            let r = simulate(load(
                "scenarios/lambda-erlang-b.yaml",
                &[
                    &format!("lambda_functions.worker.reserved_concurrency={c}"),
                    &format!("lambda_functions.worker.provisioned_concurrency={c}"),
                    &format!("workloads.calls.rate={rate}"),
                    &format!("duration={duration_s}s"),
                    &format!("seed={}", 300 + k),
                ],
            ));
            let f = function(&r, "worker");
            assert_eq!(f.totals.cold_starts, 0, "provisioned: never a cold start");
            assert!(f.totals.max_concurrency <= c);
            assert_eq!(
                r.overall.errors[3], f.totals.throttles,
                "throttles are 429s"
            );
            f.totals.throttles as f64 / (f.totals.throttles + f.totals.invocations) as f64
        })
        .collect();
    let (mean, se) = mean_se(&fractions);
    assert!(
        se < 0.022 * theory,
        "c={c} a={a}: standard error {se:.5} too wide for a test"
    );
    let z = (mean - theory) / se;
    assert!(
        z.abs() <= Z_MAX,
        "c={c} a={a}: throttle fraction {mean:.5} (se {se:.5}, z {z:.2}), Erlang B {theory:.5}"
    );
}

#[test]
fn erlang_b_as_written_c20_a15() {
    check_erlang_b(20, 15.0);
}

#[test]
fn erlang_b_c5_a4() {
    check_erlang_b(5, 4.0);
}

#[test]
fn erlang_b_c50_a45() {
    check_erlang_b(50, 45.0);
}

/// A step from nothing to 20,000 requests/s of executions that never end within the run.
pub(crate) fn flash_crowd(scaling: &str, account: u32, seconds: u64) -> RunResult {
    simulate(parse(
        &format!(
            r#"
name: crowd
duration: {seconds}s
metric_period: 1s
workloads:
  crowd: {{target: lambda/f, arrivals: uniform, rate: 20000}}
lambda_functions:
  f: {{duration: {{dist: constant, value: 850s}}, timeout: 900s}}
account:
  lambda_concurrency: {account}
  lambda_scaling: {scaling}
"#
        ),
        &[],
    ))
}

/// The maximum concurrency of each second, up to the run's end.
pub(crate) fn per_second_max(r: &RunResult) -> Vec<u64> {
    r.series
        .points("lambda.f.concurrent_executions", Statistic::Maximum)
        .iter()
        .map(|p| p.1 as u64)
        .collect()
}

/// The regional model: a burst of 3,000 at once, then 500 more each minute, account-wide.
#[test]
fn regional_burst_is_3000_then_500_per_minute() {
    let r = flash_crowd(
        "{model: regional_burst, burst: 3000, per_minute: 500}",
        6000,
        480,
    );
    let got = per_second_max(&r);
    let expected: Vec<u64> = (0..480)
        .map(|s| (3000 + 500 * (s / 60)).min(6000))
        .collect();
    assert_eq!(got, expected);
    // A smaller region's burst.
    let r = flash_crowd(
        "{model: regional_burst, burst: 500, per_minute: 500}",
        6000,
        130,
    );
    let got = per_second_max(&r);
    let expected: Vec<u64> = (0..130).map(|s| 500 + 500 * (s / 60)).collect();
    assert_eq!(got, expected);
}

/// The regional ceiling is shared: two functions together never exceed it.
#[test]
fn regional_burst_is_shared_by_the_account() {
    let r = simulate(parse(
        r#"
name: shared
duration: 30s
metric_period: 1s
workloads:
  a: {target: lambda/a, arrivals: uniform, rate: 5000}
  b: {target: lambda/b, arrivals: uniform, rate: 5000}
lambda_functions:
  a: {duration: {dist: constant, value: 100s}, timeout: 900s}
  b: {duration: {dist: constant, value: 100s}, timeout: 900s}
account:
  lambda_concurrency: 5000
  lambda_scaling: {model: regional_burst, burst: 1000, per_minute: 500}
"#,
        &[],
    ));
    let (a, b) = (function(&r, "a"), function(&r, "b"));
    assert_eq!(a.totals.invocations + b.totals.invocations, 1000);
    assert!(a.totals.throttles > 0 && b.totals.throttles > 0);
}

const TWO_FUNCTIONS: &str = r#"
name: pools
duration: 2m
workloads:
  flood: {target: lambda/flood, arrivals: uniform, rate: 2000}
  steady: {target: lambda/steady, arrivals: uniform, rate: 50}
lambda_functions:
  flood: {duration: {dist: constant, value: 2s}, timeout: 10s}
  steady: {duration: {dist: constant, value: 1s}, timeout: 10s, reserved_concurrency: 100}
"#;

/// One function's flood never throttles a function with reserved capacity; the flood gets
/// the rest of the account (1000 - 100).
#[test]
fn reserved_concurrency_isolates_a_function_from_a_flood() {
    let r = simulate(parse(TWO_FUNCTIONS, &[]));
    let (flood, steady) = (function(&r, "flood"), function(&r, "steady"));
    assert_eq!(steady.totals.throttles, 0);
    assert!(flood.totals.throttles > 100_000);
    assert_eq!(flood.totals.max_concurrency, 900);
    assert_eq!(workload(&r, "steady").failed(), 0);
}

/// Without the reservation, the unreserved pool is shared: the flood starves its neighbour.
#[test]
fn the_unreserved_pool_is_shared() {
    let r = simulate(parse(
        TWO_FUNCTIONS,
        &["lambda_functions.steady.reserved_concurrency=null"],
    ));
    let (flood, steady) = (function(&r, "flood"), function(&r, "steady"));
    assert!(
        steady.totals.throttles > 0,
        "the neighbour is throttled too"
    );
    // The flood now reaches into what the reservation kept: the whole account is one pool.
    assert!(flood.totals.max_concurrency > 900);
    assert!(flood.totals.max_concurrency <= 1000);
}

fn problems(text: &str, overrides: &[&str]) -> Vec<(String, String)> {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    match Scenario::from_text(text, "t.yaml", &repo_path("."), &o) {
        Ok(_) => Vec::new(),
        Err(e) => e
            .problems
            .into_iter()
            .map(|p| (p.path, p.message))
            .collect(),
    }
}

/// Reservations may take all but 100 of the account; beyond that is a validation error,
/// reported with everything else wrong.
#[test]
fn the_unreserved_pool_keeps_at_least_100() {
    assert!(
        problems(
            TWO_FUNCTIONS,
            &["lambda_functions.steady.reserved_concurrency=900"]
        )
        .is_empty()
    );
    let p = problems(
        TWO_FUNCTIONS,
        &[
            "lambda_functions.steady.reserved_concurrency=901",
            "lambda_functions.flood.timeout=901s",
            "lambda_functions.flood.memory_mb=64",
        ],
    );
    let paths: Vec<&str> = p.iter().map(|(path, _)| path.as_str()).collect();
    assert!(paths.contains(&"lambda_functions"), "{p:?}");
    assert!(paths.contains(&"lambda_functions.flood.timeout"), "{p:?}");
    assert!(paths.contains(&"lambda_functions.flood.memory_mb"), "{p:?}");
    let pool = &p
        .iter()
        .find(|(path, _)| path == "lambda_functions")
        .unwrap()
        .1;
    assert!(
        pool.contains("at least 100") && pool.contains("901"),
        "{pool}"
    );
    // A bigger account makes room.
    assert!(
        problems(
            TWO_FUNCTIONS,
            &[
                "lambda_functions.steady.reserved_concurrency=901",
                "account.lambda_concurrency=2000"
            ]
        )
        .is_empty()
    );
    // Provisioned concurrency fits in its reservation.
    let p = problems(
        TWO_FUNCTIONS,
        &["lambda_functions.steady.provisioned_concurrency=101"],
    );
    assert_eq!(p[0].0, "lambda_functions.steady.provisioned_concurrency");
}

fn steady_load(rate: f64, provisioned: u32) -> RunResult {
    simulate(parse(
        &format!(
            r#"
name: pc
duration: 30m
workloads:
  w: {{target: lambda/f, arrivals: uniform, rate: {rate}}}
lambda_functions:
  f:
    duration: {{dist: constant, value: 390ms}}
    init: {{dist: constant, value: 0s}}
    provisioned_concurrency: {provisioned}
"#
        ),
        &[],
    ))
}

/// Uniform arrivals of 390 ms invocations (and an instant init, so that a cold start does not
/// hold its environment longer): exactly ceil(0.39 x rate) run at once. Within the
/// provisioned concurrency there is no cold start; each execution beyond it is one cold start
/// (its environment then stays warm).
#[test]
fn provisioned_concurrency_means_no_cold_starts_within_it() {
    let within = steady_load(10.0, 5); // 4 at once
    assert_eq!(function(&within, "f").totals.cold_starts, 0);
    assert_eq!(function(&within, "f").totals.max_concurrency, 4);
    let exactly = steady_load(12.5, 5); // 5 at once
    assert_eq!(function(&exactly, "f").totals.cold_starts, 0);
    let beyond = steady_load(15.0, 5); // 6 at once
    assert_eq!(function(&beyond, "f").totals.cold_starts, 1);
    let further = steady_load(20.0, 5); // 8 at once
    assert_eq!(function(&further, "f").totals.cold_starts, 3);
    // Without provisioned concurrency, each of the 8 environments starts cold once.
    assert_eq!(function(&steady_load(20.0, 0), "f").totals.cold_starts, 8);
    // Utilization of the provisioned environments: 4 busy of 5 on average.
    let u = within
        .series
        .points("lambda.f.provisioned_utilization", Statistic::Average);
    assert!(u[5..].iter().all(|p| (p.1 - 0.78).abs() < 0.01), "{u:?}");
}

fn sparse(every_s: f64) -> RunResult {
    simulate(parse(
        &format!(
            r#"
name: sparse
duration: 4h
workloads:
  w: {{target: lambda/f, arrivals: uniform, rate: {}}}
lambda_functions:
  f:
    duration: {{dist: constant, value: 100ms}}
    init: {{dist: constant, value: 2s}}
    idle_expiry: {{dist: uniform, min: 5m, max: 15m}}
"#,
            1.0 / every_s
        ),
        &[],
    ))
}

/// After a gap longer than every expiry (15 min), the next invocation is a cold start; with
/// gaps shorter than every expiry (5 min), only the first is.
#[test]
fn idle_expiry_makes_the_next_invocation_cold() {
    let r = sparse(1200.0);
    let f = function(&r, "f");
    assert_eq!(f.totals.invocations, 11);
    assert_eq!(f.totals.cold_starts, 11);
    assert_eq!(f.totals.init.max_ms(), 2000.0);
    // After each of the 11 requests its environment stays warm 5 to 15 minutes: at least 5
    // minute-ends warm, and at least 4 cold before the next request 20 minutes later.
    let warm = r
        .series
        .points("lambda.f.warm_environments", Statistic::Value);
    assert!(warm.iter().all(|p| p.1 <= 1.0));
    let ones = warm.iter().filter(|p| p.1 == 1.0).count();
    let zeros = warm.iter().filter(|p| p.1 == 0.0).count();
    assert!(
        ones >= 5 * 11 && zeros >= 4 * 11,
        "{ones} warm, {zeros} cold"
    );
    let r = sparse(240.0);
    let f = function(&r, "f");
    assert_eq!(f.totals.invocations, 59);
    assert_eq!(f.totals.cold_starts, 1);
    // One environment, idle and warm at every minute's end from the first request on, except
    // at the minute ends when a request (every 4 minutes) keeps it busy; the run ends (4 h)
    // before the request due at that instant.
    let warm = r
        .series
        .points("lambda.f.warm_environments", Statistic::Value);
    for &(start, value) in &warm[4..] {
        let end = start as u64 + 60;
        let busy = end.is_multiple_of(240) && end < 4 * 3600;
        assert_eq!(value, if busy { 0.0 } else { 1.0 }, "period at {start}s");
    }
    // Latency of a cold request: init plus duration.
    assert_eq!(workload(&r, "w").latency.max_ms(), 2100.0);
}

/// An invocation still running at its timeout (default 3 s) is an error at the timeout.
#[test]
fn a_timed_out_invocation_is_an_error_at_the_timeout() {
    let r = simulate(parse(
        r#"
name: slow
duration: 10m
workloads:
  w: {target: lambda/f, arrivals: uniform, rate: 2}
lambda_functions:
  f: {duration: {dist: constant, value: 5s}, init: {dist: constant, value: 0s}}
"#,
        &[],
    ));
    let f = function(&r, "f");
    assert!(f.totals.invocations > 1000);
    // Every invocation that ended (those still running at the end have not) timed out.
    let w = workload(&r, "w");
    assert_eq!(f.totals.errors, w.total);
    assert_eq!(f.totals.timeouts, w.total);
    assert_eq!(f.totals.invocations - w.total, r.in_flight);
    assert_eq!(f.totals.duration.max_ms(), 3000.0);
    assert_eq!(f.totals.duration.count(), w.total);
    // Invoked directly, Invoke answers 200 with `FunctionError`: a function error, not a 502
    // (a 502 only behind a load balancer, `invocation::behind_an_alb_...`).
    assert_eq!(w.errors[4], w.total, "function errors, counted as such");
    assert_eq!(w.errors[0], 0, "no 502 without a load balancer");
    // Billed: 3 s at 128 MB per invocation.
    assert!((f.gb_seconds - w.total as f64 * 3.0 * 0.125).abs() < 1e-6);
}

/// Same seed, same bytes; another function's settings never change a function's samples.
#[test]
fn lambda_runs_are_deterministic_and_functions_use_their_own_streams() {
    let run = |o: &[&str]| {
        let mut v =
            stratus::report::summary_json(&simulate(load("scenarios/lambda-cold-starts.yaml", o)));
        v["wall_s"] = serde_json::Value::Null;
        v
    };
    assert_eq!(run(&[]), run(&[]));
    let changed = run(&["lambda_functions.kept_warm.provisioned_concurrency=0"]);
    let base = run(&[]);
    assert_eq!(
        base["lambda_functions"]["plain"],
        changed["lambda_functions"]["plain"]
    );
    assert_ne!(
        base["lambda_functions"]["kept_warm"],
        changed["lambda_functions"]["kept_warm"]
    );
}
