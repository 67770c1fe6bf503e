//! The world's state, grouped by the service that owns it: traffic (workloads and their
//! requests), the ALB (load balancers and target groups), EC2 and Auto Scaling (groups and
//! their instances), and the data-transfer bills. Lambda (`model::lambda::LambdaService`),
//! SQS (`sqs::SqsWorld`) and the failure state (`resilience::FaultState`) have their own.
//! Each struct is built from the scenario here, with its random streams named after the
//! component (`<kind>/<name>/<purpose>`).

use super::World;
use super::ec2::GroupSeries;
use super::feed::{Arrivals, Draws, Feed};
use super::instance_timers::InstanceTimers;
use super::meters::{GroupMeters, LbMeters, PeriodMeters};
use super::request::Requests;
use super::scaling::{self, GroupMetrics};
use super::service::{Finish, Period, Service, Stage};
use super::slots::InstanceSlots;
use crate::ids::{GroupId, RegionId, TgId};
use crate::kernel::{Rng, stream};
use crate::metrics::{LatencyCounts, RequestStats, TimeSeries};
use crate::model::alb::{Algorithm, LoadBalancer, TargetGroup};
use crate::model::autoscaling::Group;
use crate::scenario::Scenario;
use crate::trace::Kind;
use crate::workload::{ArrivalProcess, ClassPicker};

/// Workloads: arrivals, the streams for class choice and work, and the requests in flight.
pub struct Traffic {
    /// Per workload: its arrival times, and its requests' (class, work) draws, here or from
    /// the feed's thread (`feed`).
    pub arrivals: Vec<Arrivals>,
    pub draws: Vec<Draws>,
    /// The thread producing the fed workloads' streams, if any.
    pub feed: Option<Feed>,
    pub requests: Requests,
    /// Requests that arrived after the warm-up: each must end exactly once or be in flight.
    pub arrived: u64,
    /// Per workload: outcomes, and at the run's end the latencies of `workload_latency`.
    pub per_workload: Vec<RequestStats>,
    /// Per workload: the latencies of its counted successes, merged into `per_workload`'s
    /// histograms when the run ends.
    pub workload_latency: Vec<LatencyCounts>,
    /// Arrivals so far (the next request's trace id).
    pub next_request_id: u64,
    /// Outcomes of the current metric period.
    pub period: PeriodMeters,
    /// Per closed metric period: (requests ended, ok), for availability.
    pub availability: Vec<(u64, u64)>,
    /// The request series' ids.
    pub series: super::traffic::RequestSeries,
    /// Per workload with `clients`: the stream drawing each request's client
    /// (`workload/NAME/clients`), the client count and the first client's number (clients
    /// are numbered across workloads, for the load balancers' stickiness tables).
    pub clients: Clients,
    /// Per workload: `workload/NAME/geography`, its clients' geography in a mix.
    pub geo_rngs: Vec<Rng>,
    /// The round trip of the request being routed now, ns (0: its client has no geography).
    pub rtt_ns: u32,
    /// No fault of the scenario injects target errors and no request class sends a message
    /// when it ends (`enqueue`): a served request's completion is its answer alone
    /// (`World::on_request_served` skips the checks of both).
    pub plain_completions: bool,
    /// No class of any workload calls a database or a service after its instance work: a
    /// request's work done is its answer (`World::on_work_done` skips the lookup of its calls).
    pub no_calls: bool,
    /// Whether the current period's successful latencies reach the (only) workload's
    /// `workload_latency` by one addition of the period's at its end instead of one record
    /// each: only
    /// while every request ending in the period counts (`traffic::Traffic::stop_deferring`).
    pub deferring: bool,
    /// Per workload: its clients have no geography (no round trip, no draw) and resolve no
    /// DNS record (they reach their target): the arrival skips both.
    pub direct_clients: Vec<bool>,
}

/// Per workload with `clients`: the stream drawing each request's client, the client count
/// and the first client's number.
pub struct Clients(Vec<Option<(Rng, u32, u32)>>);

impl Clients {
    /// The client of a request of workload `w` (numbered across workloads): one of its
    /// `clients` drawn uniformly from `workload/NAME/clients`, or `None` (a new client) when
    /// it has none (no draw).
    #[inline]
    pub fn draw(&mut self, w: crate::ids::WorkloadId) -> Option<u32> {
        let (rng, n, first) = self.0[w.index()].as_mut()?;
        Some(*first + crate::kernel::RngExt::uniform_u64(rng, 0, u64::from(*n)) as u32)
    }
}

