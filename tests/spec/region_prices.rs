//! Prices per region: a region Stratus ships a table for (eu-west-1) is billed by it, any
//! other by the run's table times its `price_multiplier`, each with its own `pricing:`; the
//! bill's `by_region` parts add up to the total. Expected figures are computed here from the
//! price tables (`crates/model/prices/*.yaml`) and AWS's billing rules, never read from a run.

use crate::support::*;
use stratus::cost::PriceTable;
use stratus::scenario::Scenario;

/// eu-west-1's built-in table.
fn eu_west_1() -> PriceTable {
    let text = stratus::cost::prices::region_table("eu-west-1").expect("built in");
    let doc: serde_json::Value = serde_yaml_ng::from_str(text).expect("YAML");
    serde_json::from_value(doc).expect("a table")
}

/// Two regions, each with two m5.large behind an ALB with the same traffic (100 requests/s,
/// 1 KB in, 9 KB out), an HTTP API at 10 requests/s, for two hours; `second` names the
/// second region.
fn twin(second: &str) -> String {
    format!(
        r#"
name: twin
duration: 2h
regions:
  us-east-1: {{azs: [a, b]}}
  {second}: {{azs: [c, d]}}
workloads:
  us: {{target: alb/us, arrivals: uniform, rate: 100, work: {{dist: constant, value: 1ms}}, request_bytes: 1000, response_bytes: 9000}}
  other: {{target: alb/other, arrivals: uniform, rate: 100, work: {{dist: constant, value: 1ms}}, request_bytes: 1000, response_bytes: 9000}}
  api-us: {{target: apigw/us, arrivals: uniform, rate: 10}}
  api-other: {{target: apigw/other, arrivals: uniform, rate: 10}}
load_balancers:
  us: {{azs: [a, b], rules: [{{default: us}}]}}
  other: {{azs: [c, d], rules: [{{default: other}}]}}
target_groups:
  us: {{group: us}}
  other: {{group: other}}
auto_scaling_groups:
  us: {{instance: {{type: m5.large}}, azs: [a, b], desired: 2}}
  other: {{instance: {{type: m5.large}}, azs: [c, d], desired: 2}}
api_gateways:
  us: {{type: http, integration: {{http: {{latency: {{dist: constant, value: 5ms}}}}}}, region: us-east-1}}
  other: {{type: http, integration: {{http: {{latency: {{dist: constant, value: 5ms}}}}}}, region: {second}}}
"#
    )
}

/// One region's bill for the twin's fleet, ALB and API over two hours, by hand from `p`:
/// EC2 2 x 2 h; ALB 2 hourly fees and 2 hours of LCUs (the larger of 100 new connections a
/// second over 25 and 100 x 10 KB x 3600 s = 3.6 GB an hour over 1 GB); the API's 71,999
/// requests (uniform arrivals at k/10 s, k = 1 .. 71,999: the one at 7,200 s is the end's).
fn by_hand(p: &PriceTable) -> (f64, f64, f64) {
    let ec2 = 2.0 * 2.0 * p.ec2.per_hour["m5.large"];
    let lcu = (100.0 / p.alb.lcu.new_connections_per_s)
        .max(100.0 * 10_000.0 * 3600.0 / 1e9 / p.alb.lcu.processed_gb_per_hour);
    let alb = 2.0 * (p.alb.per_hour + lcu * p.alb.per_lcu_hour);
    // `PriceTable::shipped()` is the core file: API Gateway's shipped section is its own.
    use stratus::cost::prices::{ApiGatewayPrices, PriceSection};
    let api = (p.section::<ApiGatewayPrices>())
        .unwrap_or_else(ApiGatewayPrices::shipped)
        .http_per_million_requests;
    (ec2, alb, 71_999.0 / 1e6 * api)
}

fn close(got: f64, expected: f64, what: &str) {
    assert!(
        (got - expected).abs() <= 1e-5 * expected.abs().max(1e-9),
        "{what}: {got} vs {expected}"
    );
}

#[test]
fn eu_west_1_is_billed_by_its_own_table_and_the_regions_add_up() {
    let r = simulate(parse(&twin("eu-west-1"), &[]));
    let (use1, euw1) = (PriceTable::shipped(), eu_west_1());
    for (region, table) in [("us-east-1", &use1), ("eu-west-1", &euw1)] {
        let bill = &r.cost.by_region[region];
        let (ec2, alb, api) = by_hand(table);
        close(bill.by_service["ec2"], ec2, &format!("{region} ec2"));
        close(bill.by_service["alb"], alb, &format!("{region} alb"));
        close(
            bill.by_service["api_gateway"],
            api,
            &format!("{region} api"),
        );
        close(bill.total, ec2 + alb + api, &format!("{region} total"));
    }
    // eu-west-1's figures are its own: m5.large $0.107 against $0.096, the ALB hour $0.0252
    // against $0.0225, HTTP APIs $1.11 per million against $1.00.
    assert_eq!(euw1.ec2.per_hour["m5.large"], 0.107);
    assert_eq!(euw1.alb.per_hour, 0.0252);
    // Conservation: the regions' parts and the rest are the bill, service by service.
    let rest = r
        .cost
        .not_by_region
        .as_ref()
        .expect("the part of no region");
    let parts: f64 = r.cost.by_region.values().map(|b| b.total).sum::<f64>() + rest.total;
    close(parts, r.cost.total, "the parts add up");
    for (service, total) in &r.cost.by_service {
        let sum: f64 = (r.cost.by_region.values().chain([rest]))
            .filter_map(|b| b.by_service.get(service))
            .sum();
        close(sum, *total, service);
    }
}

