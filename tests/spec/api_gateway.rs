//! API Gateway end to end, against AWS's rules and closed forms: token buckets driven above
//! their rate pass exactly burst + rate x time (the account's across APIs, each method's
//! own), usage-plan quotas restart on their calendar boundary, the stage cache's hit ratio is
//! the TTL cache's lambda T / (1 + lambda T), the integration timeout answers 504 at exactly
//! the timeout, the bill is the price table's, and bad APIs are reported with their paths.

use crate::support::*;
use stratus::scenario::Scenario;
use stratus::sim::{ApiResult, RunResult};

fn api<'a>(r: &'a RunResult, name: &str) -> &'a ApiResult {
    r.api_gateways
        .iter()
        .find(|a| a.name == name)
        .expect("the API's result")
}

fn ok(r: &RunResult, workload: &str) -> u64 {
    r.workloads
        .iter()
        .find(|(n, _)| n == workload)
        .map(|(_, s)| s.ok)
        .expect("the workload's stats")
}

/// The requests a token bucket passes when uniform arrivals at `per_s` (one every 1/per_s
/// from 1/per_s on) over `duration_s` drive it above its rate: the full bucket pays `burst`,
/// then the refill since the first arrival, floor(rate x (t_last - t_first)) (exact in
/// integers: the arrival times are multiples of 1/per_s).
pub(crate) fn bucket_passes(rate: u64, burst: u64, per_s: u64, duration_s: u64) -> u64 {
    let n = per_s * duration_s - 1; // arrivals strictly before the end
    burst + rate * (n - 1) / per_s
}

/// Uniform arrivals at 512/s (1/512 s is exact in binary and in nanoseconds).
const METHODS: &str = r#"
name: apigw-methods
duration: 60s
workloads:
  get_a: {target: apigw/shop, rate: 512, arrivals: uniform, classes: [{name: a, path: /a}]}
  get_b: {target: apigw/shop, rate: 512, arrivals: uniform, classes: [{name: b, path: /b}]}
  post_x: {target: apigw/shop, rate: 512, arrivals: uniform, classes: [{name: x, path: /x, method: POST}]}
api_gateways:
  shop:
    type: rest
    integration: {http: {latency: {dist: constant, value: 1ms}}}
    throttle: {rate: 100, burst: 50}
    methods:
      "POST /x": {rate: 20, burst: 10}
"#;

/// The stage's throttle is a default for each method (each gets its own bucket, AWS's
/// "default per-method limits"); a method's own setting replaces it for that method.
#[test]
fn each_method_has_its_own_bucket_and_a_method_setting_replaces_the_stages() {
    let r = simulate(parse(METHODS, &[]));
    let stage = bucket_passes(100, 50, 512, 60);
    assert_eq!(stage, 50 + 100 * 30_718 / 512);
    assert_eq!(ok(&r, "get_a"), stage);
    assert_eq!(ok(&r, "get_b"), stage, "GET /b has a bucket of its own");
    assert_eq!(ok(&r, "post_x"), bucket_passes(20, 10, 512, 60));
    let t = &api(&r, "shop").totals;
    let offered = 3 * (512 * 60 - 1);
    assert_eq!(t.requests, offered);
    assert_eq!(t.throttled_method, offered - 2 * stage - ok(&r, "post_x"));
    assert_eq!(t.throttled_account, 0);
    assert_eq!(r.overall.errors[3], t.throttled(), "every refusal is a 429");
}

/// The account's bucket is shared by every API of the region.
#[test]
fn the_account_bucket_is_shared_by_every_api() {
    let text = r#"
name: apigw-account
duration: 60s
workloads:
  one: {target: apigw/one, rate: 512, arrivals: uniform}
  two: {target: apigw/two, rate: 512, arrivals: uniform}
api_gateway_account: {rate: 100, burst: 50}
api_gateways:
  one: {type: http, integration: {http: {latency: {dist: constant, value: 1ms}}}}
  two: {type: http, integration: {http: {latency: {dist: constant, value: 1ms}}}}
"#;
    let r = simulate(parse(text, &[]));
    // Two arrivals at each instant, one bucket: still burst + rate x (t_last - t_first).
    assert_eq!(
        ok(&r, "one") + ok(&r, "two"),
        bucket_passes(100, 50, 512, 60)
    );
    let refused = api(&r, "one").totals.throttled_account + api(&r, "two").totals.throttled_account;
    assert_eq!(
        refused,
        2 * (512 * 60 - 1) - bucket_passes(100, 50, 512, 60)
    );
}

