//! `stratus import cfn`: a two-AZ web tier (ALB, listener rule, two target groups, an Auto
//! Scaling group with a launch template and a target-tracking policy, SQS with a dead-letter
//! queue consumed by Lambda, RDS Multi-AZ, and an SNS topic Stratus does not model) becomes a
//! scenario whose components follow the template's resolved values, whose unknowns are
//! placeholders `validate` lists, and which runs once they are filled.

use crate::support::*;
use std::process::Command;

fn import(args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("web.yaml");
    let o = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["import", "cfn"])
        .arg(repo_path("tests/data/cfn/web-tier.yaml"))
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    (o, dir)
}

#[test]
fn a_web_tier_template_becomes_its_scenario() {
    let (o, dir) = import(&[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(dir.path().join("web.yaml")).unwrap();
    for needle in [
        "#   Topic (AWS::SNS::Topic)", // listed, not dropped silently
        "azs: [a, b]",                 // the subnets' AZs, from !GetAZs
        "- {path: \"/api/*\", target_group: ApiTg}", // the listener rule, before the default
        "- {default: WebTg}",
        "WebTg: {group: WebAsg, health_check: {interval: 15s, healthy_threshold: 3}}",
        "ApiTg: {group: WebAsg, algorithm: least_outstanding_requests}",
        "instance: {type: c5.large}", // the launch template's parameter default
        "max: 10",                    // !If [IsProd, ...] with Env's default prod
        "- {type: target_tracking, metric: cpu, target: 60}",
        "dead_letter_queue: JobsDlq",
        "max_receive_count: 5",
        "- {lambda: Worker, batch_size: 10}",
        "multi_az: true",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}

#[test]
fn parameters_change_what_is_imported() {
    let (o, dir) = import(&["--params", "Env=dev", "--params", "InstanceType=m5.large"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(dir.path().join("web.yaml")).unwrap();
    assert!(
        text.contains("instance: {type: m5.large}") && text.contains("max: 2"),
        "{text}"
    );
    // A value outside AllowedValues is reported with its path.
    let (o, _dir) = import(&["--params", "InstanceType=t2.nano"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Parameters.InstanceType: `t2.nano` is not one of its AllowedValues"),
        "{err}"
    );
}

#[test]
fn validate_lists_the_placeholders_until_they_are_filled() {
    let (o, dir) = import(&[]);
    assert!(o.status.success());
    let file = dir.path().join("web.yaml");
    let v = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .arg("validate")
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&v.stderr);
    assert_eq!(v.status.code(), Some(2), "{err}");
    for path in [
        "workloads.Alb-clients.rate: a placeholder to fill in",
        "workloads.Alb-clients.work: a placeholder to fill in",
        "lambda_functions.Worker.duration: a placeholder to fill in",
    ] {
        assert!(err.contains(path), "missing `{path}` in:\n{err}");
    }
    assert!(err.contains("3 problems"), "{err}");
    let filled = [
        "workloads.Alb-clients.rate=50",
        "workloads.Alb-clients.work={dist: exponential, mean: 20ms}",
        "lambda_functions.Worker.duration={dist: constant, value: 100ms}",
        "duration=5m",
    ];
    let s = stratus::scenario::Scenario::from_file(&file, &filled.map(String::from)).unwrap();
    let r = simulate(s);
    assert!(r.arrived > 0 && r.overall.ok > 0);
}
