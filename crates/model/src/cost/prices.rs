//! The price table: shipped for us-east-1 (`prices/us-east-1.yaml`), replaceable with
//! `--prices FILE`, and overridable entry by entry with a scenario's `pricing:` section.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The shipped table, compiled in so that a run never depends on the working directory.
pub const DEFAULT_TABLE: &str = include_str!("../../prices/us-east-1.yaml");

/// The built-in tables of other regions, by region name: a scenario region of that name is
/// priced by its table (services' sections it lacks: their shipped figures), not by the
/// shipped table times a `price_multiplier` (`docs/models/regions.md`).
pub const REGION_TABLES: &[(&str, &str)] =
    &[("eu-west-1", include_str!("../../prices/eu-west-1.yaml"))];

/// Region `name`'s built-in table (YAML), if Stratus ships one.
pub fn region_table(name: &str) -> Option<&'static str> {
    REGION_TABLES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
}

/// The core services' sections (typed fields) and the sections services own (`services`,
/// kept as given: each service reads its own with `section`). Unknown sections are refused
/// where the table is resolved, which knows every service's section (`scenario::resolve`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PriceTable {
    pub region: String,
    pub currency: String,
    pub taken: String,
    pub ec2: Ec2Prices,
    pub alb: AlbPrices,
    pub lambda: LambdaPrices,
    pub sqs: SqsPrices,
    pub nat_gateway: NatPrices,
    pub data_transfer: TransferPrices,
    pub rds: RdsPrices,
    /// The sections services own (`PriceSection`), by key, as the table gives them.
    #[serde(flatten)]
    pub services: BTreeMap<String, serde_json::Value>,
}

/// The keys of the core sections (`PriceTable`'s typed fields).
pub const CORE_KEYS: &[&str] = &[
    "region",
    "currency",
    "taken",
    "ec2",
    "alb",
    "lambda",
    "sqs",
    "nat_gateway",
    "data_transfer",
    "rds",
];

/// What a table without a service's section means (a `--prices` table written before the
/// service existed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IfAbsent {
    /// The service is unpriced; a scenario that uses it is refused where it resolves.
    Unpriced,
    /// The shipped figures apply.
    Shipped,
}

/// A section of the price table that a service owns: its type, declared in the service's
/// module, its key, and its shipped figures in the service's own YAML file (compiled in). The
/// shipped table is the core file with every service's section added; `--prices` replaces
/// the whole table and `pricing:` overrides entries of any section. A service declares its
/// section through its scenario key (`scenario::top_level::ServiceKey::Prices`), which
/// validates it with its field paths and refuses the sections nobody declares.
pub trait PriceSection: serde::de::DeserializeOwned {
    /// Its key in the table (`kinesis`); empty for `NoPrices`.
    const KEY: &'static str;
    /// Its shipped figures: the section's body in YAML.
    const SHIPPED: &'static str;
    const IF_ABSENT: IfAbsent;

    /// The shipped figures.
    fn shipped() -> Self {
        let doc: serde_json::Value =
            serde_yaml_ng::from_str(Self::SHIPPED).expect("a shipped price section is YAML");
        serde_json::from_value(doc).expect("a shipped price section is valid")
    }
}

/// The price section of a service that has none of its own.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub enum NoPrices {}

