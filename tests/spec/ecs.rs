//! ECS services on Fargate against the documented rules: a task takes traffic after its
//! start time and one passing health check; Application Auto Scaling's scale-out cooldown
//! counts the capacity it added and holds scale-in, its scale-in cooldown spaces scale-ins;
//! a rolling deployment keeps the minimum healthy; Fargate bills vCPU-hours and GB-hours
//! from the price table; task sizes outside Fargate's table are refused with their paths.

use crate::support::*;
use stratus::cost::prices::PriceSection;
use stratus::scenario::Scenario;

fn time_s(line: &serde_json::Value) -> f64 {
    line["t"].as_f64().expect("a time")
}

/// A service `web` of `desired` 1 vCPU tasks behind `front`, at `rate` requests per second
/// of 10 ms each; `service` adds keys to the service.
fn service(rate: f64, desired: u32, service: &str) -> String {
    format!(
        r#"
name: ecs
duration: 10m
seed: 3
azs: [a, b]
workloads:
  web: {{target: alb/front, arrivals: uniform, rate: {rate}, work: {{dist: constant, value: 10ms}}}}
load_balancers:
  front: {{azs: [a, b], rules: [{{default: tasks}}]}}
target_groups:
  tasks:
    health_check: {{interval: 30s, timeout: 5s, healthy_threshold: 5, unhealthy_threshold: 2}}
    deregistration_delay: 20s
ecs_services:
  web:
    cpu: 1
    memory_gb: 2
    azs: [a, b]
    desired: {desired}
    target_group: tasks
    start_time: {{dist: constant, value: 45s}}
{service}
"#
    )
}

#[test]
fn a_new_task_takes_traffic_after_its_start_time_and_one_health_check() {
    let text = service(
        100.0,
        2,
        "    max: 3\n    auto_scaling: {policies: [{type: scheduled, at: 100s, desired: 3}]}",
    );
    let (r, lines) = simulate_traced(parse(&text, &[]), "kind=request_routed|health_changed", 1.0);
    // Launched at 100 s (tasks 0 and 1 ran from the start), running after its 45 s start
    // time; the ALB's first probe runs at registration and one pass makes a new target
    // healthy, so it is routed to from 145 s.
    let running = 100.0 + 45.0;
    let healthy = lines
        .iter()
        .find(|l| l["kind"] == "health_changed" && l["instance"] == 2)
        .expect("the new task turns healthy");
    assert_eq!(healthy["health"], "healthy");
    assert_eq!(time_s(healthy), running);
    let routed: Vec<f64> = lines
        .iter()
        .filter(|l| l["kind"] == "request_routed" && l["instance"] == 2)
        .map(time_s)
        .collect();
    let first = routed[0];
    // Round robin over three targets at 100/s, evenly spaced: its first request within 30 ms.
    assert!(
        first >= running && first < running + 0.03,
        "first request at {first}s"
    );
    // It then takes a third of the requests: 455 s x 100/s / 3.
    let expected = (600.0 - running) * 100.0 / 3.0;
    assert!(
        (routed.len() as f64 - expected).abs() <= 2.0,
        "{} requests, expected {expected}",
        routed.len()
    );
    let task = &r.instances[2];
    assert_eq!(task.group, "ecs:web");
    assert_eq!((task.launched_s, task.in_service_s), (100.0, Some(running)));
    let e = &r.services.ecs[0];
    assert_eq!((e.tasks_started, e.max_running), (3, 3));
    assert_eq!(r.overall.ok + r.in_flight, r.arrived);
}

/// Step policies both ways: two more tasks above 60% CPU, one fewer below 20%.
fn stepped(cooldowns: &str) -> String {
    let policies = format!(
        "    min: 2\n    max: 10\n    auto_scaling:\n      {cooldowns}\n      policies:\n        - {{type: step, metric: cpu, adjustments: [{{above: 60, add: 2}}]}}\n        - {{type: step, metric: cpu, adjustments: [{{below: 20, remove: 1}}]}}"
    );
    // 2 tasks of 1 vCPU at 150/s of 10 ms: 75% CPU for the first 6 minutes, then 10/s.
    service(150.0, 2, &policies)
        .replace("duration: 10m", "duration: 40m")
        .replace(
            "rate: 150,",
            "rate: {profile: piecewise, points: [[0m, 150], [5m59s, 150], [6m, 10], [40m, 10]]},",
        )
}

