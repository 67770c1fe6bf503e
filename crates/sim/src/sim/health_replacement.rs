//! EC2 Auto Scaling's health replacement with ELB health checks (`health_check_type: elb`):
//! an instance a load balancer reports unhealthy is replaced, but not before its health check
//! grace period has run out.
//!
//! AWS: the grace period is "the minimum amount of time ... to keep a new instance in service
//! before terminating it if it's found to be unhealthy"; it starts when the instance reaches
//! InService, and ELB health checks run in parallel from registration
//! (https://docs.aws.amazon.com/autoscaling/ec2/userguide/health-check-grace-period.html).
//! So an instance that turned unhealthy during the grace period and is still unhealthy when
//! it ends is replaced then; one that turns unhealthy later is replaced when it does.
//!
//! The decisions are methods of `Ec2` on the lifecycle's narrow context (`lifecycle::Ctx`),
//! the group specs, the clock and the target groups' health as a function: the grace
//! period's end is scheduled among the instance's timers, and a replacement comes back as a
//! `lifecycle::Replace` that the lifecycle's adapter carries out (the activity, the
//! termination, the reconcile).

use super::lifecycle::{Ctx, Queue, Replace, Why};
use super::state::Ec2;
use crate::ids::{InstanceId, TgId};
use crate::kernel::SimTime;
use crate::model::autoscaling::{AutoScalingEvent, GroupSpec};
use crate::model::health::Health;
use crate::model::instance::InstanceState;

impl Ec2 {
    /// Instance `id` went in service at `now`: when its grace period ends, if its group
    /// replaces on ELB health checks and registers with a target group (only those need it).
    fn grace_end(&self, id: InstanceId, specs: &[GroupSpec], now: SimTime) -> Option<SimTime> {
        let g = self.instances[id.index()].group;
        let spec = &specs[g.index()];
        (spec.elb_health_checks && !self.group_target_groups[g.index()].is_empty())
            .then(|| now + spec.health_check_grace)
    }

    /// An instance went in service: its grace period starts (only ELB health checks need
    /// it), its end among the instance's timers.
    pub(super) fn start_grace(&mut self, id: InstanceId, cx: &mut Ctx<impl Queue>) {
        if let Some(at) = self.grace_end(id, cx.specs, cx.now()) {
            self.timer(id, at, AutoScalingEvent::GracePeriodEnded(id), cx.queue);
        }
    }

    /// Whether an in-service instance is still inside its grace period at `now`.
    fn in_grace(&self, id: InstanceId, specs: &[GroupSpec], now: SimTime) -> bool {
        let inst = &self.instances[id.index()];
        let grace = specs[inst.group.index()].health_check_grace;
        inst.in_service_since
            .is_none_or(|since| now < since + grace)
    }

    /// Whether a target group of the instance's group reports it unhealthy (`health(tg, i)`:
    /// what target group `tg` finds of instance `i`).
    fn elb_unhealthy(
        &self,
        id: InstanceId,
        health: impl Fn(TgId, InstanceId) -> Option<Health>,
    ) -> bool {
        let g = self.instances[id.index()].group;
        self.group_target_groups[g.index()]
            .iter()
            .any(|&tg| health(tg, id) == Some(Health::Unhealthy))
    }

    /// The grace period of `id` ran out: an instance still unhealthy is replaced now.
    pub(super) fn grace_ended(
        &self,
        id: InstanceId,
        health: impl Fn(TgId, InstanceId) -> Option<Health>,
    ) -> Option<Replace> {
        (self.instances[id.index()].state == InstanceState::InService
            && self.elb_unhealthy(id, health))
        .then(|| self.replacement(id, Why::Unhealthy))
    }

    /// A target group found `id` unhealthy at `now`: replaced, if its group replaces on ELB
    /// health checks, unless still in its grace period.
    pub(super) fn target_unhealthy(
        &self,
        id: InstanceId,
        specs: &[GroupSpec],
        now: SimTime,
    ) -> Option<Replace> {
        let g = self.instances[id.index()].group;
        (specs[g.index()].elb_health_checks && !self.in_grace(id, specs, now))
            .then(|| self.replacement(id, Why::Unhealthy))
    }
}
