//! A workload's request classes (`workloads.NAME.classes`, or the one class `default` of a
//! workload without them) into `ClassSpec`s: each class's request line (path, host, method,
//! headers, query, source address) routed through its load balancer's listener rules, its
//! CPU work (or none, where the target takes its own time), its message to a queue
//! (`resolve_queue`), its bytes and its billable rule evaluations. It reads the workload as
//! written and what its target resolved to (`Routing`).

use super::raw::{RawClass, RawWorkload};
use super::resolve::Ctx;
use super::resolve_dist::resolve_dist;
use super::resolve_queue::resolve_message;
use super::units::Bytes;
use crate::dist::Dist;
use crate::ids::QueueId;
use crate::kernel::SimTime;
use crate::model::alb::{LoadBalancerSpec, TargetGroupSpec};
use crate::model::rules::RequestLine;
use crate::workload::{ClassSpec, Target};
use std::collections::BTreeMap;

/// Where a workload's requests go: its resolved target (if it resolved), whether that is a
/// service's entry (which takes its own time), the load balancers and target groups that
/// route them, the queues a class may send to, and the listener rules evaluated free.
pub(super) struct Routing<'a> {
    pub target: Option<Target>,
    pub service: bool,
    pub lb_specs: Option<&'a Vec<LoadBalancerSpec>>,
    pub target_groups: &'a [TargetGroupSpec],
    pub queues: &'a BTreeMap<String, QueueId>,
    pub free_rules: u32,
}