/// `(time, from, to)` of the service's scaling activities.
fn activities(r: &stratus::sim::RunResult) -> Vec<(f64, u32, u32)> {
    let g = r.groups.iter().find(|g| g.name == "ecs:web").unwrap();
    g.activities
        .iter()
        .filter(|a| !a.replacement)
        .map(|a| (a.time.as_secs_f64(), a.from, a.to))
        .collect()
}

#[test]
fn application_auto_scaling_cooldowns_hold() {
    let out = 600.0;
    let inn = 300.0;
    let text = stepped(&format!(
        "scale_out_cooldown: {out}s\n      scale_in_cooldown: {inn}s"
    ));
    let r = simulate(parse(&text, &[]));
    let acts = activities(&r);
    let (t0, from, to) = acts[0];
    assert_eq!((from, to), (2, 4), "{acts:?}");
    // The alarm stays above 60% after the scale-out (the new tasks are not yet in the
    // datapoints), but inside the scale-out cooldown the two tasks it added count: no
    // second scale-out. Scale-in waits for the cooldown's end, then goes one task per
    // scale-in cooldown down to the minimum: at t0 + 600 s, + 300 s, ... (the metric period
    // is 60 s, so every boundary is an evaluation, and CPU stays under 20% at 10/s).
    let expected: Vec<(f64, u32, u32)> = std::iter::once((t0, 2, 4))
        .chain((0..2).map(|k| (t0 + out + k as f64 * inn, 4 - k, 3 - k)))
        .collect();
    assert_eq!(acts, expected);
    let e = &r.services.ecs[0];
    assert_eq!(e.scaling_activities, 3);

    // Without cooldowns the same alarms scale out again a minute later and scale in every
    // minute: the cooldowns, not the alarms, spaced the activities above.
    let r = simulate(parse(
        &stepped("scale_out_cooldown: 0s\n      scale_in_cooldown: 0s"),
        &[],
    ));
    let acts = activities(&r);
    assert_eq!(acts[0], (t0, 2, 4));
    assert_eq!((acts[1].0, acts[1].2), (t0 + 60.0, 6), "{acts:?}");
    let ins: Vec<f64> = acts.iter().filter(|a| a.2 < a.1).map(|a| a.0).collect();
    assert!(ins.windows(2).all(|w| w[1] - w[0] == 60.0), "{acts:?}");
}

#[test]
fn target_tracking_scales_out_on_the_services_cpu_after_three_minutes() {
    // 4 tasks of 1 vCPU at 320/s of 10 ms: 80% CPU against a 50% target from the start.
    // The alarm needs 3 of 3 datapoints above the target; the datapoints of minutes 1-3 are
    // published a period late, so it fires at the end of minute 4 (240 s) and sizes the
    // service to ceil(4 x 80 / 50) = 7 tasks.
    let text = service(
        320.0,
        4,
        "    max: 10\n    auto_scaling: {policies: [{type: target_tracking, metric: ECSServiceAverageCPUUtilization, target: 50}]}",
    );
    let r = simulate(parse(&text, &[]));
    let acts = activities(&r);
    assert_eq!(acts[0], (240.0, 4, 7), "{acts:?}");
}

#[test]
fn a_rolling_deployment_keeps_the_minimum_healthy() {
    // 4 tasks, defaults 100% / 200%: at 200 s four new tasks start; after their 45 s start
    // time and one health check they are healthy at 245 s (their probe at registration runs
    // after the scheduler's look due at that instant, every 5 s from 200 s), so its next look
    // at 250 s stops the four old ones and finds the four new ones healthy: finished.
    let text = service(100.0, 4, "    deployment: {at: 200s}");
    let r = simulate(parse(&text, &[]));
    let e = &r.services.ecs[0];
    assert_eq!(e.deployment_started_s, Some(200.0));
    assert_eq!(e.deployment_finished_s, Some(250.0));
    assert_eq!((e.tasks_started, e.tasks_stopped), (8, 4));
    // No request failed: the old tasks drained (20 s) while the new ones served.
    assert_eq!(r.overall.ok + r.in_flight, r.arrived);
    // Healthy tasks never fell below 4 (per-minute samples of the series).
    let healthy = r
        .series
        .points("ecs.web.healthy", stratus::metrics::Statistic::Value);
    assert_eq!(healthy.len(), 10);
    assert!(healthy.iter().all(|&(_, h)| h >= 4.0), "{healthy:?}");

    // 50% / 100%: two batches of two, each waiting for the previous one's health.
    let text = service(
        100.0,
        4,
        "    deployment: {at: 200s, minimum_healthy_percent: 50, maximum_percent: 100}",
    );
    let r = simulate(parse(&text, &[]));
    let e = &r.services.ecs[0];
    // Batch 1 (two old stopped, two new started) at 200 s, healthy at 245 s; at 250 s the
    // other two old stop and batch 2 starts, healthy at 295 s; finished at the look at 300 s.
    assert_eq!(e.deployment_finished_s, Some(300.0));
    assert_eq!((e.tasks_started, e.tasks_stopped), (8, 4));
}

