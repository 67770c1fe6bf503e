//! Event traces: a request followed end to end, filters and sampling.

use crate::support::*;

fn trace(rel: &str, overrides: &[&str], filter: &str, sample: f64) -> Vec<serde_json::Value> {
    simulate_traced(load(rel, overrides), filter, sample).1
}

#[test]
fn one_request_is_followed_end_to_end_in_time_order() {
    // FCFS at high load: request 5000 most likely waits, so start comes after routing.
    let lines = trace("scenarios/mmc.yaml", &["duration=10m"], "request=5000", 1.0);
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "request_arrived",
            "request_routed",
            "request_started",
            "request_finished"
        ]
    );
    let times: Vec<f64> = lines.iter().map(|l| l["t"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    assert!(lines.iter().all(|l| l["request"] == 5000));
    let latency = lines[3]["latency_ms"].as_f64().unwrap();
    assert!((latency - (times[3] - times[0]) * 1e3).abs() < 1e-3);
}

#[test]
fn rejected_requests_end_with_their_error() {
    let lines = trace(
        "scenarios/mmc.yaml",
        &[
            "duration=1m",
            "warmup=0",
            "auto_scaling_groups.station.desired=0",
            "auto_scaling_groups.station.min=0",
        ],
        "request=3",
        1.0,
    );
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["request_arrived", "request_rejected", "request_finished"]
    );
    assert_eq!(lines[2]["outcome"], "http_503");
}

#[test]
fn filters_keep_only_matching_kinds_components_and_times() {
    let lines = trace(
        "scenarios/quickstart.yaml",
        &["duration=5m"],
        "kind=request_started,component=api,time=1m..2m",
        1.0,
    );
    assert!(lines.len() > 1000);
    for l in &lines {
        assert_eq!(l["kind"], "request_started");
        assert_eq!(l["component"], "api");
        let t = l["t"].as_f64().unwrap();
        assert!((60.0..=120.0).contains(&t));
    }
}

#[test]
fn sampling_traces_whole_requests_at_the_requested_rate() {
    let all = trace(
        "scenarios/mmc.yaml",
        &["duration=10m"],
        "kind=request_arrived",
        1.0,
    )
    .len() as f64;
    let lines = trace("scenarios/mmc.yaml", &["duration=10m"], "", 0.05);
    let arrivals = lines
        .iter()
        .filter(|l| l["kind"] == "request_arrived")
        .count() as f64;
    let finished = lines
        .iter()
        .filter(|l| l["kind"] == "request_finished")
        .count() as f64;
    // Binomial(all, 0.05): allow five standard deviations.
    let sd = (all * 0.05 * 0.95).sqrt();
    assert!(
        (arrivals - 0.05 * all).abs() < 5.0 * sd,
        "{arrivals} of {all}"
    );
    // Sampled requests are traced to their end (a few may still be in flight).
    assert!(finished >= arrivals - 20.0 && finished <= arrivals);
}
