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
        let price = if region.price_multiplier == 1.0 {
            "us-east-1 prices".to_string()
        } else {
            format!("us-east-1 prices x {}", region.price_multiplier)
        };
        let _ = writeln!(
            out,
            "- region `{}` at ({:.2}, {:.2}): AZs {}; {price}.",
            region.name,
            region.location.lat,
            region.location.lon,
            azs.join(", ")
        );
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
