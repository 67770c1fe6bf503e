//! Fault injection against the arithmetic AWS documents: ALB health checks detect a dead AZ
//! after `unhealthy_threshold` intervals, stale DNS answers keep clients on a dead node for
//! at most the TTL, a Multi-AZ database fails calls for exactly its failover window, a
//! single-AZ one for the whole outage, Route 53 moves traffic after detection plus the TTL;
//! the group refills its healthy AZs and rebalances after recovery; every request still ends
//! exactly once, and runs are reproducible.

use crate::support::*;
use stratus::report::{faults_csv, summary_json};
use stratus::sim::RunResult;

fn cause(r: &RunResult, key: &str) -> u64 {
    r.resilience
        .errors_by_cause
        .iter()
        .find(|(k, _)| k == key)
        .map_or(0, |(_, n)| *n)
}

/// `|observed - expected|` within `z` standard deviations of a Poisson count.
fn assert_poisson(observed: u64, expected: f64, z: f64, what: &str) {
    let tolerance = z * expected.sqrt() + 1.0;
    assert!(
        (observed as f64 - expected).abs() <= tolerance,
        "{what}: observed {observed}, expected {expected:.1} ± {tolerance:.1}"
    );
}

const WEB: &str = r#"
name: az
duration: 30m
seed: 4
azs: [a, b, c]
workloads:
  web: {target: alb/web, rate: 300, work: {dist: exponential, mean: 5ms}}
load_balancers:
  web: {azs: [a, b, c], algorithm: round_robin, cross_zone: true, dns_ttl: 60s, rules: [{default: web}]}
target_groups:
  web:
    group: web
    health_check: {interval: 30s, timeout: 5s, healthy_threshold: 5, unhealthy_threshold: 2}
    deregistration_delay: 10s
auto_scaling_groups:
  web: {instance: {vcpus: 2}, azs: [a, b, c], min: 9, max: 9, desired: 9, health_check_grace: 60s}
faults:
  - {at: 615s, az_outage: a, duration: 10m}
"#;

#[test]
fn az_outage_is_detected_after_the_unhealthy_threshold_and_errors_match_the_traffic_sent_there() {
    let r = simulate(parse(WEB, &[]));
    let f = &r.resilience.faults[0];
    let (interval, threshold) = (30.0, 2.0);
    let detect = f.time_to_detect_s.expect("detected");
    assert!(
        detect >= (threshold - 1.0) * interval && detect <= threshold * interval,
        "detection after {detect}s, expected within one interval of {}s",
        threshold * interval
    );
    // Probes at 630 s and 660 s fail: unhealthy 45 s after the outage.
    assert_eq!(detect, 45.0);
    // Until then a third of the targets are dead; a third of the clients start on the dead
    // node, and their share falls linearly to zero over the 60 s TTL.
    let rate = 300.0;
    let stale = rate / 3.0 * 60.0 / 2.0;
    assert_poisson(
        cause(&r, "alb_node_unreachable"),
        stale,
        4.0,
        "stale clients",
    );
    // Live nodes round-robin over all nine targets, three dead, for 45 s:
    // rate x integral over [0, 45] of (1 - (1 - t/60)/3) dt, a third of it to dead targets.
    let live = 45.0 - (45.0 - 45.0 * 45.0 / 120.0) / 3.0;
    let expected = rate * live / 3.0;
    assert_poisson(
        cause(&r, "target_unreachable"),
        expected,
        4.0,
        "dead targets",
    );
    // Nothing else failed.
    assert_eq!(cause(&r, "other"), 0);
    assert!(cause(&r, "instance_lost") < 20);
}

