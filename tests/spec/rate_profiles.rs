//! Arrivals follow their rate profiles: per-minute counts against the expected counts,
//! by a chi-square test at the 0.1% level.

use crate::support::*;
use stratus::kernel::{SimTime, stream};
use stratus::workload::{ArrivalKind, ArrivalProcess, RateProfile};

fn chi_square_per_minute(profile: RateProfile, minutes: usize) {
    let mut p = ArrivalProcess::new(
        profile.clone(),
        ArrivalKind::Poisson,
        stream(99, "test/profile"),
    );
    let mut counts = vec![0u64; minutes];
    while let Some(t) = p.next(SimTime::from_secs(60 * minutes as u64)) {
        counts[(t.as_secs_f64() / 60.0) as usize] += 1;
    }
    let mut chi2 = 0.0;
    for (m, &observed) in counts.iter().enumerate() {
        let expected = profile.expected_arrivals(60.0 * m as f64, 60.0 * (m + 1) as f64);
        assert!(expected > 50.0, "bins need enough expected arrivals");
        chi2 += (observed as f64 - expected).powi(2) / expected;
    }
    // Upper 0.1% point (z = 3.09).
    let critical = chi2_critical(minutes as f64, 3.09);
    assert!(
        chi2 < critical,
        "chi-square {chi2:.1} over {minutes} bins exceeds {critical:.1}"
    );
}

#[test]
fn piecewise_profile_is_followed_minute_by_minute() {
    chi_square_per_minute(
        RateProfile::Piecewise(
            vec![(0.0, 20.0), (1800.0, 200.0), (2400.0, 200.0), (3600.0, 5.0)].into(),
        ),
        90,
    );
}

#[test]
fn diurnal_profile_is_followed_minute_by_minute() {
    chi_square_per_minute(
        RateProfile::Diurnal {
            mean: 50.0,
            amplitude: 0.8,
            period_s: 7200.0,
            peak_at_s: 1000.0,
        },
        240,
    );
}

#[test]
fn spike_profile_is_followed_minute_by_minute() {
    chi_square_per_minute(RateProfile::spike(10.0, 400.0, 1200.0, 600.0, 120.0), 60);
}

#[test]
fn thinning_does_not_miss_a_short_spike() {
    // A 2-second spike of 1000/s inside a quiet 10/s minute: about 2,000 extra arrivals.
    let profile = RateProfile::Piecewise(
        vec![
            (0.0, 10.0),
            (30.0, 10.0),
            (30.0, 1000.0),
            (32.0, 1000.0),
            (32.0, 10.0),
        ]
        .into(),
    );
    let mut p = ArrivalProcess::new(profile, ArrivalKind::Poisson, stream(3, "t"));
    let mut in_spike = 0;
    while let Some(t) = p.next(SimTime::from_secs(60)) {
        if (30.0..32.0).contains(&t.as_secs_f64()) {
            in_spike += 1;
        }
    }
    // Poisson(2000): sd 45.
    assert!((in_spike as f64 - 2000.0).abs() < 5.0 * 45.0, "{in_spike}");
}

#[test]
fn a_sum_of_profiles_is_followed_minute_by_minute() {
    chi_square_per_minute(
        RateProfile::Sum(
            vec![
                RateProfile::Diurnal {
                    mean: 60.0,
                    amplitude: 0.5,
                    period_s: 3600.0,
                    peak_at_s: 0.0,
                },
                RateProfile::spike(0.0, 300.0, 1500.0, 300.0, 60.0),
            ]
            .into(),
        ),
        60,
    );
}

#[test]
fn a_sum_profile_in_a_scenario_sends_the_summed_arrivals() {
    // A constant 50/s plus a 5-minute spike of 100/s (no ramp) over 10 minutes: 60,000
    // expected arrivals; Poisson, so the count is within 3.3 standard deviations (sqrt n).
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("sum.yaml");
    std::fs::write(
        &scenario,
        "name: sum\nduration: 10m\nseed: 5\nazs: [a, b]\nworkloads:\n  w:\n    target: alb/l\n    rate: {profile: sum, of: [{profile: constant, value: 50}, {profile: spike, base: 0, peak: 100, at: 5m, duration: 5m}]}\n    work: {dist: constant, value: 1ms}\nload_balancers: {l: {azs: [a, b], rules: [{default: g}]}}\ntarget_groups: {g: {group: g}}\nauto_scaling_groups: {g: {instance: {vcpus: 4}, azs: [a], desired: 1}}\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args([
            "run",
            scenario.to_str().unwrap(),
            "--json",
            "--no-plots",
            "--quiet",
        ])
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = s["requests"]["total"].as_f64().unwrap();
    let expected = 50.0 * 600.0 + 100.0 * 300.0;
    assert!((n - expected).abs() / expected.sqrt() < 3.3, "{n} arrivals");
    // A trace cannot be part of a sum: a clear error.
    std::fs::write(
        &scenario,
        "name: sum\nduration: 10m\nazs: [a, b]\nworkloads:\n  w:\n    target: alb/l\n    rate: {profile: sum, of: [{profile: trace, file: x.csv}]}\n    work: {dist: constant, value: 1ms}\nload_balancers: {l: {azs: [a, b], rules: [{default: g}]}}\ntarget_groups: {g: {group: g}}\nauto_scaling_groups: {g: {instance: {vcpus: 4}, azs: [a], desired: 1}}\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["validate", scenario.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("workloads.w.rate.of[0]"));
}
