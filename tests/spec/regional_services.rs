//! Regional services end to end: Lambda functions, API Gateway APIs, SQS queues and DynamoDB
//! tables placed in regions (`region:`). A client's round trip to the region of the service
//! it calls is added to its latency; Lambda's account concurrency is per region (each region
//! fills its own 1,000); a region outage makes exactly that region's functions and APIs
//! unreachable; a call to a table of another region pays the round trip between the regions
//! (from their locations, 10 ms + 13 µs per great-circle km) and inter-region data transfer
//! ($0.02/GB each way). Bad region names are reported with their paths.

use crate::api_gateway::bucket_passes;
use crate::support::*;
use stratus::scenario::Scenario;
use stratus::sim::RunResult;

fn stats<'a>(r: &'a RunResult, name: &str) -> &'a stratus::metrics::RequestStats {
    &r.workloads
        .iter()
        .find(|(n, _)| n == name)
        .expect("workload")
        .1
}

fn function<'a>(r: &'a RunResult, name: &str) -> &'a stratus::sim::FunctionResult {
    r.lambda_functions
        .iter()
        .find(|f| f.name == name)
        .expect("function")
}

fn cause(r: &RunResult, key: &str) -> u64 {
    (r.resilience.errors_by_cause.iter())
        .find(|(k, _)| k == key)
        .map_or(0, |e| e.1)
}

/// `got` is `expected` to the latency histogram's precision (3 significant digits).
fn close(got: f64, expected: f64, what: &str) {
    assert!(
        (got - expected).abs() < expected * 2e-3,
        "{what}: {got} ms, expected {expected} ms"
    );
}

/// Boston's clients, with measured round trips, call a warm function in each region.
const PLACED: &str = r#"
name: placed
duration: 2m
regions:
  us-east-1: {azs: [use1-a]}
  eu-west-1: {azs: [euw1-a]}
geographies:
  boston: {location: {lat: 42.4, lon: -71.1}, continent: NA, country: US,
           latency: {us-east-1: 12ms, eu-west-1: 75ms}}
workloads:
  near: {target: lambda/us, rate: 10, arrivals: uniform, geography: boston}
  far: {target: lambda/eu, rate: 10, arrivals: uniform, geography: boston}
  none: {target: lambda/eu, rate: 10, arrivals: uniform}
lambda_functions:
  us: {duration: {dist: constant, value: 20ms}, provisioned_concurrency: 2, region: us-east-1}
  eu: {duration: {dist: constant, value: 20ms}, provisioned_concurrency: 4, region: eu-west-1}
"#;

#[test]
fn a_function_in_another_region_adds_exactly_the_clients_round_trip() {
    let r = simulate(parse(PLACED, &[]));
    // Every invocation is warm (provisioned, at most one running at a time): the handler's
    // 20 ms plus the round trip from Boston to the function's region; none without a
    // geography.
    for (w, expected) in [("near", 20.0 + 12.0), ("far", 20.0 + 75.0), ("none", 20.0)] {
        let s = stats(&r, w);
        assert_eq!(s.failed(), 0, "{w}");
        assert_eq!(
            s.total,
            10 * 120 - 1,
            "{w}: arrivals at k/10 s before 120 s"
        );
        for q in [0.0, 1.0] {
            close(s.latency.quantile_ms(q), expected, &format!("{w} q{q}"));
        }
    }
}

/// A function in each region, 150 new requests a second each for 20 s, every invocation
/// 30 s: none ends during the run.
fn two_regions(eu: &str) -> String {
    format!(
        r#"
name: concurrency
duration: 20s
regions:
  us-east-1: {{azs: [use1-a]}}
  eu-west-1: {{azs: [euw1-a]}}
workloads:
  a: {{target: lambda/a, rate: 150, arrivals: uniform}}
  b: {{target: lambda/b, rate: 150, arrivals: uniform}}
lambda_functions:
  a: {{duration: {{dist: constant, value: 30s}}, timeout: 60s, region: us-east-1}}
  b: {{duration: {{dist: constant, value: 30s}}, timeout: 60s, region: {eu}}}
"#
    )
}

#[test]
fn each_region_has_its_own_account_concurrency_and_both_fill() {
    // The account's 1,000 concurrent executions are per region ("Quotas for concurrent
    // executions and storage apply per AWS Region", Lambda quotas). Each function gets
    // 2,999 requests (at k/150 s before 20 s) and none of its invocations ends: in two
    // regions each runs exactly its region's 1,000 (its scaling rate, 1,000 new
    // environments per 10 s, allows them well before 20 s), the rest are throttled (429).
    let arrivals = 150 * 20 - 1;
    let r = simulate(parse(&two_regions("eu-west-1"), &[]));
    for f in ["a", "b"] {
        let t = &function(&r, f).totals;
        assert_eq!(
            (t.invocations, t.max_concurrency),
            (1000, 1000),
            "{f} fills its region's pool"
        );
        assert_eq!(t.throttles, arrivals - 1000);
        assert_eq!(
            stats(&r, f).errors[3],
            t.throttles,
            "429s are the throttles"
        );
    }
    // In one region the two functions share one pool of 1,000.
    let one = simulate(parse(&two_regions("us-east-1"), &[]));
    let (a, b) = (&function(&one, "a").totals, &function(&one, "b").totals);
    assert_eq!(
        a.invocations + b.invocations,
        1000,
        "one region shares 1,000"
    );
    assert_eq!(a.throttles + b.throttles, 2 * arrivals - 1000);
}

