//! EC2 Auto Scaling against the documented semantics, with exact expected times computed
//! from each scenario's numbers.

use crate::support::*;
use proptest::prelude::*;
use stratus::metrics::Statistic;
use stratus::sim::RunResult;

/// Two 2-vCPU instances behind an ALB; uniform arrivals of constant 10 ms work, so CPU is
/// exact: CPU% = rate x 0.01 / (2 x instances) x 100.
pub(crate) fn fleet(rate: &str, policies: &str, extra: &str) -> String {
    format!(
        r#"
name: elastic
duration: 40m
metric_period: 1m
metric_delay: 0s
azs: [a, b]
workloads:
  web:
    target: alb/front
    arrivals: uniform
    rate: {rate}
    work: {{dist: constant, value: 10ms}}
load_balancers:
  front: {{azs: [a, b], rules: [{{default: web}}]}}
target_groups:
  web:
    group: web
    health_check: {{interval: 10s, timeout: 5s, healthy_threshold: 3, unhealthy_threshold: 2}}
    deregistration_delay: 30s
auto_scaling_groups:
  web:
    instance: {{vcpus: 2}}
    azs: [a, b]
    boot_time: {{dist: constant, value: 60s}}
    health_check_grace: 0s
{extra}
    policies:
{policies}
"#
    )
}

pub(crate) fn activities(r: &RunResult) -> Vec<(f64, u32, u32)> {
    r.groups[0]
        .activities
        .iter()
        .map(|a| (a.time.as_secs_f64(), a.from, a.to))
        .collect()
}

#[test]
fn target_tracking_waits_three_periods_and_new_capacity_serves_after_boot_and_health_checks() {
    // 50/s -> 12.5% CPU; at 10m the rate steps to 150/s -> 37.5%, above the 25% target.
    let text = fleet(
        "{profile: piecewise, points: [[0m, 50], [10m, 50], [10m, 150]]}",
        "      - {type: target_tracking, metric: cpu, target: 25, warmup: 120s}",
        "    min: 2\n    max: 10\n    desired: 2",
    );
    let (r, routed) = simulate_traced(parse(&text, &[]), "kind=request_routed", 1.0);
    // Periods 10, 11 and 12 breach; the alarm fires at the end of period 12.
    let step_s = 600.0;
    let scale_out_at = step_s + 3.0 * 60.0;
    let first = activities(&r)[0];
    assert_eq!(first, (scale_out_at, 2, 3), "ceil(2 x 37.5 / 25) = 3");
    let new = &r.instances[2];
    assert_eq!(new.launched_s, scale_out_at);
    assert_eq!(new.in_service_s, Some(scale_out_at + 60.0));
    // Routed to after one passing check (AWS: a new target must pass one health check),
    // probed at registration: at once after the boot.
    let healthy_at = scale_out_at + 60.0;
    let first_routed = routed
        .iter()
        .filter(|l| l["instance"] == 2)
        .map(|l| l["t"].as_f64().unwrap())
        .next()
        .expect("the new instance takes traffic");
    assert!(
        first_routed >= healthy_at && first_routed < healthy_at + 1.0,
        "first request at {first_routed}, healthy at {healthy_at}"
    );
}

#[test]
fn scale_in_waits_for_fifteen_low_datapoints() {
    // 4 instances, 100/s -> 12.5%, inside [0.9 x 13, 13]; at 10m the rate drops to 20/s -> 2.5%.
    let text = fleet(
        "{profile: piecewise, points: [[0m, 100], [10m, 100], [10m, 20]]}",
        "      - {type: target_tracking, metric: cpu, target: 13, warmup: 120s}",
        "    min: 1\n    max: 10\n    desired: 4",
    );
    let r = simulate(parse(&text, &[]));
    // Periods 10..=24 are low: the scale-in alarm fires at the end of period 24.
    assert_eq!(
        activities(&r)[0],
        (25.0 * 60.0, 4, 1),
        "ceil(4 x 2.5 / 13) = 1"
    );
}

