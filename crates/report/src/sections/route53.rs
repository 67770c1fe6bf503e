//! Route 53 records: their answers and requests per endpoint (`summary.json` `dns`), and
//! the records in words for `stratus explain`. Their answer changes are in the fault
//! timeline (`faults.csv`, written by the resilience section from the fault log).

use super::Section;
use crate::explain::defaults;
use crate::model::dns::{DnsRecordSpec, Routing};
use crate::scenario::Scenario;
use crate::sim::{DnsResult, RunResult};
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct Route53;

impl Section for Route53 {
    /// `dns.NAME`, for every record.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        out.insert("dns".into(), dns_json(r));
    }

    /// Nothing of its own: the availability line (resilience) covers runs with records.
    fn table(&self, _: &RunResult, _: &mut String) {}

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        for rec in &s.services.dns {
            let _ = writeln!(out, "{}", dns_record(s, rec));
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.services.dns.iter().map(|x| x.name.clone()));
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let names: Vec<String> = s.services.dns.iter().map(|x| x.name.clone()).collect();
        defaults(out, &s.document, "dns", &names);
    }
}

/// A failover record's moves and the requests its secondary took; another policy's answer
/// changes and requests per endpoint.
fn dns_record_json(d: &DnsResult) -> Value {
    if d.routing == "failover" {
        return json!({
            "failovers": d.failovers,
            "failbacks": d.failbacks,
            "requests_to_secondary": d.requests_to_secondary(),
        });
    }
    let requests: Map<String, Value> = d
        .requests
        .iter()
        .map(|(lb, n)| (lb.clone(), json!(n)))
        .collect();
    let mut v = json!({
        "routing": d.routing,
        "answer_changes": d.answer_changes,
        "requests": requests,
    });
    // Only a geolocation record can leave a client without an answer.
    if d.routing == "geolocation" {
        v["no_answer"] = json!(d.no_answer);
    }
    v
}

fn dns_json(r: &RunResult) -> Value {
    let m: Map<String, Value> = r
        .services
        .dns
        .iter()
        .map(|d| (d.name.clone(), dns_record_json(d)))
        .collect();
    Value::Object(m)
}

/// A Route 53 record in words: its policy, endpoints, health checks and TTL.
fn dns_record(s: &Scenario, rec: &DnsRecordSpec) -> String {
    let lb = |i: usize| &s.load_balancers[rec.endpoints[i].lb.index()].name;
    let propagation = if rec.propagation > crate::kernel::SimTime::ZERO {
        format!(", answers propagate in {}", rec.propagation)
    } else {
        String::new()
    };
    let checks = match rec.health_check {
        Some(hc) if rec.routing == Routing::Failover => format!(
            "health check every {} (fails over after {} failures)",
            hc.interval, hc.failure_threshold
        ),
        Some(hc) => format!(
            "each endpoint checked every {} (unhealthy after {} failures)",
            hc.interval, hc.failure_threshold
        ),
        None => "no health checks".to_string(),
    };
    let endpoints = match rec.routing {
        Routing::Failover => {
            return format!(
                "- Route 53 failover record `{}`: primary `{}`, secondary `{}`; {checks}; clients cache answers {}{propagation}.",
                rec.name,
                lb(0),
                lb(1),
                rec.ttl
            );
        }
        Routing::Weighted => {
            let total: u32 = rec.endpoints.iter().map(|e| u32::from(e.weight)).sum();
            (0..rec.endpoints.len())
                .map(|i| {
                    let w = rec.endpoints[i].weight;
                    let share = if total > 0 {
                        format!(" ({:.1}%)", 100.0 * f64::from(w) / f64::from(total))
                    } else {
                        String::new()
                    };
                    format!("`{}` weight {w}{share}", lb(i))
                })
                .collect::<Vec<_>>()
                .join(", ")
        }
        Routing::Simple | Routing::Multivalue => (0..rec.endpoints.len())
            .map(|i| format!("`{}`", lb(i)))
            .collect::<Vec<_>>()
            .join(", "),
        Routing::Latency | Routing::Geolocation | Routing::Geoproximity => {
            crate::explain::regions::geo_endpoints(s, rec)
        }
    };
    let how = match rec.routing {
        Routing::Multivalue => "up to 8 healthy endpoints at random, clients use the first",
        Routing::Simple => "every endpoint in random order, clients use the first",
        Routing::Latency => "the healthy endpoint of lowest round trip from the client's geography",
        Routing::Geolocation => {
            "the healthy endpoint of the most specific location matching the client's \
             (subdivision, country, continent, `*`), none when nothing matches"
        }
        Routing::Geoproximity => {
            "the healthy endpoint nearest the client by biased distance (d (1 - b/100), or \
             d / (1 + b/100) for a negative bias)"
        }
        _ => "each endpoint by its share of the weights",
    };
    format!(
        "- Route 53 {} record `{}`: {endpoints}; answers {how}; {checks}; clients cache answers {}{propagation}.",
        rec.routing.name(),
        rec.name,
        rec.ttl
    )
}
