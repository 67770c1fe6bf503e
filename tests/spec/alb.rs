//! The ALB against what AWS documents (ALB user guide: "Health checks for Application Load
//! Balancer target groups" and "Troubleshoot your Application Load Balancers"):
//! - a new target serves after one passing health check, probed at registration; an unhealthy
//!   one returns after `healthy_threshold` passes;
//! - 502 when the target refuses the connection (`max_concurrent`), 503 only without
//!   registered targets, 504 after the 10 s connection timeout to a dead target (the client
//!   waits those 10 s) and at the idle timeout (the target goes on working).

use crate::support::*;
use serde_json::Value;
use stratus::ids::{AzId, InstanceId};
use stratus::model::alb::{Algorithm, TargetGroup};
use stratus::model::health::{Health, HealthCheckSpec};

fn time_s(line: &Value) -> f64 {
    line["t"].as_f64().expect("a trace line has its time")
}

/// `|observed - expected|` within 3.3 standard deviations of a Poisson count (plus one).
fn assert_poisson(observed: f64, expected: f64, what: &str) {
    let tolerance = 3.3 * expected.sqrt() + 1.0;
    assert!(
        (observed - expected).abs() <= tolerance,
        "{what}: observed {observed}, expected {expected:.1} ± {tolerance:.1}"
    );
}

#[test]
fn a_new_target_is_routed_to_after_one_passing_check_and_an_unhealthy_one_after_the_threshold() {
    let spec = HealthCheckSpec::default(); // healthy_threshold 5, unhealthy_threshold 2
    let mut tg = TargetGroup::new(1, Algorithm::RoundRobin);
    let (id, az) = (InstanceId(0), AzId(0));
    tg.register(id, az, Health::Initial, 0);
    assert!(
        tg.routable(None).contains(&id),
        "fail open: the only target"
    );
    tg.register(InstanceId(1), az, Health::Healthy, 0);
    assert!(!tg.routable(None).contains(&id), "initial: not routed to");
    // AWS: "it must pass one health check to be considered healthy".
    assert_eq!(tg.record_probe(id, az, true, &spec), Some(Health::Healthy));
    assert!(tg.routable(None).contains(&id));
    for k in 1..=spec.unhealthy_threshold {
        let changed = tg.record_probe(id, az, false, &spec);
        assert_eq!(changed.is_some(), k == spec.unhealthy_threshold);
    }
    assert!(!tg.routable(None).contains(&id));
    // Back from unhealthy: HealthyThresholdCount consecutive passes.
    for k in 1..=spec.healthy_threshold {
        let changed = tg.record_probe(id, az, true, &spec);
        assert_eq!(
            changed,
            (k == spec.healthy_threshold).then_some(Health::Healthy)
        );
    }
    assert!(tg.routable(None).contains(&id));
}

const NEW_TARGET: &str = r#"
name: new-target
duration: 6m
seed: 11
azs: [a, b]
workloads:
  web: {target: alb/front, rate: 100, work: {dist: exponential, mean: 10ms}}
load_balancers:
  front: {azs: [a, b], rules: [{default: web}]}
target_groups:
  web:
    group: web
    health_check: {interval: 30s, timeout: 5s, healthy_threshold: 5, unhealthy_threshold: 2}
auto_scaling_groups:
  web:
    instance: {vcpus: 2}
    azs: [a, b]
    min: 1
    max: 2
    desired: 1
    boot_time: {dist: constant, value: 45s}
    health_check_type: ec2
    policies:
      - {type: scheduled, at: 60s, desired: 2}
"#;

