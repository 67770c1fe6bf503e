//! EC2 Auto Scaling rules the fidelity audit corrected, each against the documented rule with
//! the expected times and counts computed here from the scenario's numbers: scale-in blocked
//! while new instances warm up, `disable_scale_in` out of the scale-in vote, the group's simple
//! cooldown counted from when the last launch finished, ELB health replacement at the end of
//! the grace period, EC2 health checks by default, the alarm history, and step
//! `min_adjustment`.

use crate::autoscaling::{activities, fleet};
use crate::support::*;
use stratus::report::alarms_csv;
use stratus::sim::RunResult;

/// Metric period of `fleet` (s).
const PERIOD: f64 = 60.0;

/// The first period end at or after `t`.
fn next_period_end(t: f64) -> f64 {
    (t / PERIOD).ceil() * PERIOD
}

/// `(time_s, policy, alarm, state, value, threshold)` rows of `alarms.csv`.
fn alarm_rows(r: &RunResult) -> Vec<(f64, String, String, String, Option<f64>, f64)> {
    alarms_csv(r)
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (
                f[0].parse().unwrap(),
                f[2].to_string(),
                f[3].to_string(),
                f[4].to_string(),
                f[5].parse().ok(),
                f[6].parse().unwrap(),
            )
        })
        .collect()
}

fn blocked(r: &RunResult, reason: stratus::model::scaling_policy::Blocked) -> u64 {
    r.groups[0].policies[0].blocked[reason.index()]
}

#[test]
fn target_tracking_scale_in_waits_until_new_instances_finish_warming_up() {
    // 2 instances, 50/s of 10 ms on 2 vCPUs: 12.5%, inside [0.9 x 13, 13]. At 10m the rate
    // steps to 150/s (37.5%, one datapoint scales out), at 12m it drops to 20/s (low).
    let (warmup, boot) = (300.0, 60.0);
    let text = fleet(
        "{profile: piecewise, points: [[0m, 50], [10m, 50], [10m, 150], [12m, 150], [12m, 20]]}",
        "      - {type: target_tracking, metric: cpu, target: 13, warmup: 300s, scale_out_datapoints: 1, scale_in_datapoints: 1}",
        "    min: 2\n    max: 10\n    desired: 2",
    );
    let r = simulate(parse(&text, &["duration=30m"]));
    let acts = activities(&r);
    let scale_out_at = 600.0 + PERIOD; // period 10 breaches
    assert_eq!(acts[0], (scale_out_at, 2, 6), "ceil(2 x 37.5 / 13) = 6");
    // The new instances are in service after the boot and settled after the warm-up; the
    // low alarm is in ALARM from the end of period 12, but scale-in waits for them.
    let warmed_at = scale_out_at + boot + warmup;
    let low_at = 720.0 + PERIOD;
    assert!(low_at < warmed_at);
    assert_eq!(
        acts[1].0,
        next_period_end(warmed_at),
        "scale-in only once the instances finish warming up: {acts:?}"
    );
    assert_eq!((acts[1].1, acts[1].2), (6, 2), "down to min");
    // Held back at every evaluation from the low alarm until the warm-up ends, and once at
    // the end of period 11 (high again, already covered by the warming instances).
    let held = ((next_period_end(warmed_at) - low_at) / PERIOD) as u64 + 1;
    assert_eq!(
        blocked(&r, stratus::model::scaling_policy::Blocked::Warming),
        held
    );
    let summary = stratus::report::summary_json(&r);
    let group = &summary["auto_scaling_groups"]["web"];
    assert_eq!(
        group["policies"]["target-tracking-0"]["blocked"]["warming"],
        held
    );
    assert_eq!(group["scaling_activities"], 2);
    assert_eq!(group["health_replacements"], 0);
}

