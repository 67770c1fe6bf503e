//! ElastiCache clusters in the world: a cache's lookups (typed ratio or TTL and key space,
//! `model::elasticache`), its nodes lost in an AZ outage and replaced empty, and its bill by
//! the node-hour. A cache is an entry of `Databases` (its connections, calls and failover);
//! this module keeps what only an ElastiCache cluster has, beside it, and is reached from
//! the databases' code at the lookup, the loss of a primary, an AZ outage and the bill.

use super::World;
use super::service::Period;
use crate::ids::{AzId, DatabaseId};
use crate::kernel::{Rng, Schedule, SimTime, stream};
use crate::metrics::{SeriesId, Statistic, TimeSeries};
use crate::model::database::{Database, DatabaseEvent, DatabaseSpec};
use crate::model::elasticache::{CacheState, Engine};
use crate::scenario::Scenario;
use crate::trace::{Field, Kind};

/// Trace kind: an ElastiCache node was lost (its AZ's outage).
pub(in crate::sim) const CACHE_NODE_LOST: Kind = Kind::new("cache_node_lost");
/// Trace kind: a lost ElastiCache node was replaced (empty).
pub(in crate::sim) const CACHE_NODE_REPLACED: Kind = Kind::new("cache_node_replaced");
/// Trace kind: a Redis replica was promoted after its primary was lost.
pub(in crate::sim) const CACHE_FAILOVER: Kind = Kind::new("cache_failover");

/// A cluster's series, `cache.NAME.*`: lookups, hits, misses, the hit ratio, expirations,
/// lookups whose node was lost, lookups that found the cache unavailable, nodes in service,
/// and the engine's utilization (lookup work done over the servers' time).
const SERIES: [(&str, Statistic); 9] = [
    ("lookups", Statistic::Sum),
    ("hits", Statistic::Sum),
    ("misses", Statistic::Sum),
    ("hit_ratio", Statistic::Average),
    ("expirations", Statistic::Sum),
    ("node_misses", Statistic::Sum),
    ("unavailable", Statistic::Sum),
    ("nodes", Statistic::Value),
    ("engine_utilization", Statistic::Average),
];

/// A cluster's running totals at the end of the last period (to report a period's share).
#[derive(Clone, Copy, Default)]
struct Totals {
    lookups: u64,
    hits: u64,
    unavailable: u64,
    node_misses: u64,
    expired: u64,
}

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
    /// The cluster's price per hour (its billed nodes at the node type's price in its
    /// region's table) and its region (of its primary's AZ).
    hourly: f64,
    region: usize,
    /// Lookups served at once over the cluster (`engine_capacity` x nodes for Memcached).
    servers: u32,
    /// Lookup work done: in this period, and over the run.
    pub busy: SimTime,
    busy_total: SimTime,
    series: [SeriesId; 9],
    last: Totals,
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
    /// Misses of a key whose TTL had run out.
    pub expired_misses: u64,
    /// Lookups a node runs at once.
    pub servers_per_node: u32,
    /// Lookup work done over the servers' time for the whole run.
    pub engine_utilization: f64,
}

impl CacheRuntime {
    /// The runtime of each ElastiCache cluster (`None` for databases and older caches).
    pub fn build(s: &Scenario, series: &mut TimeSeries) -> Vec<Option<CacheRuntime>> {
        s.resilience
            .databases
            .iter()
            .map(|d| {
                let e = d.elasticache.as_deref()?;
                // Its region's table (the run's without `regions:`), as the bill's.
                let table = s.regions.az_table(d.az, &s.prices);
                let price = (table
                    .section::<crate::model::elasticache::prices::ElastiCachePrices>()
                    .as_ref())
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
                    region: s.regions.of_az(d.az).index(),
                    servers: d.engine_capacity,
                    busy: SimTime::ZERO,
                    busy_total: SimTime::ZERO,
                    series: series.register(&format!("cache.{}", d.name), SERIES),
                    last: Totals::default(),
                })
            })
            .collect()
    }

    pub fn is_memcached(&self) -> bool {
        self.engine == Engine::Memcached
    }

    /// Its figures for the run (`duration`: the run's length).
    pub fn result(&self, spec: &DatabaseSpec, duration: SimTime) -> Option<CacheResult> {
        let e = spec.elasticache.as_deref()?;
        let nodes = match e.engine {
            Engine::Memcached => e.billed_nodes,
            Engine::Redis => 1,
        };
        Some(CacheResult {
            engine: e.engine.name(),
            node_type: e.node_type.clone(),
            nodes: e.billed_nodes,
            node_misses: self.state.node_misses,
            node_replacements: self.replacements,
            expired_misses: self.state.expired_misses,
            servers_per_node: self.servers / nodes.max(1),
            engine_utilization: utilization(self.busy_total + self.busy, self.servers, duration),
        })
    }

    /// Nodes in service: Memcached's nodes not lost; Redis's primary while it serves and its
    /// replica while the replica's AZ is up.
    fn nodes_in_service(&self, spec: &DatabaseSpec, db: &Database, az_down: &[bool]) -> u32 {
        let billed = spec.elasticache.as_deref().map_or(0, |e| e.billed_nodes);
        match self.engine {
            Engine::Memcached => billed - self.state.nodes_down(),
            Engine::Redis => {
                let replica = db.standby_az.is_some_and(|a| !az_down[a.index()]);
                db.is_up() as u32 + replica as u32
            }
        }
    }
}