#[test]
fn cooldown_blocks_a_simple_policys_second_action() {
    // 600/s of 10 ms on 2 vCPUs is far beyond 10 instances' 50%: the alarm stays in ALARM.
    // EC2 health checks only: the overload must not get instances replaced.
    let text = fleet(
        "600",
        "      - {type: simple, metric: cpu, above: 50, add: 1, cooldown: 300s}",
        "    min: 1\n    max: 10\n    desired: 1\n    max_concurrent: 100000\n    health_check_type: ec2",
    );
    let r = simulate(parse(&text, &["duration=20m"]));
    let times: Vec<f64> = activities(&r).iter().map(|a| a.0).collect();
    // Each launch boots 60 s; the 300 s cooldown starts when it is in service, and the next
    // evaluation at or after its end (whole minutes here) acts again.
    let (boot, cooldown) = (60.0, 300.0);
    let expected: Vec<f64> = (0..4)
        .map(|i| 60.0 + i as f64 * (boot + cooldown))
        .collect();
    assert_eq!(times, expected);
}

#[test]
fn default_termination_keeps_azs_balanced() {
    let text = fleet(
        "30",
        "      - {type: scheduled, at: 5m, desired: 3}",
        "    min: 1\n    max: 10\n    desired: 6",
    )
    .replace("azs: [a, b]\n    boot", "azs: [a, b, c]\n    boot")
    .replace("azs: [a, b]\nworkloads", "azs: [a, b, c]\nworkloads");
    let r = simulate(parse(&text, &["duration=10m"]));
    let mut alive: Vec<&str> = r
        .instances
        .iter()
        .filter(|i| i.terminated_s.is_none())
        .map(|i| i.az.as_str())
        .collect();
    alive.sort();
    assert_eq!(alive, vec!["a", "b", "c"]);
}

#[test]
fn oldest_and_newest_termination_pick_the_right_instances() {
    let policies = "      - {type: scheduled, at: 5m, desired: 6}\n      - {type: scheduled, at: 20m, desired: 4}";
    let terminated = |policy: &str| -> Vec<usize> {
        let text = fleet(
            "30",
            policies,
            &format!("    min: 1\n    max: 10\n    desired: 4\n    termination_policy: {policy}"),
        );
        let r = simulate(parse(&text, &["duration=30m"]));
        r.instances
            .iter()
            .enumerate()
            .filter(|(_, i)| i.terminated_s.is_some())
            .map(|(k, _)| k)
            .collect()
    };
    // Instances 0, 2, 4 are in AZ a and 1, 3, 5 in b; 4 and 5 were launched at 5m.
    assert_eq!(terminated("newest_instance"), vec![4, 5]);
    assert_eq!(terminated("oldest_instance"), vec![0, 1]);
}

#[test]
fn an_overloaded_instance_fails_health_checks_is_replaced_and_its_requests_fail() {
    // One instance admitting 5 requests, offered 4 times what it serves: probes fail.
    let text = fleet(
        "800",
        "      - {type: scheduled, at: 39m, desired: 1}",
        "    min: 1\n    max: 2\n    desired: 1\n    max_concurrent: 5\n    health_check_type: elb",
    )
    .replace("arrivals: uniform", "arrivals: poisson");
    let r = simulate(parse(&text, &["duration=10m"]));
    let g = &r.groups[0];
    assert!(g.terminated >= 1 && g.launched >= 2, "{g:?}");
    assert!(g.activities.iter().any(|a| a.cause.contains("unhealthy")));
    assert!(r.overall.errors[0] > 0, "in-flight requests end as 502");
}