/// Two regions; a function in each, an API in eu-west-1; eu-west-1 fails from 60.05 s to
/// 120.05 s.
const OUTAGE: &str = r#"
name: outage
duration: 3m
regions:
  us-east-1: {azs: [use1-a]}
  eu-west-1: {azs: [euw1-a]}
workloads:
  us: {target: lambda/us, rate: 10, arrivals: uniform}
  eu: {target: lambda/eu, rate: 10, arrivals: uniform}
  api: {target: apigw/shop, rate: 10, arrivals: uniform}
lambda_functions:
  us: {duration: {dist: constant, value: 20ms}, region: us-east-1}
  eu: {duration: {dist: constant, value: 20ms}, region: eu-west-1}
api_gateways:
  shop: {integration: {http: {latency: {dist: constant, value: 10ms}}}, region: eu-west-1}
faults:
  - {at: 60050ms, region_outage: eu-west-1, duration: 60s}
"#;

#[test]
fn a_region_outage_fails_exactly_that_regions_functions_and_api() {
    let r = simulate(parse(OUTAGE, &[]));
    // Arrivals at k/10 s: those at 60.1 .. 120.0 s (k = 601 .. 1200) find eu-west-1 down.
    let during = 600;
    for w in ["eu", "api"] {
        let s = stats(&r, w);
        assert_eq!(s.failed(), during, "{w}");
        assert_eq!(s.errors[2], during, "{w}: 504s (Outcome::ERRORS[2])");
        assert_eq!(s.ok, s.total - during, "{w} serves before and after");
    }
    assert_eq!(
        stats(&r, "us").failed(),
        0,
        "us-east-1's function is untouched"
    );
    assert_eq!(cause(&r, "region_unreachable"), 2 * during);
    assert_eq!(
        r.api_gateways[0].totals.requests,
        stats(&r, "api").total - during
    );
}

/// us-east-1's instances read a 1 MB item's worth from a table in eu-west-1 per request.
const CROSSING: &str = r#"
name: crossing
duration: 10m
regions:
  us-east-1: {azs: [use1-a, use1-b]}
  eu-west-1: {azs: [euw1-a]}
workloads:
  w:
    target: alb/l
    arrivals: uniform
    rate: 4
    work: {dist: constant, value: 10ms}
    calls: [{table: orders, reads: 1, item_size: 4KB, bytes: 1MB}]
load_balancers:
  l: {azs: [use1-a, use1-b], rules: [{default: t}]}
target_groups:
  t: {group: g}
auto_scaling_groups:
  g: {instance: {vcpus: 8}, azs: [use1-a, use1-b], desired: 2}
dynamodb_tables:
  orders: {mode: on_demand, latency: {dist: constant, value: 5ms}, region: eu-west-1}
"#;

/// The great-circle distance (haversine, mean Earth radius 6,371.0088 km) between two
/// points given in degrees.
fn km((lat1, lon1): (f64, f64), (lat2, lon2): (f64, f64)) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let h = ((p2 - p1) / 2.0).sin().powi(2)
        + p1.cos() * p2.cos() * ((lon2 - lon1).to_radians() / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().asin()
}

#[test]
fn a_call_to_another_regions_table_pays_the_round_trip_and_the_transfer() {
    let r = simulate(parse(CROSSING, &[]));
    // us-east-1 (Northern Virginia, 38.9 N 77.5 W) to eu-west-1 (Dublin, 53.3 N 6.3 W):
    // 10 ms + 13 µs per km, to the microsecond.
    let rtt_ms = (10_000.0 + 13.0 * km((38.9, -77.5), (53.3, -6.3))).round() / 1000.0;
    assert!((rtt_ms - 80.0).abs() < 10.0, "about 80 ms: {rtt_ms}");
    let s = stats(&r, "w");
    assert_eq!(s.failed(), 0);
    for q in [0.0, 1.0] {
        close(
            s.latency.quantile_ms(q),
            10.0 + 5.0 + rtt_ms,
            &format!("q{q}"),
        );
    }
    // Each call moves 1 MB each way between the regions: data transfer out of each side,
    // $0.02 per GB (us-east-1's price), and no inter-AZ transfer (a table is regional).
    let calls = r.services.dynamodb[0].calls as f64;
    assert_eq!(calls, s.total as f64);
    let bill = calls * 2.0 * 1e6 / 1e9 * 0.02;
    let billed = r.cost.by_service["data_transfer"];
    assert!(
        (billed - bill).abs() < 1e-9,
        "billed {billed}, by hand {bill}"
    );
    // In one region: no crossing, no transfer billed.
    let home = simulate(parse(
        CROSSING,
        &["dynamodb_tables.orders.region=us-east-1"],
    ));
    close(
        stats(&home, "w").latency.quantile_ms(1.0),
        15.0,
        "one region",
    );
    assert!(!home.cost.by_service.contains_key("data_transfer"));
}

