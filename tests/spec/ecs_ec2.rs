//! ECS services on an EC2 capacity provider against the documented rules: binpack fills one
//! instance before the next (from the sizes); a task that fits nowhere waits in PROVISIONING
//! until managed scaling's instance boots, then takes traffic after the instance's boot, the
//! task's start and one health check; `CapacityProviderReservation` is M / N x 100; the
//! instances are billed as EC2 instance-hours; bad capacity providers are refused with their
//! paths.

use crate::support::*;
use stratus::metrics::Statistic;
use stratus::scenario::Scenario;

fn time_s(line: &serde_json::Value) -> f64 {
    line["t"].as_f64().expect("a time")
}

/// m5.large: 2 vCPU (2,048 CPU units) and 8 GiB (8,192 MiB) per instance.
const HOST_CPU: u32 = 2048;
const HOST_MIB: u32 = 8192;

/// A service `web` on the capacity provider `hosts` (m5.large, `hosts` instances booting in
/// 60 s) with `desired` tasks of `cpu` vCPU and `memory_gb`, behind `front`; `service` adds
/// keys to the service.
fn scenario(hosts: u32, (cpu, memory_gb): (f64, f64), desired: u32, service: &str) -> String {
    format!(
        r#"
name: ecs-ec2
duration: 10m
seed: 3
azs: [a, b]
workloads:
  web: {{target: alb/front, arrivals: uniform, rate: 100, work: {{dist: constant, value: 10ms}}}}
load_balancers:
  front: {{azs: [a, b], rules: [{{default: tasks}}]}}
target_groups:
  tasks:
    health_check: {{interval: 30s, timeout: 5s, healthy_threshold: 5, unhealthy_threshold: 2}}
    deregistration_delay: 20s
auto_scaling_groups:
  hosts:
    instance: {{type: m5.large}}
    azs: [a, b]
    min: 1
    max: 5
    desired: {hosts}
    boot_time: {{dist: constant, value: 60s}}
ecs_services:
  web:
    launch_type: ec2
    cpu: {cpu}
    memory_gb: {memory_gb}
    azs: [a, b]
    desired: {desired}
    target_group: tasks
    start_time: {{dist: constant, value: 45s}}
{service}
"#
    )
}

/// `(task, host)` launch numbers of the traced placements, in order.
fn placements(lines: &[serde_json::Value]) -> Vec<(u64, u64)> {
    lines
        .iter()
        .filter(|l| l["kind"] == "task_placed")
        .map(|l| (l["task"].as_u64().unwrap(), l["host"].as_u64().unwrap()))
        .collect()
}

#[test]
fn binpack_fills_one_instance_before_the_next() {
    // Three instances (launch numbers 0, 1, 2). Six tasks of 0.5 vCPU / 1 GB from 10 s:
    // an instance holds min(2048 / 512, 8192 / 1024) = 4 of them, CPU bound.
    let (cpu, mib) = (512, 1024);
    let per_host = (HOST_CPU / cpu).min(HOST_MIB / mib);
    assert_eq!(per_host, 4);
    let service = "    max: 6\n    placement: binpack_memory\n    capacity_provider: {group: hosts}\n    auto_scaling: {policies: [{type: scheduled, at: 10s, desired: 6}]}";
    let text = scenario(3, (0.5, 1.0), 0, service);
    let (r, lines) = simulate_traced(parse(&text, &[]), "kind=task_placed", 1.0);
    let hosts: Vec<u64> = placements(&lines).iter().map(|p| p.1).collect();
    // Binpack on memory: the instance left with the least memory that still fits, so the
    // first fills up (4 tasks) before the second (ties by launch order); the third stays empty.
    assert_eq!(hosts, [0, 0, 0, 0, 1, 1]);
    assert!(lines.iter().all(|l| time_s(l) == 10.0));
    let c = r.services.ecs[0].capacity.as_ref().unwrap();
    assert_eq!((c.tasks_placed, c.max_provisioning), (6, 0));

    // Spread by AZ (the default): the instances are in a, b, a; tasks alternate AZs, and
    // within a: the instance with fewer of the service's tasks.
    let text = scenario(
        3,
        (0.5, 1.0),
        0,
        &service.replace("binpack_memory", "spread_az"),
    );
    let (_, lines) = simulate_traced(parse(&text, &[]), "kind=task_placed", 1.0);
    let hosts: Vec<u64> = placements(&lines).iter().map(|p| p.1).collect();
    assert_eq!(hosts, [0, 1, 2, 1, 0, 1]);
}

