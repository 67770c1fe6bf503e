//! EC2 and Auto Scaling at the world's fixed points: each period the groups' CPU and
//! capacity meters, their series (`asg.GROUP.KEY`, and per AZ `asg.GROUP.KEY.AZ` when there
//! are several AZs) and their scaling evaluation (`scaling`); at the end, every instance's
//! life, the groups' results and the instance time EC2 bills.

use super::World;
use super::result::{GroupResult, InstanceResult, PolicyResult};
use super::service::{Finish, Handles, Period, Service, Stage};
use super::state::Ec2;
use crate::cost::InstanceRun;
use crate::ids::{GroupId, InstanceId};
use crate::kernel::{Schedule, SimTime};
use crate::metrics::{SeriesId, Statistic, TimeSeries};
use crate::model::autoscaling::AutoScalingEvent;
use crate::model::autoscaling::GroupSpec;
use crate::model::instance::{InstanceEvent, InstanceState, Job};
use crate::model::scaling_policy::PolicyKind;
use crate::scenario::Scenario;
use crate::trace::Kind;

/// The ids of one group's series.
pub struct GroupSeries {
    /// desired, in_service, pending, healthy, cpu_percent.
    pub group: [SeriesId; 5],
    /// With several AZs: in_service, pending and healthy, each per AZ.
    pub per_az: Vec<Vec<SeriesId>>,
}

