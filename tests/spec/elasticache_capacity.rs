//! An ElastiCache node's capacity against queueing theory, its series, and the two ways a
//! Redis primary comes back.
//!
//! Redis runs commands on one thread per node, Memcached on one per vCPU (ElastiCache's
//! "Which metrics should I monitor?"): with exponential lookup work of mean 1/μ and Poisson
//! lookups at rate λ, a Redis node is an M/M/1 queue (mean time in it 1/(μ - λ)) and a
//! Memcached node of c vCPUs an M/M/c queue (Erlang C). Every lookup here hits, so a
//! request's latency is its constant instance work plus that time. The engine's utilization
//! is the work done over the servers' time: λ/(cμ). With a replica (Multi-AZ) a lost primary
//! is back after the promotion time with its keys; without one, after the replacement time,
//! empty.

use crate::support::*;
use stratus::metrics::Statistic;
use stratus::sim::{DatabaseResult, RunResult};

/// Poisson requests at `rate`, each 1 ms of instance work then one lookup of `catalog`
/// (exponential work, mean `work_us`) that always hits.
fn hit_path(rate: f64, work_us: u32, cache: &str, duration_s: u64, seed: u64) -> RunResult {
    let text = format!(
        r#"
name: capacity
duration: {duration_s}s
warmup: 20s
metric_period: 10s
seed: {seed}
azs: [a, b]
workloads:
  w:
    target: alb/l
    rate: {rate}
    work: {{dist: constant, value: 1ms}}
    calls:
      - cache: catalog
        work: {{dist: exponential, mean: {work_us}us}}
        on_miss: {{database: orders, work: {{dist: constant, value: 2ms}}}}
load_balancers:
  l: {{azs: [a, b], rules: [{{default: t}}]}}
target_groups:
  t: {{group: g}}
auto_scaling_groups:
  g: {{instance: {{vcpus: 64}}, azs: [a, b], desired: 2, max_concurrent: 100000}}
databases:
  orders: {{az: a, engine_capacity: 100000}}
caches:
  catalog: {cache}
"#
    );
    simulate(parse(&text, &[]))
}

fn cache(r: &RunResult) -> &DatabaseResult {
    (r.resilience.databases.iter())
        .find(|d| d.name == "catalog")
        .unwrap()
}

/// Replications of the hit path: the mean latency against `theory_s` (1 ms of instance work
/// plus the node's mean time in system), and each run's utilization against λ/(cμ).
fn check_node(cache_yaml: &str, servers: u32, rho: f64) {
    let work_s = 500e-6;
    let mu = 1.0 / work_s;
    let lambda = rho * servers as f64 * mu;
    let in_node = erlang_c(servers, lambda / mu) / (servers as f64 * mu - lambda) + 1.0 / mu;
    let theory = 1e-3 + in_node;
    let duration_s = 120;
    let means: Vec<f64> = (0..10)
        .map(|seed| {
            let r = hit_path(lambda, 500, cache_yaml, duration_s, 7000 + seed);
            assert_eq!(r.overall.failed(), 0);
            let c = cache(&r);
            let e = c.cache.as_ref().unwrap();
            assert_eq!(e.servers_per_node * e.nodes, servers);
            // The work done is a sum of n exponential draws (relative sd 1/sqrt(n)) over the
            // run, and the arrivals' count is Poisson (the same again): sd about sqrt(2/n).
            let n = c.calls as f64;
            let z = (e.engine_utilization / rho - 1.0) / (2.0 / n).sqrt();
            assert!(
                z.abs() <= Z_MAX,
                "utilization {} against {rho} (z {z:.2})",
                e.engine_utilization
            );
            r.overall.latency.mean_ms() / 1e3
        })
        .collect();
    let (mean, se) = mean_se(&means);
    assert!(
        se < 0.015 * theory,
        "standard error {se:.6}s too wide for a test"
    );
    let z = (mean - theory) / se;
    assert!(
        z.abs() <= Z_MAX,
        "{servers} server(s) at load {rho}: mean latency {mean:.6}s (se {se:.6}, z {z:.2}), theory {theory:.6}s"
    );
}