/// Quotas restart on their calendar boundary: time 0 is Monday 2024-01-01 00:00 UTC, so a
/// daily quota restarts every midnight and a weekly one with offset 0 on Sunday (day 6), not
/// seven days after the start.
#[test]
fn usage_plan_quotas_restart_on_their_calendar_boundary() {
    let text = r#"
name: apigw-quotas
duration: 8d
metric_period: 1h
workloads:
  daily: {target: apigw/api, rate: 0.01, arrivals: uniform}
  weekly: {target: apigw/api, rate: 0.01, arrivals: uniform}
  anonymous: {target: apigw/api, rate: 0.01, arrivals: uniform}
api_gateways:
  api:
    integration: {http: {latency: {dist: constant, value: 10ms}}}
    usage_plans:
      day: {quota: {limit: 500, period: day}}
      week: {quota: {limit: 2000, period: week, offset: 0}}
    api_keys:
      d: {usage_plan: day, workloads: [daily]}
      w: {usage_plan: week, workloads: [weekly]}
"#;
    let r = simulate(parse(text, &[]));
    // One arrival every 100 s, at 100 k s: 863 on day 0 (the one at 86,400 s is day 1's),
    // 864 on each later day, 6,911 in all.
    let offered = 8 * 864 - 1;
    assert_eq!(api(&r, "api").totals.requests, 3 * offered);
    assert_eq!(ok(&r, "daily"), 8 * 500, "500 on each of the 8 days");
    // Week: days 0-5 (5,183 offered) give 2,000; from Sunday (day 6) 1,728 offered, all pass.
    assert_eq!(ok(&r, "weekly"), 2_000 + 1_728);
    assert_eq!(ok(&r, "anonymous"), offered, "no key, no plan");
    assert_eq!(
        api(&r, "api").totals.quota_exceeded,
        (offered - 4_000) + (offered - 3_728)
    );
}

/// Poisson requests over K keys with TTL T, answered at once by the integration: per key
/// (rate lambda_i = lambda / K) the hit ratio is lambda_i T / (1 + lambda_i T), within 3.3
/// standard deviations (the cycles of a miss and its hits are independent; the delta method
/// gives the ratio's variance from the cycle count).
#[test]
fn the_stage_cache_hit_ratio_is_the_ttl_caches() {
    let text = r#"
name: apigw-cache
duration: 2h
workloads:
  readers: {target: apigw/api, rate: 20}
api_gateways:
  api:
    integration: {http: {latency: {dist: constant, value: 0s}}}
    overhead: 0s
    cache: {ttl: 10s, keys: 50}
"#;
    let r = simulate(parse(text, &[]));
    let t = &api(&r, "api").totals;
    let (hits, misses) = (t.cache_hits as f64, t.cache_misses as f64);
    assert_eq!(t.cache_hits + t.cache_misses, t.requests);
    assert_eq!(
        t.integration_calls, t.cache_misses,
        "only misses reach the integration"
    );
    let lt = 20.0 / 50.0 * 10.0;
    let p = lt / (1.0 + lt);
    let sd = (1.0 - p) * (lt / (misses * (1.0 + lt) * (1.0 + lt))).sqrt();
    let z = (hits / (hits + misses) - p) / sd;
    assert!(
        z.abs() < Z_MAX,
        "hit ratio {} against {p}: z = {z}",
        hits / (hits + misses)
    );
    // Cache hits answer after the overhead only: here 0.
    assert_eq!(r.overall.latency.max_ms(), 0.0);
}

