//! Burstable instances (T2, T3, T3a, T4g) against AWS's CPU credit rules: one credit is one
//! vCPU at 100% for one minute; an instance earns vCPUs x baseline x 60 credits an hour and
//! spends what it uses; in standard mode an empty balance restricts the CPU to the baseline;
//! in unlimited mode surplus credits beyond 24 hours of earning are charged at the family's
//! price per vCPU-hour (docs/models/burstable.md has the sources). Every expected value is
//! computed here from those rules.

use crate::support::*;
use crate::validation::validate;

/// One instance of `itype` behind a load balancer, first come first served, fed by
/// `arrivals` at `rate` per second with `work`; `extra` adds group keys.
fn one_instance(itype: &str, extra: &str, workload: &str, duration: &str) -> String {
    format!(
        r#"
name: burst
duration: {duration}
azs: [a, b]
workloads:
  w: {{target: alb/l, {workload}}}
load_balancers:
  l: {{azs: [a, b], rules: [{{default: t}}], idle_timeout: 4000s}}
target_groups:
  t: {{group: g}}
auto_scaling_groups:
  g: {{instance: {{type: {itype}}}, discipline: fcfs, azs: [a], desired: 1, max_concurrent: 1000000{extra}}}
"#
    )
}

const UNITS_PER_CREDIT: f64 = 60e9 * 1000.0;

#[test]
fn a_constant_load_above_the_baseline_drains_the_balance_at_the_documented_rate() {
    // t3.micro: 2 vCPUs at 10% earn 2 x 0.10 x 60 = 12 credits an hour (0.2 a minute). A
    // request every 100 ms (the first at 0.1 s) with 100 ms of work keeps one vCPU busy: it
    // spends 1 credit a minute. From 10 credits (plus what it earned in the first 0.1 s),
    // the balance falls at 1 - 0.2 = 0.8 a minute.
    let text = one_instance(
        "t3.micro",
        ", credit_specification: standard, initial_credits: 10",
        "arrivals: uniform, rate: 10, work: {dist: constant, value: 100ms}",
        "800s",
    );
    let (r, trace) = simulate_traced(parse(&text, &[]), "kind=credits_exhausted", 1.0);
    let earned_first = 0.2 * (0.1 / 60.0);
    let expected = 0.1 + (10.0 + earned_first) / 0.8 * 60.0;
    assert_eq!(trace.len(), 1, "{trace:?}");
    let at = trace[0]["t"].as_f64().unwrap();
    assert!(
        (at - expected).abs() < 1e-3,
        "ran out at {at} s, by the rule {expected} s"
    );
    let c = r.groups[0].credits.as_ref().unwrap();
    assert_eq!(c.first_exhausted_s, Some(at));
    // Then throttled to the baseline with both vCPUs busy: it earns 0.2 a minute and spends
    // 2 x 0.10 = 0.2: the balance stays empty and the throttle holds to the end.
    assert_eq!((c.exhausted, c.restored, c.throttled_at_end), (1, 0, 1));
    assert!(c.balance_end < 0.01);
    assert!((c.throttled_instance_s - (800.0 - at)).abs() < 1e-6);
    // While throttled, CloudWatch's CPU is the baseline: mean CPU over the run is the
    // drain's 50% (one of two vCPUs) then 10%.
    let cpu = (0.5 * (at - 0.1) + 0.1 * (800.0 - at)) / 800.0 * 100.0;
    assert!(
        (r.groups[0].mean_cpu_percent - cpu).abs() < 0.05,
        "{} vs {cpu}",
        r.groups[0].mean_cpu_percent
    );
}

#[test]
fn t2_standard_spends_its_launch_credits_first() {
    // t2.micro: 1 vCPU at 10%, 30 launch credits, earning 0.1 a minute into its own balance.
    // Fully busy from 0.1 s: the launch credits last 30 minutes; meanwhile it earned
    // 0.1 x (30 + 0.1/60) credits, which then drain at 1 - 0.1 = 0.9 a minute.
    let text = one_instance(
        "t2.micro",
        "",
        "arrivals: uniform, rate: 10, work: {dist: constant, value: 100ms}",
        "2100s",
    );
    let (_, trace) = simulate_traced(parse(&text, &[]), "kind=credits_exhausted", 1.0);
    let launch_out = 0.1 + 30.0 * 60.0;
    let earned = 0.1 * launch_out / 60.0;
    let expected = launch_out + earned / 0.9 * 60.0;
    assert_eq!(trace.len(), 1, "{trace:?}");
    let at = trace[0]["t"].as_f64().unwrap();
    assert!(
        (at - expected).abs() < 1e-3,
        "ran out at {at} s, by the rule {expected} s"
    );
}

