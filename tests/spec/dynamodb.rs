//! DynamoDB tables called from requests, against DynamoDB's documented rules: a provisioned
//! table serves its capacity plus 300 s of burst, a hot partition throttles at its own limit,
//! the SDK's attempts are counted, and bad input is reported with its path.

use crate::support::*;
use stratus::cost::prices::PriceSection;

/// Requests at `rate` per second, evenly spaced, each making one strongly consistent read of a
/// 4 KB item (1 RCU) from a table of 100 RCU; ample instances.
fn table_scenario(rate: u32, extra: &str) -> String {
    format!(
        r#"
name: ddb
duration: 1000s
azs: [a, b]
workloads:
  w:
    target: alb/l
    arrivals: uniform
    rate: {rate}
    work: {{dist: constant, value: 1ms}}
    calls: [{{table: orders, reads: 1, item_size: 4KB, consistency: strong}}]
load_balancers:
  l: {{azs: [a, b], rules: [{{default: t}}]}}
target_groups:
  t: {{group: g}}
auto_scaling_groups:
  g: {{instance: {{vcpus: 64}}, azs: [a, b], desired: 2, max_concurrent: 100000}}
dynamodb_tables:
  orders: {{read_capacity: 100, write_capacity: 10{extra}}}
"#
    )
}

#[test]
fn a_provisioned_table_serves_its_capacity_plus_300_seconds_of_burst() {
    // Demand (250 calls/s and the SDK's retries) exceeds 100 RCU throughout, so the table
    // serves exactly its rate times the time plus the 30,000 units it had saved.
    let r = simulate(parse(&table_scenario(250, ""), &[]));
    let t = &r.services.dynamodb[0];
    let expected = 100.0 * 1000.0 + 100.0 * 300.0;
    assert!(
        (t.read_units - expected).abs() <= 2.0,
        "consumed {} read units, expected {expected}",
        t.read_units
    );
    assert_eq!(t.calls, r.arrived); // one call per request
    // Each served call is one ok request; each call whose three attempts were throttled
    // answers 502; the rest were still retrying at the end.
    assert!(r.overall.ok.abs_diff(t.read_units as u64) <= 2);
    let http502 = r.overall.errors[0]; // Outcome::ERRORS[0] is Http502
    assert_eq!(http502, t.failed_calls);
    assert!(t.calls - r.overall.ok - t.failed_calls <= r.in_flight);
    // Standard mode: every failed call was attempted three times, two of them retries.
    assert!(t.retries >= 2 * t.failed_calls);
    assert_eq!(t.throttled_partition, 0);
    // Billed by the unit-hour from the shipped table: 100 RCU and 10 WCU for 1,000 s.
    let p = &<stratus::model::dynamodb::DynamoDbPrices as PriceSection>::shipped();
    let bill = (100.0 * p.per_rcu_hour + 10.0 * p.per_wcu_hour) * 1000.0 / 3600.0;
    let billed = r.cost.by_service["dynamodb"];
    assert!(
        (billed - bill).abs() < 1e-9,
        "billed {billed}, by hand {bill}"
    );
}

#[test]
fn an_on_demand_table_bills_its_request_units() {
    // 2,000 eventually consistent 4 KB reads per second (half a request unit each) for
    // 1,000 s, under a new table's 12,000: nothing throttled; 1e6 read request units.
    let text = table_scenario(2000, "")
        .replace("read_capacity: 100, write_capacity: 10", "mode: on_demand")
        .replace("consistency: strong", "consistency: eventual");
    let r = simulate(parse(&text, &[]));
    let t = &r.services.dynamodb[0];
    assert_eq!((t.throttled_table, t.failed_calls), (0, 0));
    // Half a unit per admitted call: every arrival but some still in flight at the end
    // (those still in their instance work).
    let units = t.read_units * 2.0;
    assert!(units <= r.arrived as f64 && units >= (r.arrived - r.in_flight) as f64);
    assert!(r.arrived.abs_diff(2000 * 1000) <= 1);
    let p = &<stratus::model::dynamodb::DynamoDbPrices as PriceSection>::shipped();
    let bill = t.read_units * p.per_million_read_request_units / 1e6;
    assert!((r.cost.by_service["dynamodb"] - bill).abs() < 1e-9);
}

#[test]
fn below_its_capacity_a_table_throttles_nothing() {
    let r = simulate(parse(&table_scenario(90, ""), &[]));
    let t = &r.services.dynamodb[0];
    assert_eq!((t.retries, t.failed_calls, t.throttled_table), (0, 0, 0));
    assert_eq!(r.overall.ok, r.arrived - r.in_flight);
}

#[test]
fn a_hot_key_is_throttled_by_its_partition_not_by_the_table() {
    // 4,000 RCU over 2 partitions; 80% of 3,500 strong reads per second on one key: its
    // partition gets 0.8 + 0.2/2 = 90%, 3,150 per second, and serves 3,000.
    let text = table_scenario(3500, ", partitions: 2, hot_key_share: 0.8")
        .replace("read_capacity: 100", "read_capacity: 4000");
    let r = simulate(parse(&text, &["duration=100s"]));
    let t = &r.services.dynamodb[0];
    assert!(t.throttled_partition > 0);
    assert_eq!(t.throttled_table, 0);
    // The hot partition serves 3,000 units a second (plus its first full second); the other
    // serves all it gets: about 10% of calls and of their retries.
    assert!(t.read_units > 100.0 * 3000.0 && t.read_units < 100.0 * 3500.0);
}

