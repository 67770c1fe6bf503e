//! Hostile, malformed and huge inputs through the binary: each case ends with the exit code
//! the contract gives it (2 bad input, 1 a run that cannot be done) and a message naming the
//! cause, never a panic, an abort or a hang. One table per class of the robustness audit.

use super::hostile_fs::snapshot;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const Q: &str = "scenarios/quickstart.yaml";

/// Runs `stratus ARGS` (under `prlimit --as` when `memory` is given and prlimit exists) and
/// checks its exit code and that stderr contains `message`, all within 60 s.
fn expect(args: &[&str], code: i32, message: &str, memory: Option<u64>) {
    let bin = env!("CARGO_BIN_EXE_stratus");
    let mut cmd = match memory {
        Some(bytes) if Path::new("/usr/bin/prlimit").exists() => {
            let mut c = Command::new("/usr/bin/prlimit");
            c.arg(format!("--as={bytes}")).arg(bin);
            c
        }
        _ => Command::new(bin),
    };
    let started = Instant::now();
    let out = cmd.args(args).output().expect("stratus runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{args:?} took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(code), "{args:?}\n{stderr}");
    assert!(
        stderr.contains(message),
        "{args:?}: expected `{message}` in\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{args:?}\n{stderr}");
}

fn validate_set(set: &str, code: i32, message: &str) {
    expect(&["validate", Q, "--set", set], code, message, None);
}

#[test]
fn class_4_non_finite_negative_and_overflowing_numbers_are_refused_with_their_path() {
    let w = "workloads.browse";
    for (set, message) in [
        (
            format!("{w}.classes.0.weight=.nan"),
            "classes[0].weight: `weight` must be a finite number, got .nan",
        ),
        (
            format!("{w}.classes.0.weight=.inf"),
            "must be a finite number",
        ),
        (format!("{w}.rate.ramp=.nan"), "expected a finite duration"),
        (format!("{w}.rate.peak=-.inf"), "must be a finite number"),
        (
            "pricing.ec2.per_hour.c5\\.large=-1".to_string(),
            "pricing.ec2.per_hour.c5.large: a price must be zero or more, got -1",
        ),
        ("availability_slo=.nan".to_string(), "availability_slo"),
    ] {
        validate_set(&set, 2, message);
    }
    expect(
        &[
            "validate",
            Q,
            "--set",
            "workloads.browse.classes.0.weight=1e308",
            "--set",
            "workloads.browse.classes.1.weight=1e308",
        ],
        2,
        "class weights add up to more than the largest number",
        None,
    );
}

#[test]
fn class_5_duplicate_keys_are_refused_with_both_lines() {
    let dir = tempfile::tempdir().unwrap();
    let top = dir.path().join("top.yaml");
    let text = std::fs::read_to_string(Q).unwrap();
    std::fs::write(&top, format!("{text}\nduration: 1h\n")).unwrap();
    let first = text
        .lines()
        .position(|l| l.starts_with("duration:"))
        .expect("quickstart has a duration")
        + 1;
    let last = text.lines().count() + 2;
    expect(
        &["validate", top.to_str().unwrap()],
        2,
        &format!("duplicate key `duration` (lines {first} and {last})"),
        None,
    );
    let nested = dir.path().join("nested.yaml");
    std::fs::write(
        &nested,
        "name: n\nduration: 1m\nworkloads:\n  w:\n    target: sqs/q\n    rate: 1\n    rate: 2\nqueues:\n  q: {}\n",
    )
    .unwrap();
    expect(
        &["validate", nested.to_str().unwrap()],
        2,
        "workloads.w.rate: duplicate key `rate` (lines 6 and 7)",
        None,
    );
}

#[test]
fn class_6_huge_inputs_are_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    // Rates past the documented maximum: the spike and the piecewise point of the audit.
    validate_set("workloads.browse.rate.peak=1e12", 2, "at most 1e6");
    validate_set(
        "workloads.browse.rate={profile: piecewise, points: [[0m, 1], [4m, 1e308]]}",
        2,
        "at most 1e6",
    );
    // Devices are not read as scenarios, price tables or data files.
    expect(&["validate", "/dev/zero"], 2, "not a regular file", None);
    expect(
        &["run", Q, "--prices", "/dev/urandom", "--out", out],
        2,
        "not a regular file",
        None,
    );
    // 300,000 unclosed brackets: refused before the YAML scanner sees them.
    let brackets = dir.path().join("b.yaml");
    std::fs::write(&brackets, format!("name: {}", "[".repeat(300_000))).unwrap();
    expect(
        &["validate", brackets.to_str().unwrap()],
        2,
        "brackets nest deeper than 64 levels",
        None,
    );
    // A busy day is refused before it runs: the event budget, with the flag that raises it.
    expect(
        &[
            "run",
            Q,
            "--set",
            "workloads.browse.rate=1000000",
            "--set",
            "duration=1d",
            "--quiet",
            "--out",
            out,
        ],
        1,
        "raise --max-events",
        None,
    );
}

