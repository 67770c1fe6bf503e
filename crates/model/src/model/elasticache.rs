//! ElastiCache clusters (Redis OSS or Memcached) in front of a database: their nodes, the
//! key space a TTL cache keeps, and what a lookup finds.
//!
//! A cache is a `model::database` entry (its lookups hold one of its `engine_capacity`
//! connections for their `work`, queueing beyond it) with a `CacheSpec` that says how it
//! answers:
//! - **Typed hit ratio** (`hit_ratio`): each lookup hits with that probability.
//! - **TTL and key space** (`ttl`, `keys`, `key_skew`): each lookup asks for a key drawn from
//!   `keys` keys by a Zipf law of exponent `key_skew` (0: uniform). A key is present from a
//!   miss (the application reads the database and fills the cache: cache-aside) until `ttl`
//!   later; a hit does not extend it. For Poisson lookups of key i at rate λᵢ the hit ratio
//!   is λᵢT / (1 + λᵢT) (a renewal cycle is one miss, then the T seconds of hits). Sources:
//!   "Caching strategies: lazy loading" and "Adding TTL" in the ElastiCache guide
//!   (<https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Strategies.html>). Our choice:
//!   the fill is counted at the miss (the TTL runs from the lookup, not from the database's
//!   answer); a lookup of the key while that read is in flight finds it.
//! - **Nodes**: Redis (cluster mode disabled) serves from its primary; Memcached spreads the
//!   keys over its `nodes` (key i on node i mod nodes, our stand-in for the client's
//!   consistent hashing), placed round-robin over its AZs. A lost Memcached node's keys miss
//!   (and are not filled: the node is gone) until ElastiCache replaces it; the new node is
//!   empty, so its keys miss once each as they refill. Source: "Mitigating failures when
//!   running Memcached" (<https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/disaster-recovery-resiliency.html>).
//!   A Redis primary lost without a replica (Multi-AZ off) is replaced by a new, empty node
//!   after `replacement_time`; with a replica, the replica is promoted in seconds and keeps
//!   the data. Source: "Minimizing downtime in ElastiCache by using Multi-AZ"
//!   (<https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html>). AWS
//!   gives no figure for a replacement: the default (uniform 5 to 10 minutes) is our choice.
//! - **Node capacity**: a node runs a bounded number of lookups at once (`engine_capacity`
//!   servers per node, each lookup holding one for its `work`), so a cache driven past
//!   `servers / work` lookups per second queues and its hit path slows down. AWS publishes no
//!   operations-per-second figure per node type. What it says: Valkey and Redis OSS execute
//!   commands on one thread (the CPU threshold to watch is 90% / cores, "Which metrics should
//!   I monitor?", <https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.WhichShouldIMonitor.html>;
//!   enhanced I/O moves network I/O and TLS to other cores, not commands, "Scaling
//!   considerations", <https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Scaling-considerations.html>),
//!   and Memcached is multi-threaded (the same page: its CPUUtilization can reach 90%). So a
//!   Redis node's default is one server (`default_servers_per_node`) and a Memcached node's
//!   one per vCPU of its node type (`node_vcpus`, from the node type's size as the supported
//!   node types page lists it, <https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html>).
//!   That a lookup's `work` is the time one server spends on it is our choice.

pub mod prices;

use crate::dist::Dist;
use crate::ids::AzId;
use crate::kernel::{Rng, RngExt, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Redis,
    Memcached,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Redis => "redis",
            Engine::Memcached => "memcached",
        }
    }
}

