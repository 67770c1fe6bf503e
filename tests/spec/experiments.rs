//! Replications, comparisons on common random numbers, sweeps against Erlang C, and shards
//! that merge into exactly what one run writes.

use crate::support::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use stratus::experiment::{Plan, Variant, shard_cells};

fn stratus(args: &[&str], envs: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stratus"));
    cmd.args(args).arg("--quiet");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "stratus {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Removes every `wall_s` (the only figure allowed to differ between identical runs).
fn without_wall(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("wall_s");
            m.values_mut().for_each(without_wall);
        }
        Value::Array(a) => a.iter_mut().for_each(without_wall),
        _ => {}
    }
}

fn mmc_plan(replications: usize, overrides: &[&str]) -> Plan {
    let s = Arc::new(load("scenarios/mmc.yaml", overrides));
    Plan {
        variants: vec![Variant {
            name: "mmc".into(),
            values: vec![],
            scenario: s,
        }],
        replications,
    }
}

fn mean_half_width(replications: usize) -> f64 {
    let plan = mmc_plan(replications, &["duration=15m", "warmup=1m"]);
    let cells = plan.run(&shard_cells(&plan, None), || {}).unwrap();
    let refs: Vec<_> = cells.iter().collect();
    let agg = stratus::experiment::aggregate::aggregate(&refs);
    agg.summary["ci95"]["latency_ms"]["mean"].as_f64().unwrap()
}

#[test]
fn confidence_intervals_shrink_as_one_over_root_n() {
    let (h10, h40) = (mean_half_width(10), mean_half_width(40));
    // Expected ratio 2 t(9)/t(39) = 2.24; the sample standard deviation of 10 replications is
    // within [0.6, 1.4] of sigma with probability above 0.98, which bounds the ratio.
    let expected = 2.0 * t975(9) / 2.023;
    let ratio = h10 / h40;
    assert!(
        ratio > 0.6 * expected && ratio < 1.5 * expected,
        "ratio {ratio:.2}, expected about {expected:.2}"
    );
}

#[test]
fn replicated_results_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let mut summaries = Vec::new();
    for threads in ["1", "2"] {
        let out = dir.path().join(threads);
        let out_s = out.to_str().unwrap();
        stratus(
            &[
                "run",
                "scenarios/mmc.yaml",
                "--replications",
                "6",
                "--set",
                "duration=10m",
                "--out",
                out_s,
            ],
            &[("RAYON_NUM_THREADS", threads)],
        );
        let mut s = json(&out.join("summary.json"));
        without_wall(&mut s);
        assert_eq!(s["replications"], 6);
        summaries.push((s, std::fs::read(out.join("latency.hgrm")).unwrap()));
    }
    assert_eq!(summaries[0], summaries[1]);
}

#[test]
fn identical_variants_differ_by_exactly_zero() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    stratus(
        &[
            "compare",
            "scenarios/mmc.yaml",
            "scenarios/mmc.yaml",
            "--replications",
            "3",
            "--set",
            "duration=10m",
            "--out",
            out,
        ],
        &[],
    );
    let c = json(&dir.path().join("compare.json"));
    let v = &c["variants"][1];
    assert_eq!(v["diff"]["latency_ms"]["p99"], 0.0);
    assert_eq!(v["diff"]["requests"]["total"], 0.0);
    assert_eq!(v["diff_ci95"]["latency_ms"]["mean"], 0.0);
}

#[test]
fn common_random_numbers_narrow_the_paired_interval() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    stratus(
        &[
            "compare",
            "scenarios/mmc.yaml",
            "--vary",
            "auto_scaling_groups.station.instance.vcpus=9,10",
            "--replications",
            "8",
            "--set",
            "duration=20m",
            "--out",
            out,
        ],
        &[],
    );
    let c = json(&dir.path().join("compare.json"));
    let v = &c["variants"][1];
    let paired = v["diff_ci95"]["latency_ms"]["mean"].as_f64().unwrap();
    let unpaired = v["diff_ci95_unpaired"]["latency_ms"]["mean"]
        .as_f64()
        .unwrap();
    assert!(
        v["diff"]["latency_ms"]["mean"].as_f64().unwrap() < 0.0,
        "more servers, less waiting"
    );
    assert!(
        paired < unpaired,
        "paired ±{paired:.3} should be narrower than unpaired ±{unpaired:.3}"
    );
}

