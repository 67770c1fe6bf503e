//! The scenario file as written: serde structs that mirror the YAML one to one.
//!
//! Every struct denies unknown keys. Nothing here is validated beyond its type; `resolve`
//! turns these into the model's types and reports every problem with its field path.
//! `RawScenario` is declared through `raw_scenario!` (module `top_level`): its fields are the
//! top-level keys, and the key list and per-key decoding are generated from them. A key
//! marked `=> TargetKey` holds entries workloads target as `PREFIX/NAME` (`targets`); one
//! marked `[CallKey]` holds entries requests call as `{FIELD: NAME, ...}` (`calls`).

use super::top_level::raw_scenario;
use super::units::{Bytes, Dur};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

pub use super::calls::RawCall;
pub use super::dns::{RawDnsEndpoint, RawDnsHealthCheck, RawDnsRecord, RawRouting};
pub use super::dynamodb::{
    RawConsistency, RawPeak, RawRetries, RawScalingBounds, RawTable, RawTableMode, RawTableScaling,
};
pub use super::listener_rules::{RawForwardTo, RawRule};
pub use super::nat::{RawExternalEndpoint, RawNatGateway, RawNatGateways};
pub use super::raw_services::*;
pub use super::regions::{RawGeoMix, RawGeography, RawPoint, RawRegion};

