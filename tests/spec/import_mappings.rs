//! `stratus import` on a Terraform plan written by others (terraform-compliance's test data,
//! tests/data/README.md), and the mappings of what older imports skipped: each expected value
//! is read from the source's own numbers.

use crate::support::*;
use serde_json::Value;
use std::process::Command;

/// Imports `file` (`kind`: cfn or terraform) into a temporary folder: the scenario's path,
/// its text, and the folder.
fn import(kind: &str, file: &std::path::Path) -> (std::path::PathBuf, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported.yaml");
    let o = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["import", kind])
        .arg(file)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    (out, text, dir)
}

fn has_all(text: &str, needles: &[String]) {
    for n in needles {
        assert!(text.contains(n.as_str()), "missing `{n}` in:\n{text}");
    }
}

/// `validate`'s placeholders for the file, in order.
fn placeholders(file: &std::path::Path) -> Vec<String> {
    let v = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .arg("validate")
        .arg(file)
        .output()
        .unwrap();
    String::from_utf8_lossy(&v.stderr)
        .lines()
        .filter_map(|l| l.split_once(": a placeholder to fill in").map(|(p, _)| p))
        .filter_map(|p| p.rsplit(": ").next().map(String::from))
        .collect()
}

/// Every resource of a plan's `planned_values`, child modules included, by address.
fn plan_resources(m: &Value, out: &mut Vec<(String, Value)>) {
    for r in m["resources"].as_array().into_iter().flatten() {
        out.push((r["address"].as_str().unwrap().into(), r["values"].clone()));
    }
    for c in m["child_modules"].as_array().into_iter().flatten() {
        plan_resources(c, out);
    }
}

#[test]
fn a_terraform_plan_written_by_others_imports_validates_and_runs() {
    let src = repo_path("tests/data/terraform/terraform-compliance/alb-asg-lambda.plan.json");
    let plan: Value = serde_json::from_str(&std::fs::read_to_string(&src).unwrap()).unwrap();
    let mut res = Vec::new();
    plan_resources(&plan["planned_values"]["root_module"], &mut res);
    let of = |addr: &str| &res.iter().find(|(a, _)| a == addr).unwrap().1;
    let asg = of("module.myapp-asg.aws_autoscaling_group.asg");
    let lc = of("module.myapp-asg.aws_launch_configuration.lc");
    let tg = of("module.alb.aws_alb_target_group.alb");
    let hc = &tg["health_check"][0];
    let f = of("module.lambda_TFUpgradeTest.aws_lambda_function.lambda");
    let alb = of("module.alb.aws_alb.alb");
    // Two subnets that exist outside the plan: an AZ each (a, b), as a template's
    // parameter subnets are.
    let subnets = alb["subnets"].as_array().unwrap().len();
    assert_eq!(subnets, 2);
    let (file, text, _d) = import("terraform", &src);
    has_all(
        &text,
        &[
            format!("alb-asg-lambda.plan.json: {} resources", res.len()),
            "load_balancers:\n  alb-alb:\n    azs: [a, b]".into(),
            "- {default: alb-alb}".into(),
            format!(
                "alb-alb: {{group: myapp-asg-asg, health_check: {{interval: {}s, timeout: {}s, healthy_threshold: {}, unhealthy_threshold: {}}}, deregistration_delay: {}s}}",
                hc["interval"], hc["timeout"], hc["healthy_threshold"], hc["unhealthy_threshold"],
                tg["deregistration_delay"]
            ),
            format!(
                "myapp-asg-asg:\n    instance: {{type: {}}}\n    azs: [a, b]\n    min: {}\n    max: {}\n    desired: {}",
                lc["instance_type"].as_str().unwrap(),
                asg["min_size"],
                asg["max_size"],
                asg["desired_capacity"]
            ),
            format!(
                "lambda_TFUpgradeTest-lambda:\n    memory_mb: {}\n",
                f["memory_size"]
            ),
            format!("timeout: {}s", f["timeout"]),
            // An alias record: no TTL of its own.
            "alb-route53:   # myapp A\n    routing: simple\n    records:\n      - {load_balancer: alb-alb}\n".into(),
        ],
    );
    assert!(!text.contains("ttl: 0s"), "{text}");
    assert_eq!(
        placeholders(&file),
        [
            "workloads.alb-alb-clients.rate",
            "workloads.alb-alb-clients.work",
            "lambda_functions.lambda_TFUpgradeTest-lambda.duration",
        ]
    );
    let sets = [
        "workloads.alb-alb-clients.rate=20",
        "workloads.alb-alb-clients.work={dist: exponential, mean: 20ms}",
        "lambda_functions.lambda_TFUpgradeTest-lambda.duration={dist: constant, value: 100ms}",
        "duration=5m",
    ];
    let s = stratus::scenario::Scenario::from_file(&file, &sets.map(String::from)).unwrap();
    let r = simulate(s);
    assert!(r.arrived > 0 && r.overall.ok > 0, "nothing served");
}