#[test]
fn fargate_bills_vcpu_hours_and_gb_hours_by_the_second() {
    // Two services for 10 minutes, no scaling: 3 x86 tasks of 1 vCPU / 2 GB and 2 arm64
    // tasks of 0.25 vCPU / 0.5 GB, all running from the start.
    let text = format!(
        "{}  small:\n    cpu: 0.25\n    memory_gb: 0.5\n    architecture: arm64\n    azs: [a]\n    desired: 2\n",
        service(10.0, 3, "")
    );
    let r = simulate(parse(&text, &[]));
    let p = <stratus::model::ecs::FargatePrices as PriceSection>::shipped();
    let hours = 600.0 / 3600.0;
    let web = 3.0 * hours * (1.0 * p.x86_64.per_vcpu_hour + 2.0 * p.x86_64.per_gb_hour);
    let small = 2.0 * hours * (0.25 * p.arm64.per_vcpu_hour + 0.5 * p.arm64.per_gb_hour);
    // The shipped table: $0.04048 per vCPU-hour and $0.004445 per GB-hour (x86), $0.03238 and
    // $0.00356 (arm64).
    assert!((web - 3.0 * hours * (0.04048 + 2.0 * 0.004445)).abs() < 1e-12);
    assert!((small - 2.0 * hours * (0.25 * 0.03238 + 0.5 * 0.00356)).abs() < 1e-12);
    let by_name = |n: &str| r.services.ecs.iter().find(|e| e.name == n).unwrap();
    assert!((by_name("web").cost_usd - web).abs() < 1e-9);
    assert!((by_name("small").cost_usd - small).abs() < 1e-9);
    let billed = r.cost.by_service["fargate"];
    assert!((billed - (web + small)).abs() < 1e-9, "{billed}");
    // Tasks are not EC2 instances.
    assert_eq!(r.cost.by_service["ec2"], 0.0);
    assert!((by_name("web").task_hours - 3.0 * hours).abs() < 1e-9);
}

#[test]
fn task_sizes_outside_fargates_table_are_refused_with_their_paths() {
    let bad = service(10.0, 2, "    max: 1\n    auto_scaling: {policies: [{type: simple, metric: cpu, above: 50, add: 1}]}")
        .replace("cpu: 1\n", "cpu: 3\n")
        + "  tiny:\n    cpu: 0.25\n    memory_gb: 4\n    azs: [a]\n    desired: 1\n    target_group: tasks\n    deployment: {at: 1m, minimum_healthy_percent: 100, maximum_percent: 100}\n";
    let err = Scenario::from_text(&bad, "bad.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    for needle in [
        "ecs_services.web.cpu: Fargate has no task of 3 vCPU",
        "ecs_services.tiny.memory_gb: a Fargate task of 0.25 vCPU takes 0.5, 1 or 2 GB, got 4 GB",
        "ecs_services.web.max: max (1) must be at least desired (2)",
        "ecs_services.web.auto_scaling.policies[0].type: Application Auto Scaling has no simple scaling",
        "ecs_services.web.target_group: target group `tasks` already has the service `tiny`'s tasks",
        "ecs_services.tiny.deployment.maximum_percent",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
    // A target group an ECS service names cannot also name a group.
    let both = service(10.0, 2, "").replace(
        "    deregistration_delay: 20s",
        "    deregistration_delay: 20s\n    group: other",
    );
    let err = Scenario::from_text(&both, "bad.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("target_groups.tasks: an ECS service's tasks register in this target group"),
        "{err}"
    );
}
