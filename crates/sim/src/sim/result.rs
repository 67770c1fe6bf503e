//! What a finished run hands to reports and experiments: plain data, no model state.

use super::World;
use crate::cost::{self, Breakdown, InstanceRun, Usage};
use crate::metrics::Statistic;
use crate::metrics::{RequestStats, TimeSeries};
use crate::model::scaling_policy::PolicyKind;

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

#[derive(Clone)]
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
    /// Availability, faults, databases and DNS records.
    pub resilience: super::ResilienceResult,
    /// Lambda event source mappings of the queues, in queue order.
    pub event_sources: Vec<super::EventSourceResult>,
}

impl World {
    /// Closes the books at the end of simulated time.
    pub fn into_result(mut self, wall_s: f64) -> RunResult {
        self.flush_cpu();
        // Every instance launched, in launch order (slots are reused: see `slots`).
        let lives = self.ec2.instances.take_lives();
        let cost = self.price(&lives);
        // The overall figures are the workloads' merged (one histogram record per request).
        let mut overall = RequestStats::default();
        for w in &self.traffic.per_workload {
            overall.merge(w);
        }
        assert_eq!(
            self.traffic.arrived,
            overall.total + self.traffic.requests.live_counted(),
            "conservation: every request that arrived ended exactly once or is still in flight"
        );
        self.check_lambda_conservation();
        let lambda_functions = self.lambda_results();
        let queues = self.queue_results();
        let event_sources = self.event_source_results();
        let s = &*self.scenario;
        let end = s.duration;
        let mut in_flight_age = crate::metrics::Latency::new();
        let mut in_flight_by_workload = vec![0u64; s.workloads.len()];
        for r in self.traffic.requests.live_counted_iter() {
            in_flight_age.record(end.saturating_sub(r.arrived_at).as_nanos());
            in_flight_by_workload[r.workload.index()] += 1;
        }
        let groups = s
            .groups
            .iter()
            .enumerate()
            .map(|(g, spec)| {
                let group = &self.ec2.groups[g];
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
                    mean_cpu_percent: self.ec2.group_meters[g].total_cpu_percent(),
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
                }
            })
            .collect();
        RunResult {
            scenario: s.name.clone(),
            seed: s.seed,
            sim_duration_s: s.duration.as_secs_f64(),
            warmup_s: s.warmup.as_secs_f64(),
            events: self.events,
            wall_s,
            arrived: self.traffic.arrived,
            in_flight: self.traffic.requests.live_counted(),
            in_flight_age,
            in_flight_by_workload,
            workloads: s
                .workloads
                .iter()
                .zip(&self.traffic.per_workload)
                .map(|(w, r)| (w.name.clone(), r.clone()))
                .collect(),
            groups,
            instances: lives
                .iter()
                .map(|i| InstanceResult {
                    group: s.groups[i.group.index()].name.clone(),
                    az: s.azs[i.az.index()].clone(),
                    launched_s: i.launched_at.as_secs_f64(),
                    in_service_s: i.in_service_since.map(|t| t.as_secs_f64()),
                    terminated_s: i.terminated_at.map(|t| t.as_secs_f64()),
                })
                .collect(),
            resilience: self.faults.result(s, overall.ok, overall.failed(), end),
            markers: self
                .faults
                .markers
                .iter()
                .map(|(t, l)| (t.as_secs_f64(), l.clone()))
                .collect(),
            overall,
            series: self.series,
            cost,
            lambda_functions,
            queues,
            event_sources,
        }
    }
}

impl World {
    /// Prices the run (closing the last, partial cost period) and adds the `cost_usd` series.
    fn price(&mut self, lives: &[super::slots::Life]) -> Breakdown {
        let s = &*self.scenario;
        let (duration, period) = (s.duration.as_secs_f64(), s.metric_period.as_secs_f64());
        let closed = self.bills.nat_bytes_periods.len() as f64 * period;
        if duration - closed > 1e-9 {
            self.close_cost_period(duration - closed);
        }
        let s = &*self.scenario;
        let usage = Usage {
            duration_s: duration,
            warmup_s: s.warmup.as_secs_f64(),
            period_s: period,
            instances: lives
                .iter()
                .map(|i| {
                    let g = &s.groups[i.group.index()];
                    InstanceRun {
                        hourly_usd: s
                            .prices
                            .ec2_hourly(g.instance_type.as_deref(), g.vcpus)
                            .unwrap_or(0.0),
                        running_s: i.running_at.as_secs_f64(),
                        stop_s: i.terminated_at.map_or(duration, |t| t.as_secs_f64()),
                    }
                })
                .collect(),
            load_balancers: self
                .alb
                .lb_meters
                .iter()
                .map(|m| m.periods.clone())
                .collect(),
            nat_gateways: s.nat_gateways,
            nat_bytes: self.bills.nat_bytes_periods.clone(),
            inter_az_bytes: self.bills.inter_az_bytes_periods.clone(),
            lambda: self.lambda_usage(),
            sqs_requests: if s.queues.is_empty() {
                Vec::new()
            } else {
                self.sqs.billed_periods.clone()
            },
            databases: s
                .resilience
                .databases
                .iter()
                .filter(|d| d.hit_ratio.is_none())
                .map(|d| cost::DatabaseRun {
                    class: d.instance_class.clone(),
                    multi_az: d.multi_az,
                })
                .collect(),
        };
        let breakdown = cost::price(&usage, &s.prices);
        let id = self.series.series("cost_usd", Statistic::Sum);
        for (k, c) in breakdown.per_period.iter().enumerate() {
            self.series.push(k as f64 * period, id, *c);
        }
        breakdown
    }
}