#[test]
fn lost_capacity_is_replaced_in_healthy_azs_then_rebalanced_after_the_az_returns() {
    let r = simulate(parse(WEB, &["duration=45m"]));
    let alive_at = |t: f64, az: &str| {
        r.instances
            .iter()
            .filter(|i| {
                i.az == az
                    && i.in_service_s.is_some_and(|s| s <= t)
                    && i.terminated_s.is_none_or(|e| e > t)
            })
            .count()
    };
    // Outage 615 s to 1215 s. Detection at 660 s, boot at most 120 s.
    let during = 615.0 + 300.0;
    assert_eq!(alive_at(during, "a"), 0);
    assert_eq!(alive_at(during, "b") + alive_at(during, "c"), 9);
    assert!(alive_at(during, "b").abs_diff(alive_at(during, "c")) <= 1);
    // Well after the return (boots take at most 120 s per step): three per AZ again.
    let after = 45.0 * 60.0;
    for az in ["a", "b", "c"] {
        assert_eq!(alive_at(after, az), 3, "AZ {az} at the end");
    }
    // Launch first, then terminate: capacity never drops below nine after the AZ returns.
    let mut t = 1215.0;
    while t < after {
        let total: usize = ["a", "b", "c"].iter().map(|az| alive_at(t, az)).sum();
        assert!(
            total >= 9,
            "only {total} in service at {t}s during rebalancing"
        );
        t += 1.0;
    }
    // And never more than max + max(10%, 1) = 10 running instances.
    assert!(r.groups[0].max_in_service <= 10);
}

const DB: &str = r#"
name: db
duration: 20m
seed: 9
azs: [a, b, c]
workloads:
  api:
    target: alb/api
    rate: 200
    work: {dist: exponential, mean: 5ms}
    calls: [{database: orders, work: {dist: exponential, mean: 2ms}}]
load_balancers:
  api: {azs: [a, b], rules: [{default: api}]}
target_groups:
  api: {group: api}
auto_scaling_groups:
  api: {instance: {vcpus: 4}, azs: [a, b], desired: 4}
databases:
  orders: {multi_az: true, az: c, standby_az: a, failover_time: {dist: constant, value: 90s}}
faults:
  - {at: 5m, database_failover: orders}
"#;

#[test]
fn a_multi_az_failover_fails_calls_for_exactly_the_failover_window() {
    let r = simulate(parse(DB, &[]));
    let d = &r.resilience.databases[0];
    assert_eq!(d.failovers, 1);
    assert!((d.downtime_s - 90.0).abs() < 1e-9, "{}", d.downtime_s);
    assert_eq!(d.primary_az, "a");
    // Calls that arrive in the 90 s window fail; those in flight at its start are aborted.
    assert_poisson(
        cause(&r, "database_unavailable"),
        200.0 * 90.0,
        4.0,
        "calls during the failover",
    );
    assert!(cause(&r, "database_call_aborted") < 20);
    assert_eq!(r.overall.failed(), d.failed_calls);
}

#[test]
fn the_failover_time_is_drawn_from_its_range() {
    for seed in 1..=6 {
        let seed_set = format!("seed={seed}");
        let r = simulate(parse(
            DB,
            &[
                &seed_set,
                "databases.orders.failover_time={dist: uniform, min: 60s, max: 120s}",
            ],
        ));
        let down = r.resilience.databases[0].downtime_s;
        assert!((60.0..=120.0).contains(&down), "seed {seed}: {down}s");
        let expected = 200.0 * down;
        assert_poisson(cause(&r, "database_unavailable"), expected, 4.0, "window");
    }
}

#[test]
fn a_single_az_database_stays_down_for_the_whole_outage() {
    let r = simulate(parse(
        DB,
        &[
            "databases.orders={az: c}",
            "faults=[{at: 5m, az_outage: c, duration: 5m}]",
        ],
    ));
    let d = &r.resilience.databases[0];
    assert_eq!(d.failovers, 0);
    assert!((d.downtime_s - 300.0).abs() < 1e-9, "{}", d.downtime_s);
    assert_poisson(
        cause(&r, "database_unavailable"),
        200.0 * 300.0,
        4.0,
        "outage",
    );
    // Instances (AZs a and b) were untouched.
    assert_eq!(
        cause(&r, "instance_lost") + cause(&r, "target_unreachable"),
        0
    );
}

#[test]
fn injected_errors_fail_their_fraction_of_calls_and_injected_latency_slows_them() {
    let r = simulate(parse(
        DB,
        &["faults=[{at: 5m, error_injection: orders, fraction: 0.1, duration: 5m}]"],
    ));
    let expected = 0.1 * 200.0 * 300.0;
    // Binomial: sd = sqrt(n p (1-p)) <= sqrt(n p).
    assert_poisson(
        cause(&r, "injected_error"),
        expected,
        4.0,
        "injected errors",
    );
    let base = simulate(parse(DB, &["faults=[]"]));
    let slow = simulate(parse(
        DB,
        &["faults=[{at: 0s, latency_injection: orders, latency: 50ms}]"],
    ));
    let delta = slow.overall.latency.mean_ms() - base.overall.latency.mean_ms();
    assert!(
        (delta - 50.0).abs() < 1.0,
        "mean latency rose by {delta} ms"
    );
}