/// The workload's classes, and whether every one resolved (`None`: `classes` is empty).
pub(super) fn resolve_classes(
    ctx: &mut Ctx,
    path: &str,
    w: &RawWorkload,
    routing: Routing,
) -> Option<(Vec<ClassSpec>, bool)> {
    let Routing {
        target,
        service,
        lb_specs,
        target_groups,
        queues,
        free_rules,
    } = routing;
    if let (Some(_), Some(classes)) = (&w.work, &w.classes)
        && !classes.is_empty()
        && classes.iter().all(|c| c.work.is_some())
    {
        ctx.err(
            &format!("{path}.work"),
            "ignored: every class has its own `work`; set `classes[i].work` instead (or leave it out)",
        );
    }
    let default_work = w
        .work
        .as_ref()
        .and_then(|d| resolve_dist(ctx, &format!("{path}.work"), d));
    let raw_classes: Vec<RawClass> = match &w.classes {
        Some(c) if !c.is_empty() => c.clone(),
        Some(_) => {
            ctx.err(
                &format!("{path}.classes"),
                "expected at least one class (or leave `classes` out)",
            );
            return None;
        }
        None => vec![RawClass {
            name: "default".into(),
            path: None,
            host: None,
            method: None,
            headers: None,
            query: None,
            source_ip: None,
            weight: None,
            work: None,
            request_bytes: None,
            response_bytes: None,
            nat_bytes: None,
            enqueue: None,
            enqueue_work: None,
            message_bytes: None,
            message_delay: None,
            poison: None,
            calls: None,
        }],
    };
    let total_weight: f64 = raw_classes.iter().map(|c| c.weight.unwrap_or(1.0)).sum();
    if total_weight.is_infinite() {
        ctx.err(
            &format!("{path}.classes"),
            "the class weights add up to more than the largest number; use smaller weights (only their ratios matter)",
        );
    }
    let mut classes = Vec::new();
    for (i, c) in raw_classes.iter().enumerate() {
        let cpath = if w.classes.is_some() {
            format!("{path}.classes[{i}]")
        } else {
            path.to_string()
        };
        if raw_classes[..i].iter().any(|o| o.name == c.name) {
            ctx.err(
                &format!("{cpath}.name"),
                format!("class `{}` is defined twice", c.name),
            );
        }
        let weight = c.weight.unwrap_or(1.0);
        ctx.positive(&format!("{cpath}.weight"), weight, "weight");
        let req_path = c.path.clone().unwrap_or_else(|| "/".into());
        if !req_path.starts_with('/') {
            ctx.err(
                &format!("{cpath}.path"),
                format!("expected a path starting with `/`, got `{req_path}`"),
            );
        }
        let host = c.host.clone().or_else(|| w.host.clone());
        let method = c.method.clone().unwrap_or_else(|| "GET".into());
        let pairs = |m: &Option<BTreeMap<String, String>>| -> Vec<(String, String)> {
            m.iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let (headers, query) = (pairs(&c.headers), pairs(&c.query));
        let source_ip = c.source_ip.as_ref().and_then(|ip| match ip.parse() {
            Ok(ip) => Some(ip),
            Err(_) => {
                ctx.err(
                    &format!("{cpath}.source_ip"),
                    format!("expected an IPv4 or IPv6 address, got `{ip}`"),
                );
                None
            }
        });
        let line = RequestLine {
            host: host.as_deref(),
            path: &req_path,
            method: &method,
            headers: &headers,
            query: &query,
            source_ip,
        };
        let (tg, rule, evaluations) = match (target, lb_specs) {
            (Some(Target::Alb(lb)), Some(specs)) => {
                let spec = &specs[lb.index()];
                let (rule, evaluations) = spec.route_with_evaluations(&line);
                (Some(spec.action(rule).clone()), rule, evaluations)
            }
            _ => (None, 0, 0),
        };
        // A Lambda target group takes its time from the function: no CPU work needed (every
        // target group a weighted action names must be one). A fixed response or a redirect
        // involves no target at all.
        let to_lambda = tg.as_ref().and_then(|a| a.forward()).is_some_and(|f| {
            f.groups().all(|t| {
                target_groups
                    .get(t.index())
                    .is_some_and(|g| g.lambda().is_some())
            })
        });
        let no_target = tg.as_ref().is_some_and(|a| a.forward().is_none());
        let work = match &c.work {
            Some(d) => resolve_dist(ctx, &format!("{cpath}.work"), d),
            // A service target with classes takes its own time: an API's integration
            // (`api_gateways`), a distribution's object-store origin (`cloudfront` checks
            // the ALB's).
            None if to_lambda || no_target || service => Some(Dist::Constant(SimTime::ZERO)),
            None if w.classes.is_some() && default_work.is_none() => {
                ctx.err(
                    &format!("{cpath}.work"),
                    "required: the class's CPU demand (or give the workload a `work`)",
                );
                None
            }
            None if w.classes.is_none() && default_work.is_none() => {
                ctx.err(&format!("{path}.work"), "required: the CPU demand of a request, e.g. `{dist: exponential, mean: 80ms}` (or give `classes` with `work`)");
                None
            }
            None => default_work.clone(),
        };
        let queue = match target {
            Some(Target::Queue(q)) => Some(q),
            _ => None,
        };
        let message = resolve_message(ctx, &cpath, w, c, queue, work.as_ref(), queues);
        if to_lambda && c.enqueue.is_some() {
            ctx.err(
                &format!("{cpath}.enqueue"),
                "applies to requests served by instances; this class goes to a Lambda target group",
            );
        }
        let bytes = |own: Option<Bytes>, shared: Option<Bytes>, default: u64| {
            own.or(shared).map(|b| b.0).unwrap_or(default)
        };
        let via_service = matches!(target, Some(Target::Service(_)));
        let routed = tg.is_some() || (queue.is_some() && message.is_some()) || via_service;
        if let (Some(work), true) = (work, routed) {
            let request_bytes = bytes(c.request_bytes, w.request_bytes, 2_000);
            let response_bytes = bytes(c.response_bytes, w.response_bytes, 20_000);
            classes.push(ClassSpec {
                name: c.name.clone(),
                path: req_path,
                host,
                method,
                headers,
                query,
                source_ip,
                weight,
                work,
                action: tg,
                rule,
                request_bytes,
                response_bytes,
                processed_bytes: request_bytes.wrapping_add(response_bytes) as f64,
                nat_bytes: bytes(c.nat_bytes, w.nat_bytes, 0),
                billable_rule_evaluations: evaluations.saturating_sub(free_rules),
                message,
            });
        }
    }
    let complete = classes.len() == raw_classes.len();
    Some((classes, complete))
}