#[test]
fn table_calls_are_validated_with_their_paths() {
    let bad = table_scenario(10, ", hot_key_share: 1.5")
        .replace("reads: 1, item_size: 4KB", "reads: 1, item_size: 500KB")
        .replace("read_capacity: 100", "read_capacity: 50000");
    let err = stratus::scenario::Scenario::from_text(&bad, "bad.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    for needle in [
        "workloads.w.calls[0].item_size: expected 1 byte to 400KB",
        "dynamodb_tables.orders.read_capacity: expected 1 to 40000",
        "dynamodb_tables.orders.hot_key_share: expected a fraction in [0, 1)",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
}

#[test]
fn auto_scaling_raises_capacity_after_two_minutes_above_the_target() {
    // 150 strong 4 KB reads per second against 100 RCU, target 70%: the first two minutes
    // are above the target, so at 120 s auto scaling decides ceil(150 / 0.7) = 215 RCU,
    // applied after the 2-minute update at 240 s; the 300 s of burst (30,000 units, drained
    // at 50 per second) cover the wait, so nothing is throttled, and at 150 / 215 = 69.8%
    // nothing changes again.
    let text = table_scenario(
        150,
        ", auto_scaling: {reads: {min: 100, max: 1000, target: 70}}",
    )
    .replace("duration: 1000s", "duration: 20m");
    let r = simulate(parse(&text, &[]));
    let t = &r.services.dynamodb[0];
    assert_eq!(t.provisioned, Some((215, 10)));
    assert_eq!((t.scaling_increases, t.scaling_decreases), (1, 0));
    assert_eq!(t.throttled_table, 0);
    // Without auto scaling the burst runs out at 600 s and the table throttles.
    let fixed = simulate(parse(
        &table_scenario(150, "").replace("duration: 1000s", "duration: 20m"),
        &[],
    ));
    assert!(fixed.services.dynamodb[0].throttled_table > 0);
}

#[test]
fn raised_capacity_splits_partitions_and_the_trace_shows_each_change() {
    // 2,500 strong 4 KB reads per second against 2,000 RCU (one partition: 2,000 / 3,000 +
    // 10 / 1,000 < 1), target 70%: the burst (600,000 units, drained at 500 per second)
    // serves all of them, so at 120 s auto scaling decides ceil(2,500 / 0.7) = 3,572 RCU,
    // applied at 240 s, and the partitions split to ceil(3,572 / 3,000 + 10 / 1,000) = 2.
    let text = table_scenario(
        2500,
        ", auto_scaling: {reads: {min: 2000, max: 10000, target: 70}}",
    )
    .replace("read_capacity: 100", "read_capacity: 2000")
    .replace("duration: 1000s", "duration: 5m");
    let (r, lines) = simulate_traced(parse(&text, &[]), "kind=scaling_activity", 1.0);
    let t = &r.services.dynamodb[0];
    assert_eq!(t.provisioned, Some((3572, 10)));
    assert_eq!(t.partitions, 2);
    let changes: Vec<(f64, &str, u64, u64)> = lines
        .iter()
        .filter(|l| l["component"] == "orders")
        .map(|l| {
            (
                l["t"].as_f64().unwrap(),
                l["phase"].as_str().unwrap(),
                l["read_units_to"].as_u64().unwrap(),
                l["partitions"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![(120.0, "decided", 3572, 1), (240.0, "applied", 3572, 2)]
    );
}

#[test]
fn throttled_attempts_are_traced_with_their_limit_and_the_sdks_decision() {
    // 160 reads per second against 100 RCU. The bucket starts full (30,000 units) and each
    // call takes one unit 1/160 s after the last, which refilled 100/160 of one, so before
    // call n (from 1) it holds 30,000 - (n - 1) x 0.375 units: the first call to find less than
    // one unit is n = 79,999 (79,998 x 0.375 = 29,999.25; the call before it found 1.125).
    // Uniform arrivals fall at n/160 s and call the table after their 1 ms of work. The SDK
    // retries (attempts 1 and 2) and the third throttled attempt fails the call.
    let text = table_scenario(160, "").replace("duration: 1000s", "duration: 700s");
    let (r, lines) = simulate_traced(parse(&text, &[]), "kind=throttle", 1.0);
    let t = &r.services.dynamodb[0];
    assert!(t.throttled_table > 0);
    let first = lines.first().expect("throttles are traced");
    assert_eq!(first["request"], 79_998, "{first}"); // arrival numbers count from 0
    let at = first["t"].as_f64().unwrap();
    assert!((at - (79_999.0 / 160.0 + 0.001)).abs() < 1e-6, "{first}");
    assert_eq!(
        lines.len() as u64,
        t.throttled_table + t.throttled_partition
    );
    for l in &lines {
        assert_eq!(l["limit"], "table");
        let (n, then) = (l["attempt"].as_u64().unwrap(), l["then"].as_str().unwrap());
        assert_eq!(then == "fail", n == 3, "{l}");
    }
    let fails = lines.iter().filter(|l| l["then"] == "fail").count() as u64;
    assert_eq!(fails, t.failed_calls);
}
