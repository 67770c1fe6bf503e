//! Amazon CloudFront: distributions in front of an origin (an ALB, or an object store such
//! as S3), with per-path cache behaviors, edge caches per client geography, an optional
//! Origin Shield and origin failover. Workloads target a distribution as `cloudfront/NAME`.
//!
//! - `popularity`: which object a request asks for (uniform or Zipf over `objects`);
//! - `cache`: the TTL cache of a key space (per-object expiry times);
//! - `edge`: a distribution's run state: its edge and shield caches, the lookup of a request
//!   (edge hit, shield hit, or a fetch from the origin), counters and the bill's meters.
//!
//! The rules modeled and their sources are in `docs/models/cloudfront.md`; each is named
//! where it is coded.

pub mod cache;
pub mod edge;
pub mod popularity;
pub mod prices;

use crate::dist::Dist;
use crate::ids::{LbId, RegionId, RequestId};
use crate::kernel::SimTime;
use crate::model::rules::Pattern;
pub use edge::{Distributions, Lookup, Totals};
pub use popularity::{KeySampler, Popularity};
pub use prices::CloudFrontPrices;

/// A distribution, in name order (`cloudfront:` entries).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DistributionId(pub u16);

impl DistributionId {
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// CloudFront's own events (ids only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudFrontEvent {
    /// An object-store origin answered the fetch of the request in this slot.
    ObjectStoreAnswered(DistributionId, RequestId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for CloudFrontEvent {}

/// The default TTL of a cache behavior: one day (AWS, CachePolicyConfig `DefaultTTL`: "The
/// default value for this field is 86400 seconds (one day)",
/// https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CachePolicyConfig.html).
pub const DEFAULT_TTL: SimTime = SimTime::from_secs(86_400);
/// The default maximum TTL: one year (same page, `MaxTTL`: 31,536,000 seconds).
pub const DEFAULT_MAX_TTL: SimTime = SimTime::from_secs(31_536_000);

/// The status codes an origin group fails over on by default, and the ones it may list
/// (AWS, "Optimize high availability with CloudFront origin failover",
/// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/high_availability_origin_failover.html:
/// 400, 403, 404, 416, 500, 502, 503, 504; the CDK's default criteria are 500, 502, 503
/// and 504).
pub const DEFAULT_FAILOVER_CODES: [u16; 4] = [500, 502, 503, 504];
pub const FAILOVER_CODES_ALLOWED: [u16; 8] = [400, 403, 404, 416, 500, 502, 503, 504];

/// How a workload names a distribution as its target: `cloudfront/NAME`.
pub const TARGET: &str = "cloudfront";

/// The round trip from a client to its nearest edge location, by the client geography's
/// continent (our choice, AWS publishes no figure: edge locations are in every continent's
/// large cities, a few hundred km from most clients).
pub fn edge_rtt(continent: &str) -> SimTime {
    let ms = match continent {
        "NA" | "EU" => 15,
        "AS" | "OC" => 25,
        "SA" => 30,
        "AF" => 40,
        _ => 60,
    };
    SimTime::from_millis(ms)
}

/// What a cache behavior does with the requests it matches.
#[derive(Clone, Debug, PartialEq)]
pub enum Caching {
    /// The TTL cache: `objects` keys drawn by `popularity`, each fresh for `ttl`.
    Ttl {
        ttl: SimTime,
        objects: u32,
        popularity: Popularity,
    },
    /// A hit ratio typed by the user: each request is a hit with this probability.
    HitRatio(f64),
    /// Not cached: every request goes to the origin.
    Off,
}

/// A cache behavior: its path pattern (none for the default behavior) and its caching.
#[derive(Clone, Debug, PartialEq)]
pub struct BehaviorSpec {
    pub pattern: Option<Pattern>,
    pub caching: Caching,
}

/// An origin.
#[derive(Clone, Debug)]
pub enum Origin {
    /// An Application Load Balancer: the request goes through its listener rules to its
    /// targets.
    Alb(LbId),
    /// An object store (S3 as an origin, our model): it answers after `latency`, with a 500
    /// for a share `error_rate` of fetches.
    ObjectStore {
        region: RegionId,
        latency: Dist,
        error_rate: f64,
    },
    /// An API Gateway API: the fetch meets the API's throttles (a 429 reaches the client),
    /// its stage cache and its integration, as a request of its own would.
    Api(crate::ids::ApiId),
}

/// A distribution.
#[derive(Clone, Debug)]
pub struct DistributionSpec {
    pub name: String,
    /// In order; the last one is the default behavior (no pattern).
    pub behaviors: Vec<BehaviorSpec>,
    pub primary: Origin,
    /// An origin group's second origin, and the status codes that send a request to it.
    pub secondary: Option<Origin>,
    pub failover_codes: Vec<u16>,
    /// Origin Shield's region.
    pub shield: Option<RegionId>,
}

impl DistributionSpec {
    /// The behavior a request for `path` follows: the first whose pattern matches, else the
    /// default (AWS, "Cache behavior settings", path pattern: "CloudFront ... uses the first
    /// cache behavior whose path pattern matches", default `*` last,
    /// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html).
    pub fn behavior_for(&self, path: &str) -> usize {
        self.behaviors
            .iter()
            .position(|b| b.pattern.as_ref().is_none_or(|p| p.matches(path)))
            .unwrap_or(self.behaviors.len() - 1)
    }

    /// Whether a failing answer with `status` from the primary goes to the secondary.
    pub fn fails_over(&self, status: u16) -> bool {
        self.secondary.is_some() && self.failover_codes.contains(&status)
    }
}

/// Whether CloudFront caches a request with this method: GET and HEAD (AWS, "Cache behavior
/// settings", allowed HTTP methods: "CloudFront caches responses to GET and HEAD requests",
/// same page); other methods go to the origin.
pub fn cacheable_method(method: &str) -> bool {
    method.eq_ignore_ascii_case("GET") || method.eq_ignore_ascii_case("HEAD")
}
