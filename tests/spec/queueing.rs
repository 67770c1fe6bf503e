//! The simulator against closed-form queueing theory (nobody here chose these numbers).

use crate::support::*;

/// Mean response time of `scenarios/mmc.yaml` with `c` vCPUs at load `rho`, over independent
/// replications, against Erlang C: W = C(c, a) / (c mu - lambda) + 1 / mu.
fn check_mmc(c: u32, rho: f64, discipline: &str) {
    let mean_work_s = 0.080;
    let mu = 1.0 / mean_work_s;
    let lambda = rho * c as f64 * mu;
    let theory = erlang_c(c, lambda / mu) / (c as f64 * mu - lambda) + 1.0 / mu;
    // Enough requests that the replication means are close to normal and tight.
    let duration_s = (400_000.0 / lambda).ceil() as u64;
    let replications = 10;
    let means: Vec<f64> = (0..replications)
        .map(|seed| {
            let r = simulate(load(
                "scenarios/mmc.yaml",
                &[
                    &format!("auto_scaling_groups.station.instance.vcpus={c}"),
                    &format!("auto_scaling_groups.station.discipline={discipline}"),
                    &format!("workloads.jobs.rate={lambda}"),
                    &format!("duration={duration_s}s"),
                    "warmup=200s",
                    &format!("seed={}", 1000 + seed),
                ],
            ));
            assert_eq!(r.overall.failed(), 0);
            r.overall.latency.mean_ms() / 1e3
        })
        .collect();
    let (mean, half) = mean_ci95(&means);
    // The interval must be informative (within 4% of the answer) and must contain it.
    assert!(
        half < 0.04 * theory,
        "c={c} rho={rho}: ci95 ±{half:.5}s too wide for a test"
    );
    assert!(
        (mean - theory).abs() <= half,
        "c={c} rho={rho} {discipline}: simulated mean {mean:.5}s ± {half:.5}s, Erlang C {theory:.5}s"
    );
}

#[test]
fn mm1_fcfs_matches_erlang_c() {
    check_mmc(1, 0.5, "fcfs");
}

#[test]
fn mm4_fcfs_at_load_0_7_matches_erlang_c() {
    check_mmc(4, 0.7, "fcfs");
}

#[test]
fn mm8_fcfs_at_load_0_9_matches_erlang_c() {
    check_mmc(8, 0.9, "fcfs");
}

/// M/M/1 with processor sharing: mean response 1 / (mu - lambda), insensitive to order.
#[test]
fn mm1_processor_sharing_matches_one_over_mu_minus_lambda() {
    let mu = 1.0 / 0.080;
    let lambda = 0.8 * mu;
    let theory = 1.0 / (mu - lambda);
    let means: Vec<f64> = (0..10)
        .map(|seed| {
            let r = simulate(load(
                "scenarios/mmc.yaml",
                &[
                    "auto_scaling_groups.station.instance.vcpus=1",
                    "auto_scaling_groups.station.discipline=processor_sharing",
                    &format!("workloads.jobs.rate={lambda}"),
                    "duration=40000s",
                    "warmup=500s",
                    &format!("seed={}", 2000 + seed),
                ],
            ));
            r.overall.latency.mean_ms() / 1e3
        })
        .collect();
    let (mean, half) = mean_ci95(&means);
    assert!(half < 0.05 * theory, "ci95 ±{half:.5}s too wide");
    assert!(
        (mean - theory).abs() <= half,
        "PS mean {mean:.5} ± {half:.5}, theory {theory:.5}"
    );
}

/// Processor sharing on c cores with exactly c jobs never slows a job down: a deterministic
/// check of the virtual-time bookkeeping.
#[test]
fn processor_sharing_with_spare_cores_serves_at_full_speed() {
    let r = simulate(load(
        "scenarios/mmc.yaml",
        &[
            "auto_scaling_groups.station.instance.vcpus=4",
            "auto_scaling_groups.station.discipline=processor_sharing",
            "workloads.jobs.rate=2",
            "workloads.jobs.arrivals=uniform",
            "workloads.jobs.work={dist: constant, value: 300ms}",
            "duration=600s",
            "warmup=0",
        ],
    ));
    // Two arrivals per second, 300 ms each: never more than one at a time.
    assert_eq!(r.overall.latency.max_ms(), 300.0);
    assert!((r.overall.latency.mean_ms() - 300.0).abs() < 1e-9);
    assert!((r.groups[0].mean_cpu_percent - 100.0 * 0.6 / 4.0).abs() < 0.1);
}
