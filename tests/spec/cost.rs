//! Cost accounting against hand computation from the price table (never from output).

use crate::support::*;
use stratus::cost::PriceTable;

fn fleet(instance_type: &str, n: u32, hours: u32) -> String {
    format!(
        r#"
name: fleet
duration: {hours}h
azs: [a, b]
workloads:
  web:
    target: alb/front
    arrivals: uniform
    rate: 100
    work: {{dist: constant, value: 1ms}}
    request_bytes: 1000
    response_bytes: 9000
load_balancers:
  front: {{azs: [a, b], rules: [{{default: web}}]}}
target_groups:
  web: {{group: web}}
auto_scaling_groups:
  web: {{instance: {{type: {instance_type}}}, azs: [a, b], desired: {n}}}
"#
    )
}

#[test]
fn n_instances_of_a_type_for_h_hours() {
    let prices = PriceTable::shipped();
    for (t, n, h) in [
        ("m5.large", 4, 3),
        ("c6g.xlarge", 3, 2),
        ("t3.micro", 10, 1),
    ] {
        let r = simulate(parse(&fleet(t, n, h), &[]));
        let expected = n as f64 * h as f64 * prices.ec2.per_hour[t];
        let got = r.cost.by_service["ec2"];
        assert!(
            (got - expected).abs() < 1e-9 * expected,
            "{t}: {got} vs {expected}"
        );
        // The per-period series adds up to the same bill.
        let series: f64 = r
            .series
            .points("cost_usd", stratus::metrics::Statistic::Sum)
            .iter()
            .map(|p| p.1)
            .sum();
        assert!((series - r.cost.total).abs() < 1e-9 * r.cost.total.max(1.0));
    }
}

#[test]
fn an_alb_with_a_known_request_rate() {
    let prices = PriceTable::shipped();
    let r = simulate(parse(&fleet("m5.large", 2, 2), &[]));
    // 100 new connections/s = 4 LCU; 100 x 10 KB/s = 3.6 GB/h = 3.6 LCU; one rule, free.
    let lcu = (100.0 / prices.alb.lcu.new_connections_per_s)
        .max(100.0 * 10_000.0 * 3600.0 / 1e9 / prices.alb.lcu.processed_gb_per_hour);
    let expected = 2.0 * (prices.alb.per_hour + lcu * prices.alb.per_lcu_hour);
    let got = r.cost.by_service["alb"];
    assert!(
        (got - expected).abs() < 1e-6 * expected,
        "alb {got} vs {expected}"
    );
    // Payloads ten times bigger: bytes dominate.
    let big = simulate(parse(
        &fleet("m5.large", 2, 2),
        &["workloads.web.response_bytes=99000"],
    ));
    let lcu_big = 100.0 * 100_000.0 * 3600.0 / 1e9;
    let expected_big = 2.0 * (prices.alb.per_hour + lcu_big * prices.alb.per_lcu_hour);
    // Uniform arrivals start at 1/rate: one request fewer in the run (a relative 3e-6).
    let got_big = big.cost.by_service["alb"];
    assert!(
        (got_big - expected_big).abs() < 1e-5 * expected_big,
        "alb {got_big} vs {expected_big}"
    );
}

#[test]
fn scenario_pricing_overrides_one_entry() {
    let r = simulate(parse(
        &fleet("m5.large", 2, 1),
        &["pricing.ec2.per_hour.m5\\.large=1.0"],
    ));
    assert!(
        (r.cost.by_service["ec2"] - 2.0).abs() < 1e-9,
        "{:?}",
        r.cost
    );
}

#[test]
fn the_warmup_is_not_billed() {
    let prices = PriceTable::shipped();
    let r = simulate(parse(&fleet("m5.large", 2, 2), &["warmup=30m"]));
    let expected = 2.0 * 1.5 * prices.ec2.per_hour["m5.large"];
    assert!((r.cost.by_service["ec2"] - expected).abs() < 1e-9);
}

/// Database calls from instances in another AZ than the primary pay inter-AZ data transfer:
/// every byte is billed leaving one AZ and entering the other. Instances only in AZ b, the
/// primary in AZ a: every call crosses; with the primary in b, none does.
#[test]
fn database_calls_across_azs_pay_inter_az_transfer() {
    let prices = PriceTable::shipped();
    let text = |db_az: &str| {
        format!(
            r#"
name: transfer
duration: 30m
azs: [a, b]
workloads:
  api:
    target: alb/front
    arrivals: uniform
    rate: 50
    work: {{dist: constant, value: 1ms}}
    calls:
      - {{database: orders, work: {{dist: constant, value: 1ms}}, bytes: 10KB}}
load_balancers:
  front: {{azs: [a, b], rules: [{{default: api}}]}}
target_groups:
  api: {{group: api}}
auto_scaling_groups:
  api: {{instance: {{type: c5.large}}, azs: [b], desired: 2}}
databases:
  orders: {{az: {db_az}}}
"#
        )
    };
    let r = simulate(parse(&text("a"), &[]));
    let calls = r.resilience.databases[0].calls as f64;
    assert!(calls > 89_000.0, "{calls} calls");
    let bytes = calls * 10_000.0; // 10KB (decimal units, as the price table's GB)
    let expected = 2.0 * bytes / 1e9 * prices.data_transfer.inter_az_per_gb;
    let got = r.cost.by_service["data_transfer"];
    assert!(
        (got - expected).abs() < 1e-9 * expected.max(1.0),
        "{got} vs {expected}"
    );
    let same_az = simulate(parse(&text("b"), &[]));
    assert!(!same_az.cost.by_service.contains_key("data_transfer"));
}

/// A service's own price section (Kinesis's, declared beside its model) is overridden by
/// `pricing:` like a core one; a bad entry in it is reported with its field path, and a
/// section no service declares is refused with the known ones.
#[test]
fn service_price_sections_are_overridden_validated_and_unknown_ones_refused() {
    let text = r#"
name: stream
duration: 1h
workloads:
  producer: {target: kinesis/events, rate: 10, arrivals: uniform}
kinesis_streams:
  events: {shards: 3}
"#;
    // Provisioned: 3 shard-hours at the overridden price, the PUT payload units at the
    // shipped one.
    let p =
        <stratus::model::kinesis::KinesisPrices as stratus::cost::prices::PriceSection>::shipped();
    let r = simulate(parse(text, &["pricing.kinesis.per_shard_hour=1.0"]));
    let put = r.services.kinesis[0].meters.records_put;
    let bill = 3.0 * 1.0 + put as f64 / 1e6 * p.per_million_put_payload_units;
    let billed = r.cost.by_service["kinesis"];
    assert!(
        (billed - bill).abs() < 1e-9,
        "billed {billed}, by hand {bill}"
    );

    let err = |set: &str| {
        stratus::scenario::Scenario::from_text(text, "s.yaml", &repo_path("."), &[set.into()])
            .unwrap_err()
            .to_string()
    };
    let e = err("pricing.kinesis.per_shard_hour=cheap");
    assert!(e.contains("pricing.kinesis.per_shard_hour"), "{e}");
    let e = err("pricing.kinesis.per_shard_hour=-1");
    assert!(
        e.contains("pricing.kinesis.per_shard_hour: a price must be zero or more"),
        "{e}"
    );
    let e = err("pricing.kinesiss.per_shard_hour=1");
    assert!(e.contains("pricing.kinesiss: unknown price section"), "{e}");
    assert!(e.contains("did you mean `kinesis`"), "{e}");
}
