//! Regions and client geographies in the scenario file: the raw `regions:` and
//! `geographies:` sections and a workload's `geography`, validated into
//! [`model::region::Regions`](crate::model::region::Regions) (rules and defaults in
//! `docs/models/regions.md`).
//!
//! `regions: {NAME: {azs: [...], location?, price_multiplier?}}` declares several regions;
//! `azs:` alone keeps meaning one region, `us-east-1`. A load balancer's or an auto scaling
//! group's region is the region of its AZs (all of them in one region).

use super::raw::{RawLoadBalancer, RawWorkload};
use super::resolve::Ctx;
use super::units::Dur;
use crate::ids::{AzId, GeoId, RegionId};
use crate::kernel::SimTime;
use crate::model::region::{
    BUILT_IN_GEOGRAPHIES, CONTINENTS, GeoMix, GeoPoint, Geography, RegionSpec, Regions,
    aws_region_location, default_rtt, distance_km,
};
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The region of a scenario that gives only `azs`: the price table's.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The longest round trip a geography may give (a request carries it in 32 bits of ns).
const MAX_RTT: SimTime = SimTime::from_secs(2);

/// One region: its AZs, where it is, its prices.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    /// The region's AZ names (unique across regions), e.g. `[use1-a, use1-b]`.
    pub azs: Vec<String>,
    /// Where the region is (required for a region that is not a known AWS region name).
    pub location: Option<RawPoint>,
    /// For a region without a price table of its own (all but eu-west-1 and the run's
    /// us-east-1): multiplies the run's table's EC2 and ALB prices for this region's
    /// components (default 1), e.g. 1.1 for a region 10% dearer.
    pub price_multiplier: Option<f64>,
    /// Entries of this region's price table to override (same shape as
    /// `prices/us-east-1.yaml`), e.g. `{ec2: {per_hour: {t3a.large: 0.0816}}}`.
    pub pricing: Option<serde_json::Value>,
}

/// A place: latitude (-90..90) and longitude (-180..180), degrees.
#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPoint {
    pub lat: f64,
    pub lon: f64,
}

/// A client geography; a built-in one of the same name gives the keys left out.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawGeography {
    pub location: Option<RawPoint>,
    /// Route 53 continent code: AF, AN, AS, EU, NA, OC or SA.
    pub continent: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `DE`.
    pub country: Option<String>,
    /// Subdivision code within the country (a US state: `CA`).
    pub subdivision: Option<String>,
    /// The network round trip to each region, e.g. `{us-east-1: 80ms}`; a region left out
    /// gets the default from the distance (10 ms + 13 µs per km).
    #[serde(default)]
    pub latency: BTreeMap<String, Dur>,
}

/// A workload's clients: one geography's name, or shares `{NAME: weight, ...}`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RawGeoMix {
    One(String),
    Shares(BTreeMap<String, f64>),
}

/// The AZ names of the scenario, in order (each region's in turn, regions in name order),
/// with each one's region. Reports `azs` given alongside `regions`.
pub(super) fn region_azs(
    ctx: &mut Ctx,
    azs: Option<&Vec<String>>,
    regions: &BTreeMap<String, RawRegion>,
) -> (Vec<String>, Vec<RegionId>) {
    if regions.is_empty() {
        let azs = azs.cloned().unwrap_or_default();
        let n = azs.len();
        return (azs, vec![RegionId(0); n]);
    }
    if azs.is_some() {
        ctx.err(
            "azs",
            "give `regions` (each with its `azs`) or `azs` (one region), not both",
        );
    }
    if regions.len() > usize::from(u8::MAX) {
        ctx.err(
            "regions",
            format!("expected at most 255 regions, got {}", regions.len()),
        );
    }
    let (mut names, mut of) = (Vec::new(), Vec::new());
    for (r, (name, region)) in regions.iter().enumerate() {
        if region.azs.is_empty() {
            ctx.err(&format!("regions.{name}.azs"), "expected at least one AZ");
        }
        for (i, a) in region.azs.iter().enumerate() {
            if let Some(k) = names.iter().position(|n| n == a) {
                let other = regions
                    .keys()
                    .nth(of.get(k).map_or(0, |r: &RegionId| r.index()));
                ctx.err(
                    &format!("regions.{name}.azs[{i}]"),
                    format!(
                        "AZ `{a}` is declared twice (also in `{}`); AZ names are unique across regions",
                        other.map_or("", String::as_str)
                    ),
                );
            }
            names.push(a.clone());
            of.push(RegionId(r as u8));
        }
    }
    (names, of)
}

