//! Application Load Balancer: listener rules, target groups and the routing algorithms.
//!
//! An ALB has one node per AZ; a client reaches a node chosen at random (DNS round robin) and
//! each node routes on its own: its round-robin cursor is its own, so global round robin is only
//! approximately even, as on AWS. With cross-zone load balancing off, a node routes only to
//! targets in its own AZ, and a node whose AZ has no targets is left out of DNS.

mod actions;
mod candidates;
#[cfg(test)]
mod least_outstanding_tests;
mod load_buckets;
#[cfg(test)]
mod tests;

use super::health::{Health, HealthCheckSpec, TargetHealth};
use super::rules::{Cidr, HeaderCondition, Pattern, QueryCondition, RequestLine};
use crate::ids::{AzId, FunctionId, GroupId, InstanceId, TgId};
use crate::kernel::{Rng, RngExt, SimTime};
pub use actions::{
    Action, FIXED_RESPONSE_CONTENT_TYPES, FixedResponse, MAX_FIXED_RESPONSE_BODY,
    MAX_REDIRECT_COMPONENT, MAX_STICKINESS, MIN_STICKINESS, Redirect, StatusClass, StickyGroups,
    StickyTargets,
};
use candidates::{TargetList, TargetSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    RoundRobin,
    LeastOutstandingRequests,
    Random,
}

impl Algorithm {
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "round_robin",
            Algorithm::LeastOutstandingRequests => "least_outstanding_requests",
            Algorithm::Random => "random",
        }
    }
}

/// A listener rule: every given condition must match; the first matching rule wins.
#[derive(Clone, Debug, Default)]
pub struct Rule {
    pub host: Option<Pattern>,
    pub path: Option<Pattern>,
    /// Methods, any of which matches (exact, case-sensitive).
    pub methods: Vec<String>,
    /// Every header condition must match.
    pub headers: Vec<HeaderCondition>,
    /// Query-string pairs, any of which matches.
    pub query: Vec<QueryCondition>,
    /// Source IP blocks, any of which matches.
    pub source_ips: Vec<Cidr>,
    pub action: Action,
}

/// A rule's forward action: one target group, or several with weights (weighted target
/// groups, for blue/green and canary releases).
///
/// AWS (Application Load Balancer listeners, "Forward actions"): up to 5 target groups, each
/// with a weight from 0 to 999; a request goes to a target group with probability weight /
/// sum of the weights, whatever the health of its targets (each group then routes as
/// usual, failing open or answering 503). A weight of 0 receives nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Forward {
    One(TgId),
    /// `(target group, weight)`, the weights summing to more than 0.
    Weighted(Vec<(TgId, u16)>),
}

/// The target groups a weighted forward action may name (AWS's quota).
pub const MAX_WEIGHTED_TARGET_GROUPS: usize = 5;
/// The largest weight of a target group in a forward action.
pub const MAX_TARGET_GROUP_WEIGHT: u16 = 999;

impl Forward {
    /// Every target group named, in order.
    pub fn groups(&self) -> impl Iterator<Item = TgId> + '_ {
        let (one, weighted) = match self {
            Forward::One(tg) => (Some(*tg), &[][..]),
            Forward::Weighted(w) => (None, &w[..]),
        };
        one.into_iter().chain(weighted.iter().map(|&(tg, _)| tg))
    }

    /// The target group a request goes to; a weighted action draws from `rng` (one draw),
    /// a single target group draws nothing. In line (once a request, in `sim`'s routing):
    /// the single target group is a read, the weighted draw a call.
    #[inline]
    pub fn pick(&self, rng: &mut Rng) -> TgId {
        match self {
            Forward::One(tg) => *tg,
            Forward::Weighted(w) => Self::pick_weighted(w, rng),
        }
    }

    fn pick_weighted(w: &[(TgId, u16)], rng: &mut Rng) -> TgId {
        let total: u32 = w.iter().map(|&(_, x)| u32::from(x)).sum();
        let target = rng.open01() * f64::from(total);
        let mut cumulative = 0u32;
        for &(tg, x) in w {
            cumulative += u32::from(x);
            if target < f64::from(cumulative) {
                return tg;
            }
        }
        w.iter()
            .rev()
            .find(|&&(_, x)| x > 0)
            .map_or(w[0].0, |e| e.0)
    }
}

