//! The geographic Route 53 records in the scenario file (latency, geolocation, geoproximity):
//! each endpoint's `location` and `bias`, validated against Route 53's rules, and the order
//! of the endpoints for every client geography (`model::dns::geo`).
//!
//! Route 53's limits checked here: a geoproximity bias is -99 to 99 (API reference,
//! `GeoProximityLocation`); a geolocation record's location is a continent, a country or a
//! country's subdivision, or `*`, and two records of one name cannot have the same location;
//! a latency record set has one record per region ("Latency-based routing").

use super::dns::{RawDnsEndpoint, RawDnsRecord};
use super::raw::RawWorkload;
use super::resolve::Ctx;
use crate::ids::WorkloadId;
use crate::model::dns::geo::{geolocation_order, geoproximity_order, latency_order};
use crate::model::dns::{DnsEndpoint, GeoLocation, Routing};
use crate::model::region::{CONTINENTS, Regions, distance_km};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Where a geolocation endpoint answers: `"*"` or a place.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawGeoLocation {
    /// `"*"`: the default record.
    Default(String),
    Place(RawPlace),
}

/// A continent, a country, or a country's subdivision.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPlace {
    /// AF, AN, AS, EU, NA, OC or SA.
    pub continent: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `DE`.
    pub country: Option<String>,
    /// With `country`: the subdivision's code, e.g. `CA` for California.
    pub subdivision: Option<String>,
}

/// A record being resolved.
pub(super) struct Record<'a> {
    pub path: &'a str,
    pub routing: Routing,
    pub raw: &'a RawDnsRecord,
    pub endpoints: &'a [DnsEndpoint],
    pub workloads: &'a [WorkloadId],
}

/// An endpoint's bias (geoproximity; 0 otherwise); reports a `bias` or `location` given to
/// the wrong policy.
pub(super) fn bias(ctx: &mut Ctx, at: &str, routing: Routing, e: &RawDnsEndpoint) -> i8 {
    if e.location.is_some() && routing != Routing::Geolocation {
        ctx.err(
            &format!("{at}.location"),
            format!(
                "only a geolocation record's endpoints have a `location`, not a {} one",
                routing.name()
            ),
        );
    }
    match (routing, e.bias) {
        (Routing::Geoproximity, Some(b)) if (-99..=99).contains(&b) => b as i8,
        (Routing::Geoproximity, Some(b)) => {
            ctx.err(
                &format!("{at}.bias"),
                format!("expected -99 to 99, got {b}"),
            );
            0
        }
        (_, Some(_)) => {
            let policy = routing.name();
            ctx.err(
                &format!("{at}.bias"),
                format!("only a geoproximity record's endpoints have a bias, not a {policy} one"),
            );
            0
        }
        (_, None) => 0,
    }
}

/// Per geography, the endpoints in order of preference, and per endpoint where it applies;
/// both empty for the other policies.
pub(super) fn orders(
    ctx: &mut Ctx,
    rec: &Record,
    regions: &Regions,
    workloads: &BTreeMap<String, RawWorkload>,
) -> (Vec<Vec<u8>>, Vec<String>) {
    if !rec.routing.geographic() {
        return (Vec::new(), Vec::new());
    }
    let policy = rec.routing.name();
    for w in rec.workloads {
        if let Some((name, raw)) = workloads.iter().nth(w.index())
            && raw.geography.is_none()
        {
            ctx.missing(
                &format!("workloads.{name}.geography"),
                &format!(
                    "required: this workload resolves `{}`, a {policy} record, which answers by \
                     the client's geography",
                    raw.target
                ),
            );
        }
    }
    let Some(region_of) = (rec.endpoints.iter())
        .map(|e| regions.lb_region.get(e.lb.index()).copied())
        .collect::<Option<Vec<_>>>()
    else {
        return (Vec::new(), Vec::new());
    };
    let region_names = || -> Vec<String> {
        let names = region_of
            .iter()
            .map(|r| regions.regions[r.index()].name.clone());
        names.collect()
    };
    let geos = &regions.geographies;
    match rec.routing {
        Routing::Latency => {
            one_per_region(ctx, rec, &region_of, regions);
            let order = geos
                .iter()
                .map(|g| {
                    let rtt: Vec<u64> = (region_of.iter())
                        .map(|r| g.rtt[r.index()].as_nanos())
                        .collect();
                    latency_order(&rtt)
                })
                .collect();
            (order, region_names())
        }
        Routing::Geoproximity => {
            let biases: Vec<i8> = rec.endpoints.iter().map(|e| e.bias).collect();
            let order = geos
                .iter()
                .map(|g| {
                    let d: Vec<f64> = (region_of.iter())
                        .map(|r| distance_km(g.location, regions.regions[r.index()].location))
                        .collect();
                    geoproximity_order(&d, &biases)
                })
                .collect();
            (order, region_names())
        }
        _ => {
            let Some(locations) = locations(ctx, rec) else {
                return (Vec::new(), Vec::new());
            };
            let order = geos
                .iter()
                .map(|g| geolocation_order(&locations, g))
                .collect();
            (order, locations.iter().map(GeoLocation::label).collect())
        }
    }
}

