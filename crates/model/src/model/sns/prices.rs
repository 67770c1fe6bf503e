//! Amazon SNS's section of the price table (`sns`), owned here: its type and its shipped
//! figures (`prices.yaml` beside this file).

use crate::cost::prices::{IfAbsent, PriceSection};
use serde::Deserialize;

/// Amazon SNS standard topics: per million publish requests (each 64 KB chunk of a message
/// is one request) and per million deliveries to HTTP/S endpoints; deliveries to SQS queues
/// and Lambda functions are free ("Amazon SNS pricing", https://aws.amazon.com/sns/pricing/).
/// The free tier (the first million requests and 100,000 HTTP/S deliveries a month) is not
/// modeled.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SnsPrices {
    pub per_million_publish_requests: f64,
    pub per_million_http_deliveries: f64,
}

/// The `sns` section (absent from a `--prices` table written before it: the service is
/// unpriced and a scenario that uses it is refused).
impl PriceSection for SnsPrices {
    const KEY: &'static str = "sns";
    const SHIPPED: &'static str = include_str!("prices.yaml");
    const IF_ABSENT: IfAbsent = IfAbsent::Unpriced;
}
