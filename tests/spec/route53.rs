//! Route 53's routing policies end to end: weighted records share traffic by weight, an
//! endpoint that fails its health checks leaves the answer after detection plus the TTL
//! (exact arithmetic, as for failover), multivalue answers spread over the healthy
//! endpoints only, and bad records are reported with their paths.

use crate::support::*;
use stratus::scenario::Scenario;
use stratus::sim::RunResult;

const WEIGHTED: &str = r#"
name: weighted
duration: 20m
azs: [a, b, c, d, e, f]
workloads:
  shop: {target: dns/shop, rate: 200, work: {dist: exponential, mean: 5ms}}
dns:
  shop:
    routing: weighted
    records:
      - {load_balancer: blue, weight: 192}
      - {load_balancer: green, weight: 64}
      - {load_balancer: dark, weight: 0}
    ttl: 60s
    health_check: {interval: 30s, failure_threshold: 3}
load_balancers:
  blue: {azs: [a, b], rules: [{default: blue}]}
  green: {azs: [c, d], rules: [{default: green}]}
  dark: {azs: [e, f], rules: [{default: dark}]}
target_groups:
  blue: {group: blue}
  green: {group: green}
  dark: {group: dark}
auto_scaling_groups:
  blue: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
  green: {instance: {vcpus: 2}, azs: [c, d], desired: 2}
  dark: {instance: {vcpus: 2}, azs: [e, f], desired: 2}
"#;

fn requests(r: &RunResult, lb: &str) -> u64 {
    let d = &r.services.dns[0];
    d.requests.iter().find(|(n, _)| n == lb).map_or(0, |e| e.1)
}

#[test]
fn weighted_records_share_traffic_by_weight_and_weight_zero_gets_none() {
    let r = simulate(parse(WEIGHTED, &[]));
    let (blue, green) = (requests(&r, "blue"), requests(&r, "green"));
    let n = blue + green;
    assert!(n > 200_000, "{n} requests");
    // Route 53: weight / sum of weights, 192 / 256 and 64 / 256.
    assert!(
        z_binomial(blue, n, 0.75).abs() < Z_MAX,
        "blue {blue} of {n}"
    );
    assert_eq!(requests(&r, "dark"), 0, "a weight of 0 gets no traffic");
    assert_eq!(r.services.dns[0].answer_changes, 0);
}

#[test]
fn a_failed_endpoint_leaves_the_answer_after_detection_plus_the_ttl() {
    let r = simulate(parse(
        WEIGHTED,
        &["faults=[{at: 615s, az_outage: c}, {at: 615s, az_outage: d}]"],
    ));
    let change = r
        .resilience
        .timeline
        .iter()
        .find(|e| e.event == "dns_answer")
        .expect("the answer changed");
    // Checks every 30 s; three failures at 630, 660 and 690 s.
    assert_eq!(change.time.as_secs_f64(), 690.0);
    assert!(change.detail.ends_with("answers blue"), "{}", change.detail);
    // Green gets a quarter of the traffic until the change, then its share falls linearly
    // to zero over the 60 s TTL (half of it on average), then nothing.
    let rate = 200.0 * 64.0 / 256.0;
    let expected = rate * (690.0 + 60.0 / 2.0);
    let green = requests(&r, "green");
    assert!(
        z_poisson(green, expected).abs() < Z_MAX,
        "green {green}, expected {expected}"
    );
    // The weight-0 endpoint stays out: blue is still healthy.
    assert_eq!(requests(&r, "dark"), 0);
}

#[test]
fn weight_zero_takes_traffic_when_every_weighted_endpoint_fails() {
    let r = simulate(parse(
        WEIGHTED,
        &[
            "faults=[{at: 615s, az_outage: a}, {at: 615s, az_outage: b}, \
           {at: 615s, az_outage: c}, {at: 615s, az_outage: d}]",
        ],
    ));
    // Route 53 considers zero-weight records once every nonzero one is unhealthy: after
    // detection at 690 s and the 60 s TTL, all traffic reaches `dark`.
    let expected = 200.0 * (1200.0 - 690.0 - 60.0 / 2.0);
    let dark = requests(&r, "dark");
    assert!(
        z_poisson(dark, expected).abs() < Z_MAX,
        "dark {dark}, expected {expected}"
    );
}

