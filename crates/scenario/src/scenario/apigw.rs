//! API Gateway in the scenario file: the raw `api_gateways:` section (and the account's
//! `api_gateway_account:`) and their validation into [`ApiGatewaySpec`] (the model is
//! `model::apigw`; its AWS rules are in `docs/models/api-gateway.md`).
//!
//! An API names its type (`rest` or `http`), its integration (`{lambda: F}` or
//! `{http: {latency: DIST}}`), the stage's default method throttle (`throttle`), method
//! throttles by `METHOD /path` (`methods`), and for REST APIs usage plans, API keys (which
//! workloads send them) and a stage cache. Workloads reach it with `target: apigw/NAME`.
//! Every problem is reported with its field path; the limits are AWS's (see each check).

use super::defaults::{DefaultDoc, d};
use super::raw::{RawDist, RawWorkload};
use super::resolve::{Ctx, reference};
use super::resolve_workload::resolve_dist;
use super::targets::{Shape, TargetKey, TargetKind, map_names};
use super::top_level::{Resolved, ServiceKey};
use super::units::Dur;
use crate::cost::PriceTable;
use crate::cost::prices::ApiGatewayPrices;
use crate::ids::WorkloadId;
use crate::kernel::SimTime;
use crate::model::apigw::cache::{MAX_KEYS, SIZES_GB, size_key};
use crate::model::apigw::quota::MAX_MONTH_OFFSET;
use crate::model::apigw::*;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The account's API Gateway throttle in the region (default 10,000 requests/s, burst 5,000).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApiGatewayAccount {
    pub rate: Option<f64>,
    pub burst: Option<u64>,
}

