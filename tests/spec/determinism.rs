//! Same seed, same bytes; different seed, different run; common random numbers across
//! components.

use crate::support::*;
use stratus::report::summary_json;

fn summary_without_wall(s: stratus::scenario::Scenario) -> String {
    let mut v = summary_json(&simulate(s));
    v["wall_s"] = serde_json::Value::Null;
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn same_seed_gives_identical_summaries() {
    let a = summary_without_wall(load("scenarios/quickstart.yaml", &["duration=10m"]));
    let b = summary_without_wall(load("scenarios/quickstart.yaml", &["duration=10m"]));
    assert_eq!(a, b);
    let c = summary_without_wall(load(
        "scenarios/quickstart.yaml",
        &["duration=10m", "seed=8"],
    ));
    assert_ne!(a, c);
}

const TWO_WORKLOADS: &str = r#"
name: two
duration: 10m
azs: [a, b]
workloads:
  first:  {target: alb/one, rate: 50, work: {dist: exponential, mean: 20ms}}
  second: {target: alb/two, rate: 80, work: {dist: exponential, mean: 20ms}}
load_balancers:
  one: {azs: [a, b], rules: [{default: one}]}
  two: {azs: [a, b], rules: [{default: two}]}
target_groups:
  one: {group: one}
  two: {group: two}
auto_scaling_groups:
  one: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
  two: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
"#;

#[test]
fn changing_one_workload_leaves_anothers_samples_unchanged() {
    let base = simulate(parse(TWO_WORKLOADS, &[]));
    let changed = simulate(parse(
        TWO_WORKLOADS,
        &[
            "workloads.second.rate=300",
            "workloads.second.work={dist: uniform, min: 1ms, max: 9ms}",
        ],
    ));
    let first = |r: &stratus::sim::RunResult| {
        r.workloads
            .iter()
            .find(|(n, _)| n == "first")
            .unwrap()
            .1
            .clone()
    };
    let (a, b) = (first(&base), first(&changed));
    assert_eq!(a.total, b.total);
    assert_eq!(a.latency.histogram(), b.latency.histogram());
    assert_eq!(a.latency.max_ms(), b.latency.max_ms());
    let second = |r: &stratus::sim::RunResult| {
        r.workloads
            .iter()
            .find(|(n, _)| n == "second")
            .unwrap()
            .1
            .total
    };
    assert!(second(&changed) > 3 * second(&base));
}