const MULTIVALUE: &str = r#"
name: multivalue
duration: 20m
azs: [a, b, c, d, e, f, g, h]
workloads:
  shop: {target: dns/shop, rate: 200, work: {dist: exponential, mean: 5ms}}
dns:
  shop:
    routing: multivalue
    records: [{load_balancer: a}, {load_balancer: b}, {load_balancer: c}, {load_balancer: d}]
    ttl: 0s
    health_check: {interval: 10s, failure_threshold: 2}
load_balancers:
  a: {azs: [a, b], rules: [{default: a}]}
  b: {azs: [c, d], rules: [{default: b}]}
  c: {azs: [e, f], rules: [{default: c}]}
  d: {azs: [g, h], rules: [{default: d}]}
target_groups:
  a: {group: a}
  b: {group: b}
  c: {group: c}
  d: {group: d}
auto_scaling_groups:
  a: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
  b: {instance: {vcpus: 2}, azs: [c, d], desired: 2}
  c: {instance: {vcpus: 2}, azs: [e, f], desired: 2}
  d: {instance: {vcpus: 2}, azs: [g, h], desired: 2}
faults:
  - {at: 600s, az_outage: g}
  - {at: 600s, az_outage: h}
"#;

#[test]
fn multivalue_answers_spread_over_the_healthy_endpoints_only() {
    let r = simulate(parse(MULTIVALUE, &[]));
    // Fast checks every 10 s, two failures: unhealthy at 620 s; with a TTL of 0 clients
    // follow at once. `d` takes a quarter until then, the others a quarter and then a third.
    let d = requests(&r, "d");
    let expected_d = 200.0 / 4.0 * 620.0;
    assert!(z_poisson(d, expected_d).abs() < Z_MAX, "d {d}");
    let expected = 200.0 / 4.0 * 620.0 + 200.0 / 3.0 * 580.0;
    for lb in ["a", "b", "c"] {
        let n = requests(&r, lb);
        assert!(
            z_poisson(n, expected).abs() < Z_MAX,
            "{lb} {n}, expected {expected}"
        );
    }
}

#[test]
fn bad_records_are_reported_with_their_paths() {
    let bad = r#"
name: bad
duration: 10m
azs: [a, b]
workloads:
  w: {target: dns/heavy, rate: 1}
dns:
  heavy:
    routing: weighted
    records: [{load_balancer: blue, weight: 256}, {load_balancer: blue}, {load_balancer: nope, weight: 1}]
  plain:
    routing: simple
    records: [{load_balancer: blue, weight: 3}]
    health_check: {interval: 30s}
  mixed:
    routing: multivalue
    primary: blue
  old:
    primary: blue
    secondary: blue
    records: [{load_balancer: blue}]
load_balancers:
  blue: {azs: [a, b], rules: [{default: blue}]}
target_groups:
  blue: {group: blue}
auto_scaling_groups:
  blue: {instance: {vcpus: 2}, azs: [a, b], desired: 1}
"#;
    let err = Scenario::from_text(bad, "bad.yaml", &repo_path("."), &[])
        .expect_err("invalid records")
        .to_string();
    for expected in [
        "dns.heavy.records[0].weight: expected 0 to 255, got 256",
        "dns.heavy.records[1].load_balancer: `blue` is listed twice",
        "dns.heavy.records[1].weight",
        "dns.heavy.records[2].load_balancer: no load balancer named `nope`",
        "dns.plain.records[0].weight: only a weighted record's endpoints have a weight",
        "dns.plain.health_check: simple routing has no health checks",
        "dns.mixed.primary: only a failover record has a `primary`",
        "dns.mixed.records",
        "dns.old.records: a failover record has a `primary` and a `secondary`",
        "dns.old.secondary: expected a load balancer other than the primary",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}