impl Rule {
    pub fn matches(&self, r: &RequestLine) -> bool {
        let host_ok = match (&self.host, r.host) {
            (None, _) => true,
            (Some(p), Some(h)) => p.matches(h),
            (Some(_), None) => false,
        };
        host_ok
            && self.path.as_ref().is_none_or(|p| p.matches(r.path))
            && (self.methods.is_empty() || self.methods.iter().any(|m| m == r.method))
            && self.headers.iter().all(|h| h.matches(r.headers))
            && (self.query.is_empty() || self.query.iter().any(|q| q.matches(r.query)))
            && (self.source_ips.is_empty()
                || r.source_ip
                    .is_some_and(|ip| self.source_ips.iter().any(|c| c.contains(ip))))
    }
}

#[derive(Clone, Debug)]
pub struct LoadBalancerSpec {
    pub name: String,
    pub azs: Vec<AzId>,
    pub cross_zone: bool,
    /// A client whose target has not answered within this time gets a 504 at that moment.
    pub idle_timeout: SimTime,
    pub rules: Vec<Rule>,
    /// The default action (the rule evaluated last; every listener has one).
    pub default: Action,
}

impl LoadBalancerSpec {
    /// The action for a request.
    pub fn route(&self, request: &RequestLine) -> &Action {
        self.action(self.route_with_evaluations(request).0)
    }

    /// The rule that takes a request (its position; `rules.len()` for the default rule), and
    /// how many rules were evaluated to find it.
    pub fn route_with_evaluations(&self, request: &RequestLine) -> (u32, u32) {
        let n = self.rules.len() as u32;
        match self.rules.iter().position(|r| r.matches(request)) {
            Some(i) => (i as u32, i as u32 + 1),
            None => (n, n + 1),
        }
    }

    /// The action of rule `rule` (`rules.len()`: the default).
    pub fn action(&self, rule: u32) -> &Action {
        self.rules
            .get(rule as usize)
            .map_or(&self.default, |r| &r.action)
    }

    /// Every action, the default last.
    pub fn actions(&self) -> impl Iterator<Item = &Action> + '_ {
        self.rules
            .iter()
            .map(|r| &r.action)
            .chain(std::iter::once(&self.default))
    }

    /// Every target group this load balancer forwards to (rules, then the default).
    pub fn forwarded(&self) -> impl Iterator<Item = TgId> + '_ {
        self.actions().flat_map(Action::groups)
    }
}

#[derive(Clone, Debug)]
pub struct TargetGroupSpec {
    pub name: String,
    /// Its targets: a group's instances, or a Lambda function.
    pub targets: Targets,
    pub deregistration_delay: SimTime,
    pub health_check: super::health::HealthCheckSpec,
    /// Slow start: a newly healthy target's share of requests grows linearly to the full share
    /// over this time (zero: off).
    pub slow_start: SimTime,
    /// The routing algorithm: a target group attribute on AWS (`load_balancing.algorithm.type`,
    /// https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html).
    pub algorithm: Algorithm,
    /// Target stickiness (`stickiness: {type: lb_cookie, duration}`): a client stays on the
    /// target it was first sent to for this long, while the target is healthy. `None`: off.
    pub stickiness: Option<SimTime>,
}

/// What a target group routes to (AWS's target type: `instance` or `lambda`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Targets {
    /// The instances of an auto scaling group, which register here.
    Instances(GroupId),
    /// A Lambda function: the ALB invokes it.
    Lambda(FunctionId),
}

impl TargetGroupSpec {
    /// The auto scaling group whose instances register here (`None`: a Lambda target).
    pub fn group(&self) -> Option<GroupId> {
        match self.targets {
            Targets::Instances(g) => Some(g),
            Targets::Lambda(_) => None,
        }
    }

    /// The Lambda function the ALB invokes (`None`: instances register here).
    pub fn lambda(&self) -> Option<FunctionId> {
        match self.targets {
            Targets::Lambda(f) => Some(f),
            Targets::Instances(_) => None,
        }
    }
}

/// A target group's registrations and their health. Routing uses the healthy targets; when
/// none is healthy the ALB fails open and routes to every registered target.
pub struct TargetGroup {
    /// Healthy targets, as one list and by AZ.
    healthy: TargetSet,
    /// Every registered target (any health), as one list and by AZ.
    registered: TargetSet,
    /// Health per instance id (None: not registered).
    health: Vec<Option<TargetHealth>>,
    /// Per instance id: when it became healthy after registration (slow start counts from
    /// there); None for targets that were healthy from the scenario's start.
    healthy_since: Vec<Option<SimTime>>,
    /// Least outstanding requests: per instance id, its outstanding requests (as last told,
    /// while registered) and its AZ; the healthy lists its nodes route among keep their
    /// targets bucketed by that count (see `bucket_lists`).
    tracks_load: bool,
    loads: Vec<u32>,
    azs: Vec<AzId>,
}