#[test]
fn a_redis_node_is_one_server_an_mm1_queue_that_slows_the_hit_path_near_capacity() {
    // No engine_capacity: Redis's one command thread. At 75% load the lookup's 0.5 ms
    // becomes 2 ms in the node (1/(μ - λ)).
    check_node(
        "{engine: redis, node_type: cache.r6g.large, az: a, hit_ratio: 1.0}",
        1,
        0.75,
    );
}

#[test]
fn a_memcached_node_has_a_server_per_vcpu_an_mmc_queue() {
    // cache.m5.large: 2 vCPUs, 2 lookups at once (Erlang C at 85% load), where Redis on
    // the same node type would be one server at 170%.
    check_node(
        "{engine: memcached, node_type: cache.m5.large, az: a, hit_ratio: 1.0}",
        2,
        0.85,
    );
}

#[test]
fn a_redis_node_driven_past_its_capacity_queues_without_bound() {
    // 2,400 lookups per second against one server of 2,000 per second: the backlog grows by
    // 400 a second, so the requests still in the node at the end are about 400 x duration,
    // and the engine is busy all the time.
    let r = hit_path(2400.0, 500, "{engine: redis, az: a, hit_ratio: 1.0}", 60, 1);
    let e = cache(&r).cache.clone().unwrap();
    assert!(e.engine_utilization > 0.99, "{}", e.engine_utilization);
    let backlog = r.in_flight as f64;
    let expected = 400.0 * 60.0;
    // Arrivals (Poisson) and service (exponential) each vary by about their square roots.
    let sd = (2400.0 * 60.0 + 2000.0 * 60.0f64).sqrt();
    assert!(
        (backlog - expected).abs() <= Z_MAX * sd,
        "{backlog} still queued, expected about {expected}"
    );
}

#[test]
fn the_cache_series_count_each_period_lookups_hits_misses_expirations_and_nodes() {
    // A TTL cache: 1,000 Poisson lookups a second over 100 keys kept 10 s (10 lookups a
    // second per key). Each key's cycle is a miss, then 10 s of hits, then the wait for its
    // next lookup (0.1 s on average): the hit ratio is λT/(1 + λT) = 100/101, and after
    // the first fills every miss is an expiration, 100 keys / 10.1 s a second. The misses
    // are the database's reads.
    let text_cache = "{engine: redis, node_type: cache.t3.micro, az: a, replica_az: b, ttl: 10s, keys: 100, engine_capacity: 1000}";
    let r = hit_path(1000.0, 100, text_cache, 120, 3);
    let series = |k: &str, st| r.series.points(&format!("cache.catalog.{k}"), st);
    let lookups = series("lookups", Statistic::Sum);
    let misses = series("misses", Statistic::Sum);
    let expirations = series("expirations", Statistic::Sum);
    let nodes = series("nodes", Statistic::Value);
    let ratio = series("hit_ratio", Statistic::Average);
    assert_eq!(lookups.len(), 12, "ten-second periods");
    let sum = |xs: &[(f64, f64)]| xs.iter().map(|p| p.1).sum::<f64>();
    assert_eq!(sum(&lookups) as u64, cache(&r).calls, "the periods add up");
    let orders = (r.resilience.databases.iter())
        .find(|d| d.name == "orders")
        .unwrap();
    let reads = (sum(&misses) as u64).abs_diff(orders.calls);
    assert!(reads <= r.in_flight, "a read per miss");
    assert!(
        nodes.iter().all(|p| p.1 == 2.0),
        "a primary and its replica"
    );
    // From 20 s on, every miss is an expiration.
    let (late, late_misses) = (sum(&expirations[2..]), sum(&misses[2..]));
    assert_eq!(late, late_misses);
    let expected = 100.0 / 10.1 * 100.0;
    let z = (late - expected) / expected.sqrt();
    assert!(
        z.abs() <= Z_MAX,
        "{late} expirations, expected {expected:.0} (z {z:.2})"
    );
    // The hit ratio of each late period, pooled, against the closed form.
    let n = sum(&lookups[2..]);
    let hits = (2..12).map(|k| ratio[k].1 * lookups[k].1).sum::<f64>();
    let z = z_binomial(hits.round() as u64, n as u64, 100.0 / 101.0);
    assert!(z.abs() <= Z_MAX, "hit ratio {:.5} (z {z:.2})", hits / n);
}

