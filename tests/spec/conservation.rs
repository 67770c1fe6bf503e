//! Conservation laws: every request ends exactly once, and the counts add up.

use crate::support::*;

#[test]
fn every_request_ends_exactly_once_under_overload() {
    // Overload the API tier so that 502s (max_concurrent) and 504s (idle timeout) happen.
    let r = simulate(load(
        "scenarios/quickstart.yaml",
        &[
            "auto_scaling_groups.api.desired=2",
            "auto_scaling_groups.api.min=2",
            "auto_scaling_groups.api.max=2",
            "load_balancers.web.idle_timeout=2s",
            "duration=40m",
        ],
    ));
    // Conservation itself is asserted where results are built (`sim::traffic`); here, what
    // the overload does: refused connections, clients timed out, and no client answered
    // after its idle timeout.
    let o = &r.overall;
    assert!(o.errors[0] > 0, "expected 502s from max_concurrent");
    assert!(o.errors[2] > 0, "expected 504s from the idle timeout");
    assert!(
        o.latency.max_ms() <= 2_000.0 * 1.001,
        "an answer after the 2 s idle timeout: {} ms",
        o.latency.max_ms()
    );
}

#[test]
fn no_target_means_503_for_everything() {
    let r = simulate(load(
        "scenarios/mmc.yaml",
        &[
            "auto_scaling_groups.station.desired=0",
            "auto_scaling_groups.station.min=0",
            "duration=60s",
            "warmup=0",
        ],
    ));
    assert!(r.overall.total > 5000);
    assert_eq!(r.overall.errors[1], r.overall.total);
}

#[test]
fn cross_zone_off_keeps_traffic_in_the_nodes_zone() {
    // Group in AZ a only; without cross-zone the node in b has no targets and leaves DNS,
    // so every request still reaches AZ a through node a.
    let r = simulate(load(
        "scenarios/mmc.yaml",
        &[
            "load_balancers.front.cross_zone=false",
            "duration=120s",
            "warmup=0",
        ],
    ));
    assert_eq!(r.overall.failed(), 0);
    assert!(r.overall.ok > 10_000);
}

#[test]
fn a_replayed_trace_delivers_exactly_its_counts() {
    let text = std::fs::read_to_string(repo_path("scenarios/traces/morning-ramp.csv")).unwrap();
    let expected: u64 = text
        .lines()
        .skip(1)
        .map(|l| l.trim().parse::<u64>().unwrap())
        .sum();
    let r = simulate(load("scenarios/trace-replay.yaml", &[]));
    assert_eq!(r.arrived, expected);
}

/// Every shipped scenario runs (shortened): building its results asserts the conservation
/// laws (requests, asynchronous events, messages), so a broken law fails here.
#[test]
fn every_shipped_scenario_runs_shortened() {
    let files = scenario_files();
    for p in &files {
        let rel = p
            .strip_prefix(repo_path("."))
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let full = load(&rel, &[]);
        let short = full.duration.as_secs_f64().min(300.0);
        let r = simulate(load(&rel, &[&format!("duration={short}s"), "warmup=0"]));
        assert!(r.events > 0, "{rel}: no event");
    }
    assert!(files.len() >= 3);
}