impl GroupSeries {
    pub fn register(s: &Scenario, name: &str, series: &mut TimeSeries) -> GroupSeries {
        let prefix = format!("asg.{name}");
        let value = Statistic::Value;
        GroupSeries {
            group: series.register(
                &prefix,
                [
                    ("desired", value),
                    ("in_service", value),
                    ("pending", value),
                    ("healthy", value),
                    ("cpu_percent", Statistic::Average),
                ],
            ),
            per_az: if s.azs.len() > 1 {
                ["in_service", "pending", "healthy"]
                    .iter()
                    .map(|what| {
                        s.azs
                            .iter()
                            .map(|az| series.series(&format!("{prefix}.{what}.{az}"), value))
                            .collect()
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}

impl Service for Ec2 {
    const START: Stage = Stage::Capacity;
    const TRACE_KINDS: &'static [Kind] = &[
        Kind::ScalingActivity,
        super::credits::CREDITS_EXHAUSTED,
        super::credits::CREDITS_RESTORED,
    ];

    /// Each group's desired capacity in service from the start (the scenario begins in
    /// steady state), and its scheduled actions.
    fn start(w: &mut World) {
        let s = std::sync::Arc::clone(&w.scenario);
        for (g, spec) in s.groups.iter().enumerate() {
            for _ in 0..spec.desired {
                w.launch_in_service(GroupId(g as u16));
            }
            w.schedule_actions(GroupId(g as u16));
        }
    }

    fn build(s: &Scenario, series: &mut TimeSeries) -> Ec2 {
        Ec2::new(s, series)
    }

    fn period_ended(w: &mut World, p: &Period) {
        w.flush_cpu();
        w.flush_credits();
        w.credit_period_ended(p.start_s);
        // ECS capacity providers' reservation metric, before the groups evaluate it.
        w.publish_reservations(p);
        w.evaluate_groups(p);
    }

    /// EC2 bills each instance's running time, from its life (`finish`), and unlimited
    /// burstable instances' surplus credits per cost period (`credits`).
    fn close_cost_period(w: &mut World, _: f64) {
        w.credit_cost_period_closed();
    }

    fn finish(w: &mut World, out: &mut Finish) {
        w.flush_cpu();
        let (mut credits, credit_bill) = w.credit_results();
        // With several regions, each region's groups' credits by its table.
        match credit_bill {
            Some(mut bill) if bill.len() == 1 => {
                (out.usage.priced).insert("ec2_cpu_credits", bill.remove(0));
            }
            Some(bill) => {
                (out.usage.priced_by_region).insert("ec2_cpu_credits", bill);
            }
            None => {}
        }
        // Every instance launched, in launch order (slots are reused: see `slots`).
        let lives = w.ec2.instances.take_lives();
        let s = &*w.scenario;
        let end = s.duration;
        out.result.groups = s
            .groups
            .iter()
            .enumerate()
            .map(|(g, spec)| {
                let group = &w.ec2.groups[g];
                let running_ns: u64 = lives
                    .iter()
                    .filter(|i| i.group.index() == g)
                    .map(|i| {
                        let stop = i.terminated_at.unwrap_or(end).min(end);
                        let start = i.running_at.max(s.warmup);
                        stop.saturating_sub(start).as_nanos()
                    })
                    .sum();
                GroupResult {
                    name: spec.name.clone(),
                    launched: group.launched,
                    terminated: group.terminated,
                    max_in_service: group.max_in_service,
                    instance_hours: running_ns as f64 / 3.6e12,
                    mean_cpu_percent: w.ec2.group_meters[g].total_cpu_percent(),
                    activities: group.activities.clone(),
                    policies: spec
                        .policies
                        .iter()
                        .zip(&group.policy_states)
                        .filter(|(p, _)| !matches!(p.kind, PolicyKind::Scheduled { .. }))
                        .map(|(p, st)| PolicyResult {
                            name: p.name.clone(),
                            blocked: st.blocked,
                        })
                        .collect(),
                    alarm_history: group.alarm_history.clone(),
                    policy_names: spec.policies.iter().map(|p| p.name.clone()).collect(),
                    ecs_service: spec.ecs.is_some(),
                    credits: credits[g].take(),
                }
            })
            .collect();
        out.result.instances = lives
            .iter()
            .map(|i| InstanceResult {
                group: s.groups[i.group.index()].name.clone(),
                az: s.azs[i.az.index()].clone(),
                launched_s: i.launched_at.as_secs_f64(),
                in_service_s: i.in_service_since.map(|t| t.as_secs_f64()),
                terminated_s: i.terminated_at.map(|t| t.as_secs_f64()),
            })
            .collect();
        let duration = s.duration.as_secs_f64();
        // An ECS service's tasks are billed by Fargate (`sim::ecs`), not as instances.
        out.usage.instances = lives
            .iter()
            .filter(|i| s.groups[i.group.index()].ecs.is_none())
            .map(|i| {
                let g = &s.groups[i.group.index()];
                InstanceRun {
                    // Its region's table's price.
                    hourly_usd: (s.regions.az_table(i.az, &s.prices))
                        .ec2_hourly(g.instance_type.as_deref(), g.vcpus)
                        .unwrap_or(0.0),
                    region: s.regions.of_az(i.az).index(),
                    running_s: i.running_at.as_secs_f64(),
                    stop_s: i.terminated_at.map_or(duration, |t| t.as_secs_f64()),
                }
            })
            .collect();
    }
}

/// The request path's questions to EC2 (the load balancer routed a request to an instance).
impl Ec2 {
    /// Whether instance `id` accepts a connection: below its group's `max_concurrent`
    /// (otherwise its accept queue is full and it resets the connection).
    #[inline]
    pub(super) fn accepts(&self, id: InstanceId, specs: &[GroupSpec]) -> bool {
        let inst = &self.instances[id.index()];
        inst.outstanding < specs[inst.group.index()].max_concurrent
    }

    /// Instance `id` takes a routed request's `job` of `work` (counted for its group's
    /// request count per target); whether it started at once.
    #[inline]
    pub(super) fn admit_routed(
        &mut self,
        id: InstanceId,
        job: Job,
        work: SimTime,
        queue: &mut impl Schedule<InstanceEvent>,
    ) -> bool {
        let inst = &mut self.instances[id.index()];
        self.group_meters[inst.group.index()].routed += 1;
        inst.admit(id, job, work, queue)
    }
}

impl Handles<InstanceEvent> for Ec2 {
    /// An instance finished a job. A stopped or terminated instance has no pending
    /// completions (`Instance::stop` cancels them), so none of these is stale.
    fn handle(w: &mut World, e: InstanceEvent) {
        match e {
            InstanceEvent::ServiceCompleted { instance, job } => {
                let inst = &mut w.ec2.instances[instance.index()];
                debug_assert!(inst.state != InstanceState::Terminated);
                let next = inst.on_service_completed(instance, job, &mut w.queue);
                w.outstanding_changed(instance);
                if let Some(next) = next {
                    w.trace_started(next, instance);
                }
                w.on_work_done(job);
            }
            InstanceEvent::SharingCompleted { instance } => {
                let inst = &mut w.ec2.instances[instance.index()];
                debug_assert!(inst.state != InstanceState::Terminated);
                let done = inst.on_sharing_completed(instance, &mut w.queue);
                w.outstanding_changed(instance);
                if let Some(job) = done {
                    w.on_work_done(job);
                }
            }
            InstanceEvent::CreditsChanged { instance } => w.on_credits_changed(instance),
        }
    }
}

impl Handles<AutoScalingEvent> for Ec2 {
    fn handle(w: &mut World, e: AutoScalingEvent) {
        match e {
            AutoScalingEvent::InstanceBooted(id) => w.on_instance_booted(id),
            AutoScalingEvent::GracePeriodEnded(id) => w.on_grace_period_ended(id),
            AutoScalingEvent::StatusCheckFailed(id) => w.on_status_check_failed(id),
            AutoScalingEvent::ScheduledActionDue { group, policy } => {
                w.on_scheduled_action(group, policy)
            }
        }
    }
}
