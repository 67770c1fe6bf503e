//! Amazon API Gateway (REST and HTTP APIs) in front of a Lambda function or an HTTP
//! endpoint: the account's and the APIs' token buckets, usage plans with API keys and
//! quotas, a REST stage's cache, the integration timeout, and the meters the bill reads.
//!
//! What a request meets, in order (AWS, "How throttling limit settings are applied in API
//! Gateway",
//! https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html):
//! its API key's usage plan (the quota, then the plan's rate and burst: "per-client"
//! limits), the method's throttle (a method setting, or else the stage's default method
//! throttle: the most specific applies), then the account's bucket per region (10,000
//! requests per second with a burst of 5,000 by default). It needs a token in every bucket
//! that applies; it takes them only when all have one (our choice: AWS does not say whether
//! a request refused by a later limit spent an earlier one's token), else it gets 429 and
//! spends nothing. A REST stage's cache then answers `GET` requests whose key is fresh
//! (`cache`); any other request goes to the integration, whose answer must come within the
//! integration timeout or the client gets 504 at the timeout.
//!
//! - `bucket`: the token bucket, in integer arithmetic.
//! - `quota`: usage-plan quotas and their calendar boundaries.
//! - `cache`: the stage cache (a TTL cache by key).
//! - `gateway`: the run's state of every API: admission, counters, the timeout line.

pub mod bucket;
pub mod cache;
pub mod gateway;
pub mod quota;

use crate::dist::Dist;
use crate::ids::{ApiId, FunctionId, RequestId, WorkloadId};
use crate::kernel::SimTime;
pub use bucket::{Throttle, TokenBucket};
pub use cache::{CacheSpec, StageCache};
pub use gateway::{Admission, ApiState, Gateways, Limit};
pub use quota::{Quota, QuotaPeriod, QuotaSpec};

/// The account's default throttle per region: "10,000 requests per second (RPS) with an
/// additional burst capacity provided by the token bucket algorithm, using a maximum bucket
/// capacity of 5,000 requests" ("Amazon API Gateway quotas",
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
pub const ACCOUNT_DEFAULT: Throttle = Throttle {
    rate: 10_000.0,
    burst: 5_000,
};

/// REST APIs: the integration timeout is 50 ms to 29 s, 29 s by default (same page; a
/// quota increase beyond 29 s for Regional APIs is not modelled).
pub const REST_TIMEOUT_MAX: SimTime = SimTime::from_secs(29);
/// HTTP APIs: at most 30 s, the default (same page).
pub const HTTP_TIMEOUT_MAX: SimTime = SimTime::from_secs(30);
pub const TIMEOUT_MIN: SimTime = SimTime::from_millis(50);

/// API Gateway's own time on a request, added to what the client waits: our choice (AWS
/// publishes no figure; CloudWatch's `Latency` minus `IntegrationLatency` is this overhead).
pub const REST_OVERHEAD_DEFAULT: SimTime = SimTime::from_millis(10);
pub const HTTP_OVERHEAD_DEFAULT: SimTime = SimTime::from_millis(5);

/// How a workload names an API as its target: `apigw/NAME`.
pub const TARGET: &str = "apigw";

/// REST API (API Gateway's v1, with usage plans and caching) or HTTP API (v2, cheaper, with
/// neither).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiKind {
    Rest,
    Http,
}

impl ApiKind {
    pub fn name(self) -> &'static str {
        match self {
            ApiKind::Rest => "rest",
            ApiKind::Http => "http",
        }
    }
}

/// Where an API sends the requests it lets through.
#[derive(Clone, Debug)]
pub enum Integration {
    /// A Lambda function, invoked synchronously (proxy integration).
    Lambda(FunctionId),
    /// An HTTP endpoint that answers after a latency drawn per request.
    Http { latency: Dist },
    /// An Application Load Balancer: the request takes the load balancer's path (its
    /// listener rules, targets and answers), and API Gateway proxies the answer.
    Alb(crate::ids::LbId),
}

/// A usage plan: a throttle and a quota per API key (REST APIs only).
#[derive(Clone, Debug, PartialEq)]
pub struct UsagePlanSpec {
    pub name: String,
    pub throttle: Option<Throttle>,
    pub quota: Option<QuotaSpec>,
}

/// An API key, its usage plan (index in the API's plans) and the workloads that send it.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeySpec {
    pub name: String,
    pub plan: usize,
    pub workloads: Vec<WorkloadId>,
}

/// One API and its stage.
#[derive(Clone, Debug)]
pub struct ApiSpec {
    pub name: String,
    pub kind: ApiKind,
    pub integration: Integration,
    /// The stage's default method throttle: each method gets a bucket of its own with these
    /// limits (`None`: only the account's applies).
    pub stage_throttle: Option<Throttle>,
    /// Method throttles by `METHOD /path` (a route for HTTP APIs); they replace the stage's.
    pub method_throttles: Vec<(String, Throttle)>,
    pub usage_plans: Vec<UsagePlanSpec>,
    pub api_keys: Vec<ApiKeySpec>,
    pub cache: Option<CacheSpec>,
    pub timeout: SimTime,
    pub overhead: SimTime,
}

impl ApiSpec {
    /// The API key workload `w` sends (index in `api_keys`), if any.
    pub fn key_of(&self, w: WorkloadId) -> Option<usize> {
        self.api_keys.iter().position(|k| k.workloads.contains(&w))
    }
}

/// Every API of the scenario and the account's throttle (one region).
#[derive(Clone, Debug)]
pub struct ApiGatewaySpec {
    pub account: Throttle,
    pub apis: Vec<ApiSpec>,
}

impl Default for ApiGatewaySpec {
    fn default() -> ApiGatewaySpec {
        ApiGatewaySpec {
            account: ACCOUNT_DEFAULT,
            apis: Vec::new(),
        }
    }
}

/// API Gateway's events: ids only, `Copy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApigwEvent {
    /// An HTTP integration answered the API's request (before the timeout).
    HttpAnswered(ApiId, RequestId),
    /// An HTTP integration's answer did not come within the timeout: 504 now.
    HttpTimedOut(ApiId, RequestId),
    /// The oldest request of an API waiting for its Lambda or ALB integration reached its
    /// timeout.
    TimeoutDue(ApiId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for ApigwEvent {}