/// A section's entries: each one's name and its `region:` key.
pub(super) type Placed<'a> = Vec<(&'a str, Option<&'a str>)>;

/// The parts of the scenario regions are resolved from.
pub(super) struct RawRegionParts<'a> {
    pub regions: &'a BTreeMap<String, RawRegion>,
    pub geographies: &'a BTreeMap<String, RawGeography>,
    pub workloads: &'a BTreeMap<String, RawWorkload>,
    pub load_balancers: &'a BTreeMap<String, RawLoadBalancer>,
    /// Auto scaling groups: name and AZ names.
    pub groups: Vec<(&'a str, &'a [String])>,
    /// The target kinds services register (some take clients with a geography).
    pub targets: &'a [super::targets::Registered],
    /// The regional services' `region:` keys, by section: its path (`lambda_functions`)
    /// and each entry's name and region, in name order.
    pub placed: [(&'static str, Placed<'a>); 4],
}

/// Regions, geographies, the components' regions and the workloads' geographies.
pub(super) fn resolve_regions(
    ctx: &mut Ctx,
    raw: &RawRegionParts,
    az_region: Vec<RegionId>,
) -> Regions {
    let regions = region_specs(ctx, raw.regions, &az_region);
    let geographies = geographies(ctx, raw.geographies, &regions);
    let mut lb_region = Vec::new();
    for (name, lb) in raw.load_balancers {
        lb_region.push(component_region(
            ctx,
            &format!("load_balancers.{name}.azs"),
            &lb.azs,
            &az_region,
            &regions,
        ));
    }
    for (name, azs) in &raw.groups {
        let path = format!("auto_scaling_groups.{name}.azs");
        component_region(ctx, &path, azs, &az_region, &regions);
    }
    let workload_mix = raw
        .workloads
        .iter()
        .map(|(name, w)| geo_mix(ctx, name, w, &geographies, raw.targets))
        .collect();
    let [functions, queues, apis, tables] = raw
        .placed
        .each_ref()
        .map(|(section, entries)| placements(ctx, section, entries, &regions));
    let between = regions
        .iter()
        .flat_map(|a| {
            regions
                .iter()
                .map(|b| default_rtt(distance_km(a.location, b.location)))
        })
        .collect();
    Regions {
        regions,
        geographies,
        az_region,
        lb_region,
        function_region: functions,
        queue_region: queues,
        api_region: apis,
        table_region: tables,
        between,
        workload_mix,
        declared: !raw.regions.is_empty(),
        tables: Vec::new(),
    }
}

/// The regions of a section's entries (`region: NAME`, default the first region, in name
/// order); an unknown name is reported at `SECTION.ENTRY.region`.
fn placements(
    ctx: &mut Ctx,
    section: &str,
    entries: &[(&str, Option<&str>)],
    regions: &[RegionSpec],
) -> Vec<RegionId> {
    entries
        .iter()
        .map(|&(name, region)| {
            let Some(r) = region else {
                return RegionId(0);
            };
            match regions.iter().position(|x| x.name == r) {
                Some(i) => RegionId(i as u8),
                None => {
                    let known: Vec<&str> = regions.iter().map(|x| x.name.as_str()).collect();
                    let hint = super::did_you_mean(r, &known);
                    ctx.err(
                        &format!("{section}.{name}.region"),
                        format!(
                            "no region named `{r}`{hint} (regions: {})",
                            known.join(", ")
                        ),
                    );
                    RegionId(0)
                }
            }
        })
        .collect()
}