impl Traffic {
    pub fn new(s: &Scenario, series: &mut TimeSeries) -> Traffic {
        let seed = s.seed;
        Traffic {
            arrivals: s
                .workloads
                .iter()
                .map(|w| {
                    Arrivals::Local(ArrivalProcess::new(
                        w.rate.clone(),
                        w.arrivals,
                        stream(seed, &format!("workload/{}/arrivals", w.name)),
                    ))
                })
                .collect(),
            draws: s
                .workloads
                .iter()
                .map(|w| Draws::Local {
                    rng: stream(seed, &format!("workload/{}/work", w.name)),
                    picker: ClassPicker::new(&w.classes),
                })
                .collect(),
            feed: None,
            requests: Requests::default(),
            arrived: 0,
            per_workload: vec![RequestStats::default(); s.workloads.len()],
            workload_latency: (s.workloads.iter()).map(|_| LatencyCounts::new()).collect(),
            next_request_id: 0,
            period: PeriodMeters::default(),
            availability: Vec::new(),
            series: super::traffic::RequestSeries::register(series),
            clients: Clients({
                let mut first = 0u32;
                (s.workloads.iter())
                    .map(|w| {
                        let n = w.clients?;
                        let rng = stream(seed, &format!("workload/{}/clients", w.name));
                        first += n;
                        Some((rng, n, first - n))
                    })
                    .collect()
            }),
            geo_rngs: (s.workloads.iter())
                .map(|w| stream(seed, &format!("workload/{}/geography", w.name)))
                .collect(),
            rtt_ns: 0,
            deferring: false,
            direct_clients: (0..s.workloads.len())
                .map(|w| {
                    let id = crate::ids::WorkloadId(w as u16);
                    (s.regions.workload_mix.get(w)).is_none_or(|m| m.shares.is_empty())
                        && !(s.services.dns.iter()).any(|r| r.workloads.contains(&id))
                })
                .collect(),
            no_calls: (s.resilience.class_calls.iter()).all(|w| w.iter().all(Vec::is_empty)),
            plain_completions: !(s.resilience.faults.iter())
                .any(|f| matches!(f.kind, crate::model::faults::FaultKind::TargetErrors(..)))
                && !(s.workloads.iter()).any(|w| w.classes.iter().any(|c| c.message.is_some())),
        }
    }
}

/// Load balancers (their nodes and routing), the requests whose clients wait on each (for
/// the idle timeout), target groups, and the load balancers' cost meters.
pub struct Alb {
    pub load_balancers: Vec<LoadBalancer>,
    /// Per load balancer: its idle timer is armed (`idle_timeout`).
    pub idle_armed: Vec<bool>,
    pub target_groups: Vec<TargetGroup>,
    pub lb_meters: Vec<LbMeters>,
    /// Per load balancer: `alb/NAME/forward`, the draws of weighted forward actions.
    pub forward_rngs: Vec<Rng>,
    /// Per target group: requests forwarded to it after the warm-up.
    pub tg_requests: Vec<u64>,
    /// Stickiness tables and the load balancers' own answers (`alb_actions`).
    pub actions: super::alb_actions::AlbActions,
}

impl Alb {
    pub fn new(s: &Scenario) -> Alb {
        Alb {
            actions: super::alb_actions::AlbActions::new(s),
            forward_rngs: s
                .load_balancers
                .iter()
                .map(|lb| stream(s.seed, &format!("alb/{}/forward", lb.name)))
                .collect(),
            tg_requests: vec![0; s.target_groups.len()],
            load_balancers: s
                .load_balancers
                .iter()
                .map(|lb| {
                    LoadBalancer::new(
                        lb.azs.len(),
                        s.target_groups.len(),
                        stream(s.seed, &format!("alb/{}/routing", lb.name)),
                    )
                })
                .collect(),
            idle_armed: vec![false; s.load_balancers.len()],
            target_groups: s
                .target_groups
                .iter()
                .enumerate()
                .map(|(i, tg)| {
                    let mut group = TargetGroup::new(s.azs.len(), tg.algorithm);
                    // Least outstanding requests keeps load buckets for the lists its load
                    // balancers' nodes route among: group-wide with cross-zone, per AZ without.
                    let routed_by = || {
                        s.load_balancers
                            .iter()
                            .filter(move |lb| lb.forwarded().any(|tg| tg.index() == i))
                    };
                    group.bucket_lists(
                        routed_by().any(|lb| lb.cross_zone),
                        routed_by().any(|lb| !lb.cross_zone),
                    );
                    group
                })
                .collect(),
            lb_meters: s
                .load_balancers
                .iter()
                .map(|_| LbMeters::default())
                .collect(),
        }
    }
}