/// The client gets 504 at exactly the integration timeout, for a Lambda integration (the
/// function runs on and is billed) and for an HTTP endpoint (an answer at exactly the
/// timeout is a 504; one a millisecond earlier is taken, after the overhead).
#[test]
fn the_integration_timeout_answers_504_at_the_timeout() {
    let text = r#"
name: apigw-timeout
duration: 10m
workloads:
  slow_fn: {target: apigw/fn, rate: 2}
  at_timeout: {target: apigw/at, rate: 2}
  just_in: {target: apigw/under, rate: 2}
api_gateways:
  fn: {integration: {lambda: slow}, timeout: 2s}
  at: {type: http, integration: {http: {latency: {dist: constant, value: 3s}}}, timeout: 3s}
  under: {type: http, integration: {http: {latency: {dist: constant, value: 2999ms}}}, timeout: 3s, overhead: 1ms}
lambda_functions:
  slow: {memory_mb: 128, duration: {dist: constant, value: 5s}, init: {dist: constant, value: 0s}, timeout: 10s}
"#;
    let (r, lines) = simulate_traced(parse(text, &[]), "kind=request_finished", 1.0);
    let finished = |w: &str| {
        lines
            .iter()
            .filter(|l| l["component"] == w)
            .map(|l| {
                (
                    l["outcome"].as_str().unwrap().to_string(),
                    l["latency_ms"].as_f64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    for (w, timeout_ms) in [("slow_fn", 2000.0), ("at_timeout", 3000.0)] {
        let ends = finished(w);
        assert!(ends.len() > 1000, "{w}: {} ended", ends.len());
        assert!(
            ends.iter()
                .all(|(o, ms)| o == "http_504" && *ms == timeout_ms),
            "{w}: {:?}",
            ends.iter()
                .find(|(o, ms)| o != "http_504" || *ms != timeout_ms)
        );
    }
    let under = finished("just_in");
    assert!(under.iter().all(|(o, ms)| o == "ok" && *ms == 3000.0));
    assert_eq!(
        api(&r, "fn").totals.timeouts,
        r.workloads
            .iter()
            .find(|(n, _)| n == "slow_fn")
            .unwrap()
            .1
            .errors[2]
    );
    // The function ran to its end for every request, timed out or not.
    let f = &r.lambda_functions[0];
    assert_eq!(f.totals.invocations, api(&r, "fn").totals.integration_calls);
}

/// The bill, computed here from the price table: requests API Gateway let through at the
/// type's price per million (REST $3.50, HTTP $1.00), plus the stage cache's hours at its
/// size's hourly price (0.5 GB: $0.020).
#[test]
fn api_gateway_costs_follow_the_price_table() {
    let text = r#"
name: apigw-cost
duration: 3h
workloads:
  rest: {target: apigw/rest, rate: 50}
  http: {target: apigw/http, rate: 80}
api_gateways:
  rest:
    integration: {http: {latency: {dist: constant, value: 20ms}}}
    throttle: {rate: 40, burst: 100}
    cache: {ttl: 30s, size_gb: 1.6, keys: 100}
  http: {type: http, integration: {http: {latency: {dist: constant, value: 20ms}}}}
"#;
    let s = parse(text, &[]);
    let prices = (s.prices)
        .section::<stratus::cost::prices::ApiGatewayPrices>()
        .expect("API Gateway prices");
    assert_eq!(prices.rest_per_million_requests, 3.50);
    assert_eq!(prices.http_per_million_requests, 1.00);
    assert_eq!(prices.cache_per_hour["1.6"], 0.038);
    let r = simulate(s);
    let rest = &api(&r, "rest").totals;
    let http = &api(&r, "http").totals;
    assert!(rest.throttled() > 0, "the REST stage throttles");
    let expected = (rest.requests - rest.throttled()) as f64 / 1e6 * 3.50
        + 3.0 * 0.038
        + (http.requests - http.throttled()) as f64 / 1e6 * 1.00;
    let billed = r.cost.by_service["api_gateway"];
    assert!(
        (billed - expected).abs() < 1e-9,
        "billed {billed}, by hand {expected}"
    );
}

const BAD: &str = r#"
name: bad
duration: 10m
workloads:
  w: {target: apigw/rest, rate: 1, work: {dist: constant, value: 1ms}}
  other: {target: lambda/f, rate: 1}
  ghost: {target: apigw/nope, rate: 1}
api_gateway_account: {rate: 1000}
api_gateways:
  rest:
    integration: {lambda: g}
    throttle: {rate: 2000, burst: 6000}
    methods:
      "FETCH /x": {rate: 1, burst: 1}
    usage_plans:
      p: {quota: {limit: 10, period: day, offset: 2}}
    api_keys:
      k: {usage_plan: q, workloads: [other]}
    cache: {ttl: 2h, size_gb: 2, keys: 0}
    timeout: 40s
  http:
    type: http
    integration: {lambda: f, http: {latency: {dist: constant, value: 1ms}}}
    cache: {keys: 10}
    timeout: 31s
lambda_functions:
  f: {memory_mb: 128, duration: {dist: constant, value: 10ms}}
"#;

#[test]
fn bad_apis_are_reported_with_their_paths_and_aws_limits() {
    let err = Scenario::from_text(BAD, "bad.yaml", &repo_path("."), &[])
        .expect_err("invalid APIs")
        .to_string();
    for expected in [
        "workloads.w.work: a request through an API takes its time from the API's integration",
        "workloads.ghost.target: no API named `nope` in `api_gateways`",
        "api_gateways.rest.integration.lambda: no Lambda function named `g`",
        "api_gateways.rest.throttle.rate: expected at most the account's rate (1000/s), got 2000",
        "api_gateways.rest.throttle.burst: expected at most the account's burst (5000), got 6000",
        "api_gateways.rest.methods.FETCH /x: expected `METHOD /path`",
        "api_gateways.rest.usage_plans.p.quota.offset: expected 0 to 0 for a DAY quota, got 2",
        "api_gateways.rest.api_keys.k.usage_plan: no usage plan named `q`",
        "api_gateways.rest.api_keys.k.workloads[0]: workload `other` does not target `apigw/rest`",
        "api_gateways.rest.cache.ttl: expected 0s to 3600s",
        "api_gateways.rest.cache.size_gb: expected one of 0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237 (GB), got 2",
        "api_gateways.rest.cache.keys: expected 1 to 10000000 cache keys, got 0",
        "api_gateways.rest.timeout: expected 50ms to 29s for a rest API",
        "api_gateways.http.integration: expected exactly one of `lambda`, `http` and `alb`",
        "api_gateways.http.cache: HTTP APIs have no usage plans, API keys or cache",
        "api_gateways.http.timeout: expected 50ms to 30s for a http API",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}

/// The command line refuses the same file with exit code 2, naming the file.
#[test]
fn the_cli_refuses_a_bad_api_with_exit_code_2() {
    cli_refuses("apigw", BAD, &["api_gateways.http.timeout"]);
}

/// An ALB integration: the request takes the load balancer's path and API Gateway passes its
/// answer through after its overhead (the same class sent to the load balancer directly
/// waits exactly the overhead less); a target slower than the integration timeout gives the
/// client API Gateway's 504 at exactly the timeout, and the load balancer's later answer is
/// dropped (each request ends once); the load balancer's own fixed response passes through.
#[test]
fn an_alb_integration_proxies_the_load_balancers_answer() {
    let text = r#"
name: apigw-alb
duration: 10m
workloads:
  via_api: {target: apigw/shop, rate: 4, classes: [{name: fast, path: /fast, work: {dist: constant, value: 100ms}}]}
  direct: {target: alb/web, rate: 4, classes: [{name: fast, path: /fast, work: {dist: constant, value: 100ms}}]}
  slow: {target: apigw/shop, rate: 1, classes: [{name: slow, path: /slow, work: {dist: constant, value: 40s}}]}
  gone: {target: apigw/shop, rate: 1, classes: [{name: gone, path: /gone}]}
azs: [a, b]
load_balancers:
  web:
    azs: [a, b]
    rules:
      - {path: /gone, fixed_response: {status: 410}}
      - {default: app}
target_groups:
  app: {group: g}
auto_scaling_groups:
  g: {instance: {vcpus: 64}, azs: [a, b], desired: 2, max_concurrent: 100000}
api_gateways:
  shop: {integration: {alb: web}, overhead: 7ms}
"#;
    let (r, lines) = simulate_traced(parse(text, &[]), "kind=request_finished", 1.0);
    let ends = |w: &str| -> Vec<(String, f64)> {
        lines
            .iter()
            .filter(|l| l["component"] == w)
            .map(|l| {
                let outcome = l["outcome"].as_str().unwrap().to_string();
                (outcome, l["latency_ms"].as_f64().unwrap())
            })
            .collect()
    };
    let direct = ends("direct");
    let via = ends("via_api");
    assert!(direct.len() > 2000 && via.len() > 2000);
    let d = direct[0].1;
    assert!(
        direct.iter().all(|(o, ms)| o == "ok" && *ms == d),
        "{direct:?}"
    );
    assert!(
        via.iter()
            .all(|(o, ms)| o == "ok" && (*ms - (d + 7.0)).abs() < 1e-6),
        "direct {d} ms: {:?}",
        via.iter()
            .find(|(o, ms)| o != "ok" || (*ms - (d + 7.0)).abs() >= 1e-6)
    );
    // 40 s of work against the 29 s timeout: every client gets 504 at 29 s, once.
    let slow = ends("slow");
    assert!(slow.len() > 500);
    assert!(
        slow.iter()
            .all(|(o, ms)| o == "http_504" && *ms == 29_000.0)
    );
    let mut ids: Vec<u64> = (lines.iter())
        .filter(|l| l["component"] == "slow")
        .map(|l| l["request"].as_u64().unwrap())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), slow.len(), "each slow request ends once");
    let s = &r.workloads.iter().find(|(n, _)| n == "slow").unwrap().1;
    assert_eq!(s.errors[2], s.total);
    // The load balancer's fixed 410 reaches the client as it is.
    let gone = ends("gone");
    assert!(gone.len() > 500);
    assert!(
        gone.iter().all(|(o, _)| o == "load_balancer_4xx"),
        "{:?}",
        gone.first()
    );
    let t = &api(&r, "shop").totals;
    assert_eq!(t.integration_calls, t.requests);
    assert_eq!(t.timeouts, s.errors[2]);
    assert_eq!(api(&r, "shop").integration, "alb/web");
}
