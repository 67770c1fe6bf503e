//! The feed (`sim::FeedMode`): a run whose workloads' arrivals and request draws are produced
//! ahead on a second thread writes the same outputs, byte for byte, as a run that produces
//! them on its own thread.

use crate::support::*;
use std::sync::Arc;
use stratus::report::{summary_json, timeseries_csv};
use stratus::sim::{FeedMode, World};

/// The summary (but `wall_s`), the time series and the event count of a run.
fn outputs(s: stratus::scenario::Scenario, feed: FeedMode) -> (String, String, u64) {
    let mut w = World::with_feed(Arc::new(s), feed);
    w.run(|_, _| {}).expect("run completes");
    let events = w.events();
    let r = w.into_result(0.0);
    let mut v = summary_json(&r);
    v["wall_s"] = serde_json::Value::Null;
    let summary = serde_json::to_string_pretty(&v).unwrap();
    (summary, timeseries_csv(&r.series), events)
}

fn same_with_and_without(rel: &str, overrides: &[&str]) {
    let off = outputs(load(rel, overrides), FeedMode::Off);
    let fed = outputs(load(rel, overrides), FeedMode::Always);
    assert!(off.2 > 1_000, "{rel}: {} events", off.2);
    assert_eq!(off.2, fed.2, "{rel}: events");
    assert!(off.0 == fed.0, "{rel}: summary.json differs");
    assert!(off.1 == fed.1, "{rel}: timeseries.csv differs");
}

#[test]
fn mmc_is_the_same_fed() {
    // About 32,000 arrivals and draws: several of the feed's batches of 4,096.
    same_with_and_without("scenarios/mmc.yaml", &["duration=6m"]);
}

#[test]
fn diurnal_5k_is_the_same_fed() {
    same_with_and_without("scenarios/diurnal-5k.yaml", &["duration=2m", "warmup=0s"]);
}

#[test]
fn a_lambda_spike_is_the_same_fed() {
    // Through the spike's step from 200/s to 20,000/s (at 5 minutes).
    same_with_and_without("scenarios/lambda-burst.yaml", &["duration=5m10s"]);
}

#[test]
fn a_queue_target_is_the_same_fed() {
    same_with_and_without("scenarios/sqs-workers.yaml", &["duration=40m"]);
}

#[test]
fn a_replayed_trace_is_the_same_fed() {
    same_with_and_without("scenarios/trace-replay.yaml", &[]);
}

#[test]
fn service_fronts_are_the_same_fed() {
    for rel in [
        "scenarios/api-gateway.yaml",
        "scenarios/cloudfront.yaml",
        "scenarios/sns-fanout.yaml",
        "scenarios/eventbridge-fanout.yaml",
        "scenarios/kinesis.yaml",
    ] {
        same_with_and_without(rel, &["duration=10m"]);
    }
}
