//! Route 53 records in the scenario file: the raw `dns:` section and its validation into
//! [`DnsRecordSpec`]s (the model is `model::dns`; its AWS rules are in
//! `docs/models/route53.md`).
//!
//! A record names its routing policy and its endpoints:
//! - `failover`: `primary` and `secondary` load balancers (the default when they are given);
//! - `simple`, `weighted`, `multivalue`: `records`, a list of `{load_balancer, weight}`
//!   (`weight` for weighted records only, 0-255); `simple` is the default otherwise;
//! - `latency`, `geolocation`, `geoproximity`: `records` too, with a `location` for each
//!   geolocation endpoint and an optional `bias` for geoproximity (validated in `dns_geo`).
//!
//! `health_check` sets the checks' interval and threshold. A failover record always checks
//! its primary; a weighted or multivalue record checks every endpoint when it has a
//! `health_check`, and none otherwise; a simple record cannot have one (as in Route 53).

use super::defaults::{DefaultDoc, d};
use super::raw::RawWorkload;
use super::resolve::{Ctx, reference};
use super::top_level::{Resolved, ServiceKey};
use super::units::Dur;
use crate::ids::{LbId, WorkloadId};
use crate::kernel::SimTime;
use crate::model::dns::{DnsEndpoint, DnsHealthCheck, DnsRecordSpec, MAX_ENDPOINTS, Routing};
use crate::model::region::Regions;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A Route 53 record: a name clients resolve, answered by a routing policy.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDnsRecord {
    /// `failover` (the default with `primary` and `secondary`), `simple` (the default with
    /// `records`), `weighted`, `multivalue`, `latency`, `geolocation` or `geoproximity`.
    pub routing: Option<RawRouting>,
    /// Failover: the load balancer answered while its health check passes.
    pub primary: Option<String>,
    /// Failover: the load balancer answered while the primary is unhealthy.
    pub secondary: Option<String>,
    /// Simple, weighted and multivalue: the endpoints (at most 64).
    pub records: Option<Vec<RawDnsEndpoint>>,
    /// Clients cache answers this long (default 60s).
    pub ttl: Option<Dur>,
    pub health_check: Option<RawDnsHealthCheck>,
    /// Delay before a changed answer reaches resolvers (default 0s).
    pub propagation: Option<Dur>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RawRouting {
    Simple,
    Weighted,
    Multivalue,
    Failover,
    Latency,
    Geolocation,
    Geoproximity,
}

/// One endpoint of a simple, weighted or multivalue record.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDnsEndpoint {
    pub load_balancer: String,
    /// Weighted records only: 0-255; traffic share weight / sum of weights (0: none unless
    /// every other endpoint is unhealthy or every weight is 0).
    pub weight: Option<u32>,
    /// Geolocation records only: where the endpoint answers, `"*"` (the default record) or
    /// `{continent: EU}`, `{country: DE}`, `{country: US, subdivision: CA}`.
    pub location: Option<super::dns_geo::RawGeoLocation>,
    /// Geoproximity records only: -99 to 99 (default 0); positive grows the area served.
    pub bias: Option<i32>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDnsHealthCheck {
    /// 30s (default) or 10s (fast).
    pub interval: Option<Dur>,
    /// Consecutive failures to turn an endpoint unhealthy, and passes to turn it healthy
    /// again (1-10, default 3).
    pub failure_threshold: Option<u32>,
}

impl RawDnsRecord {
    /// The record's policy, written or implied.
    fn routing(&self) -> Routing {
        match self.routing {
            Some(RawRouting::Simple) => Routing::Simple,
            Some(RawRouting::Weighted) => Routing::Weighted,
            Some(RawRouting::Multivalue) => Routing::Multivalue,
            Some(RawRouting::Failover) => Routing::Failover,
            Some(RawRouting::Latency) => Routing::Latency,
            Some(RawRouting::Geolocation) => Routing::Geolocation,
            Some(RawRouting::Geoproximity) => Routing::Geoproximity,
            None if self.primary.is_some() || self.secondary.is_some() => Routing::Failover,
            None => Routing::Simple,
        }
    }

    /// The load balancer names of the endpoints, in order.
    fn endpoint_names(&self) -> Vec<&str> {
        match self.routing() {
            Routing::Failover => [&self.primary, &self.secondary]
                .into_iter()
                .flatten()
                .map(String::as_str)
                .collect(),
            _ => self
                .records
                .iter()
                .flatten()
                .map(|e| e.load_balancer.as_str())
                .collect(),
        }
    }
}

/// Per record: the load balancer its workloads target for validation (its first endpoint),
/// `None` when that is not a known load balancer.
pub(super) fn first_endpoints(
    dns: &BTreeMap<String, RawDnsRecord>,
    lbs: &BTreeMap<String, LbId>,
) -> BTreeMap<String, Option<LbId>> {
    dns.iter()
        .map(|(n, r)| {
            let first = r.endpoint_names().first().and_then(|lb| lbs.get(*lb));
            (n.clone(), first.copied())
        })
        .collect()
}

/// The `dns` key: records in name order, each with its endpoints, health check, TTL and the
/// workloads that resolve it.
impl ServiceKey for BTreeMap<String, RawDnsRecord> {
    type Prices = crate::cost::prices::NoPrices;

    const DEFAULTS: &'static [DefaultDoc] = &[
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
            "dns",
            "propagation",
            "0s",
            "delay before a changed answer reaches resolvers",
        ),
    ];

    type Spec = Vec<DnsRecordSpec>;

    fn resolve(&self, ctx: &mut Ctx, done: &Resolved) -> Vec<DnsRecordSpec> {
        resolve_dns(ctx, self, done.workloads, done.load_balancers, done.regions)
    }
}

