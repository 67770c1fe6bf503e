//! Bad input gets a clear error naming the file and the field path, exit code 2, no panic.

use crate::support::{scenario_files, validate_files};
use std::process::Command;

const GOOD: &str = r#"
name: ok
duration: 10m
azs: [a, b]
workloads:
  web: {target: alb/front, rate: 10, work: {dist: exponential, mean: 10ms}}
load_balancers:
  front: {azs: [a, b], rules: [{path: /api/*, target_group: api}, {default: api}]}
target_groups:
  api: {group: api}
auto_scaling_groups:
  api: {instance: {type: c5.large}, azs: [a, b], min: 1, max: 4, desired: 2}
"#;

/// Runs `stratus validate` on `text` and returns (exit code, stderr).
pub(crate) fn validate(text: &str) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(&file, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .arg("validate")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!stderr.contains("panicked"), "panic: {stderr}");
    assert!(
        stderr.contains("bad.yaml"),
        "the message names the file: {stderr}"
    );
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn the_good_scenario_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("good.yaml");
    std::fs::write(&file, GOOD).unwrap();
    let (ok, stderr) = validate_files(&[file]);
    assert!(ok, "{stderr}");
}

#[test]
fn malformed_scenarios_report_the_field_path_and_exit_2() {
    // (what is wrong, replace this, with this, expected path, expected words)
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "unknown top-level key",
            "duration: 10m",
            "duration: 10m\nworklods: {}",
            "worklods",
            "did you mean `workloads`",
        ),
        (
            "unknown nested key",
            "rate: 10,",
            "rate: 10, rat: 3,",
            "workloads.web.rat",
            "unknown key",
        ),
        (
            "wrong type",
            "desired: 2",
            "desired: two",
            "auto_scaling_groups.api.desired",
            "`desired` must be a whole number between 0 and 4294967295",
        ),
        (
            "missing unit",
            "duration: 10m",
            "duration: 600",
            "duration",
            "unit",
        ),
        (
            "bad unit",
            "mean: 10ms",
            "mean: 10 parsecs",
            "workloads.web.work",
            "unknown duration unit `parsecs`",
        ),
        (
            "negative rate",
            "rate: 10,",
            "rate: -5,",
            "workloads.web.rate",
            "positive rate",
        ),
        (
            "zero rate",
            "rate: 10,",
            "rate: 0,",
            "workloads.web.rate",
            "positive rate",
        ),
        (
            "min above desired",
            "min: 1,",
            "min: 3,",
            "auto_scaling_groups.api.min",
            "must not exceed desired",
        ),
        (
            "max below desired",
            "max: 4,",
            "max: 1,",
            "auto_scaling_groups.api.max",
            "at least desired",
        ),
        (
            "missing target group",
            "{default: api}",
            "{default: apii}",
            "load_balancers.front.rules[1].default",
            "did you mean `api`",
        ),
        (
            "missing load balancer",
            "alb/front",
            "alb/back",
            "workloads.web.target",
            "no load balancer named `back`",
        ),
        (
            "undeclared AZ",
            "azs: [a, b], min",
            "azs: [a, z], min",
            "auto_scaling_groups.api.azs[1]",
            "not declared",
        ),
        (
            "one-AZ load balancer",
            "front: {azs: [a, b]",
            "front: {azs: [a]",
            "load_balancers.front.azs",
            "at least 2 AZs",
        ),
        (
            "unknown instance type",
            "c5.large",
            "c5.lrage",
            "auto_scaling_groups.api.instance.type",
            "did you mean `c5.large`",
        ),
        (
            "unknown distribution",
            "dist: exponential",
            "dist: expo",
            "workloads.web.work.dist",
            "unknown value `expo`",
        ),
        (
            "bad lognormal",
            "{dist: exponential, mean: 10ms}",
            "{dist: lognormal, mean: 10ms}",
            "workloads.web.work",
            "median",
        ),
        (
            "missing group reference",
            "api: {group: api}",
            "api: {group: nope}",
            "target_groups.api.group",
            "no auto scaling group",
        ),
        (
            "slow start out of range",
            "api: {group: api}",
            "api: {group: api, slow_start: 10s}",
            "target_groups.api.slow_start",
            "30s..900s",
        ),
        (
            "slow start with least outstanding requests",
            "{default: api}]}\ntarget_groups:\n  api: {group: api}",
            "{default: api}], algorithm: least_outstanding_requests}\ntarget_groups:\n  api: {group: api, slow_start: 60s}",
            "target_groups.api.slow_start",
            "least_outstanding_requests",
        ),
        (
            "not a mapping",
            "name: ok",
            "name: [ok]",
            "name",
            "expected a string",
        ),
    ];
    assert!(cases.len() >= 12);
    for (what, from, to, path, words) in cases {
        assert!(
            GOOD.contains(from),
            "{what}: the base scenario lacks `{from}`"
        );
        let text = GOOD.replacen(from, to, 1);
        let (code, stderr) = validate(&text);
        assert_eq!(code, 2, "{what}: exit code\n{stderr}");
        assert!(
            stderr.contains(&format!("{path}:")),
            "{what}: path `{path}` missing in\n{stderr}"
        );
        assert!(
            stderr.contains(words),
            "{what}: `{words}` missing in\n{stderr}"
        );
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = GOOD
        .replacen("min: 1,", "min: 3,", 1)
        .replacen("alb/front", "alb/back", 1)
        .replacen("duration: 10m", "duration: 10m\nseeed: 3", 1);
    let (code, stderr) = validate(&text);
    assert_eq!(code, 2);
    for path in [
        "auto_scaling_groups.api.min:",
        "workloads.web.target:",
        "seeed:",
    ] {
        assert!(stderr.contains(path), "{path} missing in\n{stderr}");
    }
}

#[test]
fn run_refuses_an_invalid_scenario_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.yaml");
    std::fs::write(&file, GOOD.replacen("min: 1,", "min: 3,", 1)).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["run", "--quiet", "--out"])
        .arg(dir.path().join("out"))
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !dir.path().join("out").exists(),
        "nothing is written for an invalid scenario"
    );
}

#[test]
fn every_shipped_scenario_validates() {
    let files = scenario_files();
    assert!(files.len() >= 2);
    let (ok, stderr) = validate_files(&files);
    assert!(ok, "{stderr}");
}

#[test]
fn the_runaway_guard_stops_the_run_with_exit_1_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args([
            "run",
            "scenarios/mmc.yaml",
            "--quiet",
            "--max-events",
            "1000",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1000 events") && stderr.contains("max_events"),
        "{stderr}"
    );
}

#[test]
fn schema_describes_every_top_level_key() {
    let out = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in stratus::scenario::raw::TOP_LEVEL_KEYS {
        assert!(
            schema["properties"].get(key).is_some(),
            "schema lacks `{key}`"
        );
    }
}

#[test]
fn a_missing_trace_file_is_reported_with_its_path() {
    let (code, stderr) =
        validate(&GOOD.replacen("rate: 10,", "rate: {profile: trace, file: nowhere.csv},", 1));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("workloads.web.rate.file:") && stderr.contains("nowhere.csv"),
        "{stderr}"
    );
}
