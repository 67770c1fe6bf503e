//! The simulator against closed-form queueing theory (nobody here chose these numbers).
//! Replication means are compared with the theory by their z score, |z| <= 3.3 (a chance
//! failure of about 1 in 1000 per test), so a harmless change in the order of random draws
//! does not fail a test by chance, while a real bias of a few standard errors does.

use crate::support::*;

/// The largest |z| a test accepts.
const Z_MAX: f64 = 3.3;

/// The mean of independent replicates and its standard error.
fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

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
    let (mean, se) = mean_se(&means);
    // The test must be informative (a standard error within 1.5% of the answer).
    assert!(
        se < 0.015 * theory,
        "c={c} rho={rho}: standard error {se:.5}s too wide for a test"
    );
    let z = (mean - theory) / se;
    assert!(
        z.abs() <= Z_MAX,
        "c={c} rho={rho} {discipline}: simulated mean {mean:.5}s (se {se:.5}s, z {z:.2}), Erlang C {theory:.5}s"
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

/// Processor sharing on c cores (each of n jobs served at min(1, c/n) of a core) with
/// exponential work: the number in system is the same birth-death chain as M/M/c FCFS (total
/// service rate min(n, c) mu), so by Little's law the mean response time is Erlang C's.
#[test]
fn mm4_processor_sharing_has_the_mean_response_of_mm4_fcfs() {
    check_mmc(4, 0.7, "processor_sharing");
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
    let (mean, se) = mean_se(&means);
    assert!(se < 0.02 * theory, "standard error {se:.5}s too wide");
    let z = (mean - theory) / se;
    assert!(
        z.abs() <= Z_MAX,
        "PS mean {mean:.5} (se {se:.5}, z {z:.2}), theory {theory:.5}"
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