#[test]
fn a_task_that_fits_nowhere_waits_for_managed_scalings_instance() {
    // One instance holds two 1 vCPU / 2 GB tasks (CPU bound). A third, asked at 100 s, fits
    // nowhere: PROVISIONING. CapacityProviderReservation: N = 1 running, M = 1 + ceil(1 / 2)
    // = 2: 200% against the target 100. The datapoints of the minutes ending at 120, 180 and
    // 240 s are published a period late; the high alarm (3 of 3) fires at the evaluation at
    // 300 s, sizing the group to ceil(1 x 200 / 100) = 2. The instance boots in 60 s, the
    // task is placed on it at once and starts in 45 s; its first health check at
    // registration passes: it takes traffic at 300 + 60 + 45 = 405 s.
    let service = "    max: 3\n    placement: binpack_memory\n    capacity_provider: {group: hosts, managed_termination_protection: true}\n    auto_scaling: {policies: [{type: scheduled, at: 100s, desired: 3}]}";
    let text = scenario(1, (1.0, 2.0), 2, service);
    let filter =
        "kind=task_placed|task_provisioning|scaling_activity|health_changed|request_routed";
    let (r, lines) = simulate_traced(parse(&text, &[]), filter, 1.0);
    let find = |kind: &str| {
        lines
            .iter()
            .find(|l| {
                l["kind"] == kind && (kind != "scaling_activity" || l["component"] == "hosts")
            })
            .unwrap_or_else(|| panic!("no {kind}"))
    };
    let waiting = find("task_provisioning");
    assert_eq!(
        (time_s(waiting), waiting["provisioning"].as_u64()),
        (100.0, Some(1))
    );
    let scale_out = find("scaling_activity");
    assert_eq!(time_s(scale_out), 300.0);
    assert_eq!(
        (scale_out["from"].as_u64(), scale_out["to"].as_u64()),
        (Some(1), Some(2))
    );
    let placed = find("task_placed");
    let (boot, start) = (60.0, 45.0);
    assert_eq!(time_s(placed), 300.0 + boot);
    let task = placed["task"].as_u64().unwrap();
    let healthy = find("health_changed");
    assert_eq!(healthy["instance"].as_u64(), Some(task));
    assert_eq!(time_s(healthy), 300.0 + boot + start);
    let first = lines
        .iter()
        .find(|l| l["kind"] == "request_routed" && l["instance"].as_u64() == Some(task))
        .map(time_s)
        .expect("the new task takes traffic");
    // Round robin over three targets at 100/s: its first request within 30 ms.
    assert!(
        (405.0..405.03).contains(&first),
        "first request at {first}s"
    );
    let c = r.services.ecs[0].capacity.as_ref().unwrap();
    assert_eq!((c.max_provisioning, c.instances_launched), (1, 2));
    assert_eq!(c.max_reservation, Some(200.0));
    assert_eq!(r.overall.ok + r.in_flight, r.arrived);
}

#[test]
fn the_reservation_is_m_over_n_and_the_instances_are_billed_as_ec2() {
    // Three instances, six tasks of 0.5 vCPU / 1 GB binpacked on two of them (4 + 2): no
    // task provisioning, so M = the instances running a task = 2, N = 3: 66.67% every
    // minute. Below 90% of the target for 15 of 15 datapoints (visible a period late) and
    // past the instances' 300 s warm-up, the group scales in at the evaluation at 960 s to
    // ceil(3 x 66.67 / 100) = 2; managed termination protection keeps the two instances
    // with tasks, so the empty one (launch number 2) goes, and no task stops.
    let service = "    placement: binpack_memory\n    capacity_provider: {group: hosts, managed_termination_protection: true}";
    let text = scenario(3, (0.5, 1.0), 6, service).replace("duration: 10m", "duration: 20m");
    let r = simulate(parse(&text, &[]));
    let cpr = r
        .series
        .points("ecs.web.capacity_provider_reservation", Statistic::Value);
    let (m, n) = (2.0, 3.0);
    for &(t, v) in cpr.iter().filter(|p| p.0 < 960.0) {
        assert!((v - m / n * 100.0).abs() < 1e-9, "{v} at {t}s");
    }
    // After the scale-in: M = N = 2.
    assert!(
        cpr.iter().filter(|p| p.0 >= 960.0).all(|p| p.1 == 100.0),
        "{cpr:?}"
    );
    let hosts = r.groups.iter().find(|g| g.name == "hosts").unwrap();
    let acts: Vec<(f64, u32, u32)> = (hosts.activities.iter())
        .map(|a| (a.time.as_secs_f64(), a.from, a.to))
        .collect();
    assert_eq!(acts, [(960.0, 3, 2)]);
    let gone: Vec<_> = r
        .instances
        .iter()
        .enumerate()
        .filter(|(_, i)| i.terminated_s.is_some())
        .map(|(k, i)| (k, i.group.as_str(), i.terminated_s))
        .collect();
    assert_eq!(gone, [(2, "hosts", Some(960.0))]);
    assert_eq!(r.services.ecs[0].tasks_stopped, 0);

    // The bill: two m5.large for 20 minutes and one for 960 s, per second at the on-demand
    // price; the tasks cost nothing of their own (no Fargate).
    let hourly = stratus::cost::PriceTable::shipped()
        .ec2_hourly(Some("m5.large"), 2)
        .expect("an m5.large price");
    assert_eq!(hourly, 0.096);
    let hours = (2.0 * 1200.0 + 960.0) / 3600.0;
    let ec2 = r.cost.by_service["ec2"];
    assert!((ec2 - hours * hourly).abs() < 1e-9, "{ec2}");
    assert_eq!(r.cost.by_service["fargate"], 0.0);
    let e = &r.services.ecs[0];
    assert!((e.cost_usd - hours * hourly).abs() < 1e-9);
    assert!((e.capacity.as_ref().unwrap().instance_hours - hours).abs() < 1e-9);
}