#[test]
fn unknown_regions_are_reported_with_their_paths() {
    let text = OUTAGE
        .replace("region: eu-west-1}\napi", "region: eu-west-9}\napi")
        .replace("}}}, region: eu-west-1}", "}}}, region: mars}");
    let err = Scenario::from_text(&text, "bad.yaml", &repo_path("."), &[])
        .expect_err("unknown regions")
        .to_string();
    for expected in [
        "lambda_functions.eu.region: no region named `eu-west-9`",
        "api_gateways.shop.region: no region named `mars`",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}

fn api<'a>(r: &'a RunResult, name: &str) -> &'a stratus::sim::ApiResult {
    r.api_gateways.iter().find(|a| a.name == name).expect("API")
}

/// Two HTTP APIs, each driven at 512 requests/s, under an account throttle of 100/s with a
/// burst of 50.
fn two_apis(second: &str) -> String {
    format!(
        r#"
name: apigw-regions
duration: 60s
regions:
  us-east-1: {{azs: [use1-a]}}
  eu-west-1: {{azs: [euw1-a]}}
workloads:
  one: {{target: apigw/one, rate: 512, arrivals: uniform}}
  two: {{target: apigw/two, rate: 512, arrivals: uniform}}
api_gateway_account: {{rate: 100, burst: 50}}
api_gateways:
  one: {{type: http, integration: {{http: {{latency: {{dist: constant, value: 1ms}}}}}}, region: us-east-1}}
  two: {{type: http, integration: {{http: {{latency: {{dist: constant, value: 1ms}}}}}}, region: {second}}}
"#
    )
}

#[test]
fn each_region_has_its_own_api_gateway_account_bucket() {
    // "per account, per Region" (API Gateway quotas): in two regions each API passes what a
    // bucket of its own passes; in one region they share one bucket.
    let own = bucket_passes(100, 50, 512, 60);
    let r = simulate(parse(&two_apis("eu-west-1"), &[]));
    for name in ["one", "two"] {
        assert_eq!(stats(&r, name).ok, own, "{name}");
        assert_eq!(api(&r, name).totals.throttled_account, 512 * 60 - 1 - own);
    }
    let shared = simulate(parse(&two_apis("us-east-1"), &[]));
    assert_eq!(stats(&shared, "one").ok + stats(&shared, "two").ok, own);
}

/// A distribution in front of a REST API whose stage throttle is 100/s with a burst of 50;
/// readers at 512 requests/s, evenly spaced.
const FRONTED: &str = r#"
name: cf-api
duration: 60s
workloads:
  readers: {target: cloudfront/cdn, rate: 512, arrivals: uniform}
api_gateways:
  shop:
    integration: {http: {latency: {dist: constant, value: 1ms}}}
    throttle: {rate: 100, burst: 50}
cloudfront:
  cdn:
    origin: apigw/shop
    default_behavior: {default_ttl: 10s, objects: 20}
"#;

#[test]
fn cloudfront_in_front_of_an_api_sends_only_its_misses_through_the_apis_bucket() {
    // Not cached (TTL 0): every request is a fetch, and the API's bucket passes exactly
    // burst + rate x time of them; the rest reach the client as the API's 429.
    let off = simulate(parse(
        FRONTED,
        &["cloudfront.cdn.default_behavior.default_ttl=0s"],
    ));
    let (t, a) = (&dist(&off, "cdn").totals, &api(&off, "shop").totals);
    let offered = 512 * 60 - 1;
    assert_eq!((t.requests, t.origin_fetches), (offered, offered));
    assert_eq!(a.requests, offered, "every fetch reached the API");
    let passed = bucket_passes(100, 50, 512, 60);
    assert_eq!(stats(&off, "readers").ok, passed);
    assert_eq!(stats(&off, "readers").errors[3], offered - passed, "429s");
    assert_eq!(a.throttled_method, offered - passed);
    // Cached (20 objects, 10 s): a hit never reaches the API, each miss does, and the misses
    // (at most 20 objects x 7 expiries in 60 s) stay within the bucket's burst and rate.
    let on = simulate(parse(FRONTED, &[]));
    let (t, a) = (&dist(&on, "cdn").totals, &api(&on, "shop").totals);
    assert_eq!(t.requests, offered);
    assert_eq!(a.requests, t.origin_fetches, "only misses reach the API");
    assert_eq!(t.edge_hits + t.origin_fetches, offered);
    assert!(t.origin_fetches <= 20 * 7, "{}", t.origin_fetches);
    assert_eq!(a.throttled(), 0);
    assert_eq!(stats(&on, "readers").failed(), 0);
}

fn dist<'a>(r: &'a RunResult, name: &str) -> &'a stratus::sim::DistributionResult {
    (r.services.cloudfront.iter())
        .find(|d| d.name == name)
        .expect("distribution")
}
