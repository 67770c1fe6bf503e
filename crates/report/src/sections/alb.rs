//! Load balancers and target groups: the requests each target group received, components
//! and defaults in `explain` (the rest of their traffic is in the requests' figures; their
//! bill in the cost section).

use super::Section;
use crate::explain::{algorithm, defaults, lambda_target_group};
use crate::scenario::Scenario;
use crate::sim::RunResult;
use serde_json::{Map, Value, json};
use std::fmt::Write;

pub struct Alb;

impl Section for Alb {
    /// `target_groups.NAME.requests`: the requests forwarded to each after the warm-up (the
    /// shares weighted forward actions give).
    fn summary(&self, r: &RunResult, out: &mut Map<String, Value>) {
        let groups: Map<String, Value> = (r.target_groups.iter())
            .map(|(name, n)| (name.clone(), json!({ "requests": n })))
            .collect();
        out.insert("target_groups".into(), Value::Object(groups));
        // `load_balancers.NAME.answers.STATUS`: the answers each load balancer gave itself
        // (fixed responses, redirects), when some load balancer has such actions.
        if !r.load_balancer_answers.is_empty() {
            let lbs: Map<String, Value> = (r.load_balancer_answers.iter())
                .map(|(name, answers)| {
                    let by_status: Map<String, Value> = (answers.iter())
                        .map(|(status, n)| (status.to_string(), json!(n)))
                        .collect();
                    (name.clone(), json!({ "answers": by_status }))
                })
                .collect();
            out.insert("load_balancers".into(), Value::Object(lbs));
        }
    }

    /// The load balancers' own answers, when some load balancer gives them.
    fn table(&self, r: &RunResult, out: &mut String) {
        for (name, answers) in &r.load_balancer_answers {
            let list: Vec<String> = (answers.iter())
                .map(|(status, n)| format!("{status} {n}"))
                .collect();
            if !list.is_empty() {
                let _ = writeln!(
                    out,
                    "load balancer {name} answered itself: {}",
                    list.join("  ")
                );
            }
        }
    }

    fn files(&self, _: &RunResult, _: &mut Vec<(&'static str, String)>) {}

    fn components(&self, s: &Scenario, out: &mut String) {
        for lb in &s.load_balancers {
            let azs: Vec<&str> = lb.azs.iter().map(|a| s.az_name(*a)).collect();
            let _ = writeln!(
                out,
                "- load balancer `{}`: one node per AZ in [{}], cross-zone {}, idle timeout {}.",
                lb.name,
                azs.join(", "),
                if lb.cross_zone {
                    "on"
                } else {
                    "off (each node routes only to its own AZ)"
                },
                lb.idle_timeout
            );
            own_actions(out, lb);
        }
        for tg in &s.target_groups {
            let Some(g) = tg.group() else {
                lambda_target_group(out, s, tg);
                continue;
            };
            let sticky = tg
                .stickiness
                .map(|d| format!(", sticky sessions (a client keeps its target) for {d}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "- target group `{}`: instances of group `{}`, {} routing, deregistration delay {}{sticky}.",
                tg.name,
                s.groups[g.index()].name,
                algorithm(tg.algorithm),
                tg.deregistration_delay
            );
        }
    }

    fn names(&self, s: &Scenario, out: &mut Vec<String>) {
        out.extend(s.load_balancers.iter().map(|x| x.name.clone()));
        out.extend(s.target_groups.iter().map(|x| x.name.clone()));
    }

    fn defaults(&self, s: &Scenario, out: &mut String) {
        let lbs: Vec<String> = s.load_balancers.iter().map(|x| x.name.clone()).collect();
        defaults(out, &s.document, "load_balancers", &lbs);
        let tgs: Vec<String> = s.target_groups.iter().map(|x| x.name.clone()).collect();
        defaults(out, &s.document, "target_groups", &tgs);
    }
}

/// A load balancer's rules whose action is more than a plain forward: fixed responses,
/// redirects and target-group stickiness (nothing for the others).
fn own_actions(out: &mut String, lb: &crate::model::alb::LoadBalancerSpec) {
    use crate::model::alb::Action;
    let n = lb.rules.len();
    for (i, action) in lb.actions().enumerate() {
        let rule = if i == n {
            "default rule".to_string()
        } else {
            format!("rule {i}")
        };
        let what = match action {
            Action::Forward {
                stickiness: Some(d),
                ..
            } => format!("forwards with target-group stickiness for {d}"),
            Action::Forward { .. } => continue,
            Action::FixedResponse(f) => format!(
                "answers {} itself ({}, {} bytes)",
                f.status,
                f.content_type.as_deref().unwrap_or("no content type"),
                f.body_bytes
            ),
            Action::Redirect(r) => format!(
                "redirects with {} to {}://{}:{}{}{}",
                r.status,
                r.protocol.as_deref().unwrap_or("#{protocol}"),
                r.host.as_deref().unwrap_or("#{host}"),
                r.port.map_or("#{port}".to_string(), |p| p.to_string()),
                r.path.as_deref().unwrap_or("/#{path}"),
                r.query
                    .as_deref()
                    .map_or("?#{query}".to_string(), |q| format!("?{q}"))
            ),
        };
        let _ = writeln!(out, "    {rule} {what}.");
    }
}