#[test]
fn a_launched_instance_serves_from_its_first_probe_at_registration() {
    let (_, lines) = simulate_traced(
        parse(NEW_TARGET, &[]),
        "kind=request_routed|health_changed",
        1.0,
    );
    // Launched at 60 s, in service after the 45 s boot; its first probe runs at registration
    // and one pass makes it healthy, so it is routed to from 105 s (not 105 + 5 x 30 s).
    let in_service = 60.0 + 45.0;
    let healthy = lines
        .iter()
        .find(|l| l["kind"] == "health_changed" && l["instance"] == 1)
        .expect("the new instance turns healthy");
    assert_eq!(healthy["health"], "healthy");
    assert_eq!(time_s(healthy), in_service);
    let first = lines
        .iter()
        .find(|l| l["kind"] == "request_routed" && l["instance"] == 1)
        .expect("the new instance serves");
    // Round robin over two targets at 100/s: its first request comes within a second.
    let t = time_s(first);
    assert!(
        t >= in_service && t < in_service + 1.0,
        "first request at {t}s"
    );
}

#[test]
fn a_step_in_load_reaches_the_first_new_instance_within_boot_plus_one_check() {
    let boot = 60.0;
    let (interval, timeout) = (30.0, 5.0);
    let text = format!(
        r#"
name: step
duration: 30m
seed: 5
azs: [a, b]
workloads:
  web:
    target: alb/front
    rate: {{profile: spike, base: 100, peak: 300, at: 5m, duration: 30m}}
    work: {{dist: exponential, mean: 20ms}}
load_balancers:
  front: {{azs: [a, b], rules: [{{default: web}}]}}
target_groups:
  web:
    group: web
    health_check: {{interval: {interval}s, timeout: {timeout}s, healthy_threshold: 5, unhealthy_threshold: 2}}
auto_scaling_groups:
  web:
    instance: {{vcpus: 2}}
    azs: [a, b]
    min: 2
    max: 10
    desired: 2
    boot_time: {{dist: constant, value: {boot}s}}
    health_check_type: ec2
    policies:
      - {{type: target_tracking, metric: cpu, target: 50, warmup: 120s}}
"#
    );
    let (r, lines) = simulate_traced(
        parse(&text, &[]),
        "kind=request_routed|scaling_activity",
        1.0,
    );
    assert!(
        r.groups[0].launched > 2,
        "the step makes the group scale out"
    );
    let launch = lines
        .iter()
        .find(|l| l["kind"] == "scaling_activity")
        .map(time_s)
        .expect("a scaling activity");
    // Instances 0 and 1 are the initial ones: 2 is the first launched.
    let first = lines
        .iter()
        .find(|l| l["kind"] == "request_routed" && l["instance"] == 2)
        .map(time_s)
        .expect("the first new instance serves");
    assert!(
        first >= launch + boot && first <= launch + boot + interval + timeout,
        "launched at {launch}s, first request at {first}s; AWS: within {boot} + {interval} + {timeout} s"
    );
}

/// An FCFS station of `servers` instances of one vCPU each, no health replacement.
fn fcfs_fleet(servers: u32, max_concurrent: u32, rate: f64, extra: &str) -> String {
    format!(
        r#"
name: fleet
duration: 4m
warmup: 0s
seed: 9
azs: [a, b]
workloads:
  web: {{target: alb/front, rate: {rate}, work: {{dist: exponential, mean: 10ms}}}}
load_balancers:
  front: {{azs: [a, b], idle_timeout: 20s, rules: [{{default: web}}]}}
target_groups:
  web: {{group: web}}
auto_scaling_groups:
  web:
    instance: {{vcpus: 1}}
    discipline: fcfs
    max_concurrent: {max_concurrent}
    azs: [a, b]
    min: {servers}
    max: {servers}
    desired: {servers}
    health_check_type: ec2
{extra}"#
    )
}

