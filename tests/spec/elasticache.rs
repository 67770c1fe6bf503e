//! ElastiCache clusters against closed forms and AWS's rules: a TTL cache that fills on a
//! miss hits key i with probability λᵢT / (1 + λᵢT) under Poisson lookups (counted here as
//! the renewal process of its misses); the database behind a cache-aside lookup is called
//! exactly once per miss; a lost Memcached node's share of the keys (1/nodes) misses until
//! the node is replaced, then refills; a Redis primary without a replica is down until it is
//! replaced, and comes back empty; the nodes are billed per node-hour from the price table.

use crate::support::*;
use stratus::sim::{DatabaseResult, RunResult};

/// `rate` requests per second (`arrivals`), each looking `catalog` up (0.5 ms) and, on a
/// miss, reading `orders` (2 ms): ample instances in AZs a and b.
fn cache_scenario(arrivals: &str, rate: u32, duration: &str, cache: &str) -> String {
    format!(
        r#"
name: cache
duration: {duration}
azs: [a, b, c]
workloads:
  w:
    target: alb/l
    arrivals: {arrivals}
    rate: {rate}
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
  catalog: {cache}
"#
    )
}

/// The problems reported for a scenario that must not load.
fn problems(text: &str) -> String {
    stratus::scenario::Scenario::from_text(text, "t.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string()
}

fn cache(r: &RunResult) -> &DatabaseResult {
    r.resilience
        .databases
        .iter()
        .find(|d| d.name == "catalog")
        .unwrap()
}

fn database(r: &RunResult) -> &DatabaseResult {
    r.resilience
        .databases
        .iter()
        .find(|d| d.name == "orders")
        .unwrap()
}

#[test]
fn a_ttl_cache_misses_as_the_renewal_process_of_each_key_and_the_database_sees_each_miss() {
    // 2,000 Poisson lookups per second over 200 keys of Zipf exponent 0.8, a 1 s TTL, for
    // 600 s. Key i's lookups are Poisson at μᵢ = λpᵢ; its misses are a renewal process of
    // period Xᵢ = T + Exp(μᵢ) started empty, M(τ) = N_X(τ + T): mean (τ+T)/mᵢ + 1/(2μᵢ²mᵢ²) -
    // 1/2 and variance τσᵢ²/mᵢ³ (mᵢ = T + 1/μᵢ, σᵢ = 1/μᵢ). The hit ratio is the closed form
    // Σ pᵢ μᵢT / (1 + μᵢT).
    let text = cache_scenario(
        "poisson",
        2000,
        "600s",
        "{engine: redis, node_type: cache.t3.micro, az: a, ttl: 1s, keys: 200, key_skew: 0.8, engine_capacity: 100000}",
    );
    let r = simulate(parse(&text, &[]));
    let (lambda, ttl, keys, skew) = (2000.0, 1.0, 200, 0.8);
    // Lookups happen 1 ms after each arrival, inside the run.
    let tau = 600.0 - 0.001;
    let weights: Vec<f64> = (1..=keys).map(|i| (i as f64).powf(-skew)).collect();
    let total: f64 = weights.iter().sum();
    let (mut mean, mut var, mut closed) = (0.0, 0.0, 0.0);
    for w in &weights {
        let p = w / total;
        let mu = lambda * p;
        let m = ttl + 1.0 / mu;
        mean += (tau + ttl) / m + 1.0 / (2.0 * mu * mu * m * m) - 0.5;
        var += tau / (mu * mu) / (m * m * m);
        closed += p * mu * ttl / (1.0 + mu * ttl);
    }
    let c = cache(&r);
    let misses = c.calls - c.hits.unwrap();
    let z = (misses as f64 - mean) / var.sqrt();
    assert!(
        z.abs() <= Z_MAX,
        "misses {misses}, expected {mean:.0} ± {:.0}: z = {z:.2}",
        var.sqrt()
    );
    let ratio = c.hits.unwrap() as f64 / c.calls as f64;
    assert!(
        (ratio - closed).abs() < 0.002,
        "hit ratio {ratio}, closed form {closed}"
    );
    // Cache-aside: the database is read once per miss (a miss whose lookup was still in
    // flight at the end had not read it yet), never on a hit.
    let reads = database(&r).calls;
    assert!(
        reads <= misses && misses - reads <= r.in_flight,
        "{reads} reads, {misses} misses"
    );
    assert_eq!(c.failed_calls, 0);
}

#[test]
fn a_typed_hit_ratio_still_decides_each_lookup_and_the_database_sees_each_miss() {
    let text = cache_scenario(
        "poisson",
        1000,
        "300s",
        "{engine: redis, az: a, hit_ratio: 0.8}",
    );
    let r = simulate(parse(&text, &[]));
    let c = cache(&r);
    let hits = c.hits.unwrap();
    let z = z_binomial(hits, c.calls, 0.8);
    assert!(z.abs() <= Z_MAX, "{hits} hits of {}: z = {z:.2}", c.calls);
    let (misses, reads) = (c.calls - hits, database(&r).calls);
    assert!(reads <= misses && misses - reads <= r.in_flight);
}

/// 1,000 lookups per second, evenly spaced, over 300 keys kept an hour, from a Memcached
/// cluster of 3 nodes, one per AZ; AZ c (node 2, holding keys 2, 5, 8, ...) is down from
/// 100 s to the end of the 400 s run.
fn memcached(replacement: &str) -> RunResult {
    let text = cache_scenario(
        "uniform",
        1000,
        "400s",
        &format!(
            "{{engine: memcached, node_type: cache.t3.micro, nodes: 3, azs: [a, b, c], ttl: 1h, keys: 300, replacement_time: {{dist: constant, value: {replacement}}}, engine_capacity: 100000}}"
        ),
    ) + "faults:\n  - {at: 100s, az_outage: c, duration: 300s}\n";
    simulate(parse(&text, &[]))
}

#[test]
fn a_lost_memcached_node_misses_a_third_of_the_keys_until_it_is_replaced_then_refills() {
    // Not replaced within the run: after 100 s, every lookup of node 2's keys (1/3 of the
    // 300,000 lookups) misses; the rest hit (each key was filled once, in the first seconds).
    let r = memcached("1h");
    let c = cache(&r);
    let node = c.cache.as_ref().unwrap();
    let after = 1000 * 300;
    let z = z_binomial(node.node_misses, after, 1.0 / 3.0);
    assert!(
        z.abs() <= Z_MAX,
        "{} node misses of {after}: z = {z:.2}",
        node.node_misses
    );
    assert_eq!(c.calls - c.hits.unwrap(), 300 + node.node_misses);
    assert_eq!(node.node_replacements, 0);
    // Replaced after 60 s: node 2's keys miss for 60 s (1/3 of 60,000 lookups), then the
    // new, empty node refills its 100 keys with one miss each.
    let r = memcached("60s");
    let c = cache(&r);
    let node = c.cache.as_ref().unwrap();
    let z = z_binomial(node.node_misses, 60_000, 1.0 / 3.0);
    assert!(
        z.abs() <= Z_MAX,
        "{} node misses of 60,000: z = {z:.2}",
        node.node_misses
    );
    assert_eq!(c.calls - c.hits.unwrap(), 300 + node.node_misses + 100);
    assert_eq!(node.node_replacements, 1);
    // The cluster stayed up: no lookup found it unavailable, and the database took every
    // miss.
    assert_eq!(c.failed_calls, 0);
    assert!(c.calls - c.hits.unwrap() - database(&r).calls <= r.in_flight);
}

#[test]
fn a_redis_primary_without_a_replica_is_down_until_replaced_and_comes_back_empty() {
    // One Redis node in AZ c, replaced 120 s after c fails at 100 s: the 120,000 lookups in
    // between find it down (each goes to the database); the new node is empty, so each of
    // the 300 keys misses once more.
    let text = cache_scenario(
        "uniform",
        1000,
        "400s",
        "{engine: redis, node_type: cache.t3.micro, az: c, ttl: 1h, keys: 300, replacement_time: {dist: constant, value: 120s}, engine_capacity: 100000}",
    ) + "faults:\n  - {at: 100s, az_outage: c, duration: 300s}\n";
    let r = simulate(parse(&text, &[]));
    let c = cache(&r);
    assert!(
        c.failed_calls.abs_diff(120_000) <= 2,
        "{} lookups found it down",
        c.failed_calls
    );
    assert!(
        (c.downtime_s - 120.0).abs() < 1e-9,
        "down {} s",
        c.downtime_s
    );
    let answered = c.calls - c.failed_calls;
    assert_eq!(answered - c.hits.unwrap(), 300 + 300);
    assert_eq!(c.primary_az, "a", "replaced in the first AZ that is up");
    // With a replica in a (Multi-AZ), the replica is promoted in 5-15 s and keeps the keys.
    let text = text.replace("az: c, ttl", "az: c, replica_az: a, ttl");
    let r = simulate(parse(&text, &[]));
    let c = cache(&r);
    assert!(
        c.downtime_s >= 5.0 && c.downtime_s <= 15.0,
        "down {} s",
        c.downtime_s
    );
    assert_eq!(c.calls - c.failed_calls - c.hits.unwrap(), 300);
    assert_eq!(c.cache.as_ref().unwrap().node_replacements, 0);
}

#[test]
fn nodes_are_billed_per_node_hour_from_the_price_table() {
    // Memcached: 3 cache.t3.micro nodes for 400 s; Redis with a replica: 2 cache.r6g.large.
    let r = memcached("1h");
    use stratus::cost::prices::PriceSection;
    let p = stratus::model::elasticache::prices::ElastiCachePrices::shipped();
    let per_hour = &p.per_node_hour;
    let by_hand = 3.0 * per_hour["cache.t3.micro"] * 400.0 / 3600.0;
    let billed = r.cost.by_service["elasticache"];
    assert!(
        (billed - by_hand).abs() < 1e-12,
        "billed {billed}, by hand {by_hand}"
    );
    let text = cache_scenario(
        "uniform",
        100,
        "1h",
        "{engine: redis, node_type: cache.r6g.large, az: a, replica_az: b, hit_ratio: 0.5}",
    );
    let r = simulate(parse(&text, &[]));
    let by_hand = 2.0 * per_hour["cache.r6g.large"];
    let billed = r.cost.by_service["elasticache"];
    assert!(
        (billed - by_hand).abs() < 1e-12,
        "billed {billed}, by hand {by_hand}"
    );
    // A cache with no ElastiCache field keeps the older model: not billed.
    let text = cache_scenario("uniform", 100, "60s", "{az: a, hit_ratio: 0.5}");
    let r = simulate(parse(&text, &[]));
    assert!(!r.cost.by_service.contains_key("elasticache"));
}

#[test]
fn bad_cache_fields_are_reported_with_their_paths() {
    let bad = cache_scenario(
        "uniform",
        10,
        "60s",
        "{engine: memcached, node_type: cache.x1.huge, nodes: 61, replica_az: b, ttl: 1s, hit_ratio: 0.5}",
    )
    .replace(
        "on_miss: {database: orders",
        "on_miss: {cache: catalog",
    );
    let e = problems(&bad);
    for expected in [
        "caches.catalog: give either `hit_ratio` or `ttl` with `keys`, not both",
        "workloads.w.calls[0].on_miss: expected a `database` or `table` call",
    ] {
        assert!(e.contains(expected), "{expected}\n{e}");
    }
    let bad = cache_scenario(
        "uniform",
        10,
        "60s",
        "{engine: memcached, node_type: cache.x1.huge, nodes: 61, replica_az: b, hit_ratio: 0.5}",
    );
    let e = problems(&bad);
    for expected in [
        "caches.catalog.node_type: the price table has no ElastiCache price for `cache.x1.huge`",
        "caches.catalog.nodes: expected 1 to 60 nodes, got 61",
        "caches.catalog.replica_az: Memcached has no replicas",
    ] {
        assert!(e.contains(expected), "{expected}\n{e}");
    }
}
