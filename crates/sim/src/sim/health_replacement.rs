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

use super::World;
use crate::ids::InstanceId;
use crate::metrics::Outcome;
use crate::model::autoscaling::AutoScalingEvent;
use crate::model::health::Health;
use crate::model::instance::InstanceState;

impl World {
    /// An instance went in service: its grace period starts (only ELB health checks need it).
    pub(super) fn start_grace(&mut self, id: InstanceId) {
        let g = self.ec2.instances[id.index()].group;
        let spec = &self.scenario.groups[g.index()];
        if spec.elb_health_checks && !self.ec2.group_target_groups[g.index()].is_empty() {
            let at = self.queue.now() + spec.health_check_grace;
            self.instance_timer(id, at, AutoScalingEvent::GracePeriodEnded(id));
        }
    }

    /// Whether an in-service instance is still inside its grace period.
    pub(super) fn in_grace(&self, id: InstanceId) -> bool {
        let inst = &self.ec2.instances[id.index()];
        let grace = self.scenario.groups[inst.group.index()].health_check_grace;
        inst.in_service_since
            .is_none_or(|since| self.queue.now() < since + grace)
    }

    /// The grace period ran out: an instance still unhealthy is replaced now.
    pub(super) fn on_grace_period_ended(&mut self, id: InstanceId) {
        if self.ec2.instances[id.index()].state == InstanceState::InService
            && self.elb_unhealthy(id)
        {
            self.replace_unhealthy(id);
        }
    }

    /// A target group found the instance unhealthy: replaced unless still in its grace period.
    pub(super) fn on_target_unhealthy(&mut self, id: InstanceId) {
        let g = self.ec2.instances[id.index()].group;
        if self.scenario.groups[g.index()].elb_health_checks && !self.in_grace(id) {
            self.replace_unhealthy(id);
        }
    }

    /// Whether a target group of the instance's group reports it unhealthy.
    fn elb_unhealthy(&self, id: InstanceId) -> bool {
        let g = self.ec2.instances[id.index()].group;
        self.ec2.group_target_groups[g.index()]
            .iter()
            .any(|tg| self.alb.target_groups[tg.index()].health(id) == Some(Health::Unhealthy))
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
