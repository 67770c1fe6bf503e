//! The regions of connected components: a component that sends requests to another in the
//! same request path must be in its region, where AWS requires it or where Stratus does not
//! model the crossing (rules and sources in `docs/models/regions.md`).
//!
//! - A load balancer's Lambda target: "The Lambda function and the target group must be in
//!   the same account and in the same Region" ("Lambda functions as targets",
//!   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html).
//! - An API's Lambda or ALB integration: AWS allows a function of another region; Stratus
//!   does not add the crossing's round trip to an integration's time, so it refuses it (our
//!   choice, until modeled).
//! - A queue's Lambda event source mapping: the function polls a queue of its own region
//!   (our choice: a mapping's pollers are modeled without the crossing).

use super::resolve::Ctx;
use super::top_level::Resolved;
use crate::ids::RegionId;
use crate::model::alb::{LoadBalancerSpec, TargetGroupSpec};
use crate::model::apigw::{ApiSpec, Integration};
use crate::model::lambda::FunctionSpec;
use crate::model::region::Regions;
use crate::model::sqs::{ConsumerSpec, QueueSpec};

/// The resolved components whose regions must agree.
pub(super) struct Connected<'a> {
    pub load_balancers: &'a [LoadBalancerSpec],
    pub target_groups: &'a [TargetGroupSpec],
    pub functions: &'a [FunctionSpec],
    pub queues: &'a [QueueSpec],
}

/// Reports every connection between components of different regions (an API's, which
/// resolves with its key, `check_apis`).
pub(super) fn check(ctx: &mut Ctx, c: &Connected, regions: &Regions) {
    if !regions.declared {
        return;
    }
    let name = |r: RegionId| regions.regions[r.index()].name.as_str();
    let function = |f: crate::ids::FunctionId| {
        let region = regions.of_function(f);
        let fname = c.functions.get(f.index()).map_or("", |s| s.name.as_str());
        (fname, region)
    };
    for (l, lb) in c.load_balancers.iter().enumerate() {
        let Some(&lr) = regions.lb_region.get(l) else {
            continue;
        };
        for tg in lb.actions().flat_map(|a| a.groups()) {
            let Some(spec) = c.target_groups.get(tg.index()) else {
                continue;
            };
            let Some((fname, fr)) = spec.lambda().map(function) else {
                continue;
            };
            if fr != lr {
                ctx.err(
                    &format!("target_groups.{}.lambda", spec.name),
                    format!(
                        "function `{fname}` is in region `{}` and load balancer `{}` in `{}`: a Lambda target is in its load balancer's region",
                        name(fr),
                        lb.name,
                        name(lr)
                    ),
                );
            }
        }
    }
    for (q, queue) in c.queues.iter().enumerate() {
        let qr = regions.queue_region.get(q).copied().unwrap_or(RegionId(0));
        for consumer in &queue.consumers {
            let ConsumerSpec::Lambda(es) = consumer else {
                continue;
            };
            let (fname, fr) = function(es.function);
            if fr != qr {
                ctx.err(
                    &format!("queues.{}.consumers", queue.name),
                    format!(
                        "function `{fname}` is in region `{}` and the queue in `{}`: an event source mapping reads a queue of its function's region",
                        name(fr),
                        name(qr)
                    ),
                );
            }
        }
    }
}

/// Reports every API whose Lambda or ALB integration is in another region than the API (the
/// APIs resolve with their key, `api_gateways`, after the components `done` names).
pub(super) fn check_apis(ctx: &mut Ctx, apis: &[ApiSpec], done: &Resolved) {
    let regions = done.regions;
    if !regions.declared {
        return;
    }
    let name = |r: RegionId| regions.regions[r.index()].name.as_str();
    fn named<T: PartialEq + Copy>(ids: &std::collections::BTreeMap<String, T>, id: T) -> &str {
        ids.iter()
            .find(|(_, i)| **i == id)
            .map_or("", |(n, _)| n.as_str())
    }
    for (a, api) in apis.iter().enumerate() {
        let ar = regions.api_region.get(a).copied().unwrap_or(RegionId(0));
        let (what, other) = match api.integration {
            Integration::Lambda(f) => (
                format!("function `{}`", named(done.functions, f)),
                regions.of_function(f),
            ),
            Integration::Alb(lb) => {
                let lname = named(done.load_balancers, lb);
                let lr = regions.lb_region.get(lb.index()).copied();
                (format!("load balancer `{lname}`"), lr.unwrap_or(ar))
            }
            Integration::Http { .. } => continue,
        };
        if other != ar {
            ctx.err(
                &format!("api_gateways.{}.integration", api.name),
                format!(
                    "{what} is in region `{}` and the API in `{}`: an integration in another region is not modeled (place them in one region)",
                    name(other),
                    name(ar)
                ),
            );
        }
    }
}
