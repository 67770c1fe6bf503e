//! NAT gateways against AWS's zonal rule: a gateway lives in one AZ, so an outage of that AZ
//! cuts the internet egress of every subnet routed through it. With one shared gateway in AZ
//! a, an outage of a fails every external call, from b and c as well as a; with one gateway
//! per AZ, only a's. The bill (gateway hours and GB processed, cross-AZ transfer) is checked
//! against the price table by hand.

use crate::support::*;
use stratus::metrics::Statistic;
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

/// 10,000 requests a second, evenly spaced, each holding a connection to `slow` for 10 s
/// through `gateways`, for 30 s.
fn port_scenario(gateways: &str) -> RunResult {
    let text = format!(
        r#"
name: nat-ports
duration: 30s
warmup: 0s
metric_period: 10s
azs: [a, b, c]
workloads:
  w:
    target: alb/l
    arrivals: uniform
    rate: 10000
    work: {{dist: constant, value: 1ms}}
    calls: [{{external: slow, bytes: 1KB}}]
load_balancers:
  l: {{azs: [a, b, c], rules: [{{default: t}}]}}
target_groups:
  t: {{group: g}}
auto_scaling_groups:
  g: {{instance: {{vcpus: 64}}, azs: [a, b, c], desired: 3, max_concurrent: 1000000}}
external_endpoints:
  slow: {{latency: {{dist: constant, value: 10s}}}}
nat_gateways: {gateways}
"#
    );
    simulate(parse(&text, &[]))
}

#[test]
fn a_gateway_refuses_connections_past_55000_to_one_destination() {
    // One shared gateway: 10,000 new connections a second, each open 10 s, would need
    // 100,000 at once. The first 55,000 (5.5 s of arrivals) open; the next 4.5 s find no
    // port (ErrorPortAllocation) until the first ones close at 10 s, and so on: 55,000 of
    // each 10 s's 100,000 open. The requests of the last millisecond are still at work
    // (1 ms) when the run ends: 300,000 - 10 calls, 134,990 refused.
    let r = port_scenario("{nat: {az: a}}");
    let m = r.services.nat[0].meters;
    assert_eq!(m.max_active, 55_000);
    assert_eq!(m.connections, 3 * 55_000);
    assert!(
        m.port_allocation_errors.abs_diff(300_000 - 10 - 3 * 55_000) <= 2,
        "{} refused",
        m.port_allocation_errors
    );
    assert_eq!(cause(&r, "nat_port_allocation"), m.port_allocation_errors);
    // The series add up to the meters, and show the ceiling in every period.
    let points = |k: &str, st| r.series.points(&format!("nat.nat.{k}"), st);
    let sum = |xs: Vec<(f64, f64)>| xs.iter().map(|p| p.1).sum::<f64>();
    let errors = sum(points("error_port_allocation", Statistic::Sum));
    assert_eq!(errors as u64, m.port_allocation_errors);
    assert_eq!(
        sum(points("connections", Statistic::Sum)) as u64,
        m.connections
    );
    assert_eq!(sum(points("bytes", Statistic::Sum)), m.bytes);
    let active = points("active_connections", Statistic::Maximum);
    assert!(active.iter().all(|p| p.1 == 55_000.0), "{active:?}");
    // A gateway per AZ: each takes a third of the connections, about 33,333 at once,
    // under the limit.
    let r = port_scenario("{nat-a: {az: a}, nat-b: {az: b}, nat-c: {az: c}}");
    for g in &r.services.nat {
        assert_eq!(g.meters.port_allocation_errors, 0, "{}", g.name);
        assert!(
            g.meters.max_active.abs_diff(100_000 / 3) <= 2,
            "{}",
            g.meters.max_active
        );
    }
    assert_eq!(cause(&r, "nat_port_allocation"), 0);
}
