//! `explain` for regions and client geographies: the regions with their AZs and prices, the
//! workloads' geographies with their round trip to each region, and the endpoints of the
//! geographic Route 53 records.

use crate::model::dns::{DnsRecordSpec, Routing};
use crate::scenario::Scenario;
use std::fmt::Write;

/// The regions and the clients' geographies, when the scenario declares regions or gives a
/// workload a geography (nothing otherwise).
pub(super) fn regions(out: &mut String, s: &Scenario) {
    let r = &s.regions;
    let mixed = r.workload_mix.iter().any(|m| !m.shares.is_empty());
    if !r.declared && !mixed {
        return;
    }
    let _ = writeln!(out, "\nRegions and clients");
    for region in &r.regions {
        let azs: Vec<&str> = region.azs.iter().map(|a| s.az_name(*a)).collect();
        let own = (r.tables.get(region_index(r, &region.name)))
            .filter(|t| t.region == region.name && t.region != s.prices.region);
        let price = match own {
            Some(t) => format!("its own price table ({}, taken {})", t.region, t.taken),
            None if region.price_multiplier == 1.0 => format!("{} prices", s.prices.region),
            None => format!("{} prices x {}", s.prices.region, region.price_multiplier),
        };
        let _ = writeln!(
            out,
            "- region `{}` at ({:.2}, {:.2}): AZs {}; {price}.",
            region.name,
            region.location.lat,
            region.location.lon,
            azs.join(", ")
        );
        regional_services(out, s, region_index(r, &region.name));
    }
    for (w, mix) in s.workloads.iter().zip(&r.workload_mix) {
        let mut previous = 0.0;
        for &(g, cumulative) in &mix.shares {
            let geo = &r.geographies[g.index()];
            let rtts: Vec<String> = (r.regions.iter().zip(&geo.rtt))
                .map(|(region, rtt)| format!("{} {rtt}", region.name))
                .collect();
            let _ = writeln!(
                out,
                "- workload `{}`: {:.0}% of clients in `{}` ({}, {}{}), round trip {}.",
                w.name,
                100.0 * (cumulative - previous),
                geo.name,
                geo.continent,
                geo.country,
                geo.subdivision
                    .as_deref()
                    .map(|d| format!("-{d}"))
                    .unwrap_or_default(),
                rtts.join(", ")
            );
            previous = cumulative;
        }
    }
}

fn region_index(r: &crate::model::region::Regions, name: &str) -> usize {
    r.regions.iter().position(|x| x.name == name).unwrap_or(0)
}

/// The functions, APIs, queues and tables placed in region `k`, and its per-region quotas.
fn regional_services(out: &mut String, s: &Scenario, k: usize) {
    let r = &s.regions;
    let named = |names: Vec<&str>, of: &[crate::ids::RegionId]| -> Vec<String> {
        (names.into_iter().zip(of))
            .filter(|(_, x)| x.index() == k)
            .map(|(n, _)| format!("`{n}`"))
            .collect()
    };
    let functions = named(
        s.lambda_functions.iter().map(|f| f.name.as_str()).collect(),
        &r.function_region,
    );
    let apis = named(
        (s.services.api_gateways.apis.iter())
            .map(|a| a.name.as_str())
            .collect(),
        &r.api_region,
    );
    let queues = named(
        s.queues.iter().map(|q| q.name.as_str()).collect(),
        &r.queue_region,
    );
    let tables = named(
        (s.services.dynamodb_tables.iter())
            .map(|t| t.name.as_str())
            .collect(),
        &r.table_region,
    );
    let mut parts = Vec::new();
    if !functions.is_empty() {
        parts.push(format!(
            "Lambda functions {} (the account's {} concurrent executions are this region's)",
            functions.join(", "),
            s.account.concurrency
        ));
    }
    if !apis.is_empty() {
        let a = &s.services.api_gateways.account;
        parts.push(format!(
            "APIs {} (sharing this region's account throttle, {}/s with a burst of {})",
            apis.join(", "),
            a.rate,
            a.burst
        ));
    }
    if !queues.is_empty() {
        parts.push(format!("queues {}", queues.join(", ")));
    }
    if !tables.is_empty() {
        parts.push(format!("DynamoDB tables {}", tables.join(", ")));
    }
    if !parts.is_empty() {
        let _ = writeln!(out, "  In it: {}.", parts.join("; "));
    }
}

/// A geographic record's endpoints: each load balancer with its region, location or bias.
pub(crate) fn geo_endpoints(s: &Scenario, rec: &DnsRecordSpec) -> String {
    (rec.endpoints.iter().enumerate())
        .map(|(i, e)| {
            let lb = &s.load_balancers[e.lb.index()].name;
            let place = rec.places.get(i).map_or("", String::as_str);
            match rec.routing {
                Routing::Geoproximity if e.bias != 0 => {
                    format!("`{lb}` in {place} (bias {:+})", e.bias)
                }
                Routing::Geolocation => format!("`{lb}` for {place}"),
                _ => format!("`{lb}` in {place}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}
