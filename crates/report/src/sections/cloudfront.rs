//! CloudFront distributions: requests, edge and shield hits, the hit ratio, origin fetches,
//! failovers, errors and bytes out (`summary.json` `cloudfront.NAME`, present when the
//! scenario has distributions), a table line per distribution, and the distributions in
//! words (with a diagram line per workload) for `stratus explain`.

use super::Section;
use crate::explain::{defaults, rate};
use crate::model::cloudfront::{Caching, DistributionId, DistributionSpec, Origin, Popularity};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::workload::WorkloadSpec;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct CloudFront;

impl Section for CloudFront {
    /// `cloudfront.NAME`: after the warm-up.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let dists = &r.services.cloudfront;
        if dists.is_empty() {
            return;
        }
        let m: Map<String, Value> = dists
            .iter()
            .map(|d| {
                let t = &d.totals;
                (
                    d.name.clone(),
                    json!({
                        "origin": d.origin,
                        "secondary_origin": d.secondary,
                        "origin_shield": d.shield,
                        "requests": t.requests,
                        "hits": t.edge_hits + t.shield_hits,
                        "edge_hits": t.edge_hits,
                        "shield_requests": t.shield_requests,
                        "shield_hits": t.shield_hits,
                        "hit_ratio": t.hit_ratio(),
                        "origin_fetches": t.origin_fetches,
                        "failovers": t.failovers,
                        "origin_errors": t.origin_errors,
                        "bytes_out": t.bytes_out,
                        "bytes_to_origin": t.bytes_to_origin,
                        "cost_usd": d.cost_usd,
                    }),
                )
            })
            .collect();
        out.insert("cloudfront".into(), Value::Object(m));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        let dists = &r.services.cloudfront;
        if dists.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "cloudfront", "requests", "hit ratio", "shield hit", "origin", "failovers", "GB out"
        );
        for d in dists {
            let t = &d.totals;
            let _ = writeln!(
                out,
                "{:<20} {:>10} {:>10.4} {:>10} {:>10} {:>10} {:>10.3}",
                d.name,
                t.requests,
                t.hit_ratio(),
                t.shield_hits,
                t.origin_fetches,
                t.failovers,
                t.bytes_out as f64 / 1e9
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        for d in &s.services.cloudfront {
            let origin = match &d.secondary {
                None => origin(s, &d.primary),
                Some(sec) => format!(
                    "origin group: {} then {} on {}",
                    origin(s, &d.primary),
                    origin(s, sec),
                    d.failover_codes
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let shield = d.shield.map_or(String::new(), |r| {
                format!("; Origin Shield in {}", s.regions.regions[r.index()].name)
            });
            let _ = writeln!(
                out,
                "- CloudFront distribution `{}`: {origin}{shield}; edge caches per client geography.",
                d.name
            );
            for b in &d.behaviors {
                let path = b.pattern.as_ref().map_or("* (default)", |p| p.as_str());
                let _ = writeln!(out, "    {path}: {}", caching(&b.caching));
            }
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.services.cloudfront.iter().map(|d| d.name.clone()));
    }

    fn diagram(&self, s: &Scenario, w: &WorkloadSpec, out: &mut String) -> bool {
        let Some(i) = w.target.of(crate::model::cloudfront::TARGET) else {
            return false;
        };
        diagram(out, s, w, DistributionId(i as u16));
        true
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let names: Vec<String> = s
            .services
            .cloudfront
            .iter()
            .map(|d| d.name.clone())
            .collect();
        defaults(out, &s.document, "cloudfront", &names);
    }
}

fn origin(s: &Scenario, o: &Origin) -> String {
    match o {
        Origin::Alb(lb) => format!("alb {}", s.load_balancers[lb.index()].name),
        Origin::ObjectStore {
            region,
            latency,
            error_rate,
        } => format!(
            "object store in {} (mean {:.1} ms, {:.1}% errors)",
            s.regions.regions[region.index()].name,
            latency.mean_s() * 1e3,
            error_rate * 100.0
        ),
        Origin::Api(api) => format!(
            "API {} (its throttles, stage cache and integration)",
            s.services.api_gateways.apis[api.index()].name
        ),
    }
}

fn caching(c: &Caching) -> String {
    match c {
        Caching::Off => "not cached: every request goes to the origin".to_string(),
        Caching::HitRatio(x) => format!("hit ratio {x} (typed)"),
        Caching::Ttl {
            ttl,
            objects,
            popularity,
        } => {
            let law = match popularity {
                Popularity::Uniform => "uniform".to_string(),
                Popularity::Zipf(s) => format!("Zipf s={s}"),
            };
            format!(
                "TTL {} s over {objects} objects ({law}); GET and HEAD are cached",
                ttl.as_secs_f64()
            )
        }
    }
}

/// A workload's line in `explain`'s diagram.
fn diagram(out: &mut String, s: &Scenario, w: &WorkloadSpec, d: DistributionId) {
    let spec: &DistributionSpec = &s.services.cloudfront[d.index()];
    let _ = writeln!(
        out,
        "  [{}] --{}--> (cloudfront {}) --miss--> ({})",
        w.name,
        rate(&w.rate),
        spec.name,
        origin(s, &spec.primary)
    );
}