fn region_specs(
    ctx: &mut Ctx,
    raw: &BTreeMap<String, RawRegion>,
    az_region: &[RegionId],
) -> Vec<RegionSpec> {
    let azs_of = |r: usize| -> Vec<AzId> {
        (az_region.iter().enumerate())
            .filter(|(_, x)| x.index() == r)
            .map(|(a, _)| AzId(a as u8))
            .collect()
    };
    if raw.is_empty() {
        let location = aws_region_location(DEFAULT_REGION).expect("us-east-1 is known");
        return vec![RegionSpec {
            name: DEFAULT_REGION.to_string(),
            azs: azs_of(0),
            location,
            price_multiplier: 1.0,
        }];
    }
    let mut out = Vec::new();
    for (r, (name, region)) in raw.iter().enumerate() {
        let path = format!("regions.{name}");
        let location = match (region.location, aws_region_location(name)) {
            (Some(p), _) => point(ctx, &format!("{path}.location"), p),
            (None, Some(p)) => p,
            (None, None) => {
                ctx.missing(
                    &format!("{path}.location"),
                    &format!(
                        "required: `{name}` is not an AWS region whose location Stratus knows; \
                         give `{{lat, lon}}`"
                    ),
                );
                GeoPoint { lat: 0.0, lon: 0.0 }
            }
        };
        let price_multiplier = region.price_multiplier.unwrap_or(1.0);
        if !(price_multiplier.is_finite() && price_multiplier > 0.0) {
            ctx.err(
                &format!("{path}.price_multiplier"),
                format!("expected a positive number, got {price_multiplier}"),
            );
        }
        out.push(RegionSpec {
            name: name.clone(),
            azs: azs_of(r),
            location,
            price_multiplier,
        });
    }
    out
}

fn point(ctx: &mut Ctx, path: &str, p: RawPoint) -> GeoPoint {
    if !(-90.0..=90.0).contains(&p.lat) {
        ctx.err(
            &format!("{path}.lat"),
            format!("expected -90 to 90, got {}", p.lat),
        );
    }
    if !(-180.0..=180.0).contains(&p.lon) {
        ctx.err(
            &format!("{path}.lon"),
            format!("expected -180 to 180, got {}", p.lon),
        );
    }
    GeoPoint {
        lat: p.lat,
        lon: p.lon,
    }
}

/// The built-in geographies (in table order; a declared one of the same name merges over
/// it), then the declared ones (in name order), with their round trips to every region.
fn geographies(
    ctx: &mut Ctx,
    raw: &BTreeMap<String, RawGeography>,
    regions: &[RegionSpec],
) -> Vec<Geography> {
    let built_in = BUILT_IN_GEOGRAPHIES.iter().map(|&(name, ..)| name);
    let declared = raw
        .keys()
        .map(String::as_str)
        .filter(|n| !BUILT_IN_GEOGRAPHIES.iter().any(|b| b.0 == *n));
    let names: Vec<&str> = built_in.chain(declared).collect();
    if names.len() > usize::from(u8::MAX) {
        ctx.err(
            "geographies",
            "expected at most 243 geographies besides the built-in ones",
        );
    }
    names
        .into_iter()
        .map(|name| geography(ctx, name, raw.get(name), regions))
        .collect()
}

fn geography(
    ctx: &mut Ctx,
    name: &str,
    raw: Option<&RawGeography>,
    regions: &[RegionSpec],
) -> Geography {
    let path = format!("geographies.{name}");
    let base = BUILT_IN_GEOGRAPHIES.iter().find(|b| b.0 == name);
    let location = match (raw.and_then(|g| g.location), base) {
        (Some(p), _) => point(ctx, &format!("{path}.location"), p),
        (None, Some(b)) => GeoPoint { lat: b.4, lon: b.5 },
        (None, None) => {
            ctx.missing(
                &format!("{path}.location"),
                "required: `{lat, lon}` of the clients",
            );
            GeoPoint { lat: 0.0, lon: 0.0 }
        }
    };
    let code = |ctx: &mut Ctx, key: &str, given: Option<&String>, built: Option<&str>| {
        let value = given.cloned().or(built.map(str::to_string));
        if let Some(v) = &value
            && !(1..=3).contains(&v.len())
        {
            ctx.err(
                &format!("{path}.{key}"),
                format!("expected a short code, got `{v}`"),
            );
        }
        value
    };
    let continent = code(
        ctx,
        "continent",
        raw.and_then(|g| g.continent.as_ref()),
        base.map(|b| b.1),
    );
    let continent = continent.unwrap_or_default();
    if !CONTINENTS.contains(&continent.as_str()) {
        ctx.err(
            &format!("{path}.continent"),
            format!(
                "expected one of Route 53's continent codes ({}), got `{continent}`",
                CONTINENTS.join(", ")
            ),
        );
    }
    let given_country = raw.and_then(|g| g.country.clone());
    let country = given_country
        .or(base.map(|b| b.2.to_string()))
        .unwrap_or_default();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
        ctx.err(
            &format!("{path}.country"),
            format!("expected an ISO 3166-1 alpha-2 code such as `DE`, got `{country}`"),
        );
    }
    let subdivision = code(
        ctx,
        "subdivision",
        raw.and_then(|g| g.subdivision.as_ref()),
        base.and_then(|b| b.3),
    );
    let given = raw.map(|g| &g.latency);
    for (region, rtt) in given.into_iter().flatten() {
        let at = format!("{path}.latency.{region}");
        if !regions.iter().any(|r| r.name == *region) {
            let known: Vec<&str> = regions.iter().map(|r| r.name.as_str()).collect();
            ctx.err(
                &at,
                format!("no region named `{region}` (regions: {})", known.join(", ")),
            );
        }
        if rtt.0 == SimTime::ZERO || rtt.0 > MAX_RTT {
            ctx.err(
                &at,
                format!(
                    "expected a round trip above 0 and at most 2s, got {}",
                    rtt.0
                ),
            );
        }
    }
    let rtt = regions
        .iter()
        .map(|r| match given.and_then(|l| l.get(&r.name)) {
            Some(d) => d.0,
            None => default_rtt(distance_km(location, r.location)),
        })
        .collect();
    Geography {
        name: name.to_string(),
        location,
        continent,
        country,
        subdivision,
        rtt,
    }
}