#[test]
fn plan_finds_the_server_count_erlang_c_gives() {
    // lambda 90/s, mu 12.5/s. The SLO on mean response time sits halfway between the Erlang C
    // answers for two consecutive server counts, so the answer is unambiguous.
    let (lambda, mu) = (90.0, 12.5);
    let w = |c: u32| erlang_c(c, lambda / mu) / (c as f64 * mu - lambda) + 1.0 / mu;
    let threshold_ms = 1e3 * (w(9) + w(10)) / 2.0;
    let expected = (8..20).find(|&c| w(c) * 1e3 < threshold_ms).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let slo = format!("mean<{threshold_ms:.3}ms");
    stratus(
        &[
            "sweep",
            "scenarios/mmc.yaml",
            "--vary",
            "auto_scaling_groups.station.instance.vcpus=8..12",
            "--slo",
            &slo,
            "--replications",
            "4",
            "--set",
            "duration=30m",
            "--out",
            out,
        ],
        &[],
    );
    let s = json(&dir.path().join("sweep.json"));
    assert_eq!(
        s["best"]["values"]["auto_scaling_groups.station.instance.vcpus"], expected,
        "{}",
        s["best"]
    );
    assert_eq!(s["points"].as_array().unwrap().len(), 5);
}

#[test]
fn shards_merge_into_exactly_what_one_run_writes() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n).to_str().unwrap().to_string();
    let with = |extra: &[&str]| -> Vec<String> {
        ["sweep", "scenarios/mmc.yaml"]
            .iter()
            .chain(crate::parallel::SWEEP.iter())
            .map(|s| s.to_string())
            .chain(extra.iter().map(|s| s.to_string()))
            .collect()
    };
    let run =
        |args: Vec<String>| stratus(&args.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    run(with(&["--out", &p("whole")]));
    run(with(&["--shard", "1/2", "--out", &p("s1")]));
    run(with(&["--shard", "2/2", "--out", &p("s2")]));
    stratus(&["merge", &p("s1"), &p("s2"), "--out", &p("merged")], &[]);
    let whole = dir.path().join("whole");
    let merged = dir.path().join("merged");
    let mut a = json(&whole.join("sweep.json"));
    let mut b = json(&merged.join("sweep.json"));
    without_wall(&mut a);
    without_wall(&mut b);
    assert_eq!(a, b);
    let strip = |f: &Path| -> String {
        std::fs::read_to_string(f)
            .unwrap()
            .lines()
            .filter(|l| !l.contains("wall_s"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&whole.join("sweep.csv")),
        strip(&merged.join("sweep.csv"))
    );
    for v in ["vcpus=8", "vcpus=10"] {
        for f in ["timeseries.csv", "latency.hgrm", "dashboard.svg"] {
            let (x, y) = (
                whole.join("variants").join(v).join(f),
                merged.join("variants").join(v).join(f),
            );
            assert_eq!(
                std::fs::read(&x).unwrap(),
                std::fs::read(&y).unwrap(),
                "{v}/{f}"
            );
        }
    }
    // The plots and the report are the same pictures of the same numbers.
    for f in [
        "sweep.svg",
        "compare-timeseries.svg",
        "latency-cdf.svg",
        "report.html",
    ] {
        assert_eq!(
            std::fs::read(whole.join(f)).unwrap(),
            std::fs::read(merged.join(f)).unwrap(),
            "{f}"
        );
    }
    // A missing shard is an error, not a silent partial answer.
    let out = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["merge", &p("s1"), "--out", &p("partial"), "--quiet"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"));
}

/// Runs the binary without `--quiet`: (success, stdout, stderr).
fn stratus_loud(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// One 1-vCPU FCFS server taking 10 ms per request at 50/s, then, for the last two seconds,
/// 1000/s: most of the burst is still queued at the end, while the requests that finished are
/// nearly all fast.
const BURST_AT_THE_END: &str = "name: burst
duration: 10m
seed: 3
azs: [a, b]
workloads:
  w:
    target: alb/l
    rate: {profile: piecewise, points: [[0s, 50], [598s, 50], [598s, 1000]]}
    work: {dist: constant, value: 10ms}
load_balancers: {l: {azs: [a, b], rules: [{default: g}]}}
target_groups: {g: {group: g}}
auto_scaling_groups:
  g: {instance: {vcpus: 1}, discipline: fcfs, max_concurrent: 100000, azs: [a], min: 1, max: 1, desired: 1}
";

fn write_scenario(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

#[test]
fn a_sweep_never_calls_unfinished_requests_a_met_slo() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "burst.yaml", BURST_AT_THE_END);
    let out = dir.path().join("out");
    let (ok, stdout, stderr) = stratus_loud(&[
        "sweep",
        &scenario,
        "--vary",
        "auto_scaling_groups.g.desired=1",
        "--slo",
        "p99<100ms",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let s = json(&out.join("sweep.json"));
    let p = &s["points"][0];
    let r = &p["summary"]["requests"];
    let (ok_n, failed, in_flight) = (
        r["ok"].as_f64().unwrap(),
        r["failed"].as_f64().unwrap(),
        r["in_flight"].as_f64().unwrap(),
    );
    // The finished requests alone would pass: their p99 is far below 100 ms...
    assert!(p["summary"]["latency_ms"]["p99"].as_f64().unwrap() < 100.0);
    // ...but over a thousand requests of the burst are unfinished, most older than 100 ms.
    assert!(in_flight > 1000.0, "{in_flight} in flight");
    assert_eq!(p["meets_slo"], false, "{p}");
    assert!(stdout.contains("no point meets the SLO"), "{stdout}");
    // The judged share is at most (ok) / (ok + failed + unfinished older than 100 ms); at
    // 100/s service, only the last 0.1 s of arrivals (about 100) can be younger than 100 ms.
    let share = p["slo"][0]["value"].as_f64().unwrap();
    assert!(
        share <= ok_n / (ok_n + failed + in_flight - 100.0),
        "{share}"
    );
    // A single run: no confidence claimed either way.
    assert!(p["meets_slo_with_95_confidence"].is_null());
    assert!(p["slo"][0]["ci95"].is_null());
}

#[test]
fn confidence_needs_replications_and_no_slo_names_no_cheapest_point() {
    let dir = tempfile::tempdir().unwrap();
    let run = |reps: &str, slo: Option<&str>, out: &str| {
        let out = dir.path().join(out);
        let mut args = vec![
            "sweep",
            "scenarios/mmc.yaml",
            "--vary",
            "auto_scaling_groups.station.instance.vcpus=10,12",
            "--replications",
            reps,
            "--set",
            "duration=6m",
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ];
        if let Some(s) = slo {
            args.extend(["--slo", s]);
        }
        let (ok, stdout, stderr) = stratus_loud(&args);
        assert!(ok, "{stderr}");
        (stdout, json(&out.join("sweep.json")))
    };
    let (single, s) = run("1", Some("p99<2s"), "single");
    assert!(single.contains("a single run: no confidence"), "{single}");
    assert!(!single.contains("95% confidence)"), "{single}");
    assert!(s["points"][0]["meets_slo_with_95_confidence"].is_null());
    assert!(s["best_with_95_confidence"].is_null());
    let (two, s) = run("2", Some("p99<2s"), "two");
    assert!(two.contains("(met with 95% confidence)"), "{two}");
    assert_eq!(s["points"][0]["meets_slo_with_95_confidence"], true);
    let (none, s) = run("1", None, "none");
    assert!(!none.to_lowercase().contains("cheapest"), "{none}");
    assert!(s["best"].is_null() && s["points"][0]["meets_slo"].is_null());
}

#[test]
fn an_interval_wider_than_its_mean_is_called_out() {
    // Two replications (t = 12.7) of a figure as noisy as the rare 503s of a tight
    // concurrency limit: some interval is wider than its mean.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (ok, stdout, stderr) = stratus_loud(&[
        "compare",
        "scenarios/mmc.yaml",
        "--vary",
        "auto_scaling_groups.station.max_concurrent=20,1000",
        "--replications",
        "2",
        "--set",
        "duration=8m",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let c = json(&out.join("compare.json"));
    let variants = c["variants"].as_array().unwrap();
    let figures = stratus::experiment::compare::headline_figures_of(variants);
    let mut wide = Vec::new();
    for v in variants {
        for (label, path) in &figures {
            let m = stratus::experiment::compare::figure(&v["summary"], path);
            let h = stratus::experiment::compare::figure(&v["summary"]["ci95"], path);
            if h > m.abs() && m != 0.0 {
                wide.push(format!("{label} at {}", v["name"].as_str().unwrap()));
            }
        }
    }
    assert!(!wide.is_empty(), "the case under test occurs: {c}");
    assert!(
        stdout.contains(&wide[0]),
        "{} not named in\n{stdout}",
        wide[0]
    );
    assert!(stdout.contains("ci95 wider than"), "{stdout}");
    assert!(stdout.contains("--replications"), "{stdout}");
}

#[test]
fn an_slo_below_the_work_floor_is_reported_before_sweeping() {
    let dir = tempfile::tempdir().unwrap();
    let one = BURST_AT_THE_END.replace(
        "work: {dist: constant, value: 10ms}",
        "work: {dist: exponential, mean: 40ms}",
    );
    let one = write_scenario(dir.path(), "one.yaml", &one);
    let args = |s: &str, slo: &str| -> (bool, String, String) {
        stratus_loud(&[
            "sweep",
            s,
            "--vary",
            "auto_scaling_groups.g.desired=4",
            "--slo",
            slo,
            "--set",
            "duration=1m",
            "--quiet",
            "--no-plots",
            "--out",
            dir.path().join("o").to_str().unwrap(),
        ])
    };
    // Exponential 40 ms: p99 = 40 ln 100 = 184.2 ms with unlimited capacity.
    let floor = 40.0 * 100f64.ln();
    let (ok, _, stderr) = args(&one, "p99<150ms");
    assert!(ok);
    assert!(
        stderr.contains(&format!("best p99 is {floor:.1} ms")),
        "{stderr}"
    );
    assert!(!args(&one, "p99<200ms").2.contains("best p99"));
    // Two classes, exponential 40 ms and constant 100 ms, half each: the mixture's p99 solves
    // 0.5 (1 - e^(-x/40)) + 0.5 = 0.99, so x = 40 ln 50.
    let mix = BURST_AT_THE_END.replace(
        "    work: {dist: constant, value: 10ms}\n",
        "    classes:\n      - {name: a, weight: 1, work: {dist: exponential, mean: 40ms}}\n      - {name: b, weight: 1, work: {dist: constant, value: 100ms}}\n",
    );
    let mix = write_scenario(dir.path(), "mix.yaml", &mix);
    let (ok, _, stderr) = args(&mix, "p99<150ms");
    assert!(ok, "{stderr}");
    let floor = 40.0 * 50f64.ln();
    assert!(
        stderr.contains(&format!("best p99 is {floor:.1} ms")),
        "{stderr}"
    );
}

#[test]
fn several_vary_run_the_grid_and_flow_values_may_hold_commas() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("grid");
    let (ok, stdout, stderr) = stratus_loud(&[
        "sweep",
        "scenarios/mmc.yaml",
        "--vary",
        "auto_scaling_groups.station.instance.vcpus=10,12",
        "--vary",
        "workloads.jobs.work=[{dist: exponential, mean: 80ms}, {dist: lognormal, mean: 80ms, p99: 400ms}]",
        "--slo",
        "mean<200ms",
        "--set",
        "duration=8m",
        "--no-plots",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let s = json(&out.join("sweep.json"));
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    let names: Vec<String> = points
        .iter()
        .map(|p| {
            p["values"]["workloads.jobs.work"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(names[0], "{dist: exponential, mean: 80ms}");
    assert_eq!(names[1], "{dist: lognormal, mean: 80ms, p99: 400ms}");
    for p in points {
        let label = format!(
            "vcpus={} work={}",
            p["values"]["auto_scaling_groups.station.instance.vcpus"],
            p["values"]["workloads.jobs.work"].as_str().unwrap()
        );
        assert!(stdout.contains(&label), "{label} not in\n{stdout}");
    }
    // The cheapest point meeting the SLO is named: fewer vCPUs cost less.
    assert_eq!(
        s["best"]["values"]["auto_scaling_groups.station.instance.vcpus"],
        10
    );
    assert!(
        stdout.contains("cheapest point meeting the SLO: vcpus=10"),
        "{stdout}"
    );
    // compare runs the grid too.
    let out = dir.path().join("cmp");
    stratus(
        &[
            "compare",
            "scenarios/mmc.yaml",
            "--vary",
            "auto_scaling_groups.station.instance.vcpus=10,12",
            "--vary",
            "auto_scaling_groups.station.discipline=fcfs,processor_sharing",
            "--set",
            "duration=7m",
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let c = json(&out.join("compare.json"));
    assert_eq!(c["variants"].as_array().unwrap().len(), 4);
    assert_eq!(
        c["variants"][3]["name"],
        "vcpus=12 discipline=processor_sharing"
    );
}

#[test]
fn varying_a_fixed_fleet_moves_min_max_and_desired_and_errors_name_the_variant() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = write_scenario(dir.path(), "burst.yaml", BURST_AT_THE_END);
    let out = dir.path().join("out");
    stratus(
        &[
            "compare",
            &scenario,
            "--vary",
            "auto_scaling_groups.g.desired=1,3",
            "--set",
            "duration=2m",
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    let c = json(&out.join("compare.json"));
    for (i, n) in [1, 3].iter().enumerate() {
        let g = &c["variants"][i]["summary"]["auto_scaling_groups"]["g"];
        assert_eq!(g["max_in_service"], *n, "{g}");
        // A fixed fleet of n for 2 minutes: n * 2/60 instance-hours.
        let hours = g["instance_hours"].as_f64().unwrap();
        assert!((hours - *n as f64 * 2.0 / 60.0).abs() < 1e-9, "{hours}");
    }
    let (ok, _, stderr) = stratus_loud(&[
        "compare",
        &scenario,
        "--vary",
        "auto_scaling_groups.g.instance.vcpus=1,-2",
        "--out",
        dir.path().join("bad").to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(stderr.contains("variant vcpus=-2"), "{stderr}");
}

#[test]
fn costs_per_hour_and_per_million_requests_sit_beside_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let (ok, stdout, stderr) = stratus_loud(&[
        "compare",
        "scenarios/quickstart.yaml",
        "--vary",
        "auto_scaling_groups.static.instance.type=c5.large,c5.xlarge",
        "--set",
        "duration=20m",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let c = json(&out.join("compare.json"));
    for v in c["variants"].as_array().unwrap() {
        let s = &v["summary"];
        let hours =
            (s["sim_duration_s"].as_f64().unwrap() - s["warmup_s"].as_f64().unwrap()) / 3600.0;
        let total = s["cost_usd"]["total"].as_f64().unwrap();
        let per_hour = s["cost_usd"]["per_hour"].as_f64().unwrap();
        assert!((per_hour - total / hours).abs() < 1e-9 * total.max(1.0));
        let arrived = s["requests"]["total"].as_f64().unwrap();
        let per_m = s["cost_usd"]["per_million_requests"].as_f64().unwrap();
        assert!((per_m - total / arrived * 1e6).abs() < 1e-6 * per_m);
    }
    for label in [
        "cost usd",
        "usd/hour",
        "usd/M req",
        "502",
        "504",
        "scaling",
        "replaced",
    ] {
        assert!(stdout.contains(label), "{label} missing from\n{stdout}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("usd/hour") && html.contains("usd/M req"));
    // Every variant folder has the files a run writes.
    for v in ["type=c5.large", "type=c5.xlarge"] {
        for f in [
            "summary.json",
            "timeseries.csv",
            "latency.hgrm",
            "scaling_activities.csv",
            "dashboard.svg",
            "dashboard.png",
        ] {
            assert!(out.join("variants").join(v).join(f).is_file(), "{v}/{f}");
        }
    }
}
