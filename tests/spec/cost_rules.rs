//! AWS billing rules that a flat rate would get wrong, each checked against a hand computation
//! from the price table: LCU processed bytes for Lambda targets (0.4 GB/h per LCU,
//! https://aws.amazon.com/elasticloadbalancing/pricing/), a partial ALB hour billed as a full
//! hour (same page), Lambda init billing before and after 1 Aug 2025
//! (https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/), and
//! EC2 billed from `running`, not from the launch request.

use crate::support::*;
use stratus::cost::PriceTable;

fn close(got: f64, expected: f64, rel: f64, what: &str) {
    assert!(
        (got - expected).abs() <= rel * expected.abs(),
        "{what}: {got} vs {expected}"
    );
}

/// 10 requests/s of 100 KB through an ALB to a Lambda function for an hour: 3.6 GB/h buys
/// 3.6 / 0.4 = 9 LCU (new connections only 10 / 25 = 0.4); to instances it would be 3.6.
#[test]
fn lcu_processed_bytes_for_lambda_targets_are_0_4_gb_per_hour() {
    let p = PriceTable::shipped();
    let r = simulate(parse(
        r#"
name: alb-lambda
duration: 1h
warmup: 0s
azs: [a, b]
workloads:
  web:
    target: alb/front
    arrivals: uniform
    rate: 10
    request_bytes: 10000
    response_bytes: 90000
load_balancers:
  front: {azs: [a, b], rules: [{default: fn}]}
target_groups:
  fn: {lambda: api}
lambda_functions:
  api: {duration: {dist: constant, value: 10ms}}
"#,
        &[],
    ));
    let gb_per_hour = 10.0 * 100_000.0 * 3600.0 / 1e9;
    let lcu = (gb_per_hour / p.alb.lcu.processed_gb_per_hour_lambda)
        .max(10.0 / p.alb.lcu.new_connections_per_s);
    assert_eq!(lcu, 9.0);
    let expected = p.alb.per_hour + lcu * p.alb.per_lcu_hour;
    // Uniform arrivals start at 1/rate: one request fewer in the hour (a relative 3e-5).
    close(r.cost.by_service["alb"], expected, 1e-4, "alb");
}

/// 90 minutes of an ALB at 100 requests/s (4 LCU from new connections): two hours' fee (the
/// half hour is billed in full) plus 4 LCU for 1.5 h.
#[test]
fn a_partial_alb_hour_is_billed_as_a_full_hour() {
    let p = PriceTable::shipped();
    let r = simulate(parse(
        r#"
name: alb-90m
duration: 90m
warmup: 0s
azs: [a, b]
workloads:
  web:
    target: alb/front
    arrivals: uniform
    rate: 100
    work: {dist: constant, value: 1ms}
    request_bytes: 100
    response_bytes: 100
load_balancers:
  front: {azs: [a, b], rules: [{default: web}]}
target_groups:
  web: {group: web}
auto_scaling_groups:
  web: {instance: {type: m5.large}, azs: [a, b], desired: 2}
"#,
        &[],
    ));
    let lcu = 100.0 / p.alb.lcu.new_connections_per_s;
    let expected = 2.0 * p.alb.per_hour + lcu * 1.5 * p.alb.per_lcu_hour;
    close(r.cost.by_service["alb"], expected, 1e-5, "alb");
}

/// Every invocation is a cold start (environments expire after 1 ms): 100 ms of handler and
/// 1 s of init at 1 GB. Since Aug 2025 both are billed; before, only the handler.
#[test]
fn lambda_init_is_billed_since_august_2025_and_free_before() {
    let p = PriceTable::shipped();
    let text = r#"
name: init-billing
duration: 10m
warmup: 0s
workloads:
  calls: {target: lambda/f, arrivals: uniform, rate: 1}
lambda_functions:
  f:
    memory_mb: 1024
    duration: {dist: constant, value: 100ms}
    init: {dist: constant, value: 1s}
    idle_expiry: {dist: constant, value: 1ms}
"#;
    // Requests are billed when invoked, duration when an invocation ends (the last may still
    // run at the end).
    let bill = |r: &stratus::sim::RunResult, seconds: f64| {
        let n = r.lambda_functions[0].totals.invocations as f64;
        assert_eq!(r.lambda_functions[0].totals.cold_starts as f64, n);
        let ended = n - r.in_flight as f64;
        n / 1e6 * p.lambda.per_million_requests + ended * seconds * p.lambda.per_gb_second.x86_64
    };
    let after = simulate(parse(text, &[]));
    close(
        after.cost.by_service["lambda"],
        bill(&after, 1.1),
        1e-9,
        "init billed",
    );
    let before = simulate(parse(text, &["pricing.lambda.init_billed=false"]));
    close(
        before.cost.by_service["lambda"],
        bill(&before, 0.1),
        1e-9,
        "init free",
    );
}

