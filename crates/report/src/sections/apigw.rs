//! API Gateway APIs: requests, 429s by the limit that refused them, cache hits, integration
//! calls, 504s at the integration timeout, in `summary.json` (`api_gateways.NAME`, only when
//! the scenario has APIs), the table and `explain`.

use super::Section;
use crate::explain::{defaults, defaults_of, rate};
use crate::ids::ApiId;
use crate::model::apigw::{ApiSpec, Integration, Throttle};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use crate::workload::WorkloadSpec;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct ApiGateway;

impl Section for ApiGateway {
    /// `api_gateways.NAME`: after the warm-up, its requests and how each was answered.
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        if r.api_gateways.is_empty() {
            return;
        }
        let apis: Map<String, Value> = r
            .api_gateways
            .iter()
            .map(|a| {
                let t = &a.totals;
                let looked_up = t.cache_hits + t.cache_misses;
                (
                    a.name.clone(),
                    super::with_region(json!({
                        "type": a.kind.name(),
                        "integration": a.integration,
                        "requests": t.requests,
                        "throttled_429": {
                            "total": t.throttled(),
                            "account": t.throttled_account,
                            "method": t.throttled_method,
                            "usage_plan": t.throttled_usage_plan,
                            "quota": t.quota_exceeded,
                        },
                        "cache": a.cache.as_ref().map(|(size, ttl)| json!({
                            "size_gb": size,
                            "ttl_s": ttl,
                            "hits": t.cache_hits,
                            "misses": t.cache_misses,
                            "hit_ratio": if looked_up > 0 { t.cache_hits as f64 / looked_up as f64 } else { 0.0 },
                        })),
                        "integration_calls": t.integration_calls,
                        "integration_errors": t.integration_errors,
                        "timeouts_504": t.timeouts,
                    }), &a.region),
                )
            })
            .collect();
        out.insert("api_gateways".into(), Value::Object(apis));
    }

    fn table(&self, r: &RunResult, out: &mut String) {
        if r.api_gateways.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "\n{:<20} {:>5} {:>10} {:>10} {:>10} {:>10} {:>11} {:>8}",
            "api gateway", "type", "requests", "429", "of quota", "cache hit", "integrated", "504"
        );
        for a in &r.api_gateways {
            let t = &a.totals;
            let _ = writeln!(
                out,
                "{:<20} {:>5} {:>10} {:>10} {:>10} {:>10} {:>11} {:>8}",
                a.name,
                a.kind.name(),
                t.requests,
                t.throttled(),
                t.quota_exceeded,
                t.cache_hits,
                t.integration_calls,
                t.timeouts
            );
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        for a in &s.services.api_gateways.apis {
            let _ = writeln!(out, "- api gateway {}: {}", a.name, describe(s, a));
        }
        if !s.services.api_gateways.apis.is_empty() {
            let _ = writeln!(
                out,
                "- api gateway account (region): {}.",
                throttle(&s.services.api_gateways.account)
            );
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.services.api_gateways.apis.iter().map(|a| a.name.clone()));
    }

    fn diagram(&self, s: &Scenario, w: &WorkloadSpec, out: &mut String) -> bool {
        let Some(i) = w.target.of(crate::model::apigw::TARGET) else {
            return false;
        };
        diagram(out, s, w, ApiId(i as u16));
        true
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let names: Vec<String> = s
            .services
            .api_gateways
            .apis
            .iter()
            .map(|a| a.name.clone())
            .collect();
        defaults(out, &s.document, "api_gateways", &names);
        // The account's defaults (`api_gateway_account`'s `ServiceKey::DEFAULTS`), when the
        // scenario has APIs and leaves the whole key out.
        if !names.is_empty() && s.document.get("api_gateway_account").is_none() {
            let account = "api_gateway_account";
            defaults_of(out, &Value::Null, account, account);
        }
    }
}

/// A workload through an API, in `explain`'s diagram.
fn diagram(out: &mut String, s: &Scenario, w: &WorkloadSpec, api: ApiId) {
    let a = &s.services.api_gateways.apis[api.index()];
    let _ = writeln!(
        out,
        "  [{}] --{}--> (api gateway {}, {}) --> ({})",
        w.name,
        rate(&w.rate),
        a.name,
        a.kind.name(),
        integration(s, a)
    );
}

fn integration(s: &Scenario, a: &ApiSpec) -> String {
    match &a.integration {
        Integration::Lambda(f) => format!("lambda {}", s.lambda_functions[f.index()].name),
        Integration::Http { latency } => {
            format!("http endpoint, mean {:.1} ms", latency.mean_s() * 1e3)
        }
        Integration::Alb(lb) => format!("load balancer {}", s.load_balancers[lb.index()].name),
    }
}

fn throttle(t: &Throttle) -> String {
    format!("{} requests/s, burst {}", t.rate, t.burst)
}

fn describe(s: &Scenario, a: &ApiSpec) -> String {
    let mut parts = vec![
        format!(
            "{} API to {}",
            a.kind.name().to_uppercase(),
            integration(s, a)
        ),
        format!("integration timeout {}, overhead {}", a.timeout, a.overhead),
    ];
    if let Some(t) = &a.stage_throttle {
        parts.push(format!("stage throttle per method {}", throttle(t)));
    }
    for (m, t) in &a.method_throttles {
        parts.push(format!("`{m}` {}", throttle(t)));
    }
    for k in &a.api_keys {
        let plan = &a.usage_plans[k.plan];
        let mut p = format!("key {} (plan {}", k.name, plan.name);
        if let Some(t) = &plan.throttle {
            let _ = write!(p, ", {}", throttle(t));
        }
        if let Some(q) = &plan.quota {
            let _ = write!(p, ", quota {} per {}", q.limit, q.period.name());
        }
        p.push(')');
        parts.push(p);
    }
    if let Some(c) = &a.cache {
        parts.push(format!(
            "cache {} GB, TTL {}, {} keys",
            c.size_gb, c.ttl, c.keys
        ));
    }
    parts.join("; ") + "."
}