fn resolve_dns(
    ctx: &mut Ctx,
    dns: &BTreeMap<String, RawDnsRecord>,
    all_workloads: &BTreeMap<String, RawWorkload>,
    lbs: &BTreeMap<String, LbId>,
    regions: &Regions,
) -> Vec<DnsRecordSpec> {
    let mut out = Vec::new();
    for (name, r) in dns {
        let path = format!("dns.{name}");
        let routing = r.routing();
        let endpoints = match routing {
            Routing::Failover => failover_endpoints(ctx, &path, r, lbs),
            _ => record_endpoints(ctx, &path, routing, r, lbs),
        };
        let health_check = health_check(ctx, &path, routing, r);
        let workloads: Vec<WorkloadId> = all_workloads
            .iter()
            .enumerate()
            .filter(|(_, (_, w))| w.target == format!("dns/{name}"))
            .map(|(i, _)| WorkloadId(i as u16))
            .collect();
        if let Some(endpoints) = endpoints {
            let at = super::dns_geo::Record {
                path: &path,
                routing,
                raw: r,
                endpoints: &endpoints,
                workloads: &workloads,
            };
            let (order, places) = super::dns_geo::orders(ctx, &at, regions, all_workloads);
            out.push(DnsRecordSpec {
                name: name.clone(),
                routing,
                endpoints,
                health_check,
                ttl: r.ttl.map_or(SimTime::from_secs(60), |d| d.0),
                propagation: r.propagation.map_or(SimTime::ZERO, |d| d.0),
                workloads,
                order,
                places,
            });
        }
    }
    out
}

/// A failover record's primary and secondary.
fn failover_endpoints(
    ctx: &mut Ctx,
    path: &str,
    r: &RawDnsRecord,
    lbs: &BTreeMap<String, LbId>,
) -> Option<Vec<DnsEndpoint>> {
    if r.records.is_some() {
        ctx.err(
            &format!("{path}.records"),
            "a failover record has a `primary` and a `secondary`, not `records`",
        );
    }
    let mut ends = Vec::new();
    for key in ["primary", "secondary"] {
        let given = if key == "primary" {
            &r.primary
        } else {
            &r.secondary
        };
        let Some(lb) = given else {
            ctx.missing(
                &format!("{path}.{key}"),
                "required for failover routing: a load balancer name",
            );
            continue;
        };
        let at = format!("{path}.{key}");
        ends.push(reference(
            ctx,
            &at,
            lbs,
            "load balancer",
            "load_balancers",
            lb,
        ));
    }
    let [Some(primary), Some(secondary)] = ends[..] else {
        return None;
    };
    if primary == secondary {
        ctx.err(
            &format!("{path}.secondary"),
            "expected a load balancer other than the primary",
        );
    }
    Some(
        [primary, secondary]
            .map(|lb| DnsEndpoint {
                lb,
                weight: 0,
                bias: 0,
            })
            .to_vec(),
    )
}