impl TargetGroup {
    /// An empty target group; `algorithm` says whether its lists track outstanding counts.
    pub fn new(az_count: usize, algorithm: Algorithm) -> Self {
        TargetGroup {
            healthy: TargetSet::new(az_count),
            registered: TargetSet::new(az_count),
            health: Vec::new(),
            healthy_since: Vec::new(),
            tracks_load: algorithm == Algorithm::LeastOutstandingRequests,
            loads: Vec::new(),
            azs: Vec::new(),
        }
    }

    /// Registers a target in the given health (initial instances start healthy: the
    /// scenario begins in steady state), with its `outstanding` requests.
    pub fn register(&mut self, id: InstanceId, az: AzId, health: Health, outstanding: u32) {
        if self.health.len() <= id.index() {
            self.health.resize(id.index() + 1, None);
            self.loads.resize(id.index() + 1, 0);
            self.azs.resize(id.index() + 1, az);
        }
        self.health[id.index()] = Some(TargetHealth::new(health));
        self.loads[id.index()] = outstanding;
        self.azs[id.index()] = az;
        self.registered.push(id, az, outstanding);
        if health == Health::Healthy {
            self.healthy.push(id, az, outstanding);
        }
    }

    /// Least outstanding requests: which healthy lists keep their targets bucketed, for O(1)
    /// choices: the group-wide one (some node routing to it has cross-zone load balancing on)
    /// and the per-AZ ones (some has it off). Other lists, the fail-open ones (every
    /// registered target, while none is healthy) among them, are scanned.
    pub fn bucket_lists(&mut self, group_wide: bool, per_az: bool) {
        let on = self.tracks_load;
        self.healthy
            .set_bucketed(on && group_wide, on && per_az, &self.loads);
    }

    /// A registered target's outstanding requests changed (admission, completion, a
    /// database call, a connection attempt, a stop): least outstanding routing sees it.
    /// Unregistered targets (draining, terminated) are ignored.
    #[inline]
    pub fn set_outstanding(&mut self, id: InstanceId, outstanding: u32) {
        if !self.tracks_load {
            return;
        }
        // A target not registered is in no list: its count is stored, then replaced by the
        // one given at its next registration.
        let Some(load) = self.loads.get_mut(id.index()) else {
            return;
        };
        let from = std::mem::replace(load, outstanding);
        if from != outstanding {
            // Its AZ is looked up only when the per-AZ lists are bucketed.
            self.healthy.load_changed(id, &self.azs, from, outstanding);
        }
    }

    /// Records when a target became healthy, for slow start.
    pub fn mark_healthy_since(&mut self, id: InstanceId, now: SimTime) {
        if self.healthy_since.len() <= id.index() {
            self.healthy_since.resize(id.index() + 1, None);
        }
        self.healthy_since[id.index()] = Some(now);
    }

    /// The fraction of its full share a target may receive at `now` under a slow start of
    /// `window`: linear from 0 when it became healthy to 1 at the window's end.
    pub fn slow_start_share(&self, id: InstanceId, now: SimTime, window: SimTime) -> f64 {
        match self.healthy_since.get(id.index()).copied().flatten() {
            Some(since) if window > SimTime::ZERO && now < since + window => {
                (now - since).as_nanos() as f64 / window.as_nanos() as f64
            }
            _ => 1.0,
        }
    }

    pub fn deregister(&mut self, id: InstanceId, az: AzId) {
        if let Some(h) = self.health.get_mut(id.index()) {
            *h = None;
        }
        if let Some(s) = self.healthy_since.get_mut(id.index()) {
            *s = None;
        }
        self.healthy.remove(id, az, &self.loads);
        self.registered.remove(id, az, &self.loads);
    }

    /// Whether a target is registered and healthy, in `az` if given (a node routing only
    /// to its own AZ): where a sticky client may be kept.
    pub fn is_healthy_in(&self, id: InstanceId, az: Option<AzId>) -> bool {
        self.health(id) == Some(Health::Healthy)
            && az.is_none_or(|a| self.azs.get(id.index()) == Some(&a))
    }

    pub fn is_registered(&self, id: InstanceId) -> bool {
        self.health.get(id.index()).is_some_and(Option::is_some)
    }

    pub fn health(&self, id: InstanceId) -> Option<Health> {
        self.health
            .get(id.index())
            .copied()
            .flatten()
            .map(|h| h.health)
    }

    /// Records a probe result; returns the new health if it changed.
    pub fn record_probe(
        &mut self,
        id: InstanceId,
        az: AzId,
        passed: bool,
        spec: &HealthCheckSpec,
    ) -> Option<Health> {
        let state = self.health.get_mut(id.index())?.as_mut()?;
        let changed = state.record(passed, spec)?;
        if changed == Health::Healthy {
            self.healthy.push(id, az, self.loads[id.index()]);
        } else {
            self.healthy.remove(id, az, &self.loads);
        }
        Some(changed)
    }

