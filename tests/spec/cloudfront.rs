//! CloudFront end to end, against closed forms and AWS's rules: the TTL cache's hit ratio
//! (per object lambda_i T / (1 + lambda_i T), weighted by the objects' shares of the
//! requests) for uniform and Zipf key spaces, the origin's load equal to the misses, Origin
//! Shield answering an object another edge fetched, failover to the secondary origin on a
//! listed 5xx (and not on others), the edge and origin round trips, the bill from the price
//! table, and bad distributions reported with their paths.

use crate::support::*;
use stratus::cost::prices::PriceSection;
use stratus::model::cloudfront::KeySampler;
use stratus::model::cloudfront::Popularity;
use stratus::model::region::{aws_region_location, default_rtt, distance_km};
use stratus::scenario::Scenario;
use stratus::sim::{DistributionResult, RunResult};

fn dist<'a>(r: &'a RunResult, name: &str) -> &'a DistributionResult {
    r.services
        .cloudfront
        .iter()
        .find(|d| d.name == name)
        .expect("the distribution's result")
}

/// The z-score of a measured hit ratio `hits / requests` against the TTL cache's closed
/// form for Poisson requests at `rate` per second over `probabilities` (each object's share)
/// with TTL `ttl` over `duration` seconds. Per object i (rate lambda_i): its hit ratio is
/// h_i = lambda_i T / (1 + lambda_i T); a miss starts a cycle of T then the wait for the next
/// request (mean T + 1/lambda_i) holding Poisson(lambda_i T) hits, so over D the count
/// H_i - h_i N_i has variance (D / (T + 1/lambda_i)) (1 - h_i)^2 lambda_i T; the objects'
/// different ratios add (h_i - h)^2 lambda_i D (the delta method for the ratio H / N).
fn z_hit_ratio(
    (hits, requests): (u64, u64),
    rate: f64,
    probabilities: &[f64],
    ttl: f64,
    duration: f64,
) -> (f64, f64) {
    let per: Vec<(f64, f64)> = probabilities
        .iter()
        .map(|p| {
            let l = rate * p;
            (l, l * ttl / (1.0 + l * ttl))
        })
        .collect();
    let h: f64 = per.iter().map(|(l, hi)| l / rate * hi).sum();
    let var: f64 = per
        .iter()
        .map(|&(l, hi)| {
            duration / (ttl + 1.0 / l) * (1.0 - hi).powi(2) * l * ttl
                + (hi - h).powi(2) * l * duration
        })
        .sum();
    let n = requests as f64;
    let measured = hits as f64 / n;
    ((measured - h) / (var.sqrt() / n), h)
}

const UNIFORM: &str = r#"
name: cf-uniform
duration: 2h
workloads:
  readers: {target: cloudfront/cdn, rate: 20}
cloudfront:
  cdn:
    origin: s3
    default_behavior: {default_ttl: 10s, objects: 50}
"#;

/// Poisson requests at 20/s over 50 equally popular objects with a 10 s TTL: each object's
/// hit ratio is 4 / 5.
#[test]
fn a_uniform_key_space_hits_as_the_ttl_cache_closed_form() {
    let r = simulate(parse(UNIFORM, &[]));
    let t = &dist(&r, "cdn").totals;
    assert_eq!(t.requests, r.arrived, "every request reached the edge");
    let (z, h) = z_hit_ratio(
        (t.edge_hits, t.requests),
        20.0,
        &[1.0 / 50.0; 50],
        10.0,
        7200.0,
    );
    assert!((h - 0.8).abs() < 1e-12);
    assert!(
        z.abs() < Z_MAX,
        "hit ratio {} against {h}: z = {z}",
        t.hit_ratio()
    );
}