/// Auto Scaling groups, their instances (in reused slots) and the instances' timers, the
/// target groups each group registers with, metrics for scaling policies, and the groups'
/// cost and capacity meters.
pub struct Ec2 {
    /// The target groups each auto scaling group's instances register with.
    pub group_target_groups: Vec<Vec<TgId>>,
    /// Of those, the ones routing by least outstanding requests: they hear of every change
    /// of an instance's outstanding count (the others need not).
    pub load_tracking_target_groups: Vec<Vec<TgId>>,
    /// Whether any group has one (otherwise a change of an instance's outstanding count
    /// concerns nobody: `World::outstanding_changed`).
    pub tracks_load: bool,
    pub groups: Vec<Group>,
    /// Per group: boot times and termination tie-breaks.
    pub group_rngs: Vec<Rng>,
    /// Per group: the pending part of each launch's boot (EC2 bills from `running`).
    pub pending_rngs: Vec<Rng>,
    pub group_metrics: Vec<GroupMetrics>,
    pub metric_delay_periods: u64,
    /// Instances in slots reused after termination (`slots`).
    pub instances: InstanceSlots,
    /// Per instance: its pending timers, cancelled when it terminates.
    pub instance_timers: InstanceTimers,
    pub group_meters: Vec<GroupMeters>,
    /// Per group: its series' ids.
    pub series: Vec<GroupSeries>,
    /// Per group: its CPU credit meters, if its type is burstable (`credits`).
    pub credits: Vec<Option<super::credits::GroupCredits>>,
}

impl Ec2 {
    pub fn new(s: &Scenario, series: &mut TimeSeries) -> Ec2 {
        let seed = s.seed;
        let target_groups_of = |least_outstanding_only: bool| -> Vec<Vec<TgId>> {
            (0..s.groups.len())
                .map(|g| {
                    s.target_groups
                        .iter()
                        .enumerate()
                        .filter(|(_, tg)| tg.group() == Some(GroupId(g as u16)))
                        .filter(|(_, tg)| {
                            !least_outstanding_only
                                || tg.algorithm == Algorithm::LeastOutstandingRequests
                        })
                        .map(|(i, _)| TgId(i as u16))
                        .collect()
                })
                .collect()
        };
        let load_tracking_target_groups = target_groups_of(true);
        Ec2 {
            group_target_groups: target_groups_of(false),
            tracks_load: load_tracking_target_groups.iter().any(|g| !g.is_empty()),
            load_tracking_target_groups,
            groups: s.groups.iter().map(Group::new).collect(),
            group_rngs: s
                .groups
                .iter()
                .map(|g| stream(seed, &format!("asg/{}/lifecycle", g.name)))
                .collect(),
            pending_rngs: s
                .groups
                .iter()
                .map(|g| stream(seed, &format!("asg/{}/pending", g.name)))
                .collect(),
            group_metrics: s
                .groups
                .iter()
                .map(|g| {
                    let mut refs: Vec<_> =
                        g.policies.iter().filter_map(|p| p.metric.clone()).collect();
                    refs.dedup();
                    GroupMetrics::new(refs)
                })
                .collect(),
            metric_delay_periods: scaling::delay_periods(s.metric_delay, s.metric_period),
            instances: Default::default(),
            instance_timers: Default::default(),
            group_meters: s.groups.iter().map(|_| GroupMeters::default()).collect(),
            series: s
                .groups
                .iter()
                .map(|g| GroupSeries::register(s, &g.name, series))
                .collect(),
            credits: s
                .groups
                .iter()
                .map(|g| super::credits::GroupCredits::register(s, g, series))
                .collect(),
        }
    }
}

/// Bytes billed per period: through NAT gateways, and database and cache calls that crossed
/// AZs or regions (this period's, and each closed period's); with several regions, also per
/// region (`regions`), for each region's table (`cost::regional::RegionMeters`).
#[derive(Default)]
pub struct Bills {
    pub nat_bytes: f64,
    pub nat_bytes_periods: Vec<f64>,
    pub inter_az_bytes: f64,
    pub inter_az_bytes_periods: Vec<f64>,
    /// Bytes each way of calls between regions (DynamoDB tables of another region).
    pub inter_region_bytes: f64,
    pub inter_region_bytes_periods: Vec<f64>,
    /// Per region, with several regions (empty with one): this period's bytes and the meters
    /// of the closed periods.
    pub regions: Vec<(RegionBytes, crate::cost::regional::RegionMeters)>,
}

/// One region's bytes in the current period.
#[derive(Clone, Copy, Default)]
pub struct RegionBytes {
    pub nat: f64,
    pub inter_az: f64,
    pub out: f64,
}