    /// The list a node may route to: the healthy targets, or every registered one when none
    /// is healthy (fail open). `az` limits to one AZ (cross-zone off).
    fn routable_list(&self, az: Option<AzId>) -> &TargetList {
        let set = if self.healthy.all.ids().is_empty() {
            &self.registered
        } else {
            &self.healthy
        };
        match az {
            Some(a) => &set.by_az[a.index()],
            None => &set.all,
        }
    }

    /// The targets a node may route to: healthy ones, or every registered one when none is
    /// healthy (fail open). `az` limits to one AZ (cross-zone off).
    pub fn routable(&self, az: Option<AzId>) -> &[InstanceId] {
        self.routable_list(az).ids()
    }
}

/// Routing state of one load balancer: a round-robin cursor per (node, target group).
pub struct LoadBalancer {
    cursors: Vec<u32>,
    target_groups: usize,
    pub rng: Rng,
}

impl LoadBalancer {
    pub fn new(node_count: usize, target_groups: usize, rng: Rng) -> Self {
        LoadBalancer {
            cursors: vec![0; node_count * target_groups],
            target_groups,
            rng,
        }
    }

    /// Picks the node (index into the spec's `azs`) a client reaches. In line (once a
    /// request, in `sim`'s routing).
    #[inline]
    pub fn pick_node(&mut self, spec: &LoadBalancerSpec, tg: &TargetGroup) -> Option<usize> {
        let nodes = spec.azs.len();
        let first = self.rng.uniform_u64(0, nodes as u64) as usize;
        if spec.cross_zone {
            return Some(first);
        }
        // Without cross-zone, a node with no targets in its AZ is out of DNS.
        (0..nodes)
            .map(|k| (first + k) % nodes)
            .find(|&n| !tg.routable(Some(spec.azs[n])).is_empty())
    }

    /// Chooses a target among `group.routable(az)` (not empty) with the target group's
    /// algorithm. Least outstanding requests: the target with the fewest, ties going to the
    /// first in a rotating order (the node's cursor), so equal targets share the load; the
    /// group's load buckets answer in O(1) what a scan of every target would. In line (once
    /// a request, in `sim`'s routing).
    #[inline]
    pub fn choose(
        &mut self,
        algorithm: Algorithm,
        node: usize,
        tg: TgId,
        group: &TargetGroup,
        az: Option<AzId>,
    ) -> InstanceId {
        let list = group.routable_list(az);
        let candidates = list.ids();
        let n = candidates.len();
        debug_assert!(n > 0);
        let cursor = &mut self.cursors[node * self.target_groups + tg.index()];
        match algorithm {
            Algorithm::RoundRobin => {
                let i = (*cursor % n as u32) as usize;
                *cursor = (*cursor).wrapping_add(1);
                candidates[i]
            }
            Algorithm::LeastOutstandingRequests => {
                let start = (*cursor % n as u32) as usize;
                *cursor = (*cursor).wrapping_add(1);
                list.least_loaded_from(start, &group.loads)
                    .expect("candidates are not empty")
            }
            Algorithm::Random => candidates[self.rng.uniform_u64(0, n as u64) as usize],
        }
    }
}

/// What happens to a load balancer and its target groups on its own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlbEvent {
    /// A target group's health check of an instance is due.
    HealthCheckDue { instance: InstanceId, tg: TgId },
    /// A draining instance's deregistration delay ran out: it terminates.
    DeregistrationEnded(InstanceId),
    /// A connection attempt to a stopped target gave up (it counted as outstanding until
    /// now, unless the target terminated since); its client gets a 504. The attempt is the
    /// request's record (`Request::connecting`), which names the target.
    ConnectTimedOut(crate::ids::RequestId),
    /// A load balancer's oldest open request reached the idle timeout, unless it ended since
    /// (the load balancer's one timer then moves on to the oldest one still open).
    IdleTimeoutDue(crate::ids::LbId),
}

/// Health checks and deregistrations name their target; the timeouts name a request.
impl crate::model::NamesInstance for AlbEvent {
    fn instance(&self) -> Option<InstanceId> {
        match *self {
            AlbEvent::HealthCheckDue { instance, .. } | AlbEvent::DeregistrationEnded(instance) => {
                Some(instance)
            }
            AlbEvent::ConnectTimedOut(_) | AlbEvent::IdleTimeoutDue(_) => None,
        }
    }
}