/// A Zipf key space (s = 1 over 200 objects, 100/s, TTL 5 s): popular objects nearly always
/// hit, the tail mostly misses; the measured ratio matches sum_i p_i lambda_i T / (1 +
/// lambda_i T) with p_i = i^-1 / H_200.
#[test]
fn a_zipf_key_space_hits_as_the_sum_over_objects() {
    let text = r#"
name: cf-zipf
duration: 2h
workloads:
  readers: {target: cloudfront/cdn, rate: 100}
cloudfront:
  cdn:
    origin: s3
    default_behavior: {default_ttl: 5s, objects: 200, popularity: {zipf: 1.0}}
"#;
    let r = simulate(parse(text, &[]));
    let t = &dist(&r, "cdn").totals;
    let harmonic: f64 = (1..=200).map(|i| 1.0 / i as f64).sum();
    let p: Vec<f64> = (1..=200).map(|i| 1.0 / (i as f64 * harmonic)).collect();
    let sampler = KeySampler::new(200, Popularity::Zipf(1.0));
    assert!((sampler.probability(0) - p[0]).abs() < 1e-12);
    let (z, h) = z_hit_ratio((t.edge_hits, t.requests), 100.0, &p, 5.0, 7200.0);
    assert!(h > 0.7 && h < 0.9, "{h}");
    assert!(
        z.abs() < Z_MAX,
        "hit ratio {} against {h}: z = {z}",
        t.hit_ratio()
    );
    assert_eq!(
        t.origin_fetches,
        t.requests - t.edge_hits,
        "the origin sees the misses"
    );
}