/// An API Gateway API and its stage.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApiGateway {
    /// `rest` (default) or `http`.
    #[serde(rename = "type")]
    pub kind: Option<RawApiKind>,
    /// Where requests go: `{lambda: FUNCTION}` or `{http: {latency: DIST}}`.
    pub integration: RawIntegration,
    /// The stage's default method throttle: every method gets a bucket with these limits.
    pub throttle: Option<RawThrottle>,
    /// Method (route) throttles by `METHOD /path`, replacing the stage's for that method.
    #[serde(default)]
    pub methods: BTreeMap<String, RawThrottle>,
    /// REST APIs: usage plans by name.
    #[serde(default)]
    pub usage_plans: BTreeMap<String, RawUsagePlan>,
    /// REST APIs: API keys by name, each in one usage plan, sent by the workloads listed.
    #[serde(default)]
    pub api_keys: BTreeMap<String, RawApiKey>,
    /// REST APIs: the stage cache.
    pub cache: Option<RawCache>,
    /// The integration timeout: 50ms-29s for REST (default 29s), 50ms-30s for HTTP APIs
    /// (default 30s). The client gets 504 at the timeout.
    pub timeout: Option<Dur>,
    /// API Gateway's own time on each answer (default 10ms REST, 5ms HTTP; our choice).
    pub overhead: Option<Dur>,
    /// The region the API is in (default the first region, in name order); the account's
    /// throttle is per region.
    pub region: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawApiKind {
    Rest,
    Http,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawIntegration {
    /// A Lambda function, invoked synchronously.
    pub lambda: Option<String>,
    /// An HTTP endpoint.
    pub http: Option<RawHttpIntegration>,
    /// An Application Load Balancer (an HTTP proxy integration to its listener, or a private
    /// one through a VPC link: the same path here).
    pub alb: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawHttpIntegration {
    /// The endpoint's answer time.
    pub latency: RawDist,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawThrottle {
    /// Steady-state requests per second.
    pub rate: f64,
    /// The bucket's size (requests).
    pub burst: u64,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawUsagePlan {
    pub throttle: Option<RawThrottle>,
    pub quota: Option<RawQuota>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawQuota {
    /// Requests per period.
    pub limit: u64,
    /// `day`, `week` or `month` (calendar periods; time 0 is Monday 2024-01-01 00:00 UTC).
    pub period: RawQuotaPeriod,
    /// The period's first day: 0 for `day`; 0-6 from Sunday for `week`; 0-27 from the 1st
    /// for `month` (default 0).
    pub offset: Option<u32>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawQuotaPeriod {
    #[serde(alias = "DAY")]
    Day,
    #[serde(alias = "WEEK")]
    Week,
    #[serde(alias = "MONTH")]
    Month,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawApiKey {
    pub usage_plan: String,
    /// Workloads (targeting this API) whose requests carry the key.
    pub workloads: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCache {
    /// 0s-3600s, default 300s (0 turns the cache off).
    pub ttl: Option<Dur>,
    /// The cache's size in GB: 0.5 (default), 1.6, 6.1, 13.5, 28.4, 58.2, 118 or 237.
    pub size_gb: Option<f64>,
    /// Distinct cache keys requests draw from, uniformly (1 to 10,000,000).
    pub keys: u64,
}

/// AWS's methods (`ANY` stands for all of them).
const METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY",
];

/// Workloads send requests to an API as `apigw/NAME`.
impl TargetKey for BTreeMap<String, RawApiGateway> {
    const KIND: TargetKind = TargetKind {
        prefix: crate::model::apigw::TARGET,
        what: "API",
        shape: Shape::Classes,
        geography: Some("an API"),
    };
    fn names(&self) -> Vec<&str> {
        map_names(self)
    }
}

/// The APIs (`api_gateways`) with the account's throttle (`api_gateway_account`, which
/// bounds every API's throttle and so resolves with them, read from the file as written):
/// their prices (`api_gateway`, `cost::prices::ApiGatewayPrices`, shipped in
/// `model/apigw/prices.yaml`), the documented defaults of an API, and the regions of their
/// integrations (`regional::check_apis`).
impl ServiceKey for BTreeMap<String, RawApiGateway> {
    type Spec = ApiGatewaySpec;

    fn resolve(&self, ctx: &mut Ctx, done: &Resolved) -> ApiGatewaySpec {
        let account = resolve_account(ctx, done.raw.api_gateway_account.as_ref());
        check_workloads(ctx, done.workloads, self);
        let apis = self
            .iter()
            .filter_map(|(name, api)| resolve_api(ctx, name, api, &account, done))
            .collect::<Vec<_>>();
        done.require_prices::<ApiGatewayPrices>(
            ctx,
            "api_gateways",
            !apis.is_empty(),
            "crates/model/src/model/apigw/prices.yaml",
        );
        super::regional::check_apis(ctx, &apis, done);
        ApiGatewaySpec { account, apis }
    }

    type Prices = ApiGatewayPrices;

    const DEFAULTS: &'static [DefaultDoc] = &[
        d(
            "api_gateways",
            "type",
            "rest",
            "a REST API (usage plans, API keys and a stage cache are REST-only)",
        ),
        d(
            "api_gateways",
            "timeout",
            "29s (rest), 30s (http)",
            "the integration timeout: the client gets 504 at this time",
        ),
        d(
            "api_gateways",
            "overhead",
            "10ms (rest), 5ms (http)",
            "API Gateway's own time added to each answer (Stratus's choice)",
        ),
    ];
}

/// The account's throttle in the region (`api_gateway_account`): a key of its own in the
/// file, resolved with the APIs it bounds (`api_gateways`' resolution reads it), so its spec
/// here is empty and its resolved throttle is `ApiGatewaySpec::account`.
impl ServiceKey for Option<RawApiGatewayAccount> {
    type Spec = ();

    /// Nothing of its own: `api_gateways` resolves it (its problems come first there).
    fn resolve(&self, _: &mut Ctx, _: &Resolved) {}

    type Prices = crate::cost::prices::NoPrices;

    /// AWS's default account throttle per region (`model::apigw::ACCOUNT_DEFAULT`).
    const DEFAULTS: &'static [DefaultDoc] = &[
        d(
            "api_gateway_account",
            "rate",
            "10000",
            "requests per second, all APIs of the account in the region",
        ),
        d(
            "api_gateway_account",
            "burst",
            "5000",
            "the account's token bucket size",
        ),
    ];
}

/// A workload through an API has classes (their `METHOD /path` meets the method throttles
/// and the cache), but no instance work of its own: the integration takes its time. Behind
/// an ALB integration the classes' work, messages and calls are its targets'.
fn check_workloads(
    ctx: &mut Ctx,
    workloads: &BTreeMap<String, RawWorkload>,
    apis: &BTreeMap<String, RawApiGateway>,
) {
    let through_api = workloads.iter().filter(|(_, w)| {
        w.target
            .strip_prefix("apigw/")
            .is_some_and(|api| apis.get(api).is_none_or(|a| a.integration.alb.is_none()))
    });
    const TAKES_ITS_TIME: &str =
        "a request through an API takes its time from the API's integration: leave it out";
    for (name, w) in through_api {
        let path = format!("workloads.{name}");
        if w.work.is_some() {
            ctx.err(&format!("{path}.work"), TAKES_ITS_TIME);
        }
        for (i, c) in w.classes.iter().flatten().enumerate() {
            let given = [
                ("work", c.work.is_some()),
                ("enqueue", c.enqueue.is_some()),
                ("calls", c.calls.is_some()),
            ];
            for (key, _) in given.iter().filter(|(_, set)| *set) {
                ctx.err(&format!("{path}.classes[{i}].{key}"), TAKES_ITS_TIME);
            }
        }
    }
}

fn resolve_account(ctx: &mut Ctx, raw: Option<&RawApiGatewayAccount>) -> Throttle {
    let rate = raw.and_then(|a| a.rate).unwrap_or(ACCOUNT_DEFAULT.rate);
    if !(rate.is_finite() && rate >= 0.0) {
        ctx.err(
            "api_gateway_account.rate",
            format!("expected requests per second at least 0, got {rate}"),
        );
    }
    Throttle {
        rate,
        burst: raw.and_then(|a| a.burst).unwrap_or(ACCOUNT_DEFAULT.burst),
    }
}

fn resolve_api(
    ctx: &mut Ctx,
    name: &str,
    a: &RawApiGateway,
    account: &Throttle,
    names: &Resolved,
) -> Option<ApiSpec> {
    let path = format!("api_gateways.{name}");
    let kind = match a.kind {
        Some(RawApiKind::Http) => ApiKind::Http,
        _ => ApiKind::Rest,
    };
    let integration = resolve_integration(ctx, &path, &a.integration, names);
    let stage_throttle = a
        .throttle
        .as_ref()
        .map(|t| throttle(ctx, &format!("{path}.throttle"), t, account));
    let method_throttles = a
        .methods
        .iter()
        .map(|(m, t)| {
            let p = format!("{path}.methods.{m}");
            check_method(ctx, &p, m);
            (m.clone(), throttle(ctx, &p, t, account))
        })
        .collect();
    let rest_only = |ctx: &mut Ctx, field: &str, set: bool| {
        if set && kind == ApiKind::Http {
            ctx.err(
                &format!("{path}.{field}"),
                "HTTP APIs have no usage plans, API keys or cache (REST APIs only)",
            );
        }
    };
    rest_only(ctx, "usage_plans", !a.usage_plans.is_empty());
    rest_only(ctx, "api_keys", !a.api_keys.is_empty());
    rest_only(ctx, "cache", a.cache.is_some());
    let usage_plans: Vec<UsagePlanSpec> = a
        .usage_plans
        .iter()
        .map(|(n, p)| {
            let pp = format!("{path}.usage_plans.{n}");
            UsagePlanSpec {
                name: n.clone(),
                throttle: p
                    .throttle
                    .as_ref()
                    .map(|t| throttle(ctx, &format!("{pp}.throttle"), t, account)),
                quota: p
                    .quota
                    .as_ref()
                    .map(|q| quota(ctx, &format!("{pp}.quota"), q)),
            }
        })
        .collect();
    let api_keys = resolve_keys(ctx, &path, name, a, names.workloads);
    let cache = a
        .cache
        .as_ref()
        .and_then(|c| cache(ctx, &format!("{path}.cache"), c, names.prices));
    let (max, default_overhead) = match kind {
        ApiKind::Rest => (REST_TIMEOUT_MAX, REST_OVERHEAD_DEFAULT),
        ApiKind::Http => (HTTP_TIMEOUT_MAX, HTTP_OVERHEAD_DEFAULT),
    };
    let timeout = a.timeout.map_or(max, |d| d.0);
    if !(TIMEOUT_MIN..=max).contains(&timeout) {
        ctx.err(
            &format!("{path}.timeout"),
            format!(
                "expected 50ms to {max} for a {} API (AWS's integration timeout), got {timeout}",
                kind.name()
            ),
        );
    }
    Some(ApiSpec {
        name: name.to_string(),
        kind,
        integration: integration?,
        stage_throttle,
        method_throttles,
        usage_plans,
        api_keys,
        cache,
        timeout,
        overhead: a.overhead.map_or(default_overhead, |d| d.0),
    })
}

fn resolve_integration(
    ctx: &mut Ctx,
    path: &str,
    i: &RawIntegration,
    names: &Resolved,
) -> Option<Integration> {
    let path = format!("{path}.integration");
    match (&i.lambda, &i.http, &i.alb) {
        (Some(f), None, None) => reference(
            ctx,
            &format!("{path}.lambda"),
            names.functions,
            "Lambda function",
            "lambda_functions",
            f,
        )
        .map(Integration::Lambda),
        (None, Some(h), None) => resolve_dist(ctx, &format!("{path}.http.latency"), &h.latency)
            .map(|latency| Integration::Http { latency }),
        (None, None, Some(lb)) => reference(
            ctx,
            &format!("{path}.alb"),
            names.load_balancers,
            "load balancer",
            "load_balancers",
            lb,
        )
        .map(Integration::Alb),
        _ => {
            ctx.err(&path, "expected exactly one of `lambda`, `http` and `alb`");
            None
        }
    }
}

/// A throttle: a rate at least 0 and at most the account's, a burst at most the account's
/// ("the default route throttling limits can't exceed account-level rate limits", "Throttle
/// requests to your HTTP APIs",
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html).
fn throttle(ctx: &mut Ctx, path: &str, t: &RawThrottle, account: &Throttle) -> Throttle {
    if !(t.rate.is_finite() && t.rate >= 0.0) {
        ctx.err(
            &format!("{path}.rate"),
            format!("expected requests per second at least 0, got {}", t.rate),
        );
    } else if t.rate > account.rate {
        ctx.err(
            &format!("{path}.rate"),
            format!(
                "expected at most the account's rate ({}/s), got {}",
                account.rate, t.rate
            ),
        );
    }
    if t.burst > account.burst {
        ctx.err(
            &format!("{path}.burst"),
            format!(
                "expected at most the account's burst ({}), got {}",
                account.burst, t.burst
            ),
        );
    }
    Throttle {
        rate: t.rate,
        burst: t.burst,
    }
}

fn check_method(ctx: &mut Ctx, path: &str, key: &str) {
    let ok = key
        .split_once(' ')
        .is_some_and(|(m, p)| METHODS.contains(&m) && p.starts_with('/'));
    if !ok {
        ctx.err(
            path,
            format!(
                "expected `METHOD /path` with METHOD one of {}, got `{key}`",
                METHODS.join(", ")
            ),
        );
    }
}

fn quota(ctx: &mut Ctx, path: &str, q: &RawQuota) -> QuotaSpec {
    let period = match q.period {
        RawQuotaPeriod::Day => QuotaPeriod::Day,
        RawQuotaPeriod::Week => QuotaPeriod::Week,
        RawQuotaPeriod::Month => QuotaPeriod::Month,
    };
    let offset = q.offset.unwrap_or(0);
    let max = match period {
        QuotaPeriod::Day => 0,
        QuotaPeriod::Week => 6,
        QuotaPeriod::Month => MAX_MONTH_OFFSET,
    };
    if offset > max {
        ctx.err(
            &format!("{path}.offset"),
            format!(
                "expected 0 to {max} for a {} quota, got {offset}",
                period.name()
            ),
        );
    }
    QuotaSpec {
        limit: q.limit,
        period,
        offset,
    }
}

fn resolve_keys(
    ctx: &mut Ctx,
    path: &str,
    api: &str,
    a: &RawApiGateway,
    workloads: &BTreeMap<String, RawWorkload>,
) -> Vec<ApiKeySpec> {
    let plans: BTreeMap<String, usize> = a
        .usage_plans
        .keys()
        .enumerate()
        .map(|(i, n)| (n.clone(), i))
        .collect();
    let ids: BTreeMap<String, WorkloadId> = workloads
        .keys()
        .enumerate()
        .map(|(i, n)| (n.clone(), WorkloadId(i as u16)))
        .collect();
    let target = format!("apigw/{api}");
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let mut out = Vec::new();
    for (name, k) in &a.api_keys {
        let kp = format!("{path}.api_keys.{name}");
        let plan = reference(
            ctx,
            &format!("{kp}.usage_plan"),
            &plans,
            "usage plan",
            &format!("{path}.usage_plans"),
            &k.usage_plan,
        );
        let mut members = Vec::new();
        for (i, w) in k.workloads.iter().enumerate() {
            let wp = format!("{kp}.workloads[{i}]");
            let Some(id) = reference(ctx, &wp, &ids, "workload", "workloads", w) else {
                continue;
            };
            if workloads[w].target != target {
                ctx.err(&wp, format!("workload `{w}` does not target `{target}`"));
            }
            if let Some(other) = seen.insert(w, name) {
                ctx.err(
                    &wp,
                    format!("workload `{w}` already sends API key `{other}` (one key per client)"),
                );
            }
            members.push(id);
        }
        if let Some(plan) = plan {
            out.push(ApiKeySpec {
                name: name.clone(),
                plan,
                workloads: members,
            });
        }
    }
    out
}

/// A stage cache: TTL 0-3600 s (default 300 s; 0 means no cache), one of AWS's sizes, and
/// its key space.
fn cache(
    ctx: &mut Ctx,
    path: &str,
    c: &RawCache,
    prices: Option<&PriceTable>,
) -> Option<CacheSpec> {
    let ttl = c.ttl.map_or(SimTime::from_secs(300), |d| d.0);
    if ttl > SimTime::from_secs(3600) {
        ctx.err(
            &format!("{path}.ttl"),
            format!("expected 0s to 3600s (AWS's maximum TTL), got {ttl}"),
        );
    }
    let size = c.size_gb.unwrap_or(0.5);
    if !SIZES_GB.contains(&size) {
        let sizes: Vec<String> = SIZES_GB.iter().map(|s| size_key(*s)).collect();
        ctx.err(
            &format!("{path}.size_gb"),
            format!("expected one of {} (GB), got {size}", sizes.join(", ")),
        );
    } else if let Some(p) = prices.and_then(|p| p.section::<ApiGatewayPrices>())
        && !p.cache_per_hour.contains_key(&size_key(size))
    {
        ctx.err(
            &format!("{path}.size_gb"),
            format!(
                "the price table has no price for a {} GB cache; add it under `pricing.api_gateway.cache_per_hour`",
                size_key(size)
            ),
        );
    }
    if !(1..=MAX_KEYS).contains(&c.keys) {
        ctx.err(
            &format!("{path}.keys"),
            format!("expected 1 to {MAX_KEYS} cache keys, got {}", c.keys),
        );
    }
    (ttl > SimTime::ZERO).then(|| CacheSpec {
        ttl,
        size_gb: size_key(size),
        keys: c.keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The account's defaults `explain` lists are the model's (`ACCOUNT_DEFAULT`).
    #[test]
    fn the_accounts_listed_defaults_are_the_models() {
        let listed = <Option<RawApiGatewayAccount> as ServiceKey>::DEFAULTS;
        let value = |key: &str| listed.iter().find(|d| d.key == key).map(|d| d.value);
        assert_eq!(
            value("rate"),
            Some(ACCOUNT_DEFAULT.rate.to_string().as_str())
        );
        assert_eq!(
            value("burst"),
            Some(ACCOUNT_DEFAULT.burst.to_string().as_str())
        );
    }
}
