//! DynamoDB's section of the price table (`dynamodb`), owned here: its type and its shipped
//! figures (`prices.yaml` beside this file).

use crate::cost::prices::{IfAbsent, PriceSection};
use serde::Deserialize;

/// DynamoDB, Standard table class: provisioned capacity per unit-hour, on-demand per
/// million request units (https://aws.amazon.com/dynamodb/pricing/).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbPrices {
    pub per_rcu_hour: f64,
    pub per_wcu_hour: f64,
    pub per_million_read_request_units: f64,
    pub per_million_write_request_units: f64,
}

/// The `dynamodb` section (absent from a `--prices` table: the shipped figures apply).
impl PriceSection for DynamoDbPrices {
    const KEY: &'static str = "dynamodb";
    const SHIPPED: &'static str = include_str!("prices.yaml");
    const IF_ABSENT: IfAbsent = IfAbsent::Shipped;
}
