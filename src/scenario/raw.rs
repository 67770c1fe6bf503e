//! The scenario file as written: serde structs that mirror the YAML one to one.
//!
//! Every struct denies unknown keys. Nothing here is validated beyond its type; `resolve`
//! turns these into the model's types and reports every problem with its field path.

use super::units::{Bytes, Dur};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

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
    /// Availability zone names, e.g. `[a, b, c]`.
    pub azs: Option<Vec<String>>,
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
    /// NAT gateways in the VPC (billed per hour and per GB processed); default 0.
    pub nat_gateways: Option<u32>,
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
    /// Route 53 failover records; a workload targets one as `dns/NAME`.
    #[serde(default)]
    pub dns: BTreeMap<String, RawDnsRecord>,
    /// Faults injected at given times.
    #[serde(default)]
    pub faults: Vec<RawFault>,
    /// The availability objective (fraction of requests ok per period, default 0.999).
    pub availability_slo: Option<f64>,
    /// Caches (ElastiCache-style) in front of database calls.
    #[serde(default)]
    pub caches: BTreeMap<String, RawCache>,
}

/// The top-level keys, in the order `RawScenario` declares them.
pub const TOP_LEVEL_KEYS: &[&str] = &[
    "name",
    "description",
    "duration",
    "warmup",
    "seed",
    "metric_period",
    "max_events",
    "azs",
    "workloads",
    "load_balancers",
    "target_groups",
    "auto_scaling_groups",
    "pricing",
    "nat_gateways",
    "metric_delay",
    "lambda_functions",
    "account",
    "queues",
    "databases",
    "dns",
    "faults",
    "availability_slo",
    "caches",
];

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// `alb/NAME`, `lambda/NAME` or `sqs/NAME` (each arrival sends one message; its CPU
    /// demand at the consumer is the class's `work`).
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

#[derive(Debug, Deserialize, JsonSchema)]
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
    pub algorithm: Option<RawAlgorithm>,
    /// Default true.
    pub cross_zone: Option<bool>,
    /// Default 60s: a target that has not answered by then gets the client a 504.
    pub idle_timeout: Option<Dur>,
    /// Evaluated in order; the first match wins; `{default: TG}` is the last.
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
pub struct RawRule {
    pub path: Option<String>,
    pub host: Option<String>,
    pub target_group: Option<String>,
    /// The default action: forward everything else to this target group.
    pub default: Option<String>,
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
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    pub interval: Option<Dur>,
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
    /// `processor_sharing` (default) or `fcfs`.
    pub discipline: Option<RawDiscipline>,
    /// Requests per instance at most (default 1024); beyond it the ALB answers 503.
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
    /// `elb` (default behind a target group: replace instances the ALB finds unhealthy) or `ec2`.
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
    },
    /// Keep the metric at `target`.
    TargetTracking {
        name: Option<String>,
        metric: String,
        target: f64,
        warmup: Option<Dur>,
        disable_scale_in: Option<bool>,
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

/// An SQS standard queue.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQueue {
    /// How long a received message stays invisible (default 30s, at most 12h).
    pub visibility_timeout: Option<Dur>,
    /// Delay of every message sent (default 0s, at most 15m).
    pub delay: Option<Dur>,
    /// Messages older than this are deleted (default 4d, 60s..14d).
    pub retention_period: Option<Dur>,
    /// Receives without a delete before a message moves to `dead_letter_queue` (1..1000).
    pub max_receive_count: Option<u32>,
    /// Another queue of this file, where messages go after `max_receive_count` receives.
    pub dead_letter_queue: Option<String>,
    /// How messages spread over servers and how many a short poll samples.
    pub short_poll: Option<RawShortPoll>,
    /// Who receives the messages.
    pub consumers: Option<Vec<RawConsumer>>,
}

/// The server model of short polling: messages sit on one of `servers`; a short poll asks
/// `sampled` of them chosen at random (defaults 5 and 3).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawShortPoll {
    pub servers: Option<u16>,
    pub sampled: Option<u16>,
}

/// A consumer: a worker fleet (`group`) or a Lambda event source mapping (`lambda`).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConsumer {
    /// Worker fleet: the auto scaling group whose in-service instances poll the queue.
    pub group: Option<String>,
    /// Receive loops per instance (default 1).
    pub pollers: Option<u32>,
    /// Long polling wait (1s..20s); 0s (the default) is short polling.
    pub wait_time: Option<Dur>,
    /// Messages per receive, 1..10 (default 1).
    pub max_messages: Option<u32>,
    /// A processing attempt fails with this probability (default 0).
    pub failure_probability: Option<f64>,
    /// Round trip of a ReceiveMessage call (default 10ms).
    pub api_latency: Option<Dur>,
    /// Lambda event source mapping: the function invoked with batches.
    pub lambda: Option<String>,
    pub batch_size: Option<u32>,
    pub batching_window: Option<Dur>,
    pub maximum_concurrency: Option<u32>,
    /// Lambda: the function reports failed items, so only they return (default false: any
    /// failed item fails the whole batch).
    pub report_batch_item_failures: Option<bool>,
    /// Lambda: `per_message` (default: one draw of the function's `duration` per message,
    /// summed) or `per_batch` (one draw per invocation).
    pub batch_duration: Option<RawBatchDuration>,
    /// Lambda: the poller fleet's scaling (default the current model: 5, +300/min, 1,250).
    pub poller_scaling: Option<RawPollerScaling>,
    /// Lambda: how long a throttled poller waits before receiving again (default 1s).
    pub backoff: Option<Dur>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawBatchDuration {
    PerMessage,
    PerBatch,
}

