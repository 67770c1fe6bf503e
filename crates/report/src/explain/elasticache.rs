//! An ElastiCache cluster in words: engine, nodes and their AZs, how lookups hit, and what a
//! lost node does.

use crate::model::database::DatabaseSpec;
use crate::model::elasticache::{CacheSpec, Engine, HitModel};
use crate::scenario::Scenario;
use std::fmt::Write;

pub(super) fn cluster(out: &mut String, s: &Scenario, d: &DatabaseSpec, e: &CacheSpec) {
    let hits = match e.hits {
        HitModel::Ratio(h) => format!("hit ratio {h}"),
        HitModel::Ttl { ttl, keys, skew } => format!(
            "{keys} keys (Zipf exponent {skew}) kept {ttl} after the miss that filled them (key i hits with probability λᵢT/(1+λᵢT) for Poisson lookups)"
        ),
    };
    let nodes = match e.engine {
        Engine::Redis => match d.standby_az {
            Some(a) => format!(
                "primary in AZ {}, a replica in {} promoted in {} (it keeps the data)",
                s.az_name(d.az),
                s.az_name(a),
                d.failover_time.describe()
            ),
            None => format!(
                "one node in AZ {}, no replica: a lost node is replaced, empty, in {}",
                s.az_name(d.az),
                e.replacement_time.describe()
            ),
        },
        Engine::Memcached => {
            let azs: Vec<&str> = e.node_azs.iter().map(|a| s.az_name(*a)).collect();
            format!(
                "{} nodes in AZs [{}], each key on one node: a lost node's keys miss until it is replaced, empty, in {}",
                e.billed_nodes,
                azs.join(", "),
                e.replacement_time.describe()
            )
        }
    };
    let _ = writeln!(
        out,
        "- cache `{}` (ElastiCache {}, {} x {}): {nodes}; {hits}; a hit answers in place of the call after it, {} lookups at once{} (beyond them lookups queue).",
        d.name,
        e.engine.name(),
        e.billed_nodes,
        e.node_type,
        d.engine_capacity,
        match e.engine {
            Engine::Memcached => " over its nodes",
            Engine::Redis => " on the primary",
        },
    );
}
