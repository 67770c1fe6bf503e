//! The indexes that spare scans (each instance's request list, the live-instance list) agree
//! with scans through randomized runs of faults and scaling: `invariants::check_indexes` runs
//! at every instance stop and termination, and once more at the end; conservation holds.

use super::World;
use crate::kernel::{RngExt, stream};
use std::sync::Arc;

/// A small fleet under AZ outages, instance failures and scheduled swings of its size, with
/// slow health checks (connection attempts to stopped targets) and in some runs a short idle
/// timeout (clients answered while their target works on). Capitalized fields vary per run.
const FLEET: &str = r#"
name: indexes
duration: 20m
seed: SEED
metric_period: 1m
azs: [a, b, c]
workloads:
  web: {target: alb/web, rate: 150, work: {dist: lognormal, mean: 80ms, p99: 700ms}}
load_balancers:
  web: {azs: [a, b, c], algorithm: ALGORITHM, cross_zone: CROSS, idle_timeout: IDLE, rules: [{default: web}]}
target_groups:
  web:
    group: web
    health_check: {interval: 30s, healthy_threshold: 2, unhealthy_threshold: 3}
    deregistration_delay: DELAYs
auto_scaling_groups:
  web:
    instance: {vcpus: 2}
    discipline: DISCIPLINE
    max_concurrent: 40
    azs: [a, b, c]
    min: 2
    max: 12
    desired: 6
    boot_time: {dist: uniform, min: 30s, max: 60s}
    health_check_grace: 60s
    policies:
      - {type: scheduled, at: UPs, every: 4m, desired: 11}
      - {type: scheduled, at: DOWNs, every: 4m, desired: 3}
"#;

/// One fault of a random kind at a random time.
fn fault(rng: &mut crate::kernel::Rng) -> String {
    let at = rng.uniform_u64(30, 1100);
    match rng.uniform_u64(0, 3) {
        0 => {
            let az = ["a", "b", "c"][rng.uniform_u64(0, 3) as usize];
            let d = rng.uniform_u64(20, 300);
            format!("{{at: {at}s, az_outage: {az}, duration: {d}s}}")
        }
        1 => format!(
            "{{at: {at}s, instance_failure: web, count: {}}}",
            rng.uniform_u64(1, 4)
        ),
        _ => format!("{{at: {at}s, instance_failure: web, fraction: 0.5}}"),
    }
}

#[test]
fn request_and_instance_indexes_agree_with_scans_through_random_faults() {
    let mut rng = stream(17, "test/indexes");
    let (mut checks, mut lost, mut unreachable) = (0, 0, 0);
    for run in 0..8 {
        let text = FLEET
            .replace("SEED", &run.to_string())
            .replace(
                "ALGORITHM",
                ["least_outstanding_requests", "round_robin"][run % 2],
            )
            .replace("CROSS", ["true", "false"][(run / 2) % 2])
            .replace("DISCIPLINE", ["processor_sharing", "fcfs"][(run / 4) % 2])
            .replace("IDLE", ["1s", "60s"][rng.uniform_u64(0, 2) as usize])
            .replace("DELAY", &rng.uniform_u64(0, 90).to_string())
            .replace("UP", &rng.uniform_u64(60, 120).to_string())
            .replace("DOWN", &rng.uniform_u64(150, 230).to_string());
        let faults: Vec<String> = (0..4).map(|_| fault(&mut rng)).collect();
        let overrides = [format!("faults=[{}]", faults.join(", "))];
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let s = crate::scenario::Scenario::from_text(&text, "indexes.yaml", base, &overrides)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut world = World::new(Arc::new(s));
        world.run(|_, _| {}).expect("runs");
        world.check_indexes();
        checks += world.index_checks;
        let r = world.into_result(0.0); // asserts conservation
        let count = |key: &str| {
            r.resilience
                .errors_by_cause
                .iter()
                .find(|(k, _)| k == key)
                .map_or(0, |c| c.1)
        };
        lost += count("instance_lost");
        unreachable += count("target_unreachable");
    }
    // The lists were exercised: stops ended requests on their instances, and connection
    // attempts to stopped targets were detached at terminations.
    assert!(checks > 50, "{checks} checks");
    assert!(
        lost > 0 && unreachable > 0,
        "{lost} lost, {unreachable} unreachable"
    );
}