/// The region of a component whose AZs are `azs`; its AZs must all be in one region.
fn component_region(
    ctx: &mut Ctx,
    path: &str,
    azs: &[String],
    az_region: &[RegionId],
    regions: &[RegionSpec],
) -> RegionId {
    let of = |a: &String| ctx.azs.iter().position(|x| x == a).map(|i| az_region[i]);
    let found: Vec<RegionId> = azs.iter().filter_map(of).collect();
    let first = found.first().copied().unwrap_or(RegionId(0));
    if let Some(other) = found.iter().find(|r| **r != first) {
        ctx.err(
            path,
            format!(
                "AZs of regions `{}` and `{}`: a component's AZs are in one region",
                regions[first.index()].name,
                regions[other.index()].name
            ),
        );
    }
    first
}

/// A workload's geography mix, with cumulative shares.
fn geo_mix(
    ctx: &mut Ctx,
    name: &str,
    w: &RawWorkload,
    geos: &[Geography],
    targets: &[super::targets::Registered],
) -> GeoMix {
    let path = format!("workloads.{name}.geography");
    let given: Vec<(&str, f64)> = match &w.geography {
        None => return GeoMix::default(),
        Some(RawGeoMix::One(g)) => vec![(g.as_str(), 1.0)],
        Some(RawGeoMix::Shares(m)) => m.iter().map(|(k, &v)| (k.as_str(), v)).collect(),
    };
    if given.is_empty() {
        ctx.err(&path, "expected a geography's name or `{NAME: share, ...}`");
        return GeoMix::default();
    }
    // A service's target kind says whether its clients have a geography.
    let with_geography = (targets.iter()).filter_map(|r| Some((r.kind.geography?, r.kind.prefix)));
    let service = super::targets::kind_of(targets, &w.target);
    if !(["alb/", "dns/", "lambda/"]
        .iter()
        .any(|p| w.target.starts_with(p))
        || service.is_some_and(|r| r.kind.geography.is_some()))
    {
        let others: String = with_geography
            .map(|(what, prefix)| format!(" or of {what} (`{prefix}/NAME`)"))
            .collect();
        ctx.err(
            &path,
            format!(
                "a geography applies to clients of a load balancer (`alb/NAME` or `dns/NAME`) \
                 or of a function (`lambda/NAME`){others}, not `{}`",
                w.target
            ),
        );
    }
    let total: f64 = given.iter().map(|g| g.1).sum();
    let mut shares = Vec::new();
    let mut cumulative = 0.0;
    for (g, share) in given {
        let at = match &w.geography {
            Some(RawGeoMix::Shares(_)) => format!("{path}.{g}"),
            _ => path.clone(),
        };
        let Some(i) = geos.iter().position(|x| x.name == g) else {
            let known: Vec<&str> = geos.iter().map(|x| x.name.as_str()).collect();
            let hint = super::did_you_mean(g, &known);
            ctx.err(
                &at,
                format!(
                    "no geography named `{g}`{hint} (built-in or in `geographies`: {})",
                    known.join(", ")
                ),
            );
            continue;
        };
        if !(share.is_finite() && share > 0.0) {
            ctx.err(&at, format!("expected a positive share, got {share}"));
            continue;
        }
        cumulative += share / total;
        shares.push((GeoId(i as u8), cumulative));
    }
    if let Some(last) = shares.last_mut() {
        last.1 = 1.0;
    }
    GeoMix { shares }
}
