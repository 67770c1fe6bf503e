//! ElastiCache clusters in the world: a cache's lookups (typed ratio or TTL and key space,
//! `model::elasticache`), its nodes lost in an AZ outage and replaced empty, and its bill by
//! the node-hour. A cache is an entry of `Databases` (its connections, calls and failover);
//! this module keeps what only an ElastiCache cluster has, beside it, and is reached from
//! the databases' code at the lookup, the loss of a primary, an AZ outage and the bill.

use super::World;
use crate::ids::{AzId, DatabaseId};
use crate::kernel::{Rng, Schedule, SimTime, stream};
use crate::model::database::{DatabaseEvent, DatabaseSpec};
use crate::model::elasticache::{CacheState, Engine};
use crate::scenario::Scenario;

/// An ElastiCache cluster's runtime beside its database entry.
pub struct CacheRuntime {
    pub state: CacheState,
    pub engine: Engine,
    /// Per Memcached node: its AZ now (a replacement lands in an AZ that is up).
    node_az: Vec<AzId>,
    /// A Redis primary being replaced: the return of its AZ does not bring it back.
    pub replacing: bool,
    pub replacements: u64,
    /// `cache/NAME/replacement`: how long each replacement takes.
    rng: Rng,
    /// The cluster's price per hour (its billed nodes at the node type's price).
    hourly: f64,
}

/// A cache's ElastiCache figures (`summary.json` `caches.NAME`, for a cache that uses them).
#[derive(Clone, Debug, PartialEq)]
pub struct CacheResult {
    pub engine: &'static str,
    pub node_type: String,
    pub nodes: u32,
    /// Lookups whose key was on a lost Memcached node.
    pub node_misses: u64,
    pub node_replacements: u64,
}

impl CacheRuntime {
    /// The runtime of each ElastiCache cluster (`None` for databases and older caches).
    pub fn build(s: &Scenario) -> Vec<Option<CacheRuntime>> {
        let prices = s.prices.elasticache.as_ref();
        s.resilience
            .databases
            .iter()
            .map(|d| {
                let e = d.elasticache.as_deref()?;
                let price = prices
                    .and_then(|p| p.per_node_hour.get(&e.node_type))
                    .copied()
                    .unwrap_or(0.0);
                Some(CacheRuntime {
                    state: CacheState::new(e),
                    engine: e.engine,
                    node_az: e.node_azs.clone(),
                    replacing: false,
                    replacements: 0,
                    rng: stream(s.seed, &format!("cache/{}/replacement", d.name)),
                    hourly: e.billed_nodes as f64 * price,
                })
            })
            .collect()
    }

    pub fn is_memcached(&self) -> bool {
        self.engine == Engine::Memcached
    }

    pub fn result(&self, spec: &DatabaseSpec) -> Option<CacheResult> {
        let e = spec.elasticache.as_deref()?;
        Some(CacheResult {
            engine: e.engine.name(),
            node_type: e.node_type.clone(),
            nodes: e.billed_nodes,
            node_misses: self.state.node_misses,
            node_replacements: self.replacements,
        })
    }
}

/// The first AZ from `preferred` on (in the scenario's order) that is up.
fn up_az(preferred: AzId, az_down: &[bool]) -> AzId {
    let n = az_down.len().max(1);
    (0..n)
        .map(|k| AzId(((preferred.index() + k) % n) as u8))
        .find(|a| !az_down.get(a.index()).copied().unwrap_or(false))
        .unwrap_or(preferred)
}

impl World {
    /// A Redis cache's primary is down with no replica to promote: ElastiCache replaces it
    /// after its drawn replacement time. Returns the delay, or `None` when `d` is not such a
    /// cluster.
    pub(super) fn replace_cache_primary(&mut self, d: DatabaseId) -> Option<SimTime> {
        let spec = self.scenario.resilience.databases[d.index()]
            .elasticache
            .as_deref()?;
        let c = self.databases.caches[d.index()].as_mut()?;
        if c.is_memcached() || c.replacing {
            return None;
        }
        c.replacing = true;
        let delay = spec.replacement_time.sample(&mut c.rng);
        let now = self.queue.now();
        self.queue
            .at(now + delay, DatabaseEvent::NodeReplaced(d, None));
        Some(delay)
    }

    /// AZ `az` went down: the Memcached nodes there are lost; each is replaced, empty, after
    /// its drawn replacement time.
    pub(super) fn lose_cache_nodes(&mut self, az: AzId) {
        let now = self.queue.now();
        for d in 0..self.databases.caches.len() {
            let Some(c) = self.databases.caches[d].as_mut() else {
                continue;
            };
            let spec = self.scenario.resilience.databases[d].elasticache.as_deref();
            let Some(spec) = spec.filter(|_| c.is_memcached()) else {
                continue;
            };
            let mut lost = 0;
            for n in 0..c.node_az.len() {
                if c.node_az[n] == az && !c.state.node_is_down(n) {
                    c.state.lose_node(n);
                    lost += 1;
                    let delay = spec.replacement_time.sample(&mut c.rng);
                    let id = DatabaseId(d as u16);
                    self.queue
                        .at(now + delay, DatabaseEvent::NodeReplaced(id, Some(n as u16)));
                }
            }
            if lost > 0 {
                let detail = format!(
                    "{}: {lost} of {} Memcached nodes lost; their keys miss until replaced",
                    self.scenario.resilience.databases[d].name,
                    c.node_az.len()
                );
                self.fault_note(None, "cache_nodes_lost", detail, true);
            }
        }
    }

    /// ElastiCache replaced a lost node (`None`: a Redis primary): it serves again, empty.
    pub(super) fn on_cache_node_replaced(&mut self, d: DatabaseId, node: Option<u16>) {
        let now = self.queue.now();
        let az_down = &self.faults.az_down;
        let Some(c) = self.databases.caches[d.index()].as_mut() else {
            return;
        };
        c.replacements += 1;
        let name = &self.scenario.resilience.databases[d.index()].name;
        let detail = match node {
            Some(n) => {
                let n = n as usize;
                c.node_az[n] = up_az(c.node_az[n], az_down);
                c.state.replace_node(Some(n));
                format!(
                    "{name}: node {n} replaced in AZ {}, empty",
                    self.scenario.azs[c.node_az[n].index()]
                )
            }
            None => {
                c.replacing = false;
                c.state.replace_node(None);
                let db = &mut self.databases.list[d.index()];
                db.primary_az = up_az(db.primary_az, az_down);
                db.come_up(now);
                format!(
                    "{name}: primary replaced in AZ {}, empty",
                    self.scenario.azs[db.primary_az.index()]
                )
            }
        };
        self.fault_note(None, "cache_node_replaced", detail, true);
    }

    /// The clusters' node-hours for a cost period `seconds` long.
    pub(super) fn cache_period_cost(&self, seconds: f64) -> f64 {
        (self.databases.caches.iter().flatten())
            .map(|c| c.hourly * seconds / 3600.0)
            .sum()
    }
}
