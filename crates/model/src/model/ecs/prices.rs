//! Fargate's section of the price table (`fargate`), owned here: its type and its shipped
//! figures (`prices.yaml` beside this file).

use crate::cost::prices::{IfAbsent, PriceSection};
use serde::Deserialize;

/// Fargate, Linux, per vCPU-hour and per GB-hour of a task's size, by CPU architecture;
/// billed per second with a one-minute minimum (https://aws.amazon.com/fargate/pricing/).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FargatePrices {
    pub x86_64: FargateRates,
    pub arm64: FargateRates,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FargateRates {
    pub per_vcpu_hour: f64,
    pub per_gb_hour: f64,
}

/// The `fargate` section (absent from a `--prices` table written before it: the service is unpriced
/// and a scenario that uses it is refused).
impl PriceSection for FargatePrices {
    const KEY: &'static str = "fargate";
    const SHIPPED: &'static str = include_str!("prices.yaml");
    const IF_ABSENT: IfAbsent = IfAbsent::Unpriced;
}