/// A second instance launched at 10 min of a 1 h run. Its boot (10 s) is shorter than the
/// pending range (15-25 s), so it is `pending` for the whole boot: billed from 610 s. With a
/// 100 s boot it is billed from 615..625 s, never from the launch request (600 s).
#[test]
fn ec2_is_billed_from_running_not_from_the_launch_request() {
    let p = PriceTable::shipped();
    let text = |boot: &str| {
        format!(
            r#"
name: pending
duration: 1h
warmup: 0s
azs: [a, b]
workloads:
  web: {{target: alb/front, rate: 1, work: {{dist: constant, value: 1ms}}}}
load_balancers:
  front: {{azs: [a, b], rules: [{{default: web}}]}}
target_groups:
  web: {{group: web}}
auto_scaling_groups:
  web:
    instance: {{type: m5.large}}
    azs: [a, b]
    desired: 1
    max: 2
    boot_time: {{dist: constant, value: {boot}}}
    policies: [{{type: scheduled, at: 10m, desired: 2}}]
"#
        )
    };
    let per_s = p.ec2.per_hour["m5.large"] / 3600.0;
    let r = simulate(parse(&text("10s"), &[]));
    assert_eq!(r.instances[1].launched_s, 600.0);
    close(
        r.cost.by_service["ec2"],
        (3600.0 + 3600.0 - 610.0) * per_s,
        1e-9,
        "boot 10 s",
    );
    let r = simulate(parse(&text("100s"), &[]));
    let ec2 = r.cost.by_service["ec2"];
    let (lo, hi) = (
        (3600.0 + 3600.0 - 625.0) * per_s,
        (3600.0 + 3600.0 - 615.0) * per_s,
    );
    assert!(
        ec2 >= lo - 1e-12 && ec2 <= hi + 1e-12,
        "{lo} <= {ec2} <= {hi}"
    );
}

/// A `--prices` table written before a service existed (the core file, with no service's
/// own section) cannot price SNS, Kinesis, Fargate, API Gateway or ElastiCache, whose missing
/// section means unpriced: a run that uses one is refused at its key (ElastiCache: at the
/// node type the table does not price) with exit code 2, never billed at zero.
#[test]
fn a_price_table_without_a_services_section_refuses_the_scenarios_that_use_it() {
    const NO_SECTION: &str = "the price table has no";
    for (scenario, key, section) in [
        ("scenarios/sns-fanout.yaml", "sns_topics", " `sns` section"),
        (
            "scenarios/kinesis.yaml",
            "kinesis_streams",
            " `kinesis` section",
        ),
        (
            "scenarios/ecs-fargate.yaml",
            "ecs_services",
            " `fargate` section",
        ),
        (
            "scenarios/api-gateway.yaml",
            "api_gateways",
            " `api_gateway` section",
        ),
        (
            "scenarios/elasticache.yaml",
            "node_type",
            " ElastiCache price for",
        ),
    ] {
        let dir = std::env::temp_dir().join(format!("stratus-unpriced-{}", std::process::id()));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_stratus"))
            .args(["run", "--no-plots", "--out"])
            .arg(&dir)
            .arg("--prices")
            .arg(repo_path("crates/model/prices/us-east-1.yaml"))
            .arg(repo_path(scenario))
            .output()
            .unwrap();
        assert!(
            !dir.exists(),
            "{scenario}: a refused run wrote {}",
            dir.display()
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{scenario}: {stderr}");
        assert!(stderr.contains(key), "{scenario}: {stderr}");
        assert!(
            stderr.contains(&format!("{NO_SECTION}{section}")),
            "{scenario}: {stderr}"
        );
    }
}