/// Route 53 takes one latency record per region for a name.
fn one_per_region(
    ctx: &mut Ctx,
    rec: &Record,
    region_of: &[crate::ids::RegionId],
    regions: &Regions,
) {
    for (i, r) in region_of.iter().enumerate() {
        if let Some(j) = region_of[..i].iter().position(|x| x == r) {
            ctx.err(
                &format!("{}.records[{i}].load_balancer", rec.path),
                format!(
                    "a latency record has one endpoint per region; this one is in `{}` like \
                     records[{j}]",
                    regions.regions[r.index()].name
                ),
            );
        }
    }
}

/// Every geolocation endpoint's location, validated; `None` if one is missing or invalid.
fn locations(ctx: &mut Ctx, rec: &Record) -> Option<Vec<GeoLocation>> {
    let raw = rec.raw.records.as_deref().unwrap_or_default();
    let mut out = Vec::new();
    for (i, e) in raw.iter().enumerate() {
        let at = format!("{}.records[{i}].location", rec.path);
        let Some(given) = &e.location else {
            ctx.missing(
                &at,
                "required for geolocation routing: `\"*\"`, `{continent: EU}`, `{country: DE}` \
                 or `{country: US, subdivision: CA}`",
            );
            continue;
        };
        let Some(l) = location(ctx, &at, given) else {
            continue;
        };
        if out.contains(&l) {
            ctx.err(
                &at,
                format!(
                    "{} is the location of another record; locations are unique",
                    l.label()
                ),
            );
        }
        out.push(l);
    }
    (out.len() == raw.len()).then_some(out)
}

fn location(ctx: &mut Ctx, at: &str, given: &RawGeoLocation) -> Option<GeoLocation> {
    let p = match given {
        RawGeoLocation::Default(s) if s == "*" => return Some(GeoLocation::Default),
        RawGeoLocation::Default(s) => {
            ctx.err(
                at,
                format!("expected `\"*\"` (the default record) or a mapping, got `{s}`"),
            );
            return None;
        }
        RawGeoLocation::Place(p) => p,
    };
    let code = |s: &String, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_uppercase());
    match (&p.continent, &p.country, &p.subdivision) {
        (Some(c), None, None) if CONTINENTS.contains(&c.as_str()) => {
            Some(GeoLocation::Continent(c.clone()))
        }
        (Some(c), None, None) => {
            let list = CONTINENTS.join(", ");
            ctx.err(
                &format!("{at}.continent"),
                format!("expected one of {list}, got `{c}`"),
            );
            None
        }
        (None, Some(c), sub) if code(c, 2) => match sub {
            None => Some(GeoLocation::Country(c.clone())),
            Some(s) if (1..=3).contains(&s.len()) => {
                Some(GeoLocation::Subdivision(c.clone(), s.clone()))
            }
            Some(s) => {
                ctx.err(
                    &format!("{at}.subdivision"),
                    format!("expected a short code, got `{s}`"),
                );
                None
            }
        },
        (None, Some(c), _) => {
            ctx.err(
                &format!("{at}.country"),
                format!("expected an ISO 3166-1 alpha-2 code such as `DE`, got `{c}`"),
            );
            None
        }
        _ => {
            ctx.err(
                at,
                "expected one of `{continent}`, `{country}` or `{country, subdivision}`",
            );
            None
        }
    }
}