#[test]
fn standard_mode_out_of_credits_serves_as_mmc_at_the_baseline_speed() {
    // t3.micro in standard mode starting with an empty balance (T3 has no launch credits):
    // it starts throttled. Its 2 vCPUs run at 10% speed, so
    // 2 ms of work takes 20 ms: an M/M/2 queue with mu = 50/s per vCPU. At lambda = 70/s
    // (load 0.7) the balance regains 0.1 x (2 - 1.4) = 0.06 credits a minute, 1.2 in 20 min,
    // short of the 2 it needs to leave the throttle: it stays throttled all run.
    // Each replication is compared with M/M/2 at its own arrival rate (the count of
    // arrivals is the noisiest part of a 20-minute run; conditioning on it tightens the test
    // without choosing the answer).
    let mu = 50.0;
    let lambda = 70.0;
    let mm2 = |l: f64| erlang_c(2, l / mu) / (2.0 * mu - l) + 1.0 / mu;
    let theory = mm2(lambda);
    let gaps: Vec<f64> = (0..10)
        .map(|seed| {
            let text = one_instance(
                "t3.micro",
                ", credit_specification: standard, initial_credits: 0",
                "arrivals: poisson, rate: 70, work: {dist: exponential, mean: 2ms}",
                "1200s",
            );
            let r = simulate(parse(
                &text,
                &["warmup=60s", &format!("seed={}", 500 + seed)],
            ));
            let c = r.groups[0].credits.as_ref().unwrap();
            assert_eq!((c.restored, c.throttled_at_end), (0, 1));
            assert!(
                (c.throttled_instance_s - 1140.0).abs() < 1e-6,
                "throttled {} s",
                c.throttled_instance_s
            );
            assert_eq!(r.overall.failed(), 0);
            r.overall.latency.mean_ms() / 1e3 - mm2(r.arrived as f64 / 1140.0)
        })
        .collect();
    let (gap, se) = mean_se(&gaps);
    assert!(
        se < 0.02 * theory,
        "standard error {se} too wide for a test"
    );
    let z = gap / se;
    assert!(
        z.abs() <= Z_MAX,
        "throttled mean minus M/M/2 at 10% speed: {gap:.5}s (se {se:.5}, z {z:.2}; M/M/2 {theory:.5}s)"
    );
    // The same load at full speed (unlimited) is ten times faster: M/M/2 at mu = 500/s.
    let text = one_instance(
        "t3.micro",
        "",
        "arrivals: poisson, rate: 70, work: {dist: exponential, mean: 2ms}",
        "1200s",
    );
    let r = simulate(parse(&text, &["warmup=60s"]));
    let fast = erlang_c(2, lambda / 500.0) / (1000.0 - lambda) + 1.0 / 500.0;
    let got = r.overall.latency.mean_ms() / 1e3;
    assert!((got - fast).abs() < 0.05 * fast, "{got} vs {fast}");
    assert!(r.groups[0].credits.as_ref().unwrap().throttled_instance_s == 0.0);
}

