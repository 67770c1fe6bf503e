//! Kinesis Data Streams' section of the price table (`kinesis`), owned here: its type and
//! its shipped figures (`prices.yaml` beside this file).

use crate::cost::prices::{IfAbsent, PriceSection};
use serde::Deserialize;

/// Kinesis Data Streams: provisioned streams by the shard-hour and the million PUT payload
/// units (25 KB each); on-demand (Standard) streams by the stream-hour and the GB written and
/// read, each record rounded up to 1 KB ("Amazon Kinesis Data Streams pricing",
/// https://aws.amazon.com/kinesis/data-streams/pricing/). Extended retention and enhanced
/// fan-out are not billed.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KinesisPrices {
    pub per_shard_hour: f64,
    pub per_million_put_payload_units: f64,
    pub on_demand_per_stream_hour: f64,
    pub on_demand_per_gb_written: f64,
    pub on_demand_per_gb_read: f64,
}

/// The `kinesis` section (absent from a `--prices` table written before it: the service is unpriced
/// and a scenario that uses it is refused).
impl PriceSection for KinesisPrices {
    const KEY: &'static str = "kinesis";
    const SHIPPED: &'static str = include_str!("prices.yaml");
    const IF_ABSENT: IfAbsent = IfAbsent::Unpriced;
}
