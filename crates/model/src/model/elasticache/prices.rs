//! ElastiCache's section of the price table (`elasticache`), owned here: its type and its
//! shipped figures (`prices.yaml` beside this file).

use crate::cost::prices::{IfAbsent, PriceSection};
use serde::Deserialize;
use std::collections::BTreeMap;

/// ElastiCache on-demand nodes per node-hour by node type, Redis OSS and Memcached alike
/// ("Amazon ElastiCache pricing", https://aws.amazon.com/elasticache/pricing/).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ElastiCachePrices {
    pub per_node_hour: BTreeMap<String, f64>,
}

/// The `elasticache` section (absent from a `--prices` table written before it: a cache that
/// names a node type is refused, with the node type's path, where the scenario resolves).
impl PriceSection for ElastiCachePrices {
    const KEY: &'static str = "elasticache";
    const SHIPPED: &'static str = include_str!("prices.yaml");
    const IF_ABSENT: IfAbsent = IfAbsent::Unpriced;
}