/// The vCPUs of an ElastiCache node type, from its size (`cache.FAMILY.SIZE`): the burstable
/// t2's micro and small nodes have 1, every other micro to large node 2, `xlarge` 4 and
/// `Nxlarge` 4N, as ElastiCache's supported node types list them. `None` for a name of
/// another shape.
pub fn node_vcpus(node_type: &str) -> Option<u32> {
    let mut parts = node_type.strip_prefix("cache.")?.split('.');
    let (family, size) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    match size {
        "micro" | "small" if matches!(family, "t1" | "t2" | "m1") => Some(1),
        "micro" | "small" | "medium" | "large" => Some(2),
        "xlarge" => Some(4),
        s => {
            let n: u32 = s.strip_suffix("xlarge")?.parse().ok()?;
            (1..=48).contains(&n).then_some(4 * n)
        }
    }
}

/// The lookups a node of `engine` and `node_type` runs at once when the scenario gives no
/// `engine_capacity`: Redis executes commands on one thread, Memcached on one per vCPU (see
/// the module's sources). `None` when a Memcached node type's vCPUs are unknown.
pub fn default_servers_per_node(engine: Engine, node_type: &str) -> Option<u32> {
    match engine {
        Engine::Redis => Some(1),
        Engine::Memcached => node_vcpus(node_type),
    }
}

/// How lookups hit: a typed ratio, or keys with a TTL.
#[derive(Clone, Debug, PartialEq)]
pub enum HitModel {
    Ratio(f64),
    Ttl {
        ttl: SimTime,
        keys: u32,
        /// The Zipf exponent of key popularity (0: uniform).
        skew: f64,
    },
}

/// An ElastiCache cluster's engine, nodes and hit model (a cache without one keeps the older
/// typed-ratio model with no nodes and no price).
#[derive(Clone, Debug)]
pub struct CacheSpec {
    pub engine: Engine,
    /// The node type, for the price per node-hour (e.g. `cache.r6g.large`).
    pub node_type: String,
    /// Nodes billed: Memcached's `nodes`; Redis's primary plus its replica.
    pub billed_nodes: u32,
    /// Memcached: each node's AZ (Redis: empty; its primary is the database entry's).
    pub node_azs: Vec<AzId>,
    pub hits: HitModel,
    /// How long ElastiCache takes to replace a lost node (Memcached, or a Redis primary
    /// without a replica).
    pub replacement_time: Dist,
}

/// Key popularity: the cumulative probabilities of keys 0..n (key 0 the most popular).
#[derive(Clone, Debug)]
pub struct Popularity {
    cumulative: Vec<f64>,
}

impl Popularity {
    /// `keys` keys with probabilities proportional to 1 / (i + 1)^skew.
    pub fn zipf(keys: u32, skew: f64) -> Popularity {
        let weights: Vec<f64> = (1..=keys as u64).map(|i| (i as f64).powf(-skew)).collect();
        let total: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let cumulative = weights
            .iter()
            .map(|w| {
                acc += w / total;
                acc
            })
            .collect();
        Popularity { cumulative }
    }

    /// Key `i`'s probability.
    pub fn share(&self, i: usize) -> f64 {
        self.cumulative[i] - if i == 0 { 0.0 } else { self.cumulative[i - 1] }
    }

    pub fn draw(&self, rng: &mut Rng) -> usize {
        let u = rng.open01();
        (self.cumulative.partition_point(|&c| c <= u)).min(self.cumulative.len() - 1)
    }
}

/// A cache's runtime state beyond its database entry: its keys' expiry and its nodes.
pub struct CacheState {
    hits: HitModel,
    popularity: Option<Popularity>,
    /// Per key: present until this time (zero: absent).
    expiry: Vec<SimTime>,
    /// Per node: down until replaced.
    node_down: Vec<bool>,
    /// Lookups that found their node down.
    pub node_misses: u64,
    /// Misses of a key that had been filled and whose TTL ran out (a TTL cache's expirations,
    /// counted when the key is next read).
    pub expired_misses: u64,
}

