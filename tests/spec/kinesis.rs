//! Kinesis data streams as a source, against AWS's documented rules: a shard takes 1,000
//! records or 1 MiB a second and refuses the rest, an on-demand stream takes twice its previous
//! peak, the Lambda consumer runs one batch per shard per parallelization unit, its iterator age
//! grows as it falls behind, records expire after the retention period, resharding opens new
//! shards whose reads wait for their parents, bills follow the price table, and bad input is
//! reported with its path.

use crate::support::*;
use stratus::cost::prices::PriceSection;

/// A workload writing `rate` records per second, evenly spaced, to stream `events` (given by
/// `stream`, its YAML flow mapping's inside), and a function `consume` of constant duration.
fn stream_scenario(duration: &str, rate: u32, stream: &str, function_s: f64) -> String {
    format!(
        r#"
name: kinesis
duration: {duration}
workloads:
  producer:
    target: kinesis/events
    arrivals: uniform
    rate: {rate}
lambda_functions:
  consume:
    memory_mb: 256
    duration: {{dist: constant, value: {function_s}s}}
    init: {{dist: constant, value: 0s}}
kinesis_streams:
  events: {{{stream}}}
"#
    )
}

#[test]
fn a_shard_passes_exactly_1000_records_a_second_and_refuses_the_rest() {
    // 1,500 records a second on one shard for 100 s: each whole second passes 1,000 (the
    // shard's record limit) and refuses the other 500.
    let r = simulate(parse(&stream_scenario("100s", 1500, "shards: 1", 0.1), &[]));
    let k = &r.services.kinesis[0];
    assert_eq!(k.meters.records_put, 100 * 1000);
    assert_eq!(k.meters.throttled, r.arrived - 100 * 1000);
    assert!(r.arrived.abs_diff(150_000) <= 1);
    // Each refused write is a throttled request (ProvisionedThroughputExceededException).
    assert_eq!(r.overall.errors[3], k.meters.throttled); // Outcome::ERRORS[3]: throttled
    assert_eq!(r.overall.ok, k.meters.records_put);
}

#[test]
fn a_shard_passes_exactly_1_mib_a_second_of_larger_records() {
    // 2 KiB records at 600 a second: 1 MiB / 2 KiB = 512 pass each second.
    let text = stream_scenario("50s", 600, "shards: 1, record_size: 2KiB", 0.1);
    let r = simulate(parse(&text, &[]));
    let k = &r.services.kinesis[0];
    assert_eq!(k.meters.records_put, 50 * 512);
    assert_eq!(k.meters.throttled, r.arrived - 50 * 512);
}

#[test]
fn an_on_demand_stream_takes_twice_its_peak_15_minutes_after_it() {
    // 6,000 records a second against the initial 4,000: second 0 passes 4,000, a new peak;
    // 15 minutes after that second ended (at 901 s) the capacity is 8,000, so from then on
    // every record passes.
    let text = stream_scenario("1000s", 6000, "mode: on_demand", 0.1);
    let r = simulate(parse(&text, &[]));
    let k = &r.services.kinesis[0];
    assert_eq!(k.meters.records_put, 901 * 4000 + 99 * 6000);
    assert_eq!(k.meters.records_put + k.meters.throttled, r.arrived);
}

/// The function's largest concurrency when every lane always has records waiting.
fn max_concurrency(shards: u32, factor: u32) -> u32 {
    // 1,500 records a second over the shards (under their 1,000 each), batches of 10 that take
    // 5 s: every lane has a backlog within a second and keeps it.
    let stream = format!(
        "shards: {shards}, consumer: {{lambda: consume, batch_size: 10, parallelization_factor: {factor}}}"
    );
    let r = simulate(parse(&stream_scenario("60s", 1500, &stream, 5.0), &[]));
    assert_eq!(r.lambda_functions[0].totals.throttles, 0);
    r.lambda_functions[0].totals.max_concurrency
}

#[test]
fn the_consumer_runs_one_batch_per_shard_per_parallelization_unit() {
    assert_eq!(max_concurrency(3, 1), 3);
    assert_eq!(max_concurrency(3, 4), 12);
    assert_eq!(max_concurrency(2, 10), 20);
}

