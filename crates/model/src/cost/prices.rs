//! The price table: shipped for us-east-1 (`prices/us-east-1.yaml`), replaceable with
//! `--prices FILE`, and overridable entry by entry with a scenario's `pricing:` section.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The shipped table, compiled in so that a run never depends on the working directory.
pub const DEFAULT_TABLE: &str = include_str!("../../prices/us-east-1.yaml");

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
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
    pub dynamodb: DynamoDbPrices,
    /// API Gateway (absent from older `--prices` tables: a scenario with APIs then needs it).
    #[serde(default)]
    pub api_gateway: Option<ApiGatewayPrices>,
    /// ElastiCache nodes (absent from older `--prices` tables: a scenario whose caches name a
    /// node type then needs it).
    #[serde(default)]
    pub elasticache: Option<ElastiCachePrices>,
}

/// ElastiCache on-demand nodes per node-hour by node type, Redis OSS and Memcached alike
/// ("Amazon ElastiCache pricing", https://aws.amazon.com/elasticache/pricing/).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ElastiCachePrices {
    pub per_node_hour: BTreeMap<String, f64>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Ec2Prices {
    pub per_hour: BTreeMap<String, f64>,
    pub per_vcpu_hour: f64,
    pub minimum_billed_seconds: f64,
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
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RdsPrices {
    pub per_hour: BTreeMap<String, f64>,
    pub multi_az_factor: f64,
}

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

/// API Gateway: requests by API type (the first volume tier: 333 million REST requests and
/// 300 million HTTP API requests a month; the cheaper tiers beyond are not modelled) and the
/// REST stage cache by the hour, by its size in GB ("Amazon API Gateway pricing",
/// https://aws.amazon.com/api-gateway/pricing/).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ApiGatewayPrices {
    pub rest_per_million_requests: f64,
    pub http_per_million_requests: f64,
    pub cache_per_hour: BTreeMap<String, f64>,
}

impl PriceTable {
    /// The shipped us-east-1 table.
    pub fn shipped() -> PriceTable {
        let doc: serde_json::Value =
            serde_yaml_ng::from_str(DEFAULT_TABLE).expect("the shipped table is YAML");
        serde_json::from_value(doc).expect("the shipped table is a valid price table")
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