#[test]
fn an_overloaded_fleet_times_clients_out_at_the_idle_timeout() {
    // Two one-vCPU servers (capacity 200/s) offered 300/s: the queue grows without bound.
    let (timeout_s, end_s, rate) = (20.0, 240.0, 300.0);
    let (r, lines) = simulate_traced(
        parse(&fcfs_fleet(2, 1_000_000, rate, ""), &[]),
        "kind=request_arrived|request_finished",
        1.0,
    );
    let o = &r.overall;
    let mut finished = std::collections::HashMap::new();
    let mut arrived = Vec::new();
    for l in &lines {
        let id = l["request"].as_u64().unwrap();
        if l["kind"] == "request_arrived" {
            arrived.push((id, time_s(l)));
        } else {
            finished.insert(id, l);
        }
    }
    // Every request older than the idle timeout has ended; a 504 ends exactly at it.
    let mut timed_out = 0;
    for &(id, t) in &arrived {
        match finished.get(&id) {
            Some(f) if f["outcome"] == "http_504" => {
                timed_out += 1;
                assert_eq!(f["latency_ms"].as_f64().unwrap(), timeout_s * 1e3);
                assert!((time_s(f) - (t + timeout_s)).abs() < 1e-6);
            }
            Some(f) => {
                assert_eq!(f["outcome"], "ok");
                assert!(f["latency_ms"].as_f64().unwrap() < timeout_s * 1e3);
            }
            None => assert!(t > end_s - timeout_s, "request {id} from {t}s still open"),
        }
    }
    let last_window = arrived
        .iter()
        .filter(|&&(_, t)| t > end_s - timeout_s)
        .count();
    assert!(r.in_flight as usize <= last_window);
    assert_eq!(o.errors[2], timed_out, "504s");
    // The servers still work through the timed-out requests: at most 200/s are answered, so
    // at least (300 - 200)/s x (end - timeout) of the older arrivals are 504s.
    assert!(o.ok as f64 <= 200.0 * end_s * 1.05);
    assert!(timed_out as f64 >= (rate - 200.0) * (end_s - timeout_s) * 0.9);
}

