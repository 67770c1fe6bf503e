//! CloudFront's section of the price table (`cloudfront`), owned here: its type and its shipped
//! figures (`prices.yaml` beside this file).

use crate::cost::prices::{IfAbsent, PriceSection};
use serde::Deserialize;

/// CloudFront, the United States, Mexico and Canada prices ("Amazon CloudFront pricing",
/// https://aws.amazon.com/cloudfront/pricing/): HTTPS requests per 10,000, data transfer
/// out to the internet per GB (the first 10 TB a month; the cheaper tiers beyond and the
/// free tier are not modelled), regional data transfer out to the origin per GB, and Origin
/// Shield's requests per 10,000 (in the shield's region, here us-east-1).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CloudFrontPrices {
    pub https_per_10k_requests: f64,
    pub out_to_internet_per_gb: f64,
    pub out_to_origin_per_gb: f64,
    pub origin_shield_per_10k_requests: f64,
}

/// The `cloudfront` section (absent from a `--prices` table written before it: the shipped figures
/// apply).
impl PriceSection for CloudFrontPrices {
    const KEY: &'static str = "cloudfront";
    const SHIPPED: &'static str = include_str!("prices.yaml");
    const IF_ABSENT: IfAbsent = IfAbsent::Shipped;
}
