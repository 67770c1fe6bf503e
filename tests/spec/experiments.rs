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
    let base = [
        "sweep",
        "scenarios/mmc.yaml",
        "--vary",
        "auto_scaling_groups.station.instance.vcpus=8,10",
        "--slo",
        "p99<500ms",
        "--replications",
        "3",
        "--set",
        "duration=10m",
    ];
    let with = |extra: &[&str]| -> Vec<String> {
        base.iter()
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