/// Behind an ALB, the origin's load is the misses (every cached GET that missed and every
/// request of an uncached behavior or method): the target group counts exactly the
/// distribution's origin fetches, and every request ends once.
#[test]
fn the_albs_load_is_the_misses_and_uncached_requests() {
    let text = r#"
name: cf-alb
duration: 10m
azs: [a, b]
workloads:
  site:
    target: cloudfront/cdn
    rate: 100
    work: {dist: exponential, mean: 5ms}
    classes:
      - {name: page, path: /p, weight: 8}
      - {name: api, path: /api/x, weight: 1}
      - {name: post, path: /p, method: POST, weight: 1}
cloudfront:
  cdn:
    origin: alb/web
    behaviors: [{path: /api/*, cache: false}]
    default_behavior: {default_ttl: 30s, objects: 1000}
load_balancers:
  web: {azs: [a, b], rules: [{default: web}]}
target_groups:
  web: {group: web}
auto_scaling_groups:
  web: {instance: {type: c5.large}, azs: [a, b], desired: 2}
"#;
    let r = simulate(parse(text, &[]));
    let t = &dist(&r, "cdn").totals;
    let tg = r.target_groups.iter().find(|(n, _)| n == "web").unwrap().1;
    assert_eq!(tg, t.origin_fetches, "the ALB serves the fetches");
    assert_eq!(t.origin_fetches, t.requests - t.edge_hits);
    assert_eq!(
        t.origin_fetches,
        t.origin_answers + r.in_flight,
        "each fetch answered once or in flight"
    );
    // Uncached: the API path and POSTs (about 2 in 10), all fetched.
    assert!(t.origin_fetches as f64 > 0.2 * t.requests as f64 - 5.0 * (t.requests as f64).sqrt());
    assert_eq!(r.overall.ok + r.in_flight, r.arrived, "no errors");
}

/// A primary that answers 503 (an ALB without targets) fails over to the secondary for
/// every fetch; an object store's 500s fail over as often as it fails (binomial), and the
/// secondary answers them all.
#[test]
fn a_listed_5xx_from_the_primary_goes_to_the_secondary() {
    let text = r#"
name: cf-failover
duration: 10m
azs: [a, b]
workloads:
  empty: {target: cloudfront/down, rate: 20, work: {dist: constant, value: 1ms}}
  flaky: {target: cloudfront/flaky, rate: 50}
cloudfront:
  down:
    origin_group: {primary: alb/empty, secondary: s3}
    default_behavior: {cache: false}
  flaky:
    origin_group: {primary: s3/bad, secondary: s3/good}
    object_stores:
      bad: {error_rate: 0.3}
      good: {}
    default_behavior: {cache: false}
load_balancers:
  empty: {azs: [a, b], rules: [{default: empty}]}
target_groups:
  empty: {group: empty}
auto_scaling_groups:
  empty: {instance: {type: c5.large}, azs: [a, b], desired: 0, min: 0}
"#;
    let r = simulate(parse(text, &[]));
    let down = &dist(&r, "down").totals;
    assert!(down.origin_fetches > 10_000);
    assert_eq!(
        down.failovers, down.origin_fetches,
        "every fetch failed over at once"
    );
    assert_eq!(
        down.origin_answers + in_flight(&r, "empty"),
        down.origin_fetches
    );
    let flaky = &dist(&r, "flaky").totals;
    let answered = flaky.origin_answers;
    assert_eq!(
        flaky.origin_errors, 0,
        "the secondary answers every failover"
    );
    let z = z_binomial(flaky.failovers, answered, 0.3);
    assert!(
        z.abs() < Z_MAX,
        "failovers {} of {answered}: z = {z}",
        flaky.failovers
    );
    assert_eq!(r.overall.failed(), 0);
}

fn in_flight(r: &RunResult, w: &str) -> u64 {
    let i = r.workloads.iter().position(|(n, _)| n == w).unwrap();
    r.in_flight_by_workload[i]
}

/// A status the origin group does not list reaches the client: with `failover_on: [502]`,
/// the primary's 500s are the client's.
#[test]
fn an_unlisted_status_does_not_fail_over() {
    let text = r#"
name: cf-no-failover
duration: 5m
workloads:
  w: {target: cloudfront/cdn, rate: 50}
cloudfront:
  cdn:
    origin_group: {primary: s3/bad, secondary: s3, failover_on: [502]}
    object_stores: {bad: {error_rate: 1.0}}
    default_behavior: {cache: false}
"#;
    let r = simulate(parse(text, &[]));
    let t = &dist(&r, "cdn").totals;
    assert_eq!(t.failovers, 0);
    assert_eq!(t.origin_errors, t.origin_answers);
    assert_eq!(
        r.overall.errors[5], t.origin_errors,
        "the clients got the 500s"
    );
}

/// Round trips (our model): a client in Germany waits 15 ms for its European edge; a miss
/// adds its round trip to the origin's region and the object store's own time.
#[test]
fn a_hit_costs_the_edge_round_trip_and_a_miss_adds_the_origin() {
    let text = r#"
name: cf-latency
duration: 2m
regions: {us-east-1: {azs: [a]}}
workloads:
  hits: {target: cloudfront/hit, rate: 20, geography: germany}
  misses: {target: cloudfront/miss, rate: 20, geography: germany}
cloudfront:
  hit:
    origin: s3
    default_behavior: {hit_ratio: 1.0}
  miss:
    origin: s3/store
    object_stores: {store: {latency: {dist: constant, value: 20ms}}}
    default_behavior: {hit_ratio: 0.0}
"#;
    let r = simulate(parse(text, &[]));
    let latency = |w: &str| {
        let s = &r.workloads.iter().find(|(n, _)| n == w).unwrap().1;
        (s.latency.quantile_ms(0.0), s.latency.max_ms())
    };
    let (lo, hi) = latency("hits");
    assert!(
        (lo - 15.0).abs() < 0.02 && (hi - 15.0).abs() < 0.02,
        "{lo} {hi}"
    );
    let germany = stratus::model::region::GeoPoint {
        lat: 50.1,
        lon: 8.7,
    };
    let origin = aws_region_location("us-east-1").unwrap();
    let rtt = default_rtt(distance_km(germany, origin)).as_secs_f64() * 1e3;
    let want = 15.0 + rtt + 20.0;
    let (lo, hi) = latency("misses");
    assert!(
        (lo - want).abs() < want * 1e-3 && (hi - want).abs() < want * 1e-3,
        "{lo} {hi} {want}"
    );
}

/// Two geographies are two edges: an object one edge fetched is, for the other, a miss at
/// its edge and a hit at Origin Shield; the origin sees each object once per TTL.
#[test]
fn origin_shield_answers_what_another_edge_fetched() {
    let text = r#"
name: cf-shield
duration: 30m
regions: {us-east-1: {azs: [a]}}
workloads:
  us: {target: cloudfront/cdn, rate: 50, geography: us-east}
  eu: {target: cloudfront/cdn, rate: 50, geography: germany}
cloudfront:
  cdn:
    origin: s3
    origin_shield: us-east-1
    default_behavior: {default_ttl: 1h, objects: 10}
"#;
    let r = simulate(parse(text, &[]));
    let t = &dist(&r, "cdn").totals;
    assert_eq!(t.origin_fetches, 10, "each object fetched once in the run");
    assert_eq!(
        t.shield_hits, 10,
        "the second edge's first request for each object"
    );
    assert_eq!(t.shield_requests, 20);
    assert_eq!(t.edge_hits, t.requests - 20);
}

/// The bill is the price table's: HTTPS requests per 10,000, bytes out per GB, Origin
/// Shield requests per 10,000, bytes to the origin per GB.
#[test]
fn the_bill_is_the_price_tables() {
    let text = r#"
name: cf-bill
duration: 20m
regions: {us-east-1: {azs: [a]}}
workloads:
  w: {target: cloudfront/cdn, rate: 40, response_bytes: 100KB, request_bytes: 1KB, geography: us-east}
cloudfront:
  cdn:
    origin: s3
    origin_shield: us-east-1
    default_behavior: {default_ttl: 60s, objects: 500}
"#;
    let r = simulate(parse(text, &[]));
    let d = dist(&r, "cdn");
    let t = &d.totals;
    let p = <stratus::model::cloudfront::CloudFrontPrices as PriceSection>::shipped();
    assert_eq!(
        (
            p.https_per_10k_requests,
            p.out_to_internet_per_gb,
            p.origin_shield_per_10k_requests
        ),
        (0.01, 0.085, 0.0075)
    );
    assert_eq!(r.overall.failed(), 0);
    let answered = t.edge_hits + t.shield_hits + t.origin_answers;
    assert_eq!(t.bytes_out, 100_000 * answered, "every answer's body");
    let by_hand = t.requests as f64 * 0.01 / 1e4
        + t.bytes_out as f64 / 1e9 * 0.085
        + t.shield_requests as f64 * 0.0075 / 1e4
        + t.bytes_to_origin as f64 / 1e9 * 0.02;
    let billed = r.cost.by_service["cloudfront"];
    assert!((billed - by_hand).abs() < 1e-9, "{billed} vs {by_hand}");
    assert!((d.cost_usd - by_hand).abs() < 1e-9);
    assert_eq!(t.bytes_to_origin, 1_000 * t.origin_fetches);
}

const BAD: &str = r#"
name: cf-bad
duration: 1m
azs: [a]
workloads:
  w: {target: cloudfront/cdn, rate: 1}
  ghost: {target: cloudfront/nope, rate: 1}
  needs_work: {target: cloudfront/alb, rate: 1}
cloudfront:
  cdn:
    origin: s3/missing
    origin_shield: mars-1
    behaviors:
      - {default_ttl: 10s}
      - {path: /a/*, min_ttl: 1h, default_ttl: 10s}
      - {path: /b/*, hit_ratio: 1.5}
      - {path: /c/*, cache: false, default_ttl: 5s}
      - {path: /d/*, objects: 0, popularity: {zipf: -1}}
    default_behavior: {path: /x}
  alb:
    origin_group: {primary: alb/nope, secondary: s3, failover_on: [429]}
"#;

#[test]
fn bad_distributions_are_reported_with_their_paths() {
    let err = Scenario::from_text(BAD, "bad.yaml", &repo_path("."), &[])
        .expect_err("invalid distributions")
        .to_string();
    for expected in [
        "workloads.ghost.target: no distribution named `nope`",
        "cloudfront.cdn.origin: no object store `missing`",
        "cloudfront.cdn.origin_shield: unknown region `mars-1`",
        "cloudfront.cdn.behaviors[0].path: required: a path pattern",
        "cloudfront.cdn.behaviors[1]: CloudFront requires min_ttl <= default_ttl <= max_ttl",
        "cloudfront.cdn.behaviors[2].hit_ratio: expected a ratio from 0 to 1, got 1.5",
        "cloudfront.cdn.behaviors[3]: a behavior with `cache: false` takes no TTL",
        "cloudfront.cdn.behaviors[4].objects: expected 1 to 10000000 objects, got 0",
        "cloudfront.cdn.behaviors[4].popularity.zipf: expected an exponent above 0",
        "cloudfront.cdn.default_behavior.path: the default behavior matches every path",
        "cloudfront.alb.origin_group.failover_on: CloudFront fails over on 400, 403, 404, 416, 500, 502, 503 or 504, got 429",
        "cloudfront.alb.origin_group.primary: no load balancer named `nope`",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}

/// A distribution whose origin is an ALB needs its requests' CPU demand.
#[test]
fn an_alb_origin_needs_work() {
    let text = r#"
name: cf-work
duration: 1m
azs: [a, b]
workloads:
  w: {target: cloudfront/cdn, rate: 1}
cloudfront:
  cdn: {origin: alb/web}
load_balancers:
  web: {azs: [a, b], rules: [{default: web}]}
target_groups:
  web: {group: web}
auto_scaling_groups:
  web: {instance: {type: c5.large}, azs: [a, b], desired: 1}
"#;
    let err = Scenario::from_text(text, "w.yaml", &repo_path("."), &[])
        .expect_err("no work")
        .to_string();
    assert!(
        err.contains(
            "workloads.w.work: required: distribution `cdn` sends requests to a load balancer"
        ),
        "{err}"
    );
}
