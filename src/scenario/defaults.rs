//! The defaults a scenario gets for what it leaves out, with what each means: the single
//! list `stratus explain` prints from. Values follow AWS's documented defaults.

/// One default: where it applies (`""` for top-level keys, else a section name), the key,
/// its value as a scenario would write it, and what it means.
pub struct DefaultDoc {
    pub section: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub meaning: &'static str,
}

const fn d(
    section: &'static str,
    key: &'static str,
    value: &'static str,
    meaning: &'static str,
) -> DefaultDoc {
    DefaultDoc {
        section,
        key,
        value,
        meaning,
    }
}

pub const DEFAULTS: &[DefaultDoc] = &[
    d(
        "",
        "warmup",
        "0s",
        "statistics count from the start of the run",
    ),
    d("", "seed", "1", "the root of every random stream"),
    d(
        "",
        "metric_period",
        "1m",
        "the CloudWatch-style period of every time series",
    ),
    d(
        "",
        "max_events",
        "5000000000",
        "the runaway guard: the run fails past this many events",
    ),
    d(
        "",
        "nat_gateways",
        "0",
        "NAT gateways billed per hour and per GB",
    ),
    d(
        "workloads",
        "arrivals",
        "poisson",
        "arrivals form a Poisson process following the rate",
    ),
    d(
        "workloads",
        "request_bytes",
        "2KB",
        "request payload, counted in ALB processed bytes (LCUs)",
    ),
    d(
        "workloads",
        "response_bytes",
        "20KB",
        "response payload, counted in ALB processed bytes (LCUs)",
    ),
    d(
        "workloads",
        "nat_bytes",
        "0",
        "bytes a request sends out through a NAT gateway",
    ),
    d(
        "load_balancers",
        "algorithm",
        "round_robin",
        "each ALB node cycles through the healthy targets",
    ),
    d(
        "load_balancers",
        "cross_zone",
        "true",
        "each ALB node routes to targets in every AZ",
    ),
    d(
        "load_balancers",
        "idle_timeout",
        "60s",
        "a target that has not answered by then gets the client a 504",
    ),
    d(
        "target_groups",
        "deregistration_delay",
        "300s",
        "how long a draining target keeps its in-flight requests",
    ),
    d(
        "target_groups",
        "health_check",
        "{interval: 30s, timeout: 5s, healthy_threshold: 5, unhealthy_threshold: 2}",
        "ALB health checks of each target",
    ),
    d(
        "target_groups",
        "slow_start",
        "0s",
        "off: a newly healthy target gets its full share of requests at once",
    ),
    d(
        "auto_scaling_groups",
        "discipline",
        "processor_sharing",
        "the vCPUs are shared equally among running requests",
    ),
    d(
        "auto_scaling_groups",
        "max_concurrent",
        "1024",
        "requests one instance admits; beyond it the ALB answers 503",
    ),
    d(
        "auto_scaling_groups",
        "min",
        "desired",
        "the group never shrinks below it",
    ),
    d(
        "auto_scaling_groups",
        "max",
        "desired",
        "the group never grows beyond it",
    ),
    d(
        "auto_scaling_groups",
        "boot_time",
        "{dist: uniform, min: 60s, max: 120s}",
        "launch to in service",
    ),
    d(
        "auto_scaling_groups",
        "health_check_grace",
        "300s",
        "health checks are ignored this long after launch",
    ),
    d(
        "auto_scaling_groups",
        "termination_policy",
        "default",
        "scale-in picks the AZ with the most instances, then the oldest launch template, then the instance closest to its next billing hour",
    ),
    d(
        "queues",
        "visibility_timeout",
        "30s",
        "a received message stays invisible this long; undeleted, it reappears",
    ),
    d(
        "queues",
        "delay",
        "0s",
        "messages are visible as soon as they are sent",
    ),
    d(
        "queues",
        "retention_period",
        "4d",
        "messages older than this (since they were first sent) are deleted",
    ),
    d(
        "queues",
        "short_poll",
        "{servers: 5, sampled: 3}",
        "messages sit on one of 5 servers; a short poll asks 3 of them at random",
    ),
    d(
        "queues.consumers",
        "pollers",
        "1",
        "receive loops per in-service instance",
    ),
    d(
        "queues.consumers",
        "wait_time",
        "0s",
        "short polling: each receive answers at once, possibly empty",
    ),
    d(
        "queues.consumers",
        "max_messages",
        "1",
        "messages per receive (SQS allows up to 10)",
    ),
    d(
        "queues.consumers",
        "failure_probability",
        "0",
        "every processing attempt succeeds and deletes its message",
    ),
    d(
        "queues.consumers",
        "api_latency",
        "10ms",
        "round trip of a ReceiveMessage call",
    ),
    d(
        "lambda_functions",
        "memory_mb",
        "128",
        "memory (and CPU share); GB-seconds are billed on it",
    ),
    d(
        "lambda_functions",
        "architecture",
        "x86_64",
        "the price per GB-second (arm64 is cheaper)",
    ),
    d(
        "lambda_functions",
        "init",
        "{dist: lognormal, median: 300ms, sigma: 0.4}",
        "the init phase a cold start pays (billed, like the handler)",
    ),
    d(
        "lambda_functions",
        "timeout",
        "3s",
        "an invocation still running then fails (at most 900s)",
    ),
    d(
        "lambda_functions",
        "error_probability",
        "0",
        "the share of invocations that end in a function error",
    ),
    d(
        "lambda_functions",
        "reserved_concurrency",
        "none",
        "the function shares the account's unreserved pool",
    ),
    d(
        "lambda_functions",
        "provisioned_concurrency",
        "0",
        "no environments kept initialized: every new environment is a cold start",
    ),
    d(
        "lambda_functions",
        "idle_expiry",
        "{dist: uniform, min: 5m, max: 15m}",
        "how long an idle environment stays warm",
    ),
    d(
        "lambda_functions",
        "max_event_age",
        "6h",
        "asynchronous events older than this are dropped",
    ),
    d(
        "lambda_functions",
        "max_retry_attempts",
        "2",
        "asynchronous retries after a function error (1 min, then 2 min later)",
    ),
    d(
        "account",
        "lambda_concurrency",
        "1000",
        "the account's Lambda concurrency, shared by functions without reservations",
    ),
    d(
        "account",
        "lambda_unreserved_minimum",
        "100",
        "reservations may not shrink the unreserved pool below this",
    ),
    d(
        "account",
        "lambda_scaling",
        "{model: per_function_10s, step: 1000, window: 10s}",
        "each function creates up to 1000 new environments every 10 s (100/s, refilled continuously); warm ones are reused freely",
    ),
    d(
        "",
        "availability_slo",
        "0.999",
        "a period meets the availability objective when this fraction of its requests is ok",
    ),
    d(
        "load_balancers",
        "dns_ttl",
        "60s",
        "clients keep reaching a stopped node until their cached DNS answer expires",
    ),
    d(
        "databases",
        "engine_capacity",
        "1000",
        "calls served at once; the rest wait in line",
    ),
    d(
        "databases",
        "multi_az",
        "false",
        "no standby: the database is down while its AZ is",
    ),
    d(
        "databases",
        "az",
        "the first of azs",
        "where the primary runs",
    ),
    d(
        "databases",
        "failover_time",
        "{dist: uniform, min: 60s, max: 120s}",
        "a Multi-AZ failover: calls fail until the standby is primary",
    ),
    d(
        "databases",
        "instance",
        "db.m5.large",
        "the RDS instance class billed per hour at RDS for PostgreSQL prices (Multi-AZ doubles it)",
    ),
    d(
        "dns",
        "ttl",
        "60s",
        "clients cache an answer this long: traffic moves after detection plus the TTL",
    ),
    d(
        "dns",
        "health_check",
        "{interval: 30s, failure_threshold: 3}",
        "Route 53 probes the primary; this many failures fail over, as many passes fail back",
    ),
    d(
        "caches",
        "engine_capacity",
        "1000",
        "lookups served at once; the rest wait in line",
    ),
    d("caches", "az", "the first of azs", "where the primary runs"),
    d(
        "caches",
        "replica_az",
        "none",
        "no replica: every lookup misses while the primary's AZ is down",
    ),
    d(
        "caches",
        "promotion_time",
        "{dist: uniform, min: 5s, max: 15s}",
        "a replica's promotion: lookups miss (and go on to the database) meanwhile",
    ),
    d(
        "dns",
        "propagation",
        "0s",
        "delay before a changed answer reaches resolvers",
    ),
    d(
        "queues.lambda_consumers",
        "batch_size",
        "10",
        "messages per invocation at most (up to 10000 with a batching window of 1s or more)",
    ),
    d(
        "queues.lambda_consumers",
        "batching_window",
        "0s",
        "a batch is invoked as soon as a receive returns messages",
    ),
    d(
        "queues.lambda_consumers",
        "maximum_concurrency",
        "none",
        "the pollers are capped by the scaling maximum and the function's pool only",
    ),
    d(
        "queues.lambda_consumers",
        "report_batch_item_failures",
        "false",
        "one failed message fails its whole batch (every message returns)",
    ),
    d(
        "queues.lambda_consumers",
        "failure_probability",
        "0",
        "every message of a batch is processed successfully",
    ),
    d(
        "queues.lambda_consumers",
        "batch_duration",
        "per_message",
        "a batch's handler time is one draw of the function's duration per message, summed",
    ),
    d(
        "queues.lambda_consumers",
        "poller_scaling",
        "{model: current, initial: 5, per_minute: 300, maximum: 1250}",
        "pollers start at 5 and grow by up to 300 per minute while all find messages (legacy: 60, up to 1000; AWS also gave 1250); a quiet fleet may fall to 2",
    ),
    d(
        "queues.lambda_consumers",
        "backoff",
        "1s",
        "a throttled batch is retried after this, doubling per throttle (up to 1 min), until its messages' visibility timeout",
    ),
    d(
        "queues.lambda_consumers",
        "api_latency",
        "10ms",
        "round trip of a ReceiveMessage call",
    ),
];

/// The defaults of a section, in declaration order.
pub fn for_section(section: &str) -> impl Iterator<Item = &'static DefaultDoc> + '_ {
    DEFAULTS.iter().filter(move |d| d.section == section)
}