/// A simple, weighted or multivalue record's endpoints.
fn record_endpoints(
    ctx: &mut Ctx,
    path: &str,
    routing: Routing,
    r: &RawDnsRecord,
    lbs: &BTreeMap<String, LbId>,
) -> Option<Vec<DnsEndpoint>> {
    let policy = routing.name();
    for (key, given) in [("primary", &r.primary), ("secondary", &r.secondary)] {
        if given.is_some() {
            ctx.err(
                &format!("{path}.{key}"),
                format!("only a failover record has a `{key}`; a {policy} record lists `records`"),
            );
        }
    }
    let Some(records) = &r.records else {
        ctx.missing(
            &format!("{path}.records"),
            &format!("required for {policy} routing: a list of `{{load_balancer: NAME}}`"),
        );
        return None;
    };
    if records.is_empty() || records.len() > MAX_ENDPOINTS {
        ctx.err(
            &format!("{path}.records"),
            format!(
                "expected 1 to {MAX_ENDPOINTS} endpoints, got {}",
                records.len()
            ),
        );
        return None;
    }
    let mut out = Vec::new();
    let mut complete = true;
    for (i, e) in records.iter().enumerate() {
        let at = format!("{path}.records[{i}]");
        let lb = reference(
            ctx,
            &format!("{at}.load_balancer"),
            lbs,
            "load balancer",
            "load_balancers",
            &e.load_balancer,
        );
        if records[..i]
            .iter()
            .any(|x| x.load_balancer == e.load_balancer)
        {
            ctx.err(
                &format!("{at}.load_balancer"),
                format!("`{}` is listed twice in this record", e.load_balancer),
            );
        }
        let weight = match (routing, e.weight) {
            (Routing::Weighted, Some(w)) if w <= 255 => w as u8,
            (Routing::Weighted, Some(w)) => {
                ctx.err(
                    &format!("{at}.weight"),
                    format!("expected 0 to 255, got {w}"),
                );
                0
            }
            (Routing::Weighted, None) => {
                ctx.missing(
                    &format!("{at}.weight"),
                    "required for weighted routing: 0 to 255",
                );
                0
            }
            (_, Some(_)) => {
                ctx.err(
                    &format!("{at}.weight"),
                    format!("only a weighted record's endpoints have a weight, not a {policy} one"),
                );
                0
            }
            (_, None) => 0,
        };
        let bias = super::dns_geo::bias(ctx, &at, routing, e);
        match lb {
            Some(lb) => out.push(DnsEndpoint { lb, weight, bias }),
            None => complete = false,
        }
    }
    complete.then_some(out)
}

/// The record's health checks, validated against Route 53's choices.
fn health_check(
    ctx: &mut Ctx,
    path: &str,
    routing: Routing,
    r: &RawDnsRecord,
) -> Option<DnsHealthCheck> {
    let hc = r.health_check.as_ref();
    match (routing, hc) {
        (Routing::Simple, Some(_)) => {
            ctx.err(
                &format!("{path}.health_check"),
                "simple routing has no health checks (Route 53); use `routing: multivalue` \
                 or `weighted` to answer healthy endpoints only",
            );
            return None;
        }
        (
            Routing::Weighted
            | Routing::Multivalue
            | Routing::Simple
            | Routing::Latency
            | Routing::Geolocation
            | Routing::Geoproximity,
            None,
        ) => return None,
        (Routing::Failover, _) | (_, Some(_)) => {}
    }
    let interval = hc
        .and_then(|h| h.interval)
        .map_or(SimTime::from_secs(30), |d| d.0);
    if interval != SimTime::from_secs(30) && interval != SimTime::from_secs(10) {
        ctx.err(
            &format!("{path}.health_check.interval"),
            format!("Route 53 checks every 30s (standard) or 10s (fast), got {interval}"),
        );
    }
    let failure_threshold = hc.and_then(|h| h.failure_threshold).unwrap_or(3);
    if !(1..=10).contains(&failure_threshold) {
        ctx.err(
            &format!("{path}.health_check.failure_threshold"),
            format!("expected 1 to 10, got {failure_threshold}"),
        );
    }
    Some(DnsHealthCheck {
        interval,
        failure_threshold,
    })
}
