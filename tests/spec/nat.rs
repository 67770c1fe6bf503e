//! NAT gateways against AWS's zonal rule: a gateway lives in one AZ, so an outage of that AZ
//! cuts the internet egress of every subnet routed through it. With one shared gateway in AZ
//! a, an outage of a fails every external call, from b and c as well as a; with one gateway
//! per AZ, only a's. The bill (gateway hours and GB processed, cross-AZ transfer) is checked
//! against the price table by hand.

use crate::support::*;
use stratus::sim::RunResult;

/// 200 requests per second, evenly spaced, each calling `api` (20 ms, 10 KB) through the NAT
/// gateways `gateways`, on instances in AZs a, b and c; AZ a is down from 100 s to 200 s.
fn nat_scenario(gateways: &str) -> String {
    format!(
        r#"
name: nat
duration: 300s
metric_period: 10s
azs: [a, b, c]
workloads:
  w:
    target: alb/l
    arrivals: uniform
    rate: 200
    work: {{dist: constant, value: 1ms}}
    calls: [{{external: api, bytes: 10KB}}]
load_balancers:
  l: {{azs: [a, b, c], rules: [{{default: t}}]}}
target_groups:
  t: {{group: g}}
auto_scaling_groups:
  g: {{instance: {{vcpus: 8}}, azs: [a, b, c], desired: 3, max_concurrent: 100000}}
external_endpoints:
  api: {{latency: {{dist: constant, value: 20ms}}}}
nat_gateways: {gateways}
faults:
  - {{at: 100s, az_outage: a, duration: 100s}}
"#
    )
}

fn cause(r: &RunResult, key: &str) -> u64 {
    (r.resilience.errors_by_cause.iter())
        .find(|(k, _)| k == key)
        .map_or(0, |(_, n)| *n)
}

/// Periods 10 to 19 (100 s to 200 s) are the outage's.
const OUTAGE: std::ops::Range<usize> = 10..20;

#[test]
fn one_shared_gateway_in_a_fails_every_external_call_while_a_is_down() {
    let r = simulate(parse(&nat_scenario("{nat-a: {az: a}}"), &[]));
    let g = &r.services.nat[0];
    assert_eq!(
        g.serves,
        ["a", "b", "c"],
        "the only gateway serves every AZ"
    );
    // Not one request ends well during the outage: b's and c's calls find no way out, a's
    // instances are gone.
    for k in OUTAGE {
        let a = r.resilience.availability_per_period[k];
        assert_eq!(a, 0.0, "period {k}: availability {a}");
    }
    // (A request failed at 100 s exactly is counted in the period that ends then.)
    assert!(
        r.resilience.availability_per_period[..9]
            .iter()
            .all(|a| *a == 1.0)
    );
    // b's and c's calls were cut by the NAT: their requests reached healthy instances (at
    // least a third of the outage's 20,000 requests), and every failure has a fault's cause.
    let cut = cause(&r, "nat_unreachable");
    assert!(cut > 200 * 100 / 3, "{cut} calls cut");
    assert!(g.meters.failed_calls >= cut);
    assert_eq!(cause(&r, "other"), 0);
    // Before the outage, the calls from b and c crossed to a: two thirds of them.
    assert!(g.meters.cross_az_calls > 0);
    check_bill(&r, 1);
}

#[test]
fn one_gateway_per_az_fails_only_the_down_azs_calls() {
    let text = nat_scenario("{nat-a: {az: a}, nat-b: {az: b}, nat-c: {az: c}}");
    let r = simulate(parse(&text, &[]));
    let serves: Vec<&[String]> = r.services.nat.iter().map(|g| &g.serves[..]).collect();
    assert_eq!(serves, [["a"], ["b"], ["c"]]);
    // No call was cut by a NAT gateway: a's own calls died with a's instances.
    assert_eq!(cause(&r, "nat_unreachable"), 0);
    for g in &r.services.nat[1..] {
        assert_eq!(g.meters.failed_calls, 0, "{}", g.name);
        assert_eq!(g.meters.cross_az_calls, 0, "{}", g.name);
    }
    // b and c kept serving: every outage period has requests that ended well.
    for k in OUTAGE {
        let a = r.resilience.availability_per_period[k];
        assert!(a > 0.4, "period {k}: availability {a}");
    }
    check_bill(&r, 3);
}

/// NAT gateways bill each gateway's hours and every GB processed; a call to a gateway in
/// another AZ is also inter-AZ transfer (computed here from the shipped price table).
fn check_bill(r: &RunResult, gateways: u32) {
    let p = stratus::cost::PriceTable::shipped();
    let bytes: f64 = r.services.nat.iter().map(|g| g.meters.bytes).sum();
    let calls: u64 = (r.services.nat.iter())
        .map(|g| g.meters.calls - g.meters.failed_calls)
        .sum();
    // Every call that went through moved 10 KB, and so did the ones cut in flight.
    assert!(bytes >= calls as f64 * 10_000.0);
    let hours = gateways as f64 * 300.0 / 3600.0;
    let by_hand = hours * p.nat_gateway.per_hour + bytes / 1e9 * p.nat_gateway.per_gb;
    let billed = r.cost.by_service["nat_gateway"];
    assert!(
        (billed - by_hand).abs() < 1e-9,
        "billed {billed}, by hand {by_hand}"
    );
    let cross: u64 = r.services.nat.iter().map(|g| g.meters.cross_az_calls).sum();
    let transfer = r
        .cost
        .by_service
        .get("data_transfer")
        .copied()
        .unwrap_or(0.0);
    let by_hand = 2.0 * cross as f64 * 10_000.0 / 1e9 * p.data_transfer.inter_az_per_gb;
    assert!(
        (transfer - by_hand).abs() < 1e-9,
        "transfer {transfer}, by hand {by_hand}"
    );
}

#[test]
fn an_az_without_a_route_and_an_external_call_without_gateways_are_reported() {
    let text = nat_scenario("{nat-a: {az: a}, nat-b: {az: b}}");
    let e = stratus::scenario::Scenario::from_text(&text, "t.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("AZ `c` has no route to a NAT gateway"), "{e}");
    let text = nat_scenario("2");
    let e = stratus::scenario::Scenario::from_text(&text, "t.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("workloads.w.calls[0].external"), "{e}");
    assert!(e.contains("leaves through a NAT gateway"), "{e}");
}
