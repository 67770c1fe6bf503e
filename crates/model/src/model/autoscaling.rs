//! EC2 Auto Scaling groups: capacity bounds, AZ placement on launch, and which instance goes
//! on scale-in (AZ balance first, then the termination policy).
//!
//! This module decides; the world launches, drains and terminates.

use super::cloudwatch::AlarmState;
use super::instance::Discipline;
use super::scaling_policy::{PolicySpec, PolicyState};
use crate::dist::Dist;
use crate::ids::{AzId, GroupId, InstanceId, PolicyId};
use crate::kernel::{Rng, RngExt, SimTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TerminationPolicy {
    /// AZ balance, then oldest launch template (one template here), then closest to the next
    /// instance hour, then random.
    Default,
    OldestInstance,
    NewestInstance,
    ClosestToNextInstanceHour,
    OldestLaunchTemplate,
}

impl TerminationPolicy {
    pub fn parse(name: &str) -> Option<TerminationPolicy> {
        Some(match name {
            "default" => TerminationPolicy::Default,
            "oldest_instance" => TerminationPolicy::OldestInstance,
            "newest_instance" => TerminationPolicy::NewestInstance,
            "closest_to_next_instance_hour" => TerminationPolicy::ClosestToNextInstanceHour,
            "oldest_launch_template" => TerminationPolicy::OldestLaunchTemplate,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct GroupSpec {
    pub name: String,
    /// The instance type name, when given by type.
    pub instance_type: Option<String>,
    pub vcpus: u32,
    pub memory_gib: f64,
    /// A burstable type's CPU credits (`credit_specification`); `None` otherwise.
    pub credits: Option<super::credits::CreditSpec>,
    pub discipline: Discipline,
    /// Requests admitted per instance at most; beyond it the load balancer answers 503.
    pub max_concurrent: u32,
    pub azs: Vec<AzId>,
    pub min: u32,
    pub max: u32,
    pub desired: u32,
    pub boot_time: Dist,
    pub health_check_grace: SimTime,
    /// Replace instances that a load balancer finds unhealthy (`health_check_type: elb`); off
    /// by default, as on AWS, where a group uses EC2 status checks only
    /// (https://docs.aws.amazon.com/autoscaling/ec2/userguide/healthcheck.html).
    pub elb_health_checks: bool,
    pub termination_policy: TerminationPolicy,
    /// The first this many instances launched are protected from scale-in.
    pub protected_instances: u32,
    pub policies: Vec<PolicySpec>,
    /// The tasks of an ECS service, when the group is one's capacity (`model::ecs`): its
    /// servers are tasks, billed by Fargate, scaled with App Auto Scaling's cooldowns.
    pub ecs: Option<super::ecs::EcsTasks>,
}

impl GroupSpec {
    /// The longest warm-up of the group's policies: until then a new instance is not part of
    /// the metrics that drive scaling.
    pub fn warmup(&self) -> SimTime {
        self.policies
            .iter()
            .map(PolicySpec::warmup)
            .max()
            .unwrap_or(SimTime::ZERO)
    }
}

/// One activity: a change of desired capacity and why, or a replacement that keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct Activity {
    pub time: SimTime,
    pub from: u32,
    pub to: u32,
    pub cause: String,
    /// A health replacement (an unhealthy or stopped instance replaced), not a scaling
    /// activity; counted apart in the reports.
    pub replacement: bool,
}

/// One alarm state change of a group's policy, as CloudWatch's alarm history records it.
#[derive(Clone, Debug, PartialEq)]
pub struct AlarmChange {
    pub time: SimTime,
    /// The policy, by its position in the group.
    pub policy: PolicyId,
    /// `AlarmHigh` / `AlarmLow` for target tracking (AWS's names), `Alarm` otherwise.
    pub alarm: &'static str,
    pub state: AlarmState,
    /// The latest visible datapoint, if any.
    pub value: Option<f64>,
    pub threshold: f64,
}

/// A group's runtime state.
pub struct Group {
    pub desired: u32,
    pub min: u32,
    pub max: u32,
    /// Instances not yet terminated (pending, in service, draining), in launch order.
    pub instances: Vec<InstanceId>,
    /// How many of `instances` are in each of the group's AZs (in `spec.azs` order), kept
    /// with `instances` so that placing a launch costs O(AZs), not O(instances).
    pub az_counts: Vec<u32>,
    pub launched: u64,
    pub terminated: u64,
    /// How many of `instances` are in service, kept as they change state so that putting
    /// one in service costs O(1), not O(instances) (a group of 100,000 launched in
    /// quadratic time otherwise).
    pub in_service: u32,
    pub max_in_service: u32,
    pub policy_states: Vec<PolicyState>,
    pub activities: Vec<Activity>,
    /// Per policy, the current state of each of its alarms (CloudWatch starts alarms in
    /// INSUFFICIENT_DATA).
    pub alarm_states: Vec<Vec<AlarmState>>,
    pub alarm_history: Vec<AlarmChange>,
    /// A simple policy acted: its cooldown starts once no instance is launching or
    /// terminating.
    pub cooldown_pending: Option<SimTime>,
    /// The end of the running simple-scaling cooldown.
    pub cooldown_until: Option<SimTime>,
    /// When an instance of the group last finished launching (went in service) or terminating.
    pub last_settled: SimTime,
    /// An ECS service's App Auto Scaling cooldowns (unused by other groups).
    pub app_cooldown: super::ecs::app_scaling::CooldownState,
}

impl Group {
    pub fn new(spec: &GroupSpec) -> Self {
        Group {
            desired: spec.desired,
            min: spec.min,
            max: spec.max,
            instances: Vec::new(),
            az_counts: vec![0; spec.azs.len()],
            launched: 0,
            terminated: 0,
            in_service: 0,
            max_in_service: 0,
            policy_states: vec![PolicyState::default(); spec.policies.len()],
            activities: Vec::new(),
            alarm_states: spec
                .policies
                .iter()
                .map(|p| vec![AlarmState::InsufficientData; p.alarms().len()])
                .collect(),
            alarm_history: Vec::new(),
            cooldown_pending: None,
            cooldown_until: None,
            last_settled: SimTime::ZERO,
            app_cooldown: Default::default(),
        }
    }

    /// Starts the pending simple-scaling cooldown if the last activity has finished (no
    /// instance launching or terminating): it runs from when the last instance finished.
    pub fn settle_cooldown(&mut self, in_progress: bool) {
        if in_progress {
            return;
        }
        if let Some(c) = self.cooldown_pending.take() {
            self.cooldown_until = Some(self.last_settled + c);
        }
    }

    /// Sets desired capacity within [min, max], logging the activity; returns whether it changed.
    pub fn set_desired(&mut self, now: SimTime, wanted: u32, cause: String) -> bool {
        let to = wanted.clamp(self.min, self.max);
        if to == self.desired {
            return false;
        }
        self.activities.push(Activity {
            time: now,
            from: self.desired,
            to,
            cause,
            replacement: false,
        });
        self.desired = to;
        true
    }

    /// The AZ for the next launch: the one with the fewest instances (first in the group's
    /// order on a tie), as EC2 Auto Scaling balances across zones.
    pub fn placement_az(&self, spec: &GroupSpec, az_of: impl Fn(InstanceId) -> AzId) -> AzId {
        let mut counts = vec![0u32; spec.azs.len()];
        for &i in &self.instances {
            if let Some(k) = spec.azs.iter().position(|&a| a == az_of(i)) {
                counts[k] += 1;
            }
        }
        let k = (0..counts.len())
            .min_by_key(|&k| (counts[k], k))
            .unwrap_or(0);
        spec.azs[k]
    }

    /// Records an instance of the group in `az` (launched) or removes it (terminated).
    pub fn count_in_az(&mut self, spec: &GroupSpec, az: AzId, delta: i32) {
        if let Some(k) = spec.azs.iter().position(|&a| a == az) {
            self.az_counts[k] = self.az_counts[k].saturating_add_signed(delta);
        }
    }

    /// Like `placement_az`, among the AZs where `usable` holds (all of them if none does):
    /// a group launches only in AZs that are up.
    pub fn placement_az_in(&self, spec: &GroupSpec, usable: impl Fn(AzId) -> bool) -> AzId {
        let counts = &self.az_counts;
        let any = spec.azs.iter().any(|&a| usable(a));
        (0..counts.len())
            .filter(|&k| !any || usable(spec.azs[k]))
            .min_by_key(|&k| (counts[k], k))
            .map_or(spec.azs[0], |k| spec.azs[k])
    }
}

/// What the termination choice needs to know of a candidate.
#[derive(Clone, Copy, Debug)]
pub struct Candidate {
    pub id: InstanceId,
    pub az: AzId,
    pub launched_at: SimTime,
    /// Its launch number: ties on `launched_at` go by launch order (ids are reused slots).
    pub serial: u64,
    pub protected: bool,
}

/// Picks the instance to terminate on scale-in: from the AZ with the most instances, then by
/// the policy; protected instances are never picked.
pub fn choose_victim(
    policy: TerminationPolicy,
    candidates: &[Candidate],
    now: SimTime,
    rng: &mut Rng,
) -> Option<InstanceId> {
    let open: Vec<&Candidate> = candidates.iter().filter(|c| !c.protected).collect();
    if open.is_empty() {
        return None;
    }
    let count = |az: AzId| candidates.iter().filter(|c| c.az == az).count();
    let busiest = open.iter().map(|c| count(c.az)).max()?;
    let mut pool: Vec<&Candidate> = open
        .into_iter()
        .filter(|c| count(c.az) == busiest)
        .collect();
    // Among equally loaded AZs, the lowest-numbered one, so the choice is reproducible.
    let az = pool.iter().map(|c| c.az).min()?;
    pool.retain(|c| c.az == az);
    let to_next_hour = |c: &Candidate| {
        let up = (now - c.launched_at).as_nanos() % 3_600_000_000_000;
        3_600_000_000_000 - up
    };
    let pick = match policy {
        TerminationPolicy::OldestInstance => pool.iter().min_by_key(|c| (c.launched_at, c.serial)),
        TerminationPolicy::NewestInstance => pool.iter().max_by_key(|c| (c.launched_at, c.serial)),
        TerminationPolicy::ClosestToNextInstanceHour => {
            pool.iter().min_by_key(|c| (to_next_hour(c), c.serial))
        }
        TerminationPolicy::Default | TerminationPolicy::OldestLaunchTemplate => {
            let best = pool.iter().map(|c| to_next_hour(c)).min()?;
            let tied: Vec<&&Candidate> = pool.iter().filter(|c| to_next_hour(c) == best).collect();
            let i = rng.uniform_u64(0, tied.len() as u64) as usize;
            return Some(tied[i].id);
        }
    };
    pick.map(|c| c.id)
}

/// What happens to an Auto Scaling group and its instances on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoScalingEvent {
    /// A pending instance finished booting: it goes in service and registers.
    InstanceBooted(InstanceId),
    /// An instance's health check grace period (from InService) ran out.
    GracePeriodEnded(InstanceId),
    /// EC2 status checks of a stopped instance failed: the group replaces it.
    StatusCheckFailed(InstanceId),
    /// A scheduled scaling action is due.
    ScheduledActionDue { group: GroupId, policy: PolicyId },
}

/// An instance's boot, grace period and status check name it; a scheduled action names none.
impl crate::model::NamesInstance for AutoScalingEvent {
    fn instance(&self) -> Option<InstanceId> {
        match *self {
            AutoScalingEvent::InstanceBooted(i)
            | AutoScalingEvent::GracePeriodEnded(i)
            | AutoScalingEvent::StatusCheckFailed(i) => Some(i),
            AutoScalingEvent::ScheduledActionDue { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::stream;

    fn c(id: u32, az: u8, launched_s: u64) -> Candidate {
        Candidate {
            id: InstanceId(id),
            az: AzId(az),
            launched_at: SimTime::from_secs(launched_s),
            serial: id as u64,
            protected: false,
        }
    }

    #[test]
    fn az_balance_comes_first_then_the_policy() {
        let mut rng = stream(1, "t");
        let now = SimTime::from_secs(10_000);
        let cs = [
            c(0, 0, 0),
            c(1, 0, 100),
            c(2, 1, 50),
            c(3, 1, 60),
            c(4, 1, 70),
        ];
        // AZ 1 has three: the oldest there is 2, the newest 4.
        assert_eq!(
            choose_victim(TerminationPolicy::OldestInstance, &cs, now, &mut rng),
            Some(InstanceId(2))
        );
        assert_eq!(
            choose_victim(TerminationPolicy::NewestInstance, &cs, now, &mut rng),
            Some(InstanceId(4))
        );
        // Up-times 9950, 9940 and 9930 s: 850, 860 and 870 s to their next hour: instance 2.
        assert_eq!(
            choose_victim(
                TerminationPolicy::ClosestToNextInstanceHour,
                &cs,
                now,
                &mut rng
            ),
            Some(InstanceId(2))
        );
        let mut protected = cs;
        for p in protected.iter_mut() {
            p.protected = true;
        }
        assert_eq!(
            choose_victim(TerminationPolicy::Default, &protected, now, &mut rng),
            None
        );
    }

    #[test]
    fn desired_stays_within_bounds() {
        let spec_min_max = |g: &mut Group| {
            g.min = 2;
            g.max = 5;
        };
        let mut g = Group {
            desired: 3,
            min: 0,
            max: 0,
            instances: vec![],
            az_counts: vec![],
            launched: 0,
            terminated: 0,
            in_service: 0,
            max_in_service: 0,
            policy_states: vec![],
            activities: vec![],
            alarm_states: vec![],
            alarm_history: vec![],
            cooldown_pending: None,
            cooldown_until: None,
            last_settled: SimTime::ZERO,
            app_cooldown: Default::default(),
        };
        spec_min_max(&mut g);
        assert!(g.set_desired(SimTime::ZERO, 9, "x".into()));
        assert_eq!(g.desired, 5);
        assert!(g.set_desired(SimTime::ZERO, 0, "y".into()));
        assert_eq!(g.desired, 2);
        assert!(!g.set_desired(SimTime::ZERO, 1, "z".into()));
        assert_eq!(g.activities.len(), 2);
        // A simple policy's cooldown starts when the last instance finished, once nothing
        // is launching or terminating any more.
        g.cooldown_pending = Some(SimTime::from_secs(300));
        g.last_settled = SimTime::from_secs(150);
        g.settle_cooldown(true);
        assert_eq!(g.cooldown_until, None);
        g.settle_cooldown(false);
        assert_eq!(g.cooldown_until, Some(SimTime::from_secs(450)));
        assert_eq!(g.cooldown_pending, None);
    }
}