const DNS: &str = r#"
name: dns
duration: 30m
seed: 12
azs: [a, b, c, d]
workloads:
  shop: {target: dns/shop, rate: 100, work: {dist: exponential, mean: 5ms}}
dns:
  shop: {primary: blue, secondary: green, ttl: 60s, health_check: {interval: 30s, failure_threshold: 3}}
load_balancers:
  blue: {azs: [a, b], dns_ttl: 60s, rules: [{default: blue}]}
  green: {azs: [c, d], rules: [{default: green}]}
target_groups:
  blue: {group: blue}
  green: {group: green}
auto_scaling_groups:
  blue: {instance: {vcpus: 2}, azs: [a, b], desired: 2}
  green: {instance: {vcpus: 2}, azs: [c, d], desired: 2}
faults:
  - {at: 615s, az_outage: a}
  - {at: 615s, az_outage: b}
"#;

#[test]
fn dns_moves_traffic_after_detection_plus_the_ttl_and_not_before() {
    let r = simulate(parse(DNS, &[]));
    let switch = r
        .resilience
        .timeline
        .iter()
        .find(|e| e.event == "dns_failover")
        .expect("the record failed over")
        .time
        .as_secs_f64();
    let detect = switch - 615.0;
    // failure_threshold x interval, within one interval: probes at 630, 660 and 690 s.
    assert!(
        (60.0..=90.0).contains(&detect),
        "failed over {detect}s after"
    );
    assert_eq!(detect, 75.0);
    // Before the switch every request resolved to the primary, whose nodes are dead: all of
    // them fail; then clients move over the 60 s TTL (half of them, on average, still fail).
    let rate = 100.0;
    let expected_failed = rate * (detect + 60.0 / 2.0);
    assert_poisson(
        cause(&r, "alb_node_unreachable"),
        expected_failed,
        4.0,
        "requests to the dead primary",
    );
    let to_secondary = r.services.dns[0].requests_to_secondary() as f64;
    let expected_moved = rate * (1800.0 - switch - 60.0 / 2.0);
    assert_poisson(
        to_secondary as u64,
        expected_moved,
        4.0,
        "requests to the secondary",
    );
    assert_eq!(r.services.dns[0].failovers, 1);
}

#[test]
fn every_fault_is_logged_and_costs_requests() {
    let mixed = [
        "faults=[{at: 2m, instance_failure: web, count: 2}, {at: 4m, az_outage: b, duration: 3m}, \
         {at: 5m, instance_failure: web, fraction: 0.5}]",
        "auto_scaling_groups.web.discipline=fcfs",
    ];
    // Building each result asserts conservation (`sim::traffic`); here, every fault is
    // logged and costs requests.
    for overrides in [
        vec!["duration=12m", mixed[0]],
        vec!["duration=12m", mixed[0], mixed[1]],
    ] {
        let r = simulate(parse(WEB, &overrides));
        assert_eq!(r.resilience.faults.len(), 3);
        assert!(r.overall.failed() > 0);
    }
    let db_faults = "faults=[{at: 1m, latency_injection: orders, latency: 2s, duration: 4m}, \
         {at: 2m, database_failover: orders}, {at: 3m, az_outage: a, duration: 2m}, \
         {at: 6m, error_injection: orders, fraction: 0.5, duration: 1m}, {at: 7m, az_outage: c}]";
    for overrides in [
        vec![db_faults],
        vec![db_faults, "databases.orders.engine_capacity=3"],
        vec![db_faults, "auto_scaling_groups.api.discipline=fcfs"],
    ] {
        let r = simulate(parse(DB, &overrides));
        assert_eq!(r.resilience.faults.len(), 5);
        assert!(r.overall.failed() > 0);
    }
    for file in [
        "scenarios/az-outage.yaml",
        "scenarios/rds-failover.yaml",
        "scenarios/route53-failover.yaml",
        "scenarios/dns-failover.yaml",
    ] {
        let r = simulate(load(file, &[]));
        assert!(
            r.overall.failed() > 0,
            "{file}: the fault should cost requests"
        );
    }
}