#[test]
fn target_tracking_without_scale_in_leaves_scale_in_to_a_step_policy() {
    // 4 instances at 12.5%; at 10m the rate drops to 20/s: 2.5% on 4, 3.3% on 3, 5% on 2,
    // all below the step's 8%. Target tracking (scale-in disabled) must not veto it.
    let text = fleet(
        "{profile: piecewise, points: [[0m, 100], [10m, 100], [10m, 20]]}",
        "      - {type: target_tracking, metric: cpu, target: 13, warmup: 120s, disable_scale_in: true}\n      - {type: step, metric: cpu, adjustments: [{below: 8, remove: 1}], warmup: 120s}",
        "    min: 1\n    max: 10\n    desired: 4",
    );
    let r = simulate(parse(&text, &["duration=20m"]));
    // One instance per period from the end of period 10 until min.
    let expected: Vec<(f64, u32, u32)> = (0..3)
        .map(|i| (660.0 + i as f64 * PERIOD, 4 - i, 3 - i))
        .collect();
    assert_eq!(activities(&r), expected);
}

#[test]
fn a_simple_cooldown_starts_when_the_last_launch_finishes() {
    // Far beyond 50% CPU at any size: the alarm stays in ALARM. Boot takes exactly 90 s.
    let (boot, cooldown) = (90.0, 300.0);
    let text = fleet(
        "600",
        "      - {type: simple, metric: cpu, above: 50, add: 1, cooldown: 300s}",
        "    min: 1\n    max: 10\n    desired: 1\n    max_concurrent: 100000",
    )
    .replace(
        "boot_time: {dist: constant, value: 60s}",
        "boot_time: {dist: constant, value: 90s}",
    );
    let r = simulate(parse(&text, &["duration=20m"]));
    let mut expected = vec![PERIOD];
    while let Some(&t) = expected.last() {
        // Launch at t, in service at t + boot; the cooldown runs from then.
        let next = next_period_end(t + boot + cooldown);
        if next > 1200.0 {
            break;
        }
        expected.push(next);
    }
    let times: Vec<f64> = activities(&r).iter().map(|a| a.0).collect();
    assert_eq!(times, expected);
    assert!(blocked(&r, stratus::model::scaling_policy::Blocked::Cooldown) > 0);
}

/// Every probe fails (its 6 s of work exceeds the 5 s timeout): each target turns unhealthy after two
/// probes, long before its 120 s grace period ends.
fn failing_probes(health_check_type: &str) -> RunResult {
    let text = fleet(
        "20",
        "      - {type: scheduled, at: 1h, desired: 2}",
        &format!("    min: 2\n    max: 4\n    desired: 2{health_check_type}"),
    )
    .replace("health_check_grace: 0s", "health_check_grace: 120s")
    .replace(
        "unhealthy_threshold: 2}",
        "unhealthy_threshold: 2, probe_work: 6s}",
    );
    simulate(parse(&text, &["duration=10m"]))
}

#[test]
fn elb_checks_replace_an_instance_still_unhealthy_when_its_grace_period_ends() {
    let r = failing_probes("\n    health_check_type: elb");
    let (grace, boot) = (120.0, 60.0);
    // In service at 0; unhealthy within the grace period; replaced at its end. Each
    // replacement boots, turns unhealthy during its own grace period, and is replaced too.
    let mut expected = Vec::new();
    let mut t = grace;
    while t <= 600.0 {
        expected.extend([t, t]);
        t += boot + grace;
    }
    let replaced: Vec<f64> = r.groups[0]
        .activities
        .iter()
        .filter(|a| a.replacement)
        .map(|a| a.time.as_secs_f64())
        .collect();
    assert_eq!(replaced, expected);
    assert!(r.groups[0].activities.iter().all(|a| a.replacement));
    let summary = stratus::report::summary_json(&r);
    let group = &summary["auto_scaling_groups"]["web"];
    assert_eq!(group["health_replacements"], expected.len());
    assert_eq!(group["scaling_activities"], 0);
}

