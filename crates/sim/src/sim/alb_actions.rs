//! The ALB's actions besides plain forwarding, in the world: target-group stickiness of a
//! forward action, target stickiness of a target group, and the load balancer's own answers
//! (fixed responses and redirects), with their counts per load balancer and status.
//!
//! The rules (AWS's, and where AWS is silent, ours) are in `model::alb::actions`.

use super::World;
use super::state::Alb;
use crate::ids::{LbId, TgId, WorkloadId};
use crate::kernel::SimTime;
use crate::metrics::Outcome;
use crate::model::alb::{Action, Forward, StickyGroups, StickyTargets};
use crate::scenario::Scenario;
use crate::trace::{Field, Kind};

/// Stickiness tables and the load balancers' own answers.
pub struct AlbActions {
    /// Per load balancer, per rule (the default last): the target group each client is
    /// stuck to, for sticky forward actions.
    sticky_groups: Vec<Vec<Option<StickyGroups>>>,
    /// Per target group with stickiness: the target each client is stuck to.
    pub sticky_targets: Vec<Option<StickyTargets>>,
    /// Per load balancer: each status its fixed-response and redirect actions answer (in
    /// rule order), with the answers given after the warm-up.
    pub own_answers: Vec<Vec<(u16, u64)>>,
}

impl AlbActions {
    pub fn new(s: &Scenario) -> AlbActions {
        AlbActions {
            sticky_groups: (s.load_balancers.iter())
                .map(|lb| {
                    lb.actions()
                        .map(|a| match a {
                            Action::Forward {
                                stickiness: Some(_),
                                ..
                            } => Some(StickyGroups::default()),
                            _ => None,
                        })
                        .collect()
                })
                .collect(),
            sticky_targets: (s.target_groups.iter())
                .map(|tg| tg.stickiness.map(|_| StickyTargets::default()))
                .collect(),
            own_answers: (s.load_balancers.iter())
                .map(|lb| {
                    let mut statuses: Vec<(u16, u64)> = Vec::new();
                    for status in lb.actions().filter_map(Action::own_status) {
                        if statuses.iter().all(|&(s, _)| s != status) {
                            statuses.push((status, 0));
                        }
                    }
                    statuses
                })
                .collect(),
        }
    }

    /// Whether any load balancer answers some requests itself (`summary.json` then has a
    /// `load_balancers` section).
    pub fn any_own_answers(&self) -> bool {
        self.own_answers.iter().any(|a| !a.is_empty())
    }
}

impl Alb {
    /// The target group a forward action of `lb`'s rule `rule` sends a request of `client`
    /// to at `now`: with target-group stickiness, the client's while it lasts; otherwise (and
    /// for a new client) a draw from the load balancer's `alb/NAME/forward` stream.
    #[inline(always)]
    pub(super) fn forward_to(
        &mut self,
        (lb, rule): (LbId, u32),
        now: SimTime,
        (to, stickiness): (&Forward, Option<SimTime>),
        client: Option<u32>,
    ) -> TgId {
        let rng = &mut self.forward_rngs[lb.index()];
        if let (Some(duration), Some(c)) = (stickiness, client)
            && let Some(table) = self.actions.sticky_groups[lb.index()][rule as usize].as_mut()
        {
            return table.pick(c, now, duration, || to.pick(rng));
        }
        to.pick(rng)
    }
}

impl World {
    /// The load balancer answers a request itself with `status` (a fixed response or a
    /// redirect): no target, the load balancer's latency alone (zero here), its LCUs billed
    /// (a new connection, the request's bytes and the answer's body, the rule evaluations).
    pub(super) fn answer_own(
        &mut self,
        (lb, w, id): (LbId, WorkloadId, u64),
        action: (u16, u64),
        request_bytes: u64,
        rule_evaluations: u32,
    ) {
        let (status, body_bytes) = action;
        let counted = self.counting;
        self.traffic.arrived += counted as u64;
        let m = &mut self.alb.lb_meters[lb.index()].current;
        m.new_connections += 1.0;
        m.processed_bytes += (request_bytes + body_bytes) as f64;
        m.billable_rule_evaluations += f64::from(rule_evaluations);
        if counted
            && let Some(entry) =
                (self.alb.actions.own_answers[lb.index()].iter_mut()).find(|(s, _)| *s == status)
        {
            entry.1 += 1;
        }
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.load_balancers[lb.index()].name;
            let kind = if status / 100 == 3 {
                "redirect"
            } else {
                "fixed_response"
            };
            t.emit(
                self.queue.now(),
                Kind::RequestAnswered,
                name,
                Some(id),
                &[
                    ("status", Field::Int(u64::from(status))),
                    ("action", Field::Str(kind)),
                ],
            );
        }
        self.finish_traced(w, id, counted, Outcome::LoadBalancer(status), 0);
    }
}