#[test]
fn bad_capacity_providers_are_refused_with_their_paths() {
    let text = scenario(
        1,
        (4.0, 2.0),
        2,
        "    capacity_provider: {group: hostz, target_capacity: 0}",
    ) + "  other:\n    launch_type: ec2\n    cpu: 1\n    memory_gb: 16\n    azs: [a]\n    desired: 1\n    capacity_provider: {group: hosts, minimum_scaling_step_size: 5, maximum_scaling_step_size: 2}\n  fg:\n    cpu: 1\n    memory_gb: 2\n    azs: [a]\n    desired: 1\n    placement: binpack_cpu\n  bare:\n    launch_type: ec2\n    cpu: 1.5\n    memory_gb: 1\n    azs: [a]\n    desired: 1\n";
    let err = Scenario::from_text(&text, "bad.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    for needle in [
        "ecs_services.web.capacity_provider.group: no auto scaling group named `hostz`",
        "ecs_services.web.capacity_provider.target_capacity: expected 1..100",
        "ecs_services.other.capacity_provider.minimum_scaling_step_size: minimum_scaling_step_size (5) must not exceed",
        "ecs_services.fg.placement: only for `launch_type: ec2`",
        "ecs_services.bare.capacity_provider: a service with `launch_type: ec2` needs a capacity provider",
        "ecs_services.bare.cpu: expected a task CPU on EC2",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
    // Against the group: a task larger than an instance; the group's own policies.
    let text = scenario(1, (1.0, 16.0), 2, "    capacity_provider: {group: hosts}").replace(
        "    boot_time: {dist: constant, value: 60s}",
        "    boot_time: {dist: constant, value: 60s}\n    policies: [{type: target_tracking, metric: cpu, target: 50}]",
    );
    let err = Scenario::from_text(&text, "bad.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    for needle in [
        "ecs_services.web.memory_gb: a task of 16 GB fits on no instance",
        "ecs_services.web.capacity_provider.managed_scaling: group `hosts` has scaling policies of its own",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
}

#[test]
fn managed_scaling_starts_from_zero_instances() {
    // No instance at the start and two tasks to run: N = 0, M > 0, so the reservation is
    // 200% (AWS's rule for N = 0). Three datapoints (the minutes ending at 60, 120, 180 s,
    // published a period late) fire the alarm at 240 s; with no running instance to size
    // from, the group is sized as from one: ceil(1 x 200 / 100) = 2. They boot in 60 s; the
    // first to go in service (launch number 0, at the same instant as the other) takes both
    // tasks, since placement sees only running instances and both fit on its 2 vCPUs.
    let service = "    capacity_provider: {group: hosts}";
    let text = scenario(0, (1.0, 2.0), 2, service).replace("    min: 1\n", "    min: 0\n");
    let (r, lines) = simulate_traced(parse(&text, &[]), "kind=task_placed", 1.0);
    let cpr = r
        .series
        .points("ecs.web.capacity_provider_reservation", Statistic::Value);
    assert_eq!(
        &cpr[..4],
        [(0.0, 200.0), (60.0, 200.0), (120.0, 200.0), (180.0, 200.0)]
    );
    let hosts = r.groups.iter().find(|g| g.name == "hosts").unwrap();
    let first = &hosts.activities[0];
    assert_eq!(
        (first.time.as_secs_f64(), first.from, first.to),
        (240.0, 0, 2)
    );
    let placed = placements(&lines);
    assert_eq!(placed.len(), 2);
    assert!(lines.iter().all(|l| time_s(l) == 300.0));
    assert_eq!(placed.iter().map(|p| p.1).collect::<Vec<_>>(), [0, 0]);
    // Then M = 1 (the instances running a task) and N = 2: 50%.
    assert!(
        cpr.iter().filter(|p| p.0 >= 300.0).all(|p| p.1 == 50.0),
        "{cpr:?}"
    );
}