impl CacheState {
    pub fn new(spec: &CacheSpec) -> CacheState {
        let (popularity, expiry) = match spec.hits {
            HitModel::Ttl { keys, skew, .. } => (
                Some(Popularity::zipf(keys, skew)),
                vec![SimTime::ZERO; keys as usize],
            ),
            HitModel::Ratio(_) => (None, Vec::new()),
        };
        CacheState {
            hits: spec.hits.clone(),
            popularity,
            expiry,
            node_down: vec![false; spec.node_azs.len().max(1)],
            node_misses: 0,
            expired_misses: 0,
        }
    }

    /// A lookup at `now`: whether it hits. A miss of a reachable key fills it (cache-aside).
    pub fn lookup(&mut self, now: SimTime, rng: &mut Rng) -> bool {
        let nodes = self.node_down.len();
        match (&self.hits, &self.popularity) {
            (HitModel::Ttl { ttl, .. }, Some(pop)) => {
                let key = pop.draw(rng);
                if self.node_down[key % nodes] {
                    self.node_misses += 1;
                    return false;
                }
                let expiry = self.expiry[key];
                let hit = expiry > now;
                if !hit {
                    self.expired_misses += (expiry != SimTime::ZERO) as u64;
                    self.expiry[key] = now + *ttl;
                }
                hit
            }
            (HitModel::Ratio(h), _) => {
                let node = if nodes > 1 {
                    rng.uniform_u64(0, nodes as u64) as usize
                } else {
                    0
                };
                if self.node_down[node] {
                    self.node_misses += 1;
                    return false;
                }
                rng.chance(*h)
            }
            (HitModel::Ttl { .. }, None) => false,
        }
    }

    /// Node `n` is lost: its keys miss until it is replaced.
    pub fn lose_node(&mut self, n: usize) {
        self.node_down[n] = true;
    }

    /// Node `n` (every node: `None`) comes back empty: its keys are absent.
    pub fn replace_node(&mut self, n: Option<usize>) {
        let nodes = self.node_down.len();
        match n {
            Some(n) => {
                self.node_down[n] = false;
                for k in (n..self.expiry.len()).step_by(nodes) {
                    self.expiry[k] = SimTime::ZERO;
                }
            }
            None => {
                self.node_down.iter_mut().for_each(|d| *d = false);
                self.expiry.iter_mut().for_each(|e| *e = SimTime::ZERO);
            }
        }
    }

    pub fn node_is_down(&self, n: usize) -> bool {
        self.node_down[n]
    }

    /// Memcached nodes lost and not yet replaced.
    pub fn nodes_down(&self) -> u32 {
        self.node_down.iter().filter(|d| **d).count() as u32
    }
}