#[test]
fn unlimited_mode_charges_surplus_credits_beyond_24_hours_of_earning() {
    // t3.nano: 2 vCPUs at 5% earn 6 credits an hour (0.1 a minute), at most 144. A request
    // every 50 ms with 100 ms of work: one vCPU busy from 0.05 s, both from 0.1 s, spending
    // 2 credits a minute. The surplus grows at 1.9 a minute; past 144 it is charged, at
    // $0.05 per vCPU-hour (1/60 of that per credit).
    let text = one_instance(
        "t3.nano",
        "",
        "arrivals: uniform, rate: 20, work: {dist: constant, value: 100ms}",
        "2h",
    );
    let r = simulate(parse(&text, &[]));
    let per_ns = |rate_per_min: f64| rate_per_min * UNITS_PER_CREDIT / 60e9;
    // Units: earned in the first 0.05 s, then the net spend of one vCPU for 0.05 s, then
    // of two to the end.
    let earned = per_ns(0.1) * 0.05e9;
    let one = per_ns(0.9) * 0.05e9;
    let two = per_ns(1.9) * (7200.0 - 0.1) * 1e9;
    let surplus = (one - earned + two) / UNITS_PER_CREDIT;
    let charged = surplus - 144.0;
    let c = r.groups[0].credits.as_ref().unwrap();
    assert_eq!(c.mode, "unlimited");
    assert!(
        (c.surplus_credits_charged - charged).abs() < 1e-3,
        "charged {} credits, by hand {charged}",
        c.surplus_credits_charged
    );
    assert!((c.surplus_balance_end - 144.0).abs() < 1e-9);
    assert_eq!(c.throttled_instance_s, 0.0);
    let usd = charged * 0.05 / 60.0;
    let billed = r.cost.by_service["ec2_cpu_credits"];
    assert!(
        (billed - usd).abs() < 1e-6,
        "billed {billed}, by hand {usd}"
    );
    assert!((c.surplus_usd - usd).abs() < 1e-6);
}

#[test]
fn an_unlimited_instance_pays_its_surplus_when_it_terminates() {
    // Two t3.nano, each kept at two busy vCPUs (a request every 25 ms to the pair, round
    // robin, 100 ms of work): each owes 1.9 credits a minute, under the 144 cap for 75 min.
    // At 1 h a scheduled action keeps one: the other drains (its last request ends within
    // 100 ms) and terminates, and its surplus, about 1.9 x 60 = 114 credits, is charged then.
    let text = one_instance(
        "t3.nano",
        ", max: 2, policies: [{type: scheduled, at: 1h, min: 1, desired: 1}]",
        "arrivals: uniform, rate: 40, work: {dist: constant, value: 100ms}",
        "3700s",
    )
    .replace("desired: 1, max_concurrent", "desired: 2, max_concurrent");
    let r = simulate(parse(&text, &[]));
    assert_eq!(r.groups[0].terminated, 1);
    let c = r.groups[0].credits.as_ref().unwrap();
    let by_hand = 1.9 * 60.0;
    assert!(
        (c.surplus_credits_charged - by_hand).abs() < 0.5,
        "charged {} credits at termination, by hand about {by_hand}",
        c.surplus_credits_charged
    );
    let billed = r.cost.by_service["ec2_cpu_credits"];
    assert!((billed - c.surplus_credits_charged * 0.05 / 60.0).abs() < 1e-9);
}

#[test]
fn a_fixed_performance_type_has_no_credits() {
    let text = one_instance(
        "m5.large",
        "",
        "arrivals: poisson, rate: 10, work: {dist: exponential, mean: 10ms}",
        "60s",
    );
    let r = simulate(parse(&text, &[]));
    assert!(r.groups[0].credits.is_none());
    assert!(!r.cost.by_service.contains_key("ec2_cpu_credits"));
}

#[test]
fn credit_keys_are_validated_with_their_path_and_exit_2() {
    let work = "rate: 10, work: {dist: exponential, mean: 10ms}";
    for (itype, extra, path, needle) in [
        (
            "m5.large",
            ", credit_specification: unlimited",
            "auto_scaling_groups.g.credit_specification",
            "only burstable instance types",
        ),
        (
            "m5.large",
            ", initial_credits: 5",
            "auto_scaling_groups.g.initial_credits",
            "only burstable instance types",
        ),
        (
            "t3.micro",
            ", credit_specification: unlimted",
            "auto_scaling_groups.g.credit_specification",
            "did you mean `unlimited`",
        ),
        (
            "t3.micro",
            ", initial_credits: 300",
            "auto_scaling_groups.g.initial_credits",
            "expected 0..288 credits",
        ),
    ] {
        let (code, stderr) = validate(&one_instance(itype, extra, work, "60s"));
        assert_eq!(code, 2, "{extra}: {stderr}");
        assert!(stderr.contains(path), "{extra}: {stderr}");
        assert!(stderr.contains(needle), "{extra}: {stderr}");
    }
    // A burstable type takes both keys.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.yaml");
    let good = one_instance(
        "t4g.small",
        ", credit_specification: standard, initial_credits: 100",
        work,
        "60s",
    );
    std::fs::write(&file, good).unwrap();
    let (ok, stderr) = validate_files(&[file]);
    assert!(ok, "{stderr}");
}