#[test]
fn a_region_without_a_table_pays_the_run_table_times_its_multiplier() {
    let r = simulate(parse(
        &twin("ap-southeast-2"),
        &["regions.ap-southeast-2.price_multiplier=1.25"],
    ));
    let use1 = PriceTable::shipped();
    let (ec2, alb, api) = by_hand(&use1);
    let bill = &r.cost.by_region["ap-southeast-2"];
    // EC2 and ALB (fee and LCUs) scaled; API Gateway at the run's figure.
    close(bill.by_service["ec2"], 1.25 * ec2, "ec2");
    close(bill.by_service["alb"], 1.25 * alb, "alb");
    close(bill.by_service["api_gateway"], api, "api");
    close(
        r.cost.by_region["us-east-1"].by_service["ec2"],
        ec2,
        "us ec2",
    );
}

#[test]
fn a_regions_pricing_overrides_its_own_table_only() {
    let r = simulate(parse(
        &twin("eu-west-1"),
        &[
            "regions.eu-west-1.pricing={ec2: {per_hour: {m5.large: 1.0}}, api_gateway: {http_per_million_requests: 100}}",
        ],
    ));
    let eu = &r.cost.by_region["eu-west-1"];
    close(eu.by_service["ec2"], 2.0 * 2.0 * 1.0, "eu ec2");
    close(
        eu.by_service["api_gateway"],
        71_999.0 / 1e6 * 100.0,
        "eu api",
    );
    let (ec2, _, api) = by_hand(&PriceTable::shipped());
    close(
        r.cost.by_region["us-east-1"].by_service["ec2"],
        ec2,
        "us ec2",
    );
    close(
        r.cost.by_region["us-east-1"].by_service["api_gateway"],
        api,
        "us api",
    );
}

#[test]
fn summary_and_table_show_each_regions_part() {
    let r = simulate(parse(&twin("eu-west-1"), &[]));
    let summary = stratus::report::summary_json(&r);
    let cost = &summary["cost_usd"];
    for region in ["us-east-1", "eu-west-1"] {
        let total = cost["by_region"][region]["total"]
            .as_f64()
            .expect("a total");
        close(total, r.cost.by_region[region].total, region);
    }
    assert!(cost["not_by_region"]["total"].is_number());
    let table = stratus::report::summary_table(&r);
    assert!(table.contains("cost usd eu-west-1 "), "{table}");
    assert!(table.contains("cost usd us-east-1 "), "{table}");
    // One region (`azs` only): no parts, the summary as before.
    let r1 = simulate(parse(&fleet_one(), &[]));
    assert!(r1.cost.by_region.is_empty() && r1.cost.not_by_region.is_none());
    let s1 = stratus::report::summary_json(&r1);
    assert!(s1["cost_usd"].get("by_region").is_none());
}

fn fleet_one() -> String {
    r#"
name: one
duration: 10m
azs: [a, b]
workloads:
  w: {target: alb/front, rate: 10, work: {dist: constant, value: 1ms}}
load_balancers:
  front: {azs: [a, b], rules: [{default: web}]}
target_groups:
  web: {group: web}
auto_scaling_groups:
  web: {instance: {type: m5.large}, azs: [a, b], desired: 2}
"#
    .to_string()
}

#[test]
fn bad_region_prices_are_reported_with_their_paths() {
    let text = twin("eu-west-1").replace(
        "type: m5.large}, azs: [c, d]",
        "type: t2.micro}, azs: [c, d]",
    );
    let err = Scenario::from_text(
        &text,
        "bad.yaml",
        &repo_path("."),
        &[
            "regions.eu-west-1.price_multiplier=1.1".to_string(),
            "regions.us-east-1.pricing={ec2: {per_hour: {m5.large: -1}}, lambada: {}}".to_string(),
        ],
    )
    .expect_err("invalid prices")
    .to_string();
    for expected in [
        "regions.eu-west-1.price_multiplier: `eu-west-1` has a price table of its own",
        "auto_scaling_groups.other.instance.type: eu-west-1's price table has no price for `t2.micro`; add it under `regions.eu-west-1.pricing.ec2.per_hour`",
        "regions.us-east-1.pricing.ec2.per_hour.m5.large: a price must be zero or more, got -1",
        "regions.us-east-1.pricing.lambada: unknown price section `lambada`",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
}