#[test]
fn iterator_age_grows_as_the_consumer_falls_behind() {
    // 500 records a second on one shard, read 100 at a time by a function taking 1 s: the
    // lane reads 100 records a second. The first poll finds records at 1 s; batch k starts at
    // 1 + k s and its last record (number 100k + 100) was written at (100k + 100) / 500 s, so
    // its age is 0.8 + 0.8k s. Over 600 s the last batch starts at 599 or 600 s: the largest
    // age is 0.8 + 0.8 x 598 = 479.2 s or 480.0 s.
    let stream = "shards: 1, consumer: {lambda: consume, batch_size: 100}";
    let r = simulate(parse(&stream_scenario("600s", 500, stream, 1.0), &[]));
    let k = &r.services.kinesis[0];
    let age_s = k.meters.max_iterator_age_ms / 1e3;
    assert!(
        (479.2 - 0.01..=480.0 + 0.01).contains(&age_s),
        "max iterator age {age_s} s"
    );
    assert!(k.meters.records_read >= 598 * 100 && k.meters.records_read <= 600 * 100);
    // Per period, the largest age grows by 0.8 s per second: 48 s a minute.
    let ages = (r.series).points(
        "kinesis.events.iterator_age_ms",
        stratus::metrics::Statistic::Maximum,
    );
    for w in ages.windows(2).skip(1) {
        let growth = (w[1].1 - w[0].1) / 1e3;
        assert!((growth - 48.0).abs() <= 0.81, "{ages:?}");
    }
    // A consumer that keeps up (100 records a second, batches of 100 in 0.1 s) reads each
    // record within its poll (1 s) and one batch.
    let r = simulate(parse(&stream_scenario("600s", 100, stream, 0.1), &[]));
    let k = &r.services.kinesis[0];
    assert!(
        k.meters.max_iterator_age_ms < 1200.0,
        "{}",
        k.meters.max_iterator_age_ms
    );
}

#[test]
fn records_expire_unread_after_the_retention_period() {
    // One record a second for 25 hours, never read: at the end, the records of the first hour
    // (written at 1 s, 2 s, ... 3,600 s) are older than the 24 hours of retention.
    let r = simulate(parse(&stream_scenario("25h", 1, "shards: 1", 0.1), &[]));
    let k = &r.services.kinesis[0];
    assert_eq!(k.meters.expired, 3600);
    assert_eq!(k.unread, k.meters.records_put - 3600);
}

#[test]
fn a_failed_batch_is_retried_until_its_retries_run_out() {
    // A function that always fails, 2 retries: each batch is tried 3 times (1 s apart after
    // each failure), then its records are discarded.
    let stream =
        "shards: 1, consumer: {lambda: consume, batch_size: 10, maximum_retry_attempts: 2}";
    let text = stream_scenario("100s", 10, stream, 0.1)
        .replace("    init:", "    error_probability: 1.0\n    init:");
    let r = simulate(parse(&text, &[]));
    let k = &r.services.kinesis[0];
    let m = &k.meters;
    assert_eq!(m.records_read, 0);
    assert_eq!(r.lambda_functions[0].totals.errors, m.failed_batches);
    // Every invocation failed (the last may still run at the end).
    assert!(m.batches - m.failed_batches <= 1);
    // Each discard follows 3 failed attempts of a batch of at most 10 records: about 3.3 s a
    // batch (3 x 0.1 s plus 1 s after each failure), so about 30 batches in 100 s.
    let discards = m.failed_batches / 3;
    assert!(m.discarded > 0 && m.discarded <= 10 * discards, "{m:?}");
    assert!((28..=31).contains(&discards), "{m:?}");
}