#[test]
fn class_6_memory_blow_ups_end_with_exit_1_under_a_memory_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    let limit = Some(1_500_000_000);
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "run",
                "scenarios/sqs-lambda.yaml",
                "--set",
                "workloads.trickle.rate=1000000",
                "--set",
                "queues.jobs.consumers=[]",
            ],
            "queues without consumers",
        ),
        (
            &[
                "run",
                Q,
                "--set",
                "duration=100000d",
                "--set",
                "metric_period=1s",
                "--set",
                "workloads.browse.rate=0.001",
            ],
            "metric periods",
        ),
        (&["run", Q, "--replications", "100000"], "run(s) kept"),
        (
            &[
                "run",
                "scenarios/mmc.yaml",
                "--set",
                "auto_scaling_groups.station.max_concurrent=4294967295",
                "--set",
                "workloads.jobs.rate=1000000",
            ],
            "max_events",
        ),
    ];
    for (args, message) in cases {
        let mut all = args.to_vec();
        all.extend([
            "--max-memory",
            "700MB",
            "--quiet",
            "--no-plots",
            "--out",
            out,
        ]);
        expect(&all, 1, message, limit);
        expect(&all, 1, "--max", limit);
    }
}

#[test]
fn class_6_a_group_of_a_million_is_refused_or_set_up_quickly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    let million = [
        "--set",
        "auto_scaling_groups.static.min=1000000",
        "--set",
        "auto_scaling_groups.static.max=1000000",
        "--set",
        "auto_scaling_groups.static.desired=1000000",
    ];
    let run = |extra: &[&str], code: i32, message: &str| {
        let mut args = vec!["run", Q];
        args.extend(million);
        args.extend(extra);
        args.extend(["--quiet", "--no-plots", "--out", out]);
        expect(&args, code, message, Some(1_500_000_000));
    };
    // Under a small budget the instances alone are refused before setup.
    run(&["--max-memory", "700MB"], 1, "instances (the groups' max)");
    run(&["--max-memory", "700MB"], 1, "--max-memory");
    // Their health checks count in the event budget: one per instance per 30 s interval.
    run(
        &["--max-memory", "4GB", "--max-events", "10000000"],
        1,
        "target health checks",
    );
    // With the budget to hold them, setup is linear: launching, registering and the first
    // probe of a million instances, then 10 s of traffic, end well inside `expect`'s 60 s.
    run(
        &[
            "--max-memory",
            "4GB",
            "--set",
            "duration=10s",
            "--set",
            "warmup=0s",
            "--set",
            "workloads.browse.rate=1",
            "--max-events",
            "5000000",
        ],
        0,
        "",
    );
}

#[test]
fn class_6_a_sweep_past_the_memory_budget_stops_every_cell_and_keeps_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("sweep.json"), "{\"previous\": true}").unwrap();
    let before = snapshot(dir.path());
    // An FCFS station far past its capacity holds about 150 MB of requests in flight, which
    // the estimate before the run (histograms and series, a few MB) does not see; under a
    // 200 MB budget the watchdog stops every cell once the process holds half of it.
    expect(
        &[
            "sweep",
            "scenarios/mmc.yaml",
            "--vary",
            "workloads.jobs.rate=100000,200000",
            "--set",
            "duration=2m",
            "--set",
            "warmup=0s",
            "--max-memory",
            "200MB",
            "--quiet",
            "--no-plots",
            "--out",
            out.to_str().unwrap(),
        ],
        1,
        "stopped before it passes --max-memory",
        Some(1_500_000_000),
    );
    // No staging folder left, and the previous outputs unchanged.
    assert_eq!(snapshot(dir.path()), before);
}