#[test]
fn fault_runs_are_reproducible_and_mark_their_times() {
    let run = || {
        let r = simulate(load("scenarios/az-outage.yaml", &["duration=80m"]));
        let mut v = summary_json(&r);
        v["wall_s"] = serde_json::Value::Null;
        (v.to_string(), faults_csv(&r), r.markers.clone())
    };
    let (a, csv_a, markers) = run();
    let (b, csv_b, _) = run();
    assert_eq!(a, b);
    assert_eq!(csv_a, csv_b);
    assert!(csv_a.starts_with("time_s,fault,event,detail\n3600,az_outage a,started,"));
    assert!(
        markers
            .iter()
            .any(|(t, l)| *t == 3600.0 && l == "az_outage a started")
    );
}

#[test]
fn availability_runs_below_the_slo_are_counted() {
    let r = simulate(parse(DB, &[]));
    let a = &r.resilience;
    // The 90 s failover at 300 s spoils periods 5 and 6 (300-420 s), nothing else.
    assert_eq!(a.longest_run_below_slo, 2);
    assert_eq!(a.periods_below_slo, 2);
    let p = &a.availability_per_period;
    assert!(
        p[4] > 0.999 && p[5] < 0.01 && (p[6] - 0.5).abs() < 0.05 && p[7] == 1.0,
        "{p:?}"
    );
    assert_eq!(r.resilience.faults[0].time_to_recover_s, Some(120.0));
    let ok = r.overall.ok as f64 / r.overall.total as f64;
    assert!((a.availability - ok).abs() < 1e-12);
}

#[test]
fn multi_az_doubles_the_database_bill() {
    let text = r#"
name: bill
duration: 2h
azs: [a, b]
workloads:
  w: {target: alb/l, rate: 1, work: {dist: constant, value: 1ms}}
load_balancers:
  l: {azs: [a, b], rules: [{default: t}]}
target_groups:
  t: {group: g}
auto_scaling_groups:
  g: {instance: {vcpus: 1}, azs: [a, b], desired: 1}
databases:
  d: {instance: db.m5.large}
"#;
    let single = simulate(parse(text, &[])).cost.by_service["rds"];
    let multi = simulate(parse(text, &["databases.d.multi_az=true"]))
        .cost
        .by_service["rds"];
    // db.m5.large is $0.178 per hour in the shipped table: two hours, then twice that.
    assert!((single - 2.0 * 0.178).abs() < 1e-9, "{single}");
    assert!((multi - 4.0 * 0.178).abs() < 1e-9, "{multi}");
}

#[test]
fn bad_faults_are_reported_with_their_paths() {
    let text = WEB.replace(
        "faults:\n  - {at: 615s, az_outage: a, duration: 10m}",
        "faults:\n  - {at: 1m, az_outage: z}\n  - {at: 1m}\n  - {at: 1m, database_failover: nope}\n  - {at: 1m, instance_failure: web, count: 1, fraction: 0.5}\n  - {at: 1m, az_outage: a, latency: 5ms}",
    );
    let err = stratus::scenario::Scenario::from_text(&text, "t.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    for needle in [
        "faults[0].az_outage: AZ `z` is not declared",
        "faults[1]: expected exactly one of",
        "faults[2].database_failover: no database named `nope`",
        "faults[3]: give `count` or `fraction`, not both",
        "faults[4].latency: `latency` does not apply to `az_outage`",
    ] {
        assert!(err.contains(needle), "missing `{needle}` in:\n{err}");
    }
}