/// How an event source mapping's pollers scale: `model: current` (since Nov 2023: 5 pollers,
/// +300 per minute, up to 1,250) or `legacy` (5, +60 per minute, up to 1,000); each figure
/// may be overridden.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPollerScaling {
    pub model: Option<RawPollerModel>,
    pub initial: Option<u32>,
    pub per_minute: Option<u32>,
    pub maximum: Option<u32>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawPollerModel {
    Current,
    Legacy,
}

/// A Lambda function.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFunction {
    /// 128..10240 (default 128).
    pub memory_mb: Option<u32>,
    /// `x86_64` (default) or `arm64` (priced lower).
    pub architecture: Option<RawArchitecture>,
    /// Handler time of one invocation.
    pub duration: RawDist,
    /// Init time of a new environment (a cold start).
    pub init: Option<RawDist>,
    /// Default 3s, at most 900s: an invocation still running then is an error at the timeout.
    pub timeout: Option<Dur>,
    /// The probability that an invocation fails (default 0).
    pub error_probability: Option<f64>,
    /// The function's own pool (and cap); otherwise it shares the unreserved pool.
    pub reserved_concurrency: Option<u32>,
    /// Environments kept initialized (default 0).
    pub provisioned_concurrency: Option<u32>,
    /// How long an idle environment stays warm (default uniform 5m..15m).
    pub idle_expiry: Option<RawDist>,
    /// Asynchronous events older than this are dropped (default 6h, 60s..6h).
    pub max_event_age: Option<Dur>,
    /// Asynchronous retries after a function error (default 2, 0..2).
    pub max_retry_attempts: Option<u8>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawArchitecture {
    X86_64,
    Arm64,
}

/// Account-wide limits.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAccount {
    /// The Lambda concurrency limit of the account (default 1000).
    pub lambda_concurrency: Option<u32>,
    /// The unreserved pool never drops below this (default 100).
    pub lambda_unreserved_minimum: Option<u32>,
    /// How fast Lambda concurrency may grow (default `{model: per_function_10s}`).
    pub lambda_scaling: Option<RawLambdaScaling>,
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "model", deny_unknown_fields)]
pub enum RawLambdaScaling {
    /// Each function adds up to `step` (1000) concurrent executions every `window` (10s).
    #[serde(rename = "per_function_10s")]
    PerFunction10s {
        step: Option<u32>,
        window: Option<Dur>,
    },
    /// An account-wide burst (3000, 1000 or 500 by region), then `per_minute` (500) more.
    #[serde(rename = "regional_burst")]
    RegionalBurst {
        burst: Option<u32>,
        per_minute: Option<u32>,
    },
}

/// A call: to a database, or to a cache (a hit answers in place of the call after it).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCall {
    pub database: Option<String>,
    pub cache: Option<String>,
    pub work: RawDist,
    /// Bytes a call moves, request and answer together (default 2KB); billed as inter-AZ
    /// data transfer when the calling instance is not in the AZ of the primary.
    pub bytes: Option<Bytes>,
}

/// A cache with an optional replica in another AZ, promoted when the primary is lost.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    /// The fraction of lookups that hit.
    pub hit_ratio: f64,
    /// Lookups served at once (default 1000).
    pub engine_capacity: Option<u32>,
    /// The primary's AZ (default the first of `azs`).
    pub az: Option<String>,
    /// A replica's AZ: promoted when the primary is lost (default none).
    pub replica_az: Option<String>,
    /// Time to promote the replica (default uniform 5s..15s).
    pub promotion_time: Option<RawDist>,
}

/// A downstream database (RDS-style).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDatabase {
    /// Calls served at once (default 1000); the rest wait in line.
    pub engine_capacity: Option<u32>,
    /// A standby in another AZ that is promoted when the primary is lost (default false).
    pub multi_az: Option<bool>,
    /// The primary's AZ (default the first of `azs`).
    pub az: Option<String>,
    /// The standby's AZ (default the next of `azs` after the primary's).
    pub standby_az: Option<String>,
    /// Time to promote the standby (default uniform 60s..120s).
    pub failover_time: Option<RawDist>,
    /// The RDS instance class, for cost (default db.m5.large).
    pub instance: Option<String>,
}

/// A Route 53 failover record between two load balancers.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDnsRecord {
    pub primary: String,
    pub secondary: String,
    /// Clients cache answers this long (default 60s).
    pub ttl: Option<Dur>,
    pub health_check: Option<RawDnsHealthCheck>,
    /// Delay before a changed answer reaches resolvers (default 0s).
    pub propagation: Option<Dur>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDnsHealthCheck {
    /// 30s (default) or 10s (fast).
    pub interval: Option<Dur>,
    /// Consecutive failures to fail over, and passes to fail back (1-10, default 3).
    pub failure_threshold: Option<u32>,
}

/// One fault: `at`, exactly one kind key, and its options.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    pub at: Dur,
    /// How long an outage or injection lasts (default: to the end of the run).
    pub duration: Option<Dur>,
    /// An AZ name: everything in it stops.
    pub az_outage: Option<String>,
    /// An auto scaling group name: `count` instances (default 1) or a `fraction` fail.
    pub instance_failure: Option<String>,
    pub count: Option<u32>,
    pub fraction: Option<f64>,
    /// A Multi-AZ database name: a forced failover.
    pub database_failover: Option<String>,
    /// A database name: its calls take `latency` longer.
    pub latency_injection: Option<String>,
    pub latency: Option<Dur>,
    /// A database name: `fraction` of its calls fail.
    pub error_injection: Option<String>,
}