#[test]
fn a_sweep_does_not_call_an_overloaded_fleet_the_cheapest_meeting_the_slo() {
    // 250 requests/s of 10 ms on one-vCPU FCFS servers: stable only from 3 servers
    // (rho = 250 / (100 c) < 1). With a warm-up, an overloaded point has no request answered
    // in time after it: only its 504s can fail it.
    let rate = 250.0;
    let expected = (1..10).find(|&c| rate / (100.0 * c as f64) < 1.0).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.yaml");
    std::fs::write(&file, fcfs_fleet(1, 1_000_000, rate, "")).unwrap();
    let out = dir.path().join("out");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["sweep", file.to_str().unwrap()])
        .args(["--vary", "auto_scaling_groups.web.desired=1..4"])
        .args(["--set", "auto_scaling_groups.web.max=4"])
        .args(["--set", "duration=10m", "--set", "warmup=3m"])
        .args(["--slo", "p99<1s,errors<1%", "--replications", "2"])
        .args(["--out", out.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(
        s["best"]["values"]["auto_scaling_groups.web.desired"], expected,
        "{}",
        s["best"]
    );
}

#[test]
fn a_target_at_max_concurrent_refuses_with_502_as_erlang_b_predicts() {
    // One server, 2 vCPUs, FCFS, at most 2 requests: an M/M/2/2 loss system. The ALB's 502s
    // are the refused arrivals: Erlang B(2, a) of them, a = lambda / mu = 150 x 10 ms.
    let (rate, mean_s) = (150.0, 0.010);
    let text = fcfs_fleet(1, 2, rate, "").replace("vcpus: 1", "vcpus: 2");
    let r = simulate(parse(&text, &["duration=30m"]));
    let o = &r.overall;
    let p = erlang_b(2, rate * mean_s);
    let n = o.total as f64;
    let expected = n * p;
    // Blocking is correlated in time; batch-free bound: 3.3 sigma of a binomial, doubled.
    let tolerance = 2.0 * 3.3 * (n * p * (1.0 - p)).sqrt();
    let refused = o.errors[0] as f64;
    assert!(
        (refused - expected).abs() <= tolerance,
        "502s {refused}, Erlang B expects {expected:.0} ± {tolerance:.0}"
    );
    assert_eq!(o.errors[1], 0, "no 503 while a target is registered");
}

#[test]
fn a_dead_target_costs_the_client_the_10_s_connection_timeout() {
    // Two servers; one fails at 60 s and is found by EC2 status checks 120 s later. Round
    // robin sends it every other request until then; each such client waits 10 s for a 504.
    let extra = "faults:\n  - {at: 60s, instance_failure: web, count: 1}\n";
    let (r, lines) = simulate_traced(
        parse(&fcfs_fleet(2, 1_000_000, 20.0, extra), &[]),
        "kind=request_finished",
        1.0,
    );
    let unreachable: Vec<&Value> = lines
        .iter()
        .filter(|l| l["outcome"] == "http_504")
        .collect();
    assert!(!unreachable.is_empty());
    for l in &unreachable {
        assert_eq!(l["latency_ms"].as_f64().unwrap(), 10_000.0);
    }
    // Half of 20/s for the 120 s until the replacement starts (health checks take it out
    // of rotation first: 2 failed probes at the 30 s default interval).
    let detection = r.resilience.faults[0]
        .time_to_detect_s
        .expect("the failure is detected");
    assert_poisson(
        unreachable.len() as f64,
        20.0 / 2.0 * detection,
        "requests to the dead target",
    );
    assert_eq!(
        r.overall.errors[1], 0,
        "no 503 while a target is registered"
    );
}

const VALID: &str = r#"
name: ok
duration: 10m
azs: [a, b]
workloads:
  web: {target: alb/front, rate: 10, work: {dist: exponential, mean: 10ms}}
load_balancers:
  front: {azs: [a, b], algorithm: round_robin, rules: [{path: /api/*, target_group: api}, {default: api}]}
  back: {azs: [a, b], rules: [{default: api}]}
target_groups:
  api: {group: api, health_check: {interval: 300s, timeout: 5s}}
auto_scaling_groups:
  api: {instance: {type: c5.large}, azs: [a, b], min: 1, max: 4, desired: 2}
"#;

#[test]
fn listener_rules_health_check_timeouts_and_algorithms_are_validated() {
    let cases = [
        (
            "a listener without a default rule",
            "{path: /api/*, target_group: api}, {default: api}]",
            "{path: /api/*, target_group: api}]",
            "load_balancers.front.rules",
            "default rule",
        ),
        (
            // AWS: HealthCheckTimeoutSeconds 2-120, even when the interval is longer.
            "a health-check timeout above 120 s",
            "timeout: 5s",
            "timeout: 121s",
            "target_groups.api.health_check.timeout",
            "2s..120s",
        ),
        (
            "load balancers that disagree on a target group's algorithm",
            "back: {azs: [a, b],",
            "back: {azs: [a, b], algorithm: random,",
            "target_groups.api.algorithm",
            "set it here",
        ),
        (
            "slow start with least outstanding requests set on the target group",
            "api: {group: api,",
            "api: {group: api, algorithm: least_outstanding_requests, slow_start: 60s,",
            "target_groups.api.slow_start",
            "least_outstanding_requests",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    for (what, from, to, path, words) in cases {
        assert!(VALID.contains(from), "{what}: the base lacks `{from}`");
        std::fs::write(&file, VALID.replacen(from, to, 1)).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stratus"))
            .arg("validate")
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(
            stderr.contains("bad.yaml") && stderr.contains(path) && stderr.contains(words),
            "{what}: expected `{path}` and `{words}` in: {stderr}"
        );
    }
    // The same scenario with the target group's own algorithm overriding both is valid.
    let ok = VALID
        .replacen(
            "back: {azs: [a, b],",
            "back: {azs: [a, b], algorithm: random,",
            1,
        )
        .replacen(
            "api: {group: api,",
            "api: {group: api, algorithm: random,",
            1,
        );
    let s = parse(&ok, &[]);
    assert_eq!(s.target_groups[0].algorithm.name(), "random");
}
