//! Memory follows the instances alive at once, not the number launched: a day of scaling
//! oscillation (a scale-out and a scale-in every ten minutes) reuses terminated instances'
//! slots, while every request, every launch and every bill comes out as before.

use crate::support::*;
use std::sync::Arc;
use stratus::sim::{InstanceResult, World};

/// Scheduled actions swing the group between 2 and 10 instances every 10 minutes for a day:
/// 144 scale-outs of 8 launches, each followed by a scale-in of 8 draining instances.
const OSCILLATION: &str = r#"
name: oscillation
duration: 24h
seed: 11
metric_period: 5m
azs: [a, b]
workloads:
  web: {target: alb/web, rate: 20, work: {dist: exponential, mean: 20ms}}
load_balancers:
  web: {azs: [a, b], rules: [{default: web}]}
target_groups:
  web:
    group: web
    health_check: {interval: 30s, healthy_threshold: 2, unhealthy_threshold: 2}
    deregistration_delay: 60s
auto_scaling_groups:
  web:
    instance: {vcpus: 2}
    azs: [a, b]
    min: 2
    max: 10
    desired: 2
    boot_time: {dist: uniform, min: 60s, max: 90s}
    policies:
      - {type: scheduled, at: 5m, every: 20m, desired: 10}
      - {type: scheduled, at: 15m, every: 20m, desired: 2}
"#;

/// The most instances that existed at once (launched and not yet terminated), from their
/// lives: launches count at their time, terminations at theirs (a termination first on a
/// tie, as a slot is free once its instance is gone).
fn max_concurrent(instances: &[InstanceResult]) -> usize {
    let mut changes: Vec<(f64, i32)> = Vec::new();
    for i in instances {
        changes.push((i.launched_s, 1));
        if let Some(t) = i.terminated_s {
            changes.push((t, -1));
        }
    }
    changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut max) = (0i32, 0i32);
    for (_, d) in changes {
        now += d;
        max = max.max(now);
    }
    max as usize
}

#[test]
fn a_day_of_replacements_reuses_instance_slots() {
    let s = parse(OSCILLATION, &[]);
    let mut world = World::new(Arc::new(s));
    world.run(|_, _| {}).expect("runs");
    let slots = world.instance_slots();
    let r = world.into_result(0.0);
    let launched = r.groups[0].launched as usize;
    // 2 initial instances, then 8 launches at each of the 72 scale-outs of the day.
    assert_eq!(launched, 2 + 72 * 8, "launches");
    assert_eq!(
        r.instances.len(),
        launched,
        "every launch is in the results"
    );
    let most = max_concurrent(&r.instances);
    assert_eq!(most, 10, "the group's max");
    // A scale-in's instances drain and terminate within the 60 s deregistration delay, and
    // their last health check is due within one 30 s interval: long before the next
    // scale-out 10 minutes later, so every launch finds a free slot.
    assert!(
        slots <= most,
        "{slots} slots for at most {most} instances at once ({launched} launched)"
    );
    // Outputs still name instances by launch number, in launch order.
    let launched_at: Vec<f64> = r.instances.iter().map(|i| i.launched_s).collect();
    assert!(launched_at.is_sorted(), "instances in launch order");
    // Every request ended once or is in flight (into_result asserts it) and the load
    // balancer kept serving: errors only from the drains.
    assert!(r.overall.ok > 1_700_000, "{}", r.overall.ok);
}
