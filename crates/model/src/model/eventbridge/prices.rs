//! Amazon EventBridge's section of the price table (`eventbridge`), owned here: its type and
//! its shipped figures (`prices.yaml` beside this file).

use crate::cost::prices::{IfAbsent, PriceSection};
use serde::Deserialize;

/// Custom events published to an event bus, per million (each 64 KB chunk of an event's
/// payload is one event); rules and deliveries to targets are not charged ("Amazon
/// EventBridge pricing", https://aws.amazon.com/eventbridge/pricing/). The free tier (events
/// from AWS services) does not apply to custom events.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventBridgePrices {
    pub per_million_custom_events: f64,
}

/// The `eventbridge` section (absent from a `--prices` table written before it: the service
/// is unpriced and a scenario that uses it is refused).
impl PriceSection for EventBridgePrices {
    const KEY: &'static str = "eventbridge";
    const SHIPPED: &'static str = include_str!("prices.yaml");
    const IF_ABSENT: IfAbsent = IfAbsent::Unpriced;
}
