//! The defaults a scenario gets for what it leaves out, with what each means, which
//! `stratus explain` prints (`all`): the core sections' here, a service's under `services`
//! in its own module (`ServiceKey::DEFAULTS`). Values follow AWS's documented defaults.

/// One default: where it applies (`""` for top-level keys, else a section name), the key,
/// its value as a scenario would write it, and what it means.
pub struct DefaultDoc {
    pub section: &'static str,
    pub key: &'static str,
    pub value: &'static str,
    pub meaning: &'static str,
}

pub(crate) const fn d(
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

/// The defaults of the top-level keys and of the sections that are not services.
const CORE: &[DefaultDoc] = &[
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
        "metric_delay",
        "metric_period",
        "a period's datapoint reaches CloudWatch alarms one period after the period ends",
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
        "for its target groups that set no `algorithm` (a target group attribute on AWS): each ALB node cycles through the healthy targets",
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
        "a client whose target has not answered by then gets a 504 then (the target works on)",
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
        "ALB health checks of each target; a new target serves after one pass, probed at registration",
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
        "requests one instance admits; beyond it the instance refuses the connection (502)",
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
        "an instance is not replaced for failing ELB health checks until this long after it goes in service",
    ),
    d(
        "auto_scaling_groups",
        "health_check_type",
        "ec2",
        "EC2 status checks only: instances the ALB finds unhealthy are not replaced (`elb` replaces them)",
    ),
    d(
        "auto_scaling_groups",
        "termination_policy",
        "default",
        "scale-in picks the AZ with the most instances, then the oldest launch template, then the instance closest to its next billing hour",
    ),
    d(
        "policies.simple",
        "evaluation_periods",
        "1",
        "the alarm looks at the latest datapoint",
    ),
    d(
        "policies.simple",
        "datapoints_to_alarm",
        "evaluation_periods",
        "every datapoint looked at must breach",
    ),
    d(
        "policies.simple",
        "cooldown",
        "300s",
        "after its activity's last instance finishes launching or terminating, no simple policy of the group acts for this long",
    ),
    d(
        "policies.simple",
        "min_adjustment",
        "1",
        "a percent adjustment changes capacity by at least this many instances",
    ),
    d(
        "policies.step",
        "evaluation_periods",
        "1",
        "the alarm looks at the latest datapoint",
    ),
    d(
        "policies.step",
        "datapoints_to_alarm",
        "evaluation_periods",
        "every datapoint looked at must breach",
    ),
    d(
        "policies.step",
        "warmup",
        "300s",
        "new instances count toward capacity but not the metric this long; scale-in waits for them",
    ),
    d(
        "policies.step",
        "min_adjustment",
        "1",
        "a percent step changes capacity by at least this many instances",
    ),
    d(
        "policies.target_tracking",
        "warmup",
        "300s",
        "new instances count toward capacity but not the metric this long; scale-in waits for them",
    ),
    d(
        "policies.target_tracking",
        "disable_scale_in",
        "false",
        "the policy scales in too, and takes part in the group's scale-in vote",
    ),
    d(
        "policies.target_tracking",
        "scale_out_datapoints",
        "3",
        "scale out after 3 of 3 datapoints above the target",
    ),
    d(
        "policies.target_tracking",
        "scale_in_datapoints",
        "15",
        "scale in after 15 of 15 datapoints below scale_in_ratio x target",
    ),
    d(
        "policies.target_tracking",
        "scale_in_ratio",
        "0.9",
        "the scale-in alarm's threshold, as a fraction of the target",
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
        "{model: per_function_10s, step: 1000, window: 10s, request_rate: true}",
        "each function creates up to 1000 new environments every 10 s (100/s, refilled continuously); warm ones are reused freely; request_rate: it serves at most 10 x its pool requests per second, that rate growing by 10,000 per 10 s",
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

/// Every documented default: the core list, then each service's in the order `services`
/// declares them (`raw::SERVICE_DEFAULTS`).
pub fn all() -> impl Iterator<Item = &'static DefaultDoc> {
    (CORE.iter()).chain(super::raw::SERVICE_DEFAULTS.iter().flat_map(|d| d.iter()))
}

/// The defaults of a section, in declaration order.
pub fn for_section(section: &str) -> impl Iterator<Item = &'static DefaultDoc> + '_ {
    all().filter(move |d| d.section == section)
}
