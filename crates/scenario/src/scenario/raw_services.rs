//! The scenario file as written, for the managed services: SQS queues and their consumers,
//! Lambda functions and account limits, database and cache calls and faults (Route 53
//! records are in `dns`). Like `raw`, serde structs that mirror the YAML one to one and deny
//! unknown keys; `resolve` validates them.

use super::raw::RawDist;
use super::units::Dur;
use schemars::JsonSchema;
use serde::Deserialize;

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
    /// The region the queue is in (default the first region, in name order).
    pub region: Option<String>,
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
    /// The region the function is in (default the first region, in name order); the
    /// account's concurrency is per region.
    pub region: Option<String>,
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
    /// Each function creates up to `step` (1000) new execution environments every `window`
    /// (10s), refilled continuously; warm idle environments are reused without limit.
    #[serde(rename = "per_function_10s")]
    PerFunction10s {
        step: Option<u32>,
        window: Option<Dur>,
        /// The requests-per-second limit: at most 10 x the function's pool per second,
        /// growing by 10 x `step` per `window` (default true; false switches it off).
        request_rate: Option<bool>,
    },
    /// An account-wide burst (3000, 1000 or 500 by region), then `per_minute` (500) more.
    #[serde(rename = "regional_burst")]
    RegionalBurst {
        burst: Option<u32>,
        per_minute: Option<u32>,
    },
}

/// A cache with an optional replica in another AZ, promoted when the primary is lost.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    /// The fraction of lookups that hit (or give `ttl` and `keys`).
    pub hit_ratio: Option<f64>,
    /// Lookups served at once (default 1000); per node for Memcached.
    pub engine_capacity: Option<u32>,
    /// The engine: `redis` or `memcached` (default redis when any ElastiCache field is
    /// given; a cache with none keeps the older unpriced model).
    pub engine: Option<super::elasticache::RawEngine>,
    /// The node type, priced per node-hour (default cache.r6g.large).
    pub node_type: Option<String>,
    /// Memcached's nodes (default 1; Redis has its primary and `replica_az`'s replica).
    pub nodes: Option<u32>,
    /// Memcached's AZs: its nodes are placed round-robin over them (default `az`).
    pub azs: Option<Vec<String>>,
    /// A key stays this long after the miss that filled it (with `keys`, instead of
    /// `hit_ratio`).
    pub ttl: Option<super::units::Dur>,
    /// The number of distinct keys lookups ask for.
    pub keys: Option<u32>,
    /// Key popularity: the Zipf exponent (default 0, uniform).
    pub key_skew: Option<f64>,
    /// How long ElastiCache takes to replace a lost node (default uniform 5m..10m).
    pub replacement_time: Option<RawDist>,
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

/// One fault: `at`, exactly one kind key, and its options.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    /// Names the fault and its random stream (`faults/NAME/instances`), so adding, removing or
    /// reordering faults never changes another fault's draws. Default: `KIND TARGET at AT`
    /// (e.g. `instance_failure web at 10m`); names are unique.
    pub name: Option<String>,
    pub at: Dur,
    /// How long an outage or injection lasts (default: to the end of the run).
    pub duration: Option<Dur>,
    /// An AZ name: everything in it stops.
    pub az_outage: Option<String>,
    /// A region name: every AZ of the region is out.
    pub region_outage: Option<String>,
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
    /// An auto scaling group name: `fraction` of the requests its instances serve end in a
    /// 500 from the target (a bad deployment).
    pub target_errors: Option<String>,
}
