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
//! The decisions (whether a grace period applies and when it ends, whether an instance is
//! in it, whether a target group reports it unhealthy) are methods of `Ec2` that take the
//! group specs, the clock and the target groups' health as a function; the world schedules
//! the grace period's end among the instance's timers and carries out a replacement
//! (`terminate`, then `reconcile`), which reaches the load balancers, the queues and the
//! requests.

use super::World;
use super::state::Ec2;
use crate::ids::{InstanceId, TgId};
use crate::kernel::SimTime;
use crate::metrics::Outcome;
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
}

/// The adapter: the grace period's timer and the replacements.
impl World {
    /// An instance went in service: its grace period starts (only ELB health checks need it).
    pub(super) fn start_grace(&mut self, id: InstanceId) {
        let now = self.queue.now();
        if let Some(at) = self.ec2.grace_end(id, &self.scenario.groups, now) {
            self.instance_timer(id, at, AutoScalingEvent::GracePeriodEnded(id));
        }
    }

    /// The grace period ran out: an instance still unhealthy is replaced now.
    pub(super) fn on_grace_period_ended(&mut self, id: InstanceId) {
        let target_groups = &self.alb.target_groups;
        if self.ec2.instances[id.index()].state == InstanceState::InService
            && self
                .ec2
                .elb_unhealthy(id, |tg, i| target_groups[tg.index()].health(i))
        {
            self.replace_unhealthy(id);
        }
    }

    /// A target group found the instance unhealthy: replaced unless still in its grace period.
    pub(super) fn on_target_unhealthy(&mut self, id: InstanceId) {
        let g = self.ec2.instances[id.index()].group;
        let specs = &self.scenario.groups;
        if specs[g.index()].elb_health_checks && !self.ec2.in_grace(id, specs, self.queue.now()) {
            self.replace_unhealthy(id);
        }
    }

    fn replace_unhealthy(&mut self, id: InstanceId) {
        let (g, serial) = (
            self.ec2.instances[id.index()].group,
            self.ec2.instances[id.index()].serial,
        );
        self.log_replacement(g, format!("replacing unhealthy instance {serial}"));
        self.terminate(id, Outcome::Http502);
        self.reconcile(g);
    }
}
