//! Random streams are named after components, never after their position in a list: inserting
//! a fault or a queue consumer before another one leaves the other's draws unchanged.

use crate::support::*;
use stratus::scenario::Scenario;
use stratus::sim::RunResult;

fn try_parse(text: &str) -> Result<Scenario, String> {
    Scenario::from_text(text, "test.yaml", &repo_path("."), &[]).map_err(|e| e.to_string())
}

const FAULTS: &str = r#"
name: streams
duration: 15m
seed: 3
azs: [a, b]
workloads:
  web: {target: alb/web, rate: 20, work: {dist: exponential, mean: 5ms}}
load_balancers:
  web: {azs: [a, b], rules: [{default: web}]}
target_groups:
  web: {group: web}
auto_scaling_groups:
  web: {instance: {vcpus: 2}, azs: [a, b], min: 20, max: 20, desired: 20}
  spare: {instance: {vcpus: 2}, azs: [a, b], min: 4, max: 4, desired: 4}
faults:
  - {at: 10m, instance_failure: web, count: 3}
"#;

/// The positions (in launch order) of the group's instances that stopped at `at_s` and were
/// terminated by the status checks two minutes later.
fn failed(r: &RunResult, group: &str, at_s: f64) -> Vec<usize> {
    r.instances
        .iter()
        .filter(|i| i.group == group)
        .enumerate()
        .filter(|(_, i)| i.terminated_s == Some(at_s + 120.0))
        .map(|(k, _)| k)
        .collect()
}

#[test]
fn inserting_a_fault_before_another_leaves_its_picks_unchanged() {
    let before = simulate(parse(FAULTS, &[]));
    let inserted = FAULTS.replace(
        "faults:\n",
        "faults:\n  - {at: 5m, instance_failure: spare, count: 2}\n",
    );
    let after = simulate(parse(&inserted, &[]));
    let picked = failed(&before, "web", 600.0);
    assert_eq!(picked.len(), 3, "{picked:?}");
    assert_eq!(failed(&after, "web", 600.0), picked);
    // The inserted fault did act (on its own group).
    assert_eq!(failed(&after, "spare", 300.0).len(), 2);
    // Renaming the fault renames its stream: other picks (the same three with chance
    // 1 / C(20, 3) = 1/1140).
    let renamed = simulate(parse(
        &FAULTS.replace("count: 3}", "count: 3, name: other}"),
        &[],
    ));
    assert_ne!(failed(&renamed, "web", 600.0), picked);
}

const CONSUMERS: &str = r#"
name: consumers
duration: 10m
seed: 3
azs: [a]
workloads:
  jobs: {target: sqs/jobs, rate: 20, work: {dist: exponential, mean: 20ms}}
auto_scaling_groups:
  workers: {instance: {vcpus: 2}, discipline: fcfs, azs: [a], min: 2, max: 2, desired: 2}
  idle: {instance: {vcpus: 2}, azs: [a], min: 0, max: 0, desired: 0}
queues:
  jobs:
    visibility_timeout: 5s
    consumers:
      - {group: workers, pollers: 2, wait_time: 20s, failure_probability: 0.2}
"#;

#[test]
fn inserting_a_consumer_before_another_leaves_its_failures_unchanged() {
    let before = simulate(parse(CONSUMERS, &[]));
    // A consumer with no instances receives nothing: the fleet gets the same messages.
    let inserted = CONSUMERS.replace(
        "    consumers:\n",
        "    consumers:\n      - {group: idle, pollers: 1, failure_probability: 0.5}\n",
    );
    let after = simulate(parse(&inserted, &[]));
    let (b, a) = (&before.queues[0].stats, &after.queues[0].stats);
    assert!(
        b.failures > 100,
        "the failure stream is drawn: {}",
        b.failures
    );
    assert_eq!(a.failures, b.failures);
    assert_eq!(a.deleted, b.deleted);
    assert_eq!(a.received, b.received);
}

#[test]
fn a_queue_takes_one_consumer_per_group_and_faults_take_unique_names() {
    let twice = CONSUMERS.replace(
        "    consumers:\n",
        "    consumers:\n      - {group: workers, pollers: 1}\n",
    );
    let err = try_parse(&twice).expect_err("a group consuming a queue twice");
    assert!(
        err.contains("queues.jobs.consumers[1].group") && err.contains("already consumes"),
        "{err}"
    );
    let same = FAULTS.replace(
        "faults:\n",
        "faults:\n  - {at: 600s, instance_failure: web, count: 1}\n",
    );
    let err = try_parse(&same).expect_err("two faults with one default name");
    assert!(
        err.contains("faults[1].name") && err.contains("instance_failure web at 10m"),
        "{err}"
    );
    let named = FAULTS.replace(
        "faults:\n",
        "faults:\n  - {at: 600s, instance_failure: web, count: 1, name: first}\n",
    );
    assert!(try_parse(&named).is_ok());
}
