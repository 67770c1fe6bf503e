//! What a finished run hands to reports and experiments: plain data, no model state.

use super::World;
use super::service::Finish;
use crate::cost::{self, Breakdown, Usage};
use crate::metrics::Statistic;
use crate::metrics::{RequestStats, TimeSeries};
use std::sync::Arc;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupResult {
    pub name: String,
    pub launched: u64,
    pub terminated: u64,
    pub max_in_service: u32,
    /// Running instance time after the warm-up, in hours (what EC2 bills).
    pub instance_hours: f64,
    /// Busy core time over in-service core time after the warm-up.
    pub mean_cpu_percent: f64,
    /// Changes of desired capacity (and health replacements), over the whole run.
    pub activities: Vec<crate::model::autoscaling::Activity>,
    /// The scaling policies (not scheduled actions): name and what held each back.
    pub policies: Vec<PolicyResult>,
    /// Every alarm state change, in time order (`AlarmChange::policy` indexes the group's
    /// policies, scheduled actions included).
    pub alarm_history: Vec<crate::model::autoscaling::AlarmChange>,
    /// The group's policy names, by index (for `alarm_history`).
    pub policy_names: Vec<String>,
    /// The group is an ECS service's tasks (`model::ecs`): reported in the `ecs` section.
    pub ecs_service: bool,
    /// A burstable group's CPU credits; `None` for other types.
    pub credits: Option<CreditResult>,
}

/// What a burstable group's CPU credits did (`sim::credits`). Counts and sums are over the
/// accounted window (after the warm-up); the `_end` figures are the mean over the instances
/// alive at the end.
#[derive(Clone, Debug, PartialEq)]
pub struct CreditResult {
    pub family: &'static str,
    pub mode: &'static str,
    pub baseline_percent: f64,
    pub credits_per_hour: f64,
    pub max_credits: f64,
    pub balance_end: f64,
    pub surplus_balance_end: f64,
    /// Instance-seconds spent throttled to the baseline (standard mode).
    pub throttled_instance_s: f64,
    /// Instances throttled at the end.
    pub throttled_at_end: u32,
    /// Times an instance's balance ran out, and times a throttled one got its speed back.
    pub exhausted: u64,
    pub restored: u64,
    pub first_exhausted_s: Option<f64>,
    /// CPUCreditUsage, summed.
    pub credits_spent: f64,
    /// Surplus credits charged (unlimited), and what they cost.
    pub surplus_credits_charged: f64,
    pub surplus_usd: f64,
}

/// A scaling policy's evaluations at which it wanted to act but could not, by reason
/// (`Blocked::index`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyResult {
    pub name: String,
    pub blocked: [u64; 5],
}

/// One instance's life, for reports and tests.
#[derive(Clone, Debug, PartialEq)]
pub struct InstanceResult {
    pub group: String,
    pub az: String,
    pub launched_s: f64,
    pub in_service_s: Option<f64>,
    pub terminated_s: Option<f64>,
}

#[derive(Clone, Default)]
pub struct RunResult {
    pub scenario: String,
    pub seed: u64,
    pub sim_duration_s: f64,
    pub warmup_s: f64,
    pub events: u64,
    pub wall_s: f64,
    /// Requests that arrived after the warm-up.
    pub arrived: u64,
    /// How those that ended, ended.
    pub overall: RequestStats,
    /// Of those, requests still in flight when the run ended.
    pub in_flight: u64,
    /// Their ages at the end (how long they had been waiting), so that a latency objective
    /// can count the ones already older than its threshold against it.
    pub in_flight_age: crate::metrics::Latency,
    /// Requests still in flight at the end, per workload (in workload order).
    pub in_flight_by_workload: Vec<u64>,
    pub workloads: Vec<(String, RequestStats)>,
    pub groups: Vec<GroupResult>,
    pub series: TimeSeries,
    pub cost: Breakdown,
    pub instances: Vec<InstanceResult>,
    pub lambda_functions: Vec<super::FunctionResult>,
    /// `(time_s, label)`: events worth marking on the dashboard (a fault injected, a
    /// failover), drawn as vertical lines on every panel. Models that inject or suffer faults
    /// push here, in time order; nothing does yet.
    pub markers: Vec<(f64, String)>,
    /// SQS queues, in name order.
    pub queues: Vec<super::QueueResult>,
    /// Availability, faults and databases.
    pub resilience: super::ResilienceResult,
    /// Lambda event source mappings of the queues, in queue order.
    pub event_sources: Vec<super::EventSourceResult>,
    /// Per target group, in name order: `(name, requests forwarded after the warm-up)`.
    pub target_groups: Vec<(String, u64)>,
    /// The results of the services that declare their own in the registry (`dns`, ...).
    pub services: super::ServiceResults,
    /// Per load balancer, in name order, when some load balancer has fixed-response or
    /// redirect actions (else empty): `(name, [(status, answers after the warm-up)])`, the
    /// statuses in rule order.
    pub load_balancer_answers: Vec<(String, Vec<(u16, u64)>)>,
    /// API Gateway APIs, in name order.
    pub api_gateways: Vec<super::ApiResult>,
}

impl World {
    /// Closes the books at the end of simulated time: the last, partial cost period closes,
    /// every service gives its part of the results and the usage (`service`), and the usage
    /// is priced into the bill and the `cost_usd` series.
    pub fn into_result(mut self, wall_s: f64) -> RunResult {
        let s = Arc::clone(&self.scenario);
        let (duration, period) = (s.duration.as_secs_f64(), s.metric_period.as_secs_f64());
        let closed_periods = self.last_period_end.as_nanos() / s.metric_period.as_nanos();
        let closed = closed_periods as f64 * period;
        if duration - closed > 1e-9 {
            self.close_cost_period(duration - closed);
        }
        let mut out = Finish {
            usage: Usage {
                duration_s: duration,
                warmup_s: s.warmup.as_secs_f64(),
                period_s: period,
                ..Usage::default()
            },
            ..Finish::default()
        };
        self.finish_services(&mut out);
        // One table (one region: the run's, or the one region's): one bill, as before
        // regions; with several, each region's part by its table (`cost::regional`).
        let cost = if let [] | [_] = s.regions.tables.as_slice() {
            cost::price(&out.usage, s.regions.tables.first().unwrap_or(&s.prices))
        } else {
            let names: Vec<String> = (s.regions.regions.iter()).map(|r| r.name.clone()).collect();
            let tables = cost::regional::RegionTables {
                names: &names,
                tables: &s.regions.tables,
            };
            cost::regional::price_by_region(&out.usage, &s.prices, &tables)
        };
        let id = self.series.series("cost_usd", Statistic::Sum);
        for (k, c) in cost.per_period.iter().enumerate() {
            self.series.push(k as f64 * period, id, *c);
        }
        RunResult {
            scenario: s.name.clone(),
            seed: s.seed,
            sim_duration_s: duration,
            warmup_s: s.warmup.as_secs_f64(),
            events: self.events,
            wall_s,
            series: self.series,
            cost,
            ..out.result
        }
    }
}