/// Work done over `servers` servers' time in `span` (0 for an empty span).
fn utilization(busy: SimTime, servers: u32, span: SimTime) -> f64 {
    let time = servers as f64 * span.as_secs_f64();
    if time > 0.0 {
        busy.as_secs_f64() / time
    } else {
        0.0
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
        let fields = [
            ("node", Field::Str("primary")),
            ("replacement_s", Field::Num(delay.as_secs_f64())),
        ];
        self.trace_cache(d, CACHE_NODE_LOST, &fields);
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
                    if let Some(tr) = self.tracer.as_deref_mut() {
                        let name = &self.scenario.resilience.databases[d].name;
                        let fields = [
                            ("node", Field::Int(n as u64)),
                            ("replacement_s", Field::Num(delay.as_secs_f64())),
                        ];
                        tr.emit(now, CACHE_NODE_LOST, name, None, &fields);
                    }
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
        let node = node.map_or(Field::Str("primary"), |n| Field::Int(n as u64));
        self.trace_cache(d, CACHE_NODE_REPLACED, &[("node", node)]);
        self.fault_note(None, "cache_node_replaced", detail, true);
    }

    /// A period ended: each cluster's series (`cache.NAME.*`).
    pub(super) fn cache_period_ended(&mut self, p: &Period) {
        let span = p.end - SimTime::from_secs_f64(p.start_s);
        for d in 0..self.databases.caches.len() {
            let spec = &self.scenario.resilience.databases[d];
            let db = &self.databases.list[d];
            let Some(c) = self.databases.caches[d].as_mut() else {
                continue;
            };
            let now = Totals {
                lookups: db.calls,
                hits: db.hits,
                unavailable: db.failed_calls,
                node_misses: c.state.node_misses,
                expired: c.state.expired_misses,
            };
            let last = std::mem::replace(&mut c.last, now);
            let lookups = now.lookups.saturating_sub(last.lookups);
            let hits = now.hits.saturating_sub(last.hits);
            let unavailable = now.unavailable.saturating_sub(last.unavailable);
            let misses = lookups.saturating_sub(hits + unavailable);
            let answered = hits + misses;
            let nodes = c.nodes_in_service(spec, db, &self.faults.az_down);
            let busy = std::mem::replace(&mut c.busy, SimTime::ZERO);
            c.busy_total += busy;
            let values = [
                lookups as f64,
                hits as f64,
                misses as f64,
                if answered > 0 {
                    hits as f64 / answered as f64
                } else {
                    0.0
                },
                now.expired.saturating_sub(last.expired) as f64,
                now.node_misses.saturating_sub(last.node_misses) as f64,
                unavailable as f64,
                nodes as f64,
                utilization(busy, c.servers, span),
            ];
            for (id, v) in c.series.iter().zip(values) {
                self.series.push(p.start_s, *id, v);
            }
        }
    }

    /// A trace line about cache `d` (`cache_node_lost`, `cache_node_replaced`,
    /// `cache_failover`).
    pub(super) fn trace_cache(&mut self, d: DatabaseId, kind: Kind, fields: &[(&str, Field)]) {
        if let Some(tr) = self.tracer.as_deref_mut() {
            let name = &self.scenario.resilience.databases[d.index()].name;
            tr.emit(self.queue.now(), kind, name, None, fields);
        }
    }

    /// The clusters' node-hours for a cost period `seconds` long.
    pub(super) fn cache_period_cost(&self, seconds: f64) -> f64 {
        (self.databases.caches.iter().flatten())
            .map(|c| c.hourly * seconds / 3600.0)
            .sum()
    }

    /// The clusters' cost in a cost period of `seconds`, per region (`regions` of them).
    pub(super) fn cache_period_cost_by_region(&self, seconds: f64, regions: usize) -> Vec<f64> {
        let mut out = vec![0.0; regions];
        for c in self.databases.caches.iter().flatten() {
            out[c.region] += c.hourly * seconds / 3600.0;
        }
        out
    }
}