#[test]
fn class_8_and_9_hostile_shard_manifests_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let shard = dir.path().join("shard");
    std::fs::create_dir_all(shard.join("cells")).unwrap();
    let manifest = |replications: &str, kind: &str| {
        format!(
            r#"{{"kind": "{kind}", "scenario": "s", "variants": [{{"name": "a", "values": []}}], "replications": {replications}, "slo": null, "description": ""}}"#
        )
    };
    let shard_s = shard.to_str().unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    for (replications, kind, message) in [
        (
            "4611686018427387904",
            "run",
            "replications must be between 1 and 100000",
        ),
        (
            "1000000000000",
            "run",
            "replications must be between 1 and 100000",
        ),
        ("0", "run", "replications must be between 1 and 100000"),
        ("1", "bogus", "unknown experiment kind"),
        ("1", "run", "is missing"),
    ] {
        std::fs::write(shard.join("experiment.json"), manifest(replications, kind)).unwrap();
        expect(
            &["merge", shard_s, "--quiet", "--out", out],
            2,
            message,
            None,
        );
    }
    expect(
        &[
            "merge",
            dir.path().to_str().unwrap(),
            "--quiet",
            "--out",
            out,
        ],
        2,
        "not a shard folder",
        None,
    );
    for slo in ["p99<NaNms", "errors<200%"] {
        expect(
            &["sweep", Q, "--vary", "seed=1,2", "--slo", slo, "--out", out],
            2,
            slo,
            None,
        );
    }
}

#[test]
fn class_10_component_names_are_restricted_as_aws_restricts_them() {
    validate_set(
        "auto_scaling_groups.g\\,1={instance: {type: c5.large}, azs: [a], desired: 1}",
        2,
        "is not allowed: use 1 to 255 letters, digits, `-` and `_`",
    );
    validate_set(
        "load_balancers.web_1={azs: [a, b], rules: [{default: api}]}",
        2,
        "use 1 to 32 letters, digits and `-`",
    );
}

#[test]
fn class_12_out_of_range_integers_and_durations_say_the_range() {
    for (set, message) in [
        (
            "seed=18446744073709551616",
            "`seed` must be a whole number between 0 and 2^64-1",
        ),
        (
            "auto_scaling_groups.api.min=-1",
            "`min` must be at least 0, got -1",
        ),
        ("duration=1000000d", "past the longest duration, 584 years"),
        (
            "duration=18446744073709551616s",
            "past the longest duration",
        ),
    ] {
        validate_set(set, 2, message);
    }
    // One problem, not a follow-on "no auto scaling group named api".
    let out = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["validate", Q, "--set", "auto_scaling_groups.api.min=-1"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 problem\n"), "{stderr}");
}

#[test]
fn issue_14_flags_that_would_do_nothing_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let out = out.to_str().unwrap();
    let trace = dir.path().join("t.jsonl");
    let trace = trace.to_str().unwrap();
    expect(
        &[
            "run",
            Q,
            "--trace-filter",
            "kind=request_finished",
            "--out",
            out,
        ],
        2,
        "do nothing without --trace",
        None,
    );
    expect(
        &[
            "run",
            Q,
            "--trace",
            trace,
            "--trace-filter",
            "kind=request_finishd",
            "--out",
            out,
        ],
        2,
        "did you mean `request_finished`",
        None,
    );
    expect(
        &[
            "run",
            Q,
            "--trace",
            trace,
            "--trace-filter",
            "component=wbe",
            "--out",
            out,
        ],
        2,
        "no component `wbe` (did you mean `web`?)",
        None,
    );
    validate_set(
        "auto_scaling_groups.apii.max=3",
        2,
        "no `apii` in `auto_scaling_groups` (did you mean `api`?)",
    );
    validate_set(
        "workloads.browse.work={dist: exponential, mean: 5ms}",
        2,
        "ignored: every class has its own `work`",
    );
}

#[path = "../../examples/fuzz/core.rs"]
mod fuzz_core;

#[test]
fn mutated_shipped_scenarios_never_panic_or_hang() {
    // A bounded slice of the fuzzer (`cargo run --release --example fuzz` runs millions).
    let corpus = fuzz_core::corpus(&crate::support::repo_path("scenarios"));
    let s = fuzz_core::run(1, 1_500, &corpus, |_, _| {});
    assert!(s.failures.is_empty(), "{}", s.failures.join("\n"));
    assert_eq!(s.valid + s.invalid + s.run_failed, 1_500);
}

#[test]
fn class_6_traces_are_capped_at_trace_max_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.jsonl");
    let out = dir.path().join("o");
    let run = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["run", Q, "--no-plots", "--trace"])
        .arg(&trace)
        .args(["--trace-max-bytes", "10KB", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("--trace-max-bytes"), "{stderr}");
    let text = std::fs::read_to_string(&trace).unwrap();
    let cap = stratus::scenario::units::parse_bytes("10KB").unwrap() as usize;
    assert!(text.len() <= cap && text.len() > cap / 2, "{}", text.len());
    assert!(text.ends_with('\n'), "whole lines only");
}