#[test]
fn ec2_health_checks_are_the_default_and_ignore_the_load_balancer() {
    let r = failing_probes("");
    assert!(
        r.groups[0].activities.is_empty(),
        "{:?}",
        r.groups[0].activities
    );
    assert_eq!(r.groups[0].launched, 2);
    let s = parse(
        &fleet(
            "20",
            "      - {type: scheduled, at: 1h, desired: 2}",
            "    desired: 2",
        ),
        &[],
    );
    assert!(!s.groups[0].elb_health_checks);
}

#[test]
fn alarm_history_follows_three_of_three_datapoints() {
    // 12.5% for 10 minutes, then 37.5% (150/s): the high alarm (3 of 3 above 13) goes to
    // ALARM at the end of the third breaching period, not before.
    let target = 13.0;
    let text = fleet(
        "{profile: piecewise, points: [[0m, 50], [10m, 50], [10m, 150]]}",
        "      - {type: target_tracking, metric: cpu, target: 13, warmup: 120s}",
        "    min: 2\n    max: 10\n    desired: 2",
    );
    let r = simulate(parse(&text, &["duration=14m"]));
    let rows = alarm_rows(&r);
    let high: Vec<_> = rows.iter().filter(|r| r.2 == "AlarmHigh").collect();
    let low: Vec<_> = rows.iter().filter(|r| r.2 == "AlarmLow").collect();
    // From INSUFFICIENT_DATA to OK on the first datapoint (12.5%), then ALARM.
    assert_eq!(high[0].3, "OK");
    assert!((high[0].4.unwrap() - 12.5).abs() < 1e-6, "{:?}", high[0]);
    assert_eq!(high[0].5, target);
    let alarm = high
        .iter()
        .find(|r| r.3 == "ALARM")
        .expect("the high alarm fires");
    assert_eq!(alarm.0, 600.0 + 3.0 * PERIOD);
    assert!((alarm.4.unwrap() - 37.5).abs() < 1e-6, "{alarm:?}");
    // The low alarm's threshold is 0.9 x target; 12.5% is above it: OK.
    assert!((low[0].5 - 0.9 * target).abs() < 1e-9);
    assert_eq!(low[0].3, "OK");
    // Only changes are recorded.
    for w in high.windows(2) {
        assert_ne!(w[0].3, w[1].3);
    }
    // The scale-out happens at that very evaluation.
    assert_eq!(activities(&r)[0].0, alarm.0);
}

#[test]
fn step_min_adjustment_raises_a_small_percent_change() {
    // 4 instances at 37.5% (300/s), above the step's 20%: +10% of 4 is 0.4, truncated to 0,
    // raised to the minimum magnitude.
    let run = |min: &str| {
        let text = fleet(
            "300",
            &format!(
                "      - {{type: step, metric: cpu, adjustments: [{{above: 20, percent: 10}}], warmup: 60s{min}}}"
            ),
            "    min: 1\n    max: 20\n    desired: 4",
        );
        activities(&simulate(parse(&text, &["duration=4m"])))[0]
    };
    let capacity = 4u32;
    let raw = (capacity as f64 * 10.0 / 100.0).trunc() as u32;
    assert_eq!(run("").2, capacity + raw.max(1));
    assert_eq!(run(", min_adjustment: 3").2, capacity + raw.max(3));
}

#[test]
fn removed_and_misplaced_keys_are_refused_with_their_path() {
    let cases = [
        (
            "      - {type: target_tracking, metric: cpu, target: 50, scale_in_cooldown: 300s}",
            "policies[0].scale_in_cooldown",
            "no scale-in cooldown",
        ),
        (
            "      - {type: step, metric: cpu, adjustments: [{above: 20, add: 1}], min_adjustment: 2}",
            "policies[0].min_adjustment",
            "percent",
        ),
    ];
    for (policy, path, words) in cases {
        let text = fleet("10", policy, "    desired: 2");
        let err = stratus::scenario::Scenario::from_text(&text, "test.yaml", &repo_path("."), &[])
            .map(|_| ())
            .expect_err("refused")
            .to_string();
        assert!(err.contains(path) && err.contains(words), "{err}");
    }
}