/// One Redis node in AZ c (a replica in a when `replica`), AZ c down from 100 s to 400 s:
/// the cache's downtime, its lookups that found no primary, and the misses after it came
/// back beyond the 300 keys' first fills.
fn redis_outage(replica: bool) -> (f64, u64, u64) {
    let spec = format!(
        "{{engine: redis, node_type: cache.t3.micro, az: c, {}ttl: 1h, keys: 300, promotion_time: {{dist: constant, value: 12s}}, replacement_time: {{dist: constant, value: 420s}}, engine_capacity: 100000}}",
        if replica { "replica_az: a, " } else { "" }
    );
    let text = format!(
        r#"
name: redis-outage
duration: 900s
azs: [a, b, c]
workloads:
  w:
    target: alb/l
    arrivals: uniform
    rate: 1000
    work: {{dist: constant, value: 1ms}}
    calls:
      - cache: catalog
        work: {{dist: constant, value: 500us}}
        on_miss: {{database: orders, work: {{dist: constant, value: 2ms}}}}
load_balancers:
  l: {{azs: [a, b], rules: [{{default: t}}]}}
target_groups:
  t: {{group: g}}
auto_scaling_groups:
  g: {{instance: {{vcpus: 64}}, azs: [a, b], desired: 2, max_concurrent: 100000}}
databases:
  orders: {{az: a, engine_capacity: 100000}}
caches:
  catalog: {spec}
faults:
  - {{at: 100s, az_outage: c, duration: 300s}}
"#
    );
    let r = simulate(parse(&text, &[]));
    let c = cache(&r);
    let refills = c.calls - c.failed_calls - c.hits.unwrap() - 300;
    (c.downtime_s, c.failed_calls, refills)
}

#[test]
fn a_redis_primary_comes_back_after_the_promotion_with_its_keys_or_after_the_replacement_empty() {
    // Multi-AZ: the replica in a is promoted 12 s after c fails, and has every key: no key
    // misses again. 12 s of 1,000 lookups a second found no primary.
    let (down, unavailable, refills) = redis_outage(true);
    assert_eq!(down, 12.0);
    assert!(unavailable.abs_diff(12_000) <= 1, "{unavailable}");
    assert_eq!(refills, 0);
    // Without a replica ElastiCache replaces the node: 420 s (longer than the 300 s outage,
    // so the node does not come back with its AZ), and the new node is empty: each of the
    // 300 keys misses once more.
    let (down, unavailable, refills) = redis_outage(false);
    assert_eq!(down, 420.0);
    assert!(unavailable.abs_diff(420_000) <= 1, "{unavailable}");
    assert_eq!(refills, 300);
}

#[test]
fn a_memcached_node_type_of_unknown_size_needs_an_engine_capacity() {
    let text = "name: x\nazs: [a]\ncaches:\n  c: {engine: memcached, node_type: cache.x9.huge, az: a, hit_ratio: 0.5}\npricing:\n  elasticache: {per_node_hour: {cache.x9.huge: 1.0}}\n";
    let err = stratus::scenario::Scenario::from_text(text, "t.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("caches.c.engine_capacity") && err.contains("cache.x9.huge"),
        "{err}"
    );
}