#[test]
fn elastic_runs_are_deterministic() {
    let run = || {
        let r = simulate(load(
            "scenarios/scaling-policies/target-tracking.yaml",
            &["duration=14h", "warmup=0"],
        ));
        assert!(r.groups[0].activities.len() > 3);
        let mut s = stratus::report::summary_json(&r);
        s["wall_s"] = serde_json::Value::Null;
        s.to_string()
    };
    assert_eq!(run(), run());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Whatever the policy and the load, desired and in-service capacity stay within bounds.
    #[test]
    fn min_and_max_are_never_violated(
        min in 1u32..4,
        extra in 0u32..6,
        start in 0u32..6,
        rate in 10u32..1500,
        kind in 0usize..4,
        threshold in 10u32..90,
        amount in 1u32..5,
    ) {
        let max = min + extra;
        let desired = (min + start).min(max);
        let policies = match kind {
            0 => format!("      - {{type: target_tracking, metric: cpu, target: {threshold}, warmup: 60s}}"),
            1 => format!("      - {{type: simple, metric: cpu, above: {threshold}, add: {amount}, cooldown: 60s}}\n      - {{type: simple, metric: cpu, below: {}, remove: {amount}, cooldown: 60s}}", threshold / 3),
            2 => format!("      - {{type: step, metric: cpu, adjustments: [{{above: {threshold}, add: {amount}}}, {{above: {}, percent: 200}}]}}", threshold + 5),
            _ => format!("      - {{type: scheduled, at: 3m, every: 4m, desired: {}}}", amount * 3),
        };
        let text = fleet(&rate.to_string(), &policies, &format!("    min: {min}\n    max: {max}\n    desired: {desired}"));
        let r = simulate(parse(&text, &["duration=20m"]));
        for (series, _) in [("asg.web.desired", 0), ("asg.web.in_service", 1)] {
            for (_, v) in r.series.points(series, Statistic::Value) {
                prop_assert!(v <= max as f64, "{series} {v} > max {max}");
                if series == "asg.web.desired" {
                    prop_assert!(v >= min as f64, "{series} {v} < min {min}");
                }
            }
        }
        for a in &r.groups[0].activities {
            prop_assert!(a.to >= min && a.to <= max);
        }
    }
}

/// Slow start: a target that becomes healthy gets a share of requests that grows linearly
/// over the window. Two targets serve alone until a third (scheduled at 5 min) turns
/// healthy; under round robin its share starts near 0 and reaches 1/3 after the window.
#[test]
fn slow_start_ramps_a_new_targets_share_linearly() {
    let text = |slow_start: &str| {
        format!(
            r#"
name: slow-start
duration: 20m
azs: [a]
workloads:
  web:
    target: alb/front
    arrivals: uniform
    rate: 200
    work: {{dist: constant, value: 1ms}}
load_balancers:
  front: {{azs: [a, b], algorithm: round_robin, rules: [{{default: web}}]}}
target_groups:
  web:
    group: web
    slow_start: {slow_start}
    health_check: {{interval: 10s, timeout: 5s, healthy_threshold: 2, unhealthy_threshold: 2}}
auto_scaling_groups:
  web:
    instance: {{type: c5.large}}
    azs: [a]
    min: 2
    max: 3
    desired: 2
    boot_time: {{dist: constant, value: 60s}}
    policies:
      - {{type: scheduled, at: 5m, desired: 3}}
"#
        )
    };
    let routed = |slow_start: &str| -> Vec<(f64, u64)> {
        let s = parse(&text(slow_start), &["azs=[a, b]"]);
        simulate_traced(s, "kind=request_routed", 1.0)
            .1
            .iter()
            .map(|l| (l["t"].as_f64().unwrap(), l["instance"].as_u64().unwrap()))
            .collect()
    };
    // The new target's share of the requests routed in [from, from + 60 s).
    let share = |lines: &[(f64, u64)], from: f64| {
        let window: Vec<u64> = lines
            .iter()
            .filter(|(t, _)| *t >= from && *t < from + 60.0)
            .map(|(_, i)| *i)
            .collect();
        window.iter().filter(|&&i| i == 2).count() as f64 / window.len() as f64
    };
    let plain = routed("0s");
    let healthy_at = plain
        .iter()
        .find(|(_, i)| *i == 2)
        .expect("the third serves")
        .0;
    assert!((share(&plain, healthy_at) - 1.0 / 3.0).abs() < 0.01);

    let slow = routed("300s");
    let shares: Vec<f64> = (0..6)
        .map(|k| share(&slow, healthy_at + 60.0 * k as f64))
        .collect();
    // Round robin with acceptance p: the new target's share is p / (2 + p); over a minute in
    // which p ramps linearly from a to b its mean is 1 - 2 ln((2 + b) / (2 + a)) / (b - a).
    // 12,000 requests a minute: a share's standard error is under 0.0045, so 0.01 is over
    // two standard errors, yet far below the gaps between minutes (0.05 or more).
    for (k, got) in shares.iter().enumerate() {
        let expected = if k < 5 {
            let (a, b) = (k as f64 / 5.0, (k + 1) as f64 / 5.0);
            1.0 - 2.0 * ((2.0 + b) / (2.0 + a)).ln() / (b - a)
        } else {
            1.0 / 3.0
        };
        assert!(
            (got - expected).abs() < 0.01,
            "minute {k}: share {got:.4}, expected {expected:.4} ({shares:?})"
        );
    }
}