impl PriceSection for NoPrices {
    const KEY: &'static str = "";
    const SHIPPED: &'static str = "";
    const IF_ABSENT: IfAbsent = IfAbsent::Unpriced;
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Ec2Prices {
    pub per_hour: BTreeMap<String, f64>,
    pub per_vcpu_hour: f64,
    pub minimum_billed_seconds: f64,
    /// Surplus CPU credits of unlimited burstable instances, per vCPU-hour, by family
    /// (absent from older `--prices` tables: AWS's Linux prices then).
    #[serde(default = "default_surplus_credit_prices")]
    pub surplus_credits_per_vcpu_hour: BTreeMap<String, f64>,
}

/// AWS's Linux prices of surplus credits in us-east-1: $0.05 per vCPU-hour for T2, T3 and
/// T3a, $0.04 for T4g (https://aws.amazon.com/ec2/pricing/on-demand/, "T2/T3/T4g Unlimited
/// Mode Pricing").
fn default_surplus_credit_prices() -> BTreeMap<String, f64> {
    [("t2", 0.05), ("t3", 0.05), ("t3a", 0.05), ("t4g", 0.04)]
        .into_iter()
        .map(|(f, p)| (f.to_string(), p))
        .collect()
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlbPrices {
    pub per_hour: f64,
    pub per_lcu_hour: f64,
    pub lcu: LcuDimensions,
    pub free_rules_per_request: u32,
}

/// How much of each dimension one LCU buys.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LcuDimensions {
    pub new_connections_per_s: f64,
    pub active_connections_per_minute: f64,
    /// Bytes processed for instance, container and IP targets.
    pub processed_gb_per_hour: f64,
    /// Bytes processed for Lambda targets (0.4 GB/h by AWS's ELB pricing page).
    #[serde(default = "default_lambda_gb_per_hour")]
    pub processed_gb_per_hour_lambda: f64,
    pub rule_evaluations_per_s: f64,
}

fn default_lambda_gb_per_hour() -> f64 {
    0.4
}

fn default_true() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ByArchitecture {
    pub x86_64: f64,
    pub arm64: f64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LambdaPrices {
    pub per_million_requests: f64,
    pub per_gb_second: ByArchitecture,
    pub provisioned_per_gb_second: ByArchitecture,
    pub provisioned_duration_per_gb_second: ByArchitecture,
    pub billing_granularity_ms: f64,
    /// Whether the init phase of an on-demand environment is billed as duration: yes since
    /// 1 Aug 2025 (AWS, "AWS Lambda standardizes billing for INIT phase",
    /// https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/);
    /// `false` gives the earlier rule, under which the INIT of on-demand functions packaged
    /// as ZIP with a managed runtime was free.
    #[serde(default = "default_true")]
    pub init_billed: bool,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SqsPrices {
    pub per_million_requests: f64,
    pub chunk_bytes: u64,
    pub free_requests_per_month: f64,
    pub apply_free_tier: bool,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NatPrices {
    pub per_hour: f64,
    pub per_gb: f64,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TransferPrices {
    pub inter_az_per_gb: f64,
    /// Out of the region to another AWS region, per GB (each direction is out of its
    /// source region); absent from older `--prices` tables: us-east-1's $0.02.
    #[serde(default = "TransferPrices::inter_region_shipped")]
    pub inter_region_per_gb: f64,
}

impl TransferPrices {
    /// us-east-1's price of data transfer out to another AWS region: "$0.02 per GB"
    /// ("Amazon EC2 On-Demand Pricing", Data Transfer, "Data Transfer OUT From Amazon EC2 To
    /// ... another AWS Region", https://aws.amazon.com/ec2/pricing/on-demand/).
    pub fn inter_region_shipped() -> f64 {
        0.02
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RdsPrices {
    pub per_hour: BTreeMap<String, f64>,
    pub multi_az_factor: f64,
}

/// API Gateway: requests by API type (the first volume tier: 333 million REST requests and
/// 300 million HTTP API requests a month; the cheaper tiers beyond are not modelled) and the
/// REST stage cache by the hour, by its size in GB ("Amazon API Gateway pricing",
/// https://aws.amazon.com/api-gateway/pricing/). The type is here, not beside the model,
/// because its billing rule is the cost model's (`billing::api_gateway_cost`, priced region
/// by region with the APIs' usage); its shipped figures are beside the model
/// (`model/apigw/prices.yaml`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiGatewayPrices {
    pub rest_per_million_requests: f64,
    pub http_per_million_requests: f64,
    pub cache_per_hour: BTreeMap<String, f64>,
}

/// The `api_gateway` section (absent from a `--prices` table written before it: a scenario
/// with APIs is refused, `top_level::Resolved::require_prices`).
impl PriceSection for ApiGatewayPrices {
    const KEY: &'static str = "api_gateway";
    const SHIPPED: &'static str = include_str!("../model/apigw/prices.yaml");
    const IF_ABSENT: IfAbsent = IfAbsent::Unpriced;
}

impl PriceTable {
    /// The shipped us-east-1 table's core sections (a service's own: `PriceSection::shipped`).
    pub fn shipped() -> PriceTable {
        let doc: serde_json::Value =
            serde_yaml_ng::from_str(DEFAULT_TABLE).expect("the shipped table is YAML");
        serde_json::from_value(doc).expect("the shipped table is a valid price table")
    }

    /// Service section `T` (validated when the scenario resolved): as the table gives it,
    /// else by `T::IF_ABSENT` (the shipped figures, or none).
    pub fn section<T: PriceSection>(&self) -> Option<T> {
        match self.services.get(T::KEY) {
            Some(v) => Some(serde_json::from_value(v.clone()).expect("a validated price section")),
            None if T::IF_ABSENT == IfAbsent::Shipped => Some(T::shipped()),
            None => None,
        }
    }

    /// The hourly price of an EC2 instance: its type's, or per vCPU for a bare shape.
    pub fn ec2_hourly(&self, instance_type: Option<&str>, vcpus: u32) -> Option<f64> {
        match instance_type {
            Some(t) => self.ec2.per_hour.get(t).copied(),
            None => Some(self.ec2.per_vcpu_hour * vcpus as f64),
        }
    }
}

/// Overlays `over` onto `base`, key by key (mappings merge, anything else replaces).
pub fn deep_merge(base: &mut serde_json::Value, over: &serde_json::Value) {
    match (base, over) {
        (serde_json::Value::Object(b), serde_json::Value::Object(o)) => {
            for (k, v) in o {
                deep_merge(b.entry(k.clone()).or_insert(serde_json::Value::Null), v);
            }
        }
        (b, o) => *b = o.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_and_covers_the_catalog() {
        let t = PriceTable::shipped();
        assert_eq!(t.region, "us-east-1");
        for it in crate::model::instance_types::CATALOG {
            assert!(
                t.ec2.per_hour.contains_key(it.name),
                "no price for {}",
                it.name
            );
        }
    }

    #[test]
    fn built_in_region_tables_parse_and_name_their_region() {
        for (name, text) in REGION_TABLES {
            let doc: serde_json::Value = serde_yaml_ng::from_str(text).expect("YAML");
            let t: PriceTable = serde_json::from_value(doc).expect("a valid table");
            assert_eq!(t.region, *name);
            // Every EC2 price it gives is for a type of the catalog.
            for it in t.ec2.per_hour.keys() {
                assert!(
                    (crate::model::instance_types::CATALOG.iter()).any(|c| c.name == it),
                    "{name}: {it} is not in the catalog"
                );
            }
        }
        assert!(region_table("eu-west-1").is_some());
        assert!(
            region_table("us-east-1").is_none(),
            "us-east-1's is the shipped table"
        );
    }

    #[test]
    fn merge_overrides_only_named_entries() {
        let mut base = serde_json::json!({"ec2": {"per_hour": {"a": 1.0, "b": 2.0}, "x": 1}});
        deep_merge(
            &mut base,
            &serde_json::json!({"ec2": {"per_hour": {"b": 3.0}}}),
        );
        assert_eq!(
            base,
            serde_json::json!({"ec2": {"per_hour": {"a": 1.0, "b": 3.0}, "x": 1}})
        );
    }
}