/// The hit ratio of a TTL cache that fills on a miss, for Poisson lookups at rate `rate`
/// over keys of `popularity`: the sum over keys of share × λᵢT / (1 + λᵢT).
pub fn ttl_hit_ratio(rate: f64, ttl_s: f64, popularity: &Popularity) -> f64 {
    (0..popularity.cumulative.len())
        .map(|i| {
            let p = popularity.share(i);
            let lt = rate * p * ttl_s;
            p * lt / (1.0 + lt)
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::stream;

    /// A cluster of `engine` with nodes in `node_azs` (one billed node when none is placed),
    /// `keys` uniform keys kept `ttl_s` seconds, replaced at once.
    fn ttl_cache(engine: Engine, node_azs: Vec<AzId>, ttl_s: u64, keys: u32) -> CacheSpec {
        CacheSpec {
            engine,
            node_type: String::new(),
            billed_nodes: node_azs.len().max(1) as u32,
            node_azs,
            hits: HitModel::Ttl {
                ttl: SimTime::from_secs(ttl_s),
                keys,
                skew: 0.0,
            },
            replacement_time: Dist::Constant(SimTime::ZERO),
        }
    }

    #[test]
    fn zipf_shares_sum_to_one_and_fall_by_the_exponent() {
        let p = Popularity::zipf(100, 1.0);
        let sum: f64 = (0..100).map(|i| p.share(i)).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        assert!((p.share(0) / p.share(9) - 10.0).abs() < 1e-9);
        let u = Popularity::zipf(4, 0.0);
        assert!((0..4).all(|i| (u.share(i) - 0.25).abs() < 1e-12));
    }

    #[test]
    fn a_key_hits_for_its_ttl_after_a_miss_and_not_after() {
        let spec = ttl_cache(Engine::Redis, Vec::new(), 10, 1);
        let mut c = CacheState::new(&spec);
        let mut rng = stream(1, "t");
        assert!(!c.lookup(SimTime::from_secs(1), &mut rng), "cold");
        assert!(c.lookup(SimTime::from_secs(5), &mut rng));
        assert!(c.lookup(SimTime::from_millis(10_999), &mut rng));
        assert!(!c.lookup(SimTime::from_secs(11), &mut rng), "expired");
        assert!(
            c.lookup(SimTime::from_secs(12), &mut rng),
            "refilled at 11 s"
        );
        c.replace_node(None);
        assert!(
            !c.lookup(SimTime::from_secs(13), &mut rng),
            "a new node is empty"
        );
    }

    #[test]
    fn a_lost_memcached_node_misses_its_keys_and_comes_back_empty() {
        let spec = ttl_cache(Engine::Memcached, vec![AzId(0), AzId(1)], 1000, 2);
        let mut c = CacheState::new(&spec);
        let mut rng = stream(1, "t");
        for s in 1..50 {
            c.lookup(SimTime::from_secs(s), &mut rng);
        }
        c.lose_node(1);
        let (mut hits, mut lost) = (0, 0);
        for s in 50..150 {
            let before = c.node_misses;
            if c.lookup(SimTime::from_secs(s), &mut rng) {
                hits += 1;
            }
            lost += c.node_misses - before;
        }
        assert_eq!(hits + lost, 100, "node 0's keys hit, node 1's miss");
        c.replace_node(Some(1));
        assert!(c.expiry[1] == SimTime::ZERO && c.expiry[0] > SimTime::ZERO);
    }

    #[test]
    fn node_types_have_the_vcpus_of_their_size() {
        for (t, v) in [
            ("cache.t3.micro", 2),
            ("cache.t2.micro", 1),
            ("cache.t2.medium", 2),
            ("cache.r6g.large", 2),
            ("cache.m5.xlarge", 4),
            ("cache.r7g.16xlarge", 64),
        ] {
            assert_eq!(node_vcpus(t), Some(v), "{t}");
        }
        for t in [
            "r6g.large",
            "cache.r6g",
            "cache.r6g.huge",
            "cache.r6g.0xlarge",
        ] {
            assert_eq!(node_vcpus(t), None, "{t}");
        }
        assert_eq!(
            default_servers_per_node(Engine::Redis, "cache.m5.4xlarge"),
            Some(1)
        );
        assert_eq!(
            default_servers_per_node(Engine::Memcached, "cache.m5.4xlarge"),
            Some(16)
        );
    }

    #[test]
    fn a_miss_of_a_key_whose_ttl_ran_out_is_an_expiration() {
        let spec = ttl_cache(Engine::Redis, Vec::new(), 10, 1);
        let mut c = CacheState::new(&spec);
        let mut rng = stream(1, "t");
        c.lookup(SimTime::from_secs(1), &mut rng);
        assert_eq!(c.expired_misses, 0, "a cold miss is not an expiration");
        c.lookup(SimTime::from_secs(11), &mut rng);
        assert_eq!(c.expired_misses, 1);
    }

    #[test]
    fn the_closed_form_is_the_per_key_renewal_ratio() {
        let p = Popularity::zipf(1, 0.0);
        // One key at 4 lookups/s with a 0.5 s TTL: λT = 2, hit ratio 2/3.
        assert!((ttl_hit_ratio(4.0, 0.5, &p) - 2.0 / 3.0).abs() < 1e-12);
    }
}