raw_scenario! {
    /// A scenario file. Only `name`, `duration` and `workloads` are required.
    #[derive(Debug, Default, Deserialize, JsonSchema)]
    #[serde(deny_unknown_fields)]
    pub struct RawScenario {
        /// The scenario's name; also the default output folder (`outputs/<name>/`).
        pub name: Option<String>,
        pub description: Option<String>,
        /// Simulated time.
        pub duration: Option<Dur>,
        /// Statistics before this time are discarded (default 0).
        pub warmup: Option<Dur>,
        /// The root of every random stream (default 1).
        pub seed: Option<u64>,
        /// The CloudWatch-style period of the time series (default 1m).
        pub metric_period: Option<Dur>,
        /// Runaway guard: the run fails when it processes more events (default 2e9).
        pub max_events: Option<u64>,
        /// Availability zone names, e.g. `[a, b, c]` (one region, `us-east-1`).
        pub azs: Option<Vec<String>>,
        /// Several regions, each with its AZs (instead of `azs`): `{NAME: {azs: [...],
        /// location?, price_multiplier?}}`.
        #[serde(default)]
        pub regions: BTreeMap<String, RawRegion>,
        /// Client geographies (besides the built-in ones): location, continent, country,
        /// subdivision, round trip to each region.
        #[serde(default)]
        pub geographies: BTreeMap<String, RawGeography>,
        #[serde(default)]
        pub workloads: BTreeMap<String, RawWorkload>,
        #[serde(default)]
        pub load_balancers: BTreeMap<String, RawLoadBalancer>,
        #[serde(default)]
        pub target_groups: BTreeMap<String, RawTargetGroup>,
        #[serde(default)]
        pub auto_scaling_groups: BTreeMap<String, RawGroup>,
        /// Entries of the price table to override (same shape as `prices/us-east-1.yaml`).
        pub pricing: Option<serde_json::Value>,
        /// CloudWatch publication delay of metrics (default one metric period).
        pub metric_delay: Option<Dur>,
        /// Lambda functions, by name.
        #[serde(default)]
        pub lambda_functions: BTreeMap<String, RawFunction>,
        /// Account-wide limits: Lambda concurrency and scaling.
        pub account: Option<RawAccount>,
        /// SQS standard queues and their consumers.
        #[serde(default)]
        pub queues: BTreeMap<String, RawQueue>,
        /// Downstream databases that request classes call (`calls`).
        #[serde(default)]
        pub databases: BTreeMap<String, RawDatabase>,
        /// Faults injected at given times.
        #[serde(default)]
        pub faults: Vec<RawFault>,
        /// The availability objective (fraction of requests ok per period, default 0.999).
        pub availability_slo: Option<f64>,
    }
    services {
        /// Caches (ElastiCache-style) in front of database calls.
        #[serde(default)]
        pub caches: BTreeMap<String, RawCache>,
        /// API Gateway APIs (REST or HTTP) in front of a Lambda function or an HTTP endpoint;
        /// a workload targets one as `apigw/NAME` (see `scenario::apigw`).
        #[serde(default)]
        pub api_gateways: BTreeMap<String, super::apigw::RawApiGateway> => TargetKey,
        /// The account's API Gateway throttle in the region (default 10,000/s, burst 5,000).
        pub api_gateway_account: Option<super::apigw::RawApiGatewayAccount>,
        /// Route 53 records (failover, simple, weighted, multivalue, latency, geolocation,
        /// geoproximity); a workload targets one as `dns/NAME`.
        #[serde(default)]
        pub dns: BTreeMap<String, RawDnsRecord>,
        /// DynamoDB tables that request classes call (`calls: [{table: NAME, ...}]`).
        #[serde(default)]
        pub dynamodb_tables: BTreeMap<String, RawTable> [CallKey],
        /// CloudFront distributions (cache behaviors, origins, Origin Shield); a workload
        /// targets one as `cloudfront/NAME`.
        #[serde(default)]
        pub cloudfront: BTreeMap<String, super::cloudfront::RawDistribution> => TargetKey,
        /// Kinesis data streams that workloads write to (`target: kinesis/NAME`), with an
        /// optional Lambda consumer and scheduled resharding.
        #[serde(default)]
        pub kinesis_streams: BTreeMap<String, super::kinesis::RawStream> => TargetKey,
        /// Amazon SNS standard topics that workloads publish to (`target: sns/NAME`), fanning
        /// out to SQS queues, Lambda functions and HTTP/S endpoints.
        #[serde(default)]
        pub sns_topics: BTreeMap<String, super::sns::RawTopic> => TargetKey,
        /// Amazon EventBridge custom event buses that workloads put events to (`target:
        /// events/NAME`), whose rules deliver to queues, functions and topics.
        #[serde(default)]
        pub event_buses: BTreeMap<String, super::eventbridge::RawBus> => TargetKey,
        /// ECS services on Fargate behind a target group (see `scenario::ecs`).
        #[serde(default)]
        pub ecs_services: BTreeMap<String, super::ecs::RawEcsService>,
        /// NAT gateways in the VPC (billed per hour and per GB processed): a count, or named
        /// gateways placed in AZs, `{NAME: {az: a, serves: [b, c]}}`, that external calls
        /// leave through; default none.
        pub nat_gateways: Option<RawNatGateways>,
        /// Internet endpoints request classes call through the NAT gateways
        /// (`calls: [{external: NAME}]`).
        #[serde(default)]
        pub external_endpoints: BTreeMap<String, RawExternalEndpoint> [CallKey],
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// `alb/NAME`, `dns/NAME`, `lambda/NAME` or `sqs/NAME` (each arrival sends one message;
    /// its CPU demand at the consumer is the class's `work`), or an entry of a service
    /// workloads target (`apigw/NAME`, `cloudfront/NAME`, `kinesis/NAME`: see its key).
    pub target: String,
    /// `poisson` (default) or `uniform` (evenly spaced).
    pub arrivals: Option<RawArrivals>,
    /// Requests per second: a number, or a profile.
    pub rate: RawRate,
    /// Request classes; one class `default` with path `/` otherwise.
    pub classes: Option<Vec<RawClass>>,
    /// CPU demand of a request when no classes are given.
    pub work: Option<RawDist>,
    /// Host header sent by every class without its own.
    pub host: Option<String>,
    /// Payload sizes of classes without their own (defaults 2KB, 20KB, 0).
    pub request_bytes: Option<Bytes>,
    pub response_bytes: Option<Bytes>,
    /// Bytes a request makes the backend send out through a NAT gateway.
    pub nat_bytes: Option<Bytes>,
    /// Database calls of classes without their own.
    pub calls: Option<Vec<RawCall>>,
    /// Payload of each message sent (queue workloads and `enqueue` classes; default 1KB).
    pub message_bytes: Option<Bytes>,
    /// A per-message timer (SendMessage's DelaySeconds) overriding the queue's `delay`.
    pub message_delay: Option<RawDist>,
    /// For `lambda/NAME` targets: `sync` (default; throttles are 429s) or `async` (the event
    /// is queued and retried; the request is accepted at once).
    pub invocation: Option<RawInvocation>,
    /// How many distinct clients send the requests (1 to 1,000,000): each request comes from
    /// one drawn at random, so sticky load balancers (target-group or target stickiness)
    /// keep it where it was sent. Default: every request is a new client.
    pub clients: Option<u32>,
    /// Where the clients are: a geography's name, or shares `{NAME: weight, ...}`; their round
    /// trip to the serving region adds to each request's latency (default: none).
    pub geography: Option<RawGeoMix>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawInvocation {
    Sync,
    Async,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawArrivals {
    Poisson,
    Uniform,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawClass {
    pub name: String,
    /// The request path (rules match it); default `/`.
    pub path: Option<String>,
    pub host: Option<String>,
    /// The HTTP method listener rules see (default GET).
    pub method: Option<String>,
    /// HTTP headers listener rules see, e.g. `{User-Agent: "Mozilla/5.0 (iPhone)"}`.
    pub headers: Option<BTreeMap<String, String>>,
    /// Query-string pairs listener rules see, e.g. `{version: v2}`.
    pub query: Option<BTreeMap<String, String>>,
    /// The clients' IP address (for `source_ip` conditions).
    pub source_ip: Option<String>,
    /// Relative share of the workload's requests (default 1).
    pub weight: Option<f64>,
    /// CPU demand of one request of this class.
    pub work: Option<RawDist>,
    pub request_bytes: Option<Bytes>,
    pub response_bytes: Option<Bytes>,
    pub nat_bytes: Option<Bytes>,
    /// A web class: a request that ends well sends one message to this queue.
    pub enqueue: Option<String>,
    /// The CPU demand of processing an `enqueue` message (default: the class's `work`).
    pub enqueue_work: Option<RawDist>,
    pub message_bytes: Option<Bytes>,
    pub message_delay: Option<RawDist>,
    /// Messages of this class always fail processing (poison messages).
    pub poison: Option<bool>,
    /// Database calls made, in order, after the instance work (holding the instance slot).
    pub calls: Option<Vec<RawCall>>,
}

/// A request rate: a number (per second) or a profile.
#[derive(Debug, JsonSchema)]
#[serde(untagged)]
pub enum RawRate {
    Constant(f64),
    Profile(RawProfile),
}

impl<'de> Deserialize<'de> for RawRate {
    /// A number is a constant rate; a mapping is a profile tagged by `profile`. Decoding by
    /// hand (not `untagged`) keeps the profile's own error, e.g. its unknown key.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(d)?;
        match value {
            serde_json::Value::Number(n) => n
                .as_f64()
                .map(RawRate::Constant)
                .ok_or_else(|| D::Error::custom("expected a rate per second")),
            serde_json::Value::Object(_) => RawProfile::deserialize(value)
                .map(RawRate::Profile)
                .map_err(D::Error::custom),
            other => Err(D::Error::custom(format!(
                "expected a rate per second (a number) or a profile mapping, got {other}"
            ))),
        }
    }
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "profile", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawProfile {
    Constant {
        value: f64,
    },
    /// Linear between `[time, rate]` points, flat outside them.
    Piecewise {
        points: Vec<(Dur, f64)>,
    },
    /// `mean * (1 + amplitude * cos(2π (t - peak_at) / period))`.
    Diurnal {
        mean: f64,
        amplitude: f64,
        period: Option<Dur>,
        peak_at: Option<Dur>,
    },
    /// `base`, then a linear ramp to `peak` at `at`, held for `duration`, and back.
    Spike {
        base: f64,
        peak: f64,
        at: Dur,
        duration: Dur,
        ramp: Option<Dur>,
    },
    /// The sum of analytic profiles (`of: [{profile: diurnal, ...}, {profile: spike, ...}]`).
    Sum {
        of: Vec<RawProfile>,
    },
    /// Replay of a CSV: per-second counts (`format: counts`) or arrival times in seconds
    /// (`format: timestamps`). The path is relative to the scenario file.
    Trace {
        file: String,
        format: Option<RawTraceFormat>,
    },
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawTraceFormat {
    Counts,
    Timestamps,
}

/// A distribution of durations.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawDist {
    Constant {
        value: Dur,
    },
    Exponential {
        mean: Dur,
    },
    Uniform {
        min: Dur,
        max: Dur,
    },
    /// Give `mean` and `p99`, or `median` and `sigma`.
    Lognormal {
        mean: Option<Dur>,
        p99: Option<Dur>,
        median: Option<Dur>,
        sigma: Option<f64>,
    },
    Gamma {
        shape: f64,
        mean: Dur,
    },
    /// The sum of `k` exponentials (a gamma of integer shape).
    Erlang {
        k: u32,
        mean: Dur,
    },
    /// A normal truncated at zero.
    Normal {
        mean: Dur,
        sd: Dur,
    },
    /// Resampling of the values in a one-column CSV (path relative to the scenario file).
    Empirical {
        file: String,
        /// The unit of the values: `ms` (default), `s` or `us`.
        unit: Option<String>,
    },
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLoadBalancer {
    /// At least two AZs, each declared in `azs`.
    pub azs: Vec<String>,
    /// The routing algorithm of the target groups this load balancer forwards to that set no
    /// `algorithm` of their own (kept for older scenarios: on AWS it is a target group
    /// attribute, `target_groups.NAME.algorithm`).
    pub algorithm: Option<RawAlgorithm>,
    /// Default true.
    pub cross_zone: Option<bool>,
    /// Default 60s: a client whose target has not answered by then gets a 504 at that moment
    /// (the target goes on working).
    pub idle_timeout: Option<Dur>,
    /// Evaluated in order; the first match wins; `{default: TG}` is required and last.
    pub rules: Vec<RawRule>,
    /// TTL of the load balancer's DNS answers (default 60s): clients keep using a stopped
    /// node until their cached answer expires.
    pub dns_ttl: Option<Dur>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawAlgorithm {
    RoundRobin,
    LeastOutstandingRequests,
    Random,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTargetGroup {
    /// The auto scaling group whose instances register here (or give `lambda`).
    pub group: Option<String>,
    pub health_check: Option<RawHealthCheck>,
    /// Default 300s.
    pub deregistration_delay: Option<Dur>,
    /// A Lambda function as the target (instead of `group`): the ALB invokes it synchronously.
    pub lambda: Option<String>,
    /// Slow start (30s..900s; default 0s, off): a target that becomes healthy gets a share of
    /// requests that grows linearly to its full share over this time.
    pub slow_start: Option<Dur>,
    /// The routing algorithm (AWS's `load_balancing.algorithm.type` target group attribute):
    /// `round_robin` (default), `least_outstanding_requests` or `random`.
    pub algorithm: Option<RawAlgorithm>,
    /// Sticky sessions: `{type: lb_cookie, duration: 1h}` keeps a client (a workload's
    /// `clients`) on the target it was first sent to while that target is healthy.
    pub stickiness: Option<super::alb_actions::RawTargetStickiness>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    /// 5s..300s (default 30s).
    pub interval: Option<Dur>,
    /// 2s..120s and less than the interval (default 5s).
    pub timeout: Option<Dur>,
    pub healthy_threshold: Option<u32>,
    pub unhealthy_threshold: Option<u32>,
    /// CPU work of one probe on the target (default 5ms); slower answers than `timeout` fail.
    pub probe_work: Option<Dur>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGroup {
    pub instance: RawInstance,
    /// Burstable types only (t2, t3, t3a, t4g): `standard` (out of credits, the CPU drops
    /// to the baseline) or `unlimited` (surplus credits, charged); default t2 `standard`,
    /// the others `unlimited`, as on AWS.
    pub credit_specification: Option<String>,
    /// Burstable types only: the CPU credit balance of the instances the group starts
    /// with (default: none; T2 standard still gets its launch credits).
    pub initial_credits: Option<f64>,
    /// `processor_sharing` (default) or `fcfs`.
    pub discipline: Option<RawDiscipline>,
    /// Requests per instance at most (default 1024); beyond it the instance refuses the
    /// connection and the ALB answers 502.
    pub max_concurrent: Option<u32>,
    pub azs: Vec<String>,
    pub min: Option<u32>,
    pub max: Option<u32>,
    pub desired: u32,
    /// Launch to in-service (default uniform 60s..120s).
    pub boot_time: Option<RawDist>,
    /// Default 300s.
    pub health_check_grace: Option<Dur>,
    pub termination_policy: Option<String>,
    /// `ec2` (default, as on AWS: EC2 status checks only) or `elb` (also replace instances
    /// the ALB finds unhealthy once their grace period is over).
    pub health_check_type: Option<String>,
    /// The first this many instances are protected from scale-in.
    pub protected_instances: Option<u32>,
    /// Scaling policies; none means fixed capacity.
    pub policies: Option<Vec<RawPolicy>>,
}

/// A scaling policy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum RawPolicy {
    /// One alarm (`above` or `below` a threshold), one adjustment, then a cooldown.
    Simple {
        name: Option<String>,
        metric: String,
        above: Option<f64>,
        below: Option<f64>,
        add: Option<u32>,
        remove: Option<u32>,
        set: Option<u32>,
        percent: Option<f64>,
        min_adjustment: Option<u32>,
        cooldown: Option<Dur>,
        evaluation_periods: Option<u32>,
        datapoints_to_alarm: Option<u32>,
    },
    /// Step adjustments by how far the metric is past the alarm threshold.
    Step {
        name: Option<String>,
        metric: String,
        adjustments: Vec<RawStep>,
        warmup: Option<Dur>,
        evaluation_periods: Option<u32>,
        datapoints_to_alarm: Option<u32>,
        /// Percent steps change capacity by at least this many instances (default 1).
        min_adjustment: Option<u32>,
    },
    /// Keep the metric at `target`.
    TargetTracking {
        name: Option<String>,
        metric: String,
        target: f64,
        warmup: Option<Dur>,
        disable_scale_in: Option<bool>,
        /// Refused: EC2 Auto Scaling target tracking has no scale-in cooldown.
        scale_in_cooldown: Option<Dur>,
        scale_out_datapoints: Option<u32>,
        scale_in_datapoints: Option<u32>,
        scale_in_ratio: Option<f64>,
    },
    /// Set min/max/desired at `at`, and every `every` after.
    Scheduled {
        name: Option<String>,
        at: Dur,
        every: Option<Dur>,
        min: Option<u32>,
        max: Option<u32>,
        desired: Option<u32>,
    },
}

/// One step: `above: X` (scale-out) or `below: X` (scale-in), with one adjustment.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub above: Option<f64>,
    pub below: Option<f64>,
    pub add: Option<u32>,
    pub remove: Option<u32>,
    pub set: Option<u32>,
    pub percent: Option<f64>,
}

/// An instance by catalog type, or by shape.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawInstance {
    #[serde(rename = "type")]
    pub instance_type: Option<String>,
    pub vcpus: Option<u32>,
    pub memory_gib: Option<f64>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawDiscipline {
    ProcessorSharing,
    Fcfs,
}
