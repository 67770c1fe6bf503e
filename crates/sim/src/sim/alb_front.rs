//! A request that another service sends to a load balancer: CloudFront fetching from an ALB
//! origin, API Gateway calling an ALB integration. The load balancer's listener rules route
//! the class's request line, and the request takes the load balancer's whole path from there
//! (targets, instances, Lambda targets, its own answers); its end comes back through
//! `World::finish_traced`, where the front service takes the answer.
//!
//! The front service already counted the request's arrival and has no client geography of
//! its own to add here, so the path sees the request as counted or not by the front (its
//! warm-up flag) and with no client round trip.

use super::World;
use crate::ids::{LbId, WorkloadId};
use crate::kernel::SimTime;
use crate::model::alb::Action;

impl World {
    /// Request `uid` of workload `w` (class `class`, client `client`, `work` on its target)
    /// enters load balancer `lb`, `counted` as its front service counted it.
    pub(super) fn forward_into_alb(
        &mut self,
        lb: LbId,
        (w, class, client): (WorkloadId, usize, Option<u32>),
        work: SimTime,
        uid: u64,
        counted: bool,
    ) {
        let scenario = self.scenario.clone();
        let c = &scenario.workloads[w.index()].classes[class];
        let spec = &scenario.load_balancers[lb.index()];
        let (rule, evaluations) = spec.route_with_evaluations(&c.request_line());
        let billable = evaluations.saturating_sub(scenario.prices.alb.free_rules_per_request);
        let counting = std::mem::replace(&mut self.counting, counted);
        // `route` counts an arrival; the front service did.
        self.traffic.arrived -= counted as u64;
        self.traffic.rtt_ns = 0;
        match spec.action(rule) {
            Action::Forward { to, stickiness } => {
                let now = self.queue.now();
                let tg = self
                    .alb
                    .forward_to((lb, rule), now, (to, *stickiness), client);
                let to_lambda = scenario.target_groups[tg.index()].lambda().is_some();
                let m = &mut self.alb.lb_meters[lb.index()].current;
                m.new_connections += 1.0;
                let bytes = (c.request_bytes + c.response_bytes) as f64;
                if to_lambda {
                    m.processed_bytes_lambda += bytes;
                } else {
                    m.processed_bytes += bytes;
                }
                m.billable_rule_evaluations += f64::from(billable);
                self.route(lb, tg, (w, class, client), work, uid);
            }
            own => {
                let answer = (own.own_status().unwrap_or(200), own.own_response_bytes());
                self.answer_own((lb, w, uid), answer, c.request_bytes, billable);
            }
        }
        self.counting = counting;
    }
}