#[test]
fn a_database_is_an_m_m_c_queue_of_its_connections() {
    // Instance work is a constant 1 ms on ample vCPUs; the database serves 4 calls at once,
    // exponential 10 ms each, at load 0.8: response = 1 ms + Erlang C wait + 10 ms.
    let (c, mean_call_s, rho) = (4u32, 0.010, 0.8);
    let mu = 1.0 / mean_call_s;
    let lambda = rho * c as f64 * mu;
    let theory = 0.001 + erlang_c(c, lambda / mu) / (c as f64 * mu - lambda) + mean_call_s;
    let text = format!(
        r#"
name: dbq
duration: 1500s
warmup: 100s
azs: [a, b]
workloads:
  w:
    target: alb/l
    rate: {lambda}
    work: {{dist: constant, value: 1ms}}
    calls: [{{database: q, work: {{dist: exponential, mean: 10ms}}}}]
load_balancers:
  l: {{azs: [a, b], rules: [{{default: t}}]}}
target_groups:
  t: {{group: g}}
auto_scaling_groups:
  g: {{instance: {{vcpus: 64}}, azs: [a, b], desired: 2, max_concurrent: 100000}}
databases:
  q: {{engine_capacity: {c}}}
"#
    );
    let means: Vec<f64> = (0..10)
        .map(|seed| {
            let r = simulate(parse(&text, &[&format!("seed={}", 50 + seed)]));
            assert_eq!(r.overall.failed(), 0);
            r.overall.latency.mean_ms() / 1e3
        })
        .collect();
    let (mean, se) = mean_se(&means);
    assert!(
        se < 0.0175 * theory,
        "standard error {se:.5}s too wide for a test"
    );
    let z = (mean - theory) / se;
    assert!(
        z.abs() <= Z_MAX,
        "simulated mean {mean:.5}s (se {se:.5}s, z {z:.2}), Erlang C {theory:.5}s"
    );
}

#[test]
fn least_outstanding_routing_avoids_a_dead_target_its_connection_attempts_fill() {
    // Each attempt on a stopped target counts as outstanding for the 10 s connection timeout,
    // so least-outstanding-requests stops choosing it long before the health checks do.
    let rr = simulate(parse(WEB, &["duration=15m"]));
    let lor = simulate(parse(
        WEB,
        &[
            "duration=15m",
            "load_balancers.web.algorithm=least_outstanding_requests",
        ],
    ));
    let (a, b) = (
        cause(&rr, "target_unreachable"),
        cause(&lor, "target_unreachable"),
    );
    assert!(
        a > 1000 && b * 10 < a,
        "round robin {a}, least outstanding {b}"
    );
}

#[test]
fn a_cache_answers_its_hit_ratio_and_misses_go_on_to_the_database_while_its_replica_is_promoted() {
    let cached = [
        "azs=[a, b, c, d]",
        "caches={sessions: {hit_ratio: 0.75, az: d, replica_az: c, promotion_time: {dist: constant, value: 10s}}}",
        "workloads.api.calls=[{cache: sessions, work: {dist: constant, value: 1ms}}, {database: orders, work: {dist: exponential, mean: 2ms}}]",
    ];
    let mut overrides = cached.to_vec();
    overrides.push("faults=[]");
    let r = simulate(parse(DB, &overrides));
    let cache = r
        .resilience
        .databases
        .iter()
        .find(|d| d.name == "sessions")
        .unwrap();
    let db = r
        .resilience
        .databases
        .iter()
        .find(|d| d.name == "orders")
        .unwrap();
    let hits = cache.hits.unwrap();
    assert_poisson(hits, 0.75 * cache.calls as f64, 4.0, "cache hits");
    assert_eq!(db.calls, cache.calls - hits);
    // The cache's AZ fails at 5 m: for the 10 s promotion every lookup misses; no request fails.
    overrides.pop();
    overrides.push("faults=[{at: 5m, az_outage: d}]");
    let f = simulate(parse(DB, &overrides));
    assert_eq!(f.overall.failed(), 0);
    let cache = f
        .resilience
        .databases
        .iter()
        .find(|d| d.name == "sessions")
        .unwrap();
    let db = f
        .resilience
        .databases
        .iter()
        .find(|d| d.name == "orders")
        .unwrap();
    assert_eq!(cache.failovers, 1);
    assert!((cache.downtime_s - 10.0).abs() < 1e-9);
    assert_eq!(cache.primary_az, "c");
    // Every lookup that did not hit went on to the database.
    assert_eq!(db.calls, cache.calls - cache.hits.unwrap());
    assert_poisson(
        cache.failed_calls,
        200.0 * 10.0,
        4.0,
        "lookups that missed during the promotion",
    );
}
