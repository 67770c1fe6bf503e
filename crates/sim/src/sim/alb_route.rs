//! The ALB's routing decision for one request: the node the client reaches, then the target
//! the node picks with its target group's algorithm and slow start.
//!
//! It is a method of [`Alb`] on what it needs: the load balancer's and target group's specs,
//! the clock, and what the client's resolver sees of the zones ([`Zones`], the faults' state
//! passed as values with the stream of the stale-DNS draws). It returns a [`Route`] for the
//! world to carry out on the requests, the instances and the faults (`handlers::route`).

use super::state::Alb;
use crate::ids::{InstanceId, LbId, TgId};
use crate::kernel::{Rng, RngExt, SimTime};
use crate::model::alb::{LoadBalancerSpec, TargetGroupSpec};

/// What the load balancer does with a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Route {
    /// Node `node` (an index into the load balancer's AZs) forwards it to `target`.
    Routed { node: usize, target: InstanceId },
    /// The load balancer answers 503 at once, for this reason.
    Reject(&'static str),
    /// The client reached a node in a stopped AZ (a stale DNS answer).
    Unreachable,
}

/// What a client's resolver sees of the zones: which are stopped and since when, and per
/// load balancer its DNS TTL and the stream deciding stale answers (`faults`' state, lent).
pub(super) struct Zones<'a> {
    pub down: &'a [bool],
    pub down_since: &'a [SimTime],
    pub dns_ttls: &'a [SimTime],
    pub rngs: &'a mut [Rng],
}

impl Zones<'_> {
    /// Whether a client of `lb` whose request goes to a Lambda target group reaches a live
    /// node, while some AZ of the load balancer is stopped: the node is DNS round robin's
    /// pick among the load balancer's AZs (a Lambda target group has no targets per AZ to
    /// pick by), then as for any request (`live_node`: a stale answer reaches the stopped
    /// node, the others a live one). Drawn from the load balancer's stale-DNS stream.
    #[cold]
    pub(super) fn lambda_client_reaches_node(
        &mut self,
        (lb, spec): (LbId, &LoadBalancerSpec),
        now: SimTime,
    ) -> bool {
        let n = spec.azs.len() as u64;
        let node = self.rngs[lb.index()].uniform_u64(0, n) as usize;
        self.live_node((lb, spec), node, now).is_some()
    }

    /// The load balancer node a client of `lb` reaches, given the one DNS round robin
    /// picked: a node in a stopped AZ is still reached by clients whose cached answer has
    /// not expired (a fraction falling linearly to zero over the TTL); the others pick a live
    /// node. `None`: the client reached a stopped node.
    #[inline]
    fn live_node(
        &mut self,
        (lb, spec): (LbId, &LoadBalancerSpec),
        node: usize,
        now: SimTime,
    ) -> Option<usize> {
        if !self.down[spec.azs[node].index()] {
            return Some(node);
        }
        self.stale_or_live_node(lb, spec, node, now)
    }

    /// `live_node` when the node DNS picked is in a stopped AZ.
    #[cold]
    fn stale_or_live_node(
        &mut self,
        lb: LbId,
        spec: &LoadBalancerSpec,
        node: usize,
        now: SimTime,
    ) -> Option<usize> {
        let az = spec.azs[node];
        let ttl = self.dns_ttls[lb.index()];
        let since = now - self.down_since[az.index()];
        let stale = if ttl == SimTime::ZERO {
            0.0
        } else {
            1.0 - since.as_secs_f64() / ttl.as_secs_f64()
        };
        let rng = &mut self.rngs[lb.index()];
        if rng.chance(stale) {
            return None;
        }
        let live = spec.azs.iter().filter(|a| !self.down[a.index()]).count() as u64;
        if live == 0 {
            return None;
        }
        let mut k = rng.uniform_u64(0, live);
        for (n, a) in spec.azs.iter().enumerate() {
            if !self.down[a.index()] {
                if k == 0 {
                    return Some(n);
                }
                k -= 1;
            }
        }
        None
    }
}

impl Alb {
    /// Routes a request of `lb` (spec `spec`) forwarded to target group `tg` (spec
    /// `tg_spec`, not a Lambda one) at `now`: picks a node, then a target. With target
    /// stickiness, a client (`sticky`: its number and the instances' launch numbers by slot)
    /// stays on the target it was sent to while that target is healthy (and, without
    /// cross-zone load balancing, in the node's AZ).
    #[inline]
    pub(super) fn route(
        &mut self,
        (lb, spec): (LbId, &LoadBalancerSpec),
        (tg, tg_spec): (TgId, &TargetGroupSpec),
        now: SimTime,
        mut zones: Zones,
        sticky: (Option<u32>, impl Fn(InstanceId) -> u64),
    ) -> Route {
        let targets = &self.target_groups[tg.index()];
        let balancer = &mut self.load_balancers[lb.index()];
        let Some(node) = balancer.pick_node(spec, targets) else {
            return Route::Reject("no target in any AZ");
        };
        let Some(node) = zones.live_node((lb, spec), node, now) else {
            return Route::Unreachable;
        };
        let az = (!spec.cross_zone).then(|| spec.azs[node]);
        let candidates = targets.routable(az);
        if candidates.is_empty() {
            return Route::Reject("no registered target");
        }
        let (client, serial) = sticky;
        let sticky = tg_spec.stickiness.zip(client).and_then(|(d, c)| {
            let table = self.actions.sticky_targets[tg.index()].as_mut()?;
            Some((d, c, table))
        });
        if let Some((_, c, table)) = &sticky
            && let Some((id, launch)) = table.get(*c, now)
            && targets.is_healthy_in(id, az)
            && serial(id) == launch
        {
            return Route::Routed { node, target: id };
        }
        let algorithm = tg_spec.algorithm;
        let mut chosen = balancer.choose(algorithm, node, tg, targets, az);
        let window = tg_spec.slow_start;
        if window > SimTime::ZERO {
            // Slow start: a ramping target keeps the request with probability equal to its
            // share; otherwise the algorithm picks again (round robin moves to the next one).
            for _ in 1..candidates.len() {
                let share = targets.slow_start_share(chosen, now, window);
                if share >= 1.0 || balancer.rng.chance(share) {
                    break;
                }
                chosen = balancer.choose(algorithm, node, tg, targets, az);
            }
        }
        if let Some((duration, c, table)) = sticky {
            table.set(c, chosen, serial(chosen), now + duration);
        }
        Route::Routed {
            node,
            target: chosen,
        }
    }
}