#[test]
fn resharding_opens_new_shards_and_their_reads_wait_for_the_parent() {
    // 1,500 records a second on one shard, resharded to 2 at 60 s: the update takes 30 s, so
    // for 90 s the shard refuses 500 a second; the two new shards take all of it after.
    // The consumer reads 100 records each 0.2 s (the shard's read spacing), 500 a second:
    // the parent still holds about 45,000 records when it closes at 90 s.
    let stream =
        "shards: 1, reshard: [{at: 60s, shards: 2}], consumer: {lambda: consume, batch_size: 100}";
    let (r, lines) = simulate_traced(
        parse(&stream_scenario("300s", 1500, stream, 0.2), &[]),
        "kind=stream_batch",
        1.0,
    );
    let k = &r.services.kinesis[0];
    assert_eq!((k.shards_start, k.shards_end, k.meters.reshards), (1, 2, 1));
    assert!(
        k.meters.throttled.abs_diff(90 * 500) <= 90,
        "{}",
        k.meters.throttled
    );
    // Parent before child: no batch of a new shard (1 or 2) before the last of shard 0.
    let time = |l: &serde_json::Value| l["t"].as_f64().unwrap();
    let last_parent = lines
        .iter()
        .filter(|l| l["shard"] == 0)
        .map(time)
        .fold(0.0, f64::max);
    let first_child = lines
        .iter()
        .filter(|l| l["shard"] != 0)
        .map(time)
        .fold(f64::MAX, f64::min);
    assert!(
        last_parent > 90.0,
        "the parent still had records at the reshard"
    );
    assert!(first_child >= last_parent, "{first_child} < {last_parent}");
    assert!(
        first_child < 300.0,
        "the children read once the parent was drained"
    );
}

#[test]
fn streams_are_billed_from_the_price_table() {
    let p = <stratus::model::kinesis::KinesisPrices as PriceSection>::shipped();
    // Provisioned: 2 shards for an hour, 30 KiB records (2 PUT payload units of 25 KB each).
    let r = simulate(parse(
        &stream_scenario("1h", 20, "shards: 2, record_size: 30KiB", 0.1),
        &[],
    ));
    let put = r.services.kinesis[0].meters.records_put;
    let bill = 2.0 * p.per_shard_hour + (2 * put) as f64 / 1e6 * p.per_million_put_payload_units;
    let billed = r.cost.by_service["kinesis"];
    assert!(
        (billed - bill).abs() < 1e-9,
        "billed {billed}, by hand {bill}"
    );
    // On demand, no consumer: an hour of the stream and 1.5 KiB records billed as 2 KiB.
    let r = simulate(parse(
        &stream_scenario("1h", 100, "mode: on_demand, record_size: 1536", 0.1),
        &[],
    ));
    let put = r.services.kinesis[0].meters.records_put;
    let gb = (put * 2048) as f64 / (1u64 << 30) as f64;
    let bill = p.on_demand_per_stream_hour + gb * p.on_demand_per_gb_written;
    let billed = r.cost.by_service["kinesis"];
    assert!(
        (billed - bill).abs() < 1e-9,
        "billed {billed}, by hand {bill}"
    );
}

const BAD: &str = r#"
name: bad-kinesis
duration: 60s
workloads:
  producer: {target: kinesis/events, rate: 10}
lambda_functions:
  consume: {memory_mb: 256, duration: {dist: constant, value: 10ms}}
kinesis_streams:
  events:
    shards: 0
    consumer: {lambda: consume, batch_size: 10001, parallelization_factor: 11}
  other:
    shards: 2
    reshard: [{at: 10s, shards: 5}]
"#;

#[test]
fn bad_streams_are_reported_with_their_paths() {
    let err = stratus::scenario::Scenario::from_text(BAD, "bad.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    for needle in [
        "kinesis_streams.events.shards: expected 1 to 10000 shards, got 0",
        "kinesis_streams.events.consumer.batch_size: expected 1 to 10000 records, got 10001",
        "kinesis_streams.events.consumer.parallelization_factor: expected 1 to 10, got 11",
        "kinesis_streams.other.reshard[0].shards: expected 1 to 4 shards",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
}

#[test]
fn the_cli_refuses_a_bad_stream_with_exit_code_2() {
    cli_refuses("kinesis", BAD, &["kinesis_streams.events.shards"]);
}