impl Bills {
    /// `bytes` through a NAT gateway of region `r`.
    #[inline]
    pub fn nat(&mut self, r: RegionId, bytes: f64) {
        self.nat_bytes += bytes;
        if let Some((b, _)) = self.regions.get_mut(r.index()) {
            b.nat += bytes;
        }
    }

    /// `bytes` each way between two AZs of region `r`.
    #[inline]
    pub fn inter_az(&mut self, r: RegionId, bytes: f64) {
        self.inter_az_bytes += bytes;
        if let Some((b, _)) = self.regions.get_mut(r.index()) {
            b.inter_az += bytes;
        }
    }

    /// `bytes` sent one way from region `from` to another region: a producer's message to a
    /// queue, topic or bus of another region (its answer is small and not billed: our
    /// choice). Data transfer out of `from` ("Data Transfer OUT From Amazon EC2 To ...
    /// another AWS Region", https://aws.amazon.com/ec2/pricing/on-demand/; that SNS's and
    /// EventBridge's deliveries to another Region pay it too is our reading, not confirmed
    /// on AWS's pages, `docs/models/regions.md`). Only runs with several regions cross
    /// regions, so only the region's meter counts it (the whole run's `inter_region_bytes`
    /// counts the two-way calls).
    #[inline]
    pub fn inter_region_out(&mut self, from: RegionId, bytes: f64) {
        if let Some((b, _)) = self.regions.get_mut(from.index()) {
            b.out += bytes;
        }
    }

    /// `bytes` each way of a call from region `from` to region `to`: each direction is data
    /// transfer out of its source region ("Data Transfer OUT From Amazon EC2 To ... another
    /// AWS Region", https://aws.amazon.com/ec2/pricing/on-demand/), so each region pays for
    /// what it sent.
    #[inline]
    pub fn inter_region(&mut self, from: RegionId, to: RegionId, bytes: f64) {
        self.inter_region_bytes += bytes;
        for r in [from, to] {
            if let Some((b, _)) = self.regions.get_mut(r.index()) {
                b.out += bytes;
            }
        }
    }
}

/// Data transfer is billed per GB: the bytes of each cost period.
impl Service for Bills {
    const START: Stage = Stage::Plans;
    const TRACE_KINDS: &'static [Kind] = &[];

    fn start(_: &mut World) {}

    fn build(s: &Scenario, _: &mut TimeSeries) -> Bills {
        let n = if s.regions.tables.len() < 2 {
            0
        } else {
            s.regions.tables.len()
        };
        Bills {
            regions: vec![Default::default(); n],
            ..Bills::default()
        }
    }

    fn period_ended(_: &mut World, _: &Period) {}

    fn close_cost_period(w: &mut World, _: f64) {
        let b = &mut w.bills;
        b.nat_bytes_periods.push(std::mem::take(&mut b.nat_bytes));
        b.inter_az_bytes_periods
            .push(std::mem::take(&mut b.inter_az_bytes));
        b.inter_region_bytes_periods
            .push(std::mem::take(&mut b.inter_region_bytes));
        for (now, m) in &mut b.regions {
            let now = std::mem::take(now);
            m.nat_bytes.push(now.nat);
            m.inter_az_bytes.push(now.inter_az);
            m.inter_region_out_bytes.push(now.out);
        }
    }

    /// The whole run's bytes, and with several regions each region's meters (its NAT
    /// gateways: the named ones in its AZs; a count of unplaced ones, `nat_gateways: N`, in
    /// the first region, where a region-less scenario's resources are).
    fn finish(w: &mut World, out: &mut Finish) {
        let s = &w.scenario;
        out.usage.nat_gateways = s.services.nat_gateways.billed_gateways();
        out.usage.nat_bytes = w.bills.nat_bytes_periods.clone();
        out.usage.inter_az_bytes = w.bills.inter_az_bytes_periods.clone();
        out.usage.inter_region_bytes = w.bills.inter_region_bytes_periods.clone();
        if w.bills.regions.is_empty() {
            return;
        }
        let meters = out.usage.meters(w.bills.regions.len());
        for (m, (_, billed)) in meters.iter_mut().zip(&w.bills.regions) {
            m.nat_bytes = billed.nat_bytes.clone();
            m.inter_az_bytes = billed.inter_az_bytes.clone();
            m.inter_region_out_bytes = billed.inter_region_out_bytes.clone();
        }
        let nat = &s.services.nat_gateways;
        meters[0].nat_gateways = nat.unplaced;
        for g in &nat.gateways {
            meters[s.regions.of_az(g.az).index()].nat_gateways += 1;
        }
    }
}
