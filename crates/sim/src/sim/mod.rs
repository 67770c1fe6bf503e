//! The world: every model's state for one run, the event loop, and the handlers that connect
//! the models (a request arrives, is routed by the ALB, served by an instance, and recorded).
//!
//! This is the only place that knows all models; each model module knows only itself.

mod database;
mod dns;
mod faults;
mod handlers;
mod health_replacement;
mod idle_timeout;
mod lambda;
mod lifecycle;
mod meters;
mod request;
mod resilience;
mod result;
mod scaling;
mod slots;
mod sqs;

pub use lambda::FunctionResult;
pub use resilience::{DatabaseResult, DnsResult, FaultResult, ResilienceResult};
pub use result::{GroupResult, InstanceResult, PolicyResult, RunResult};
pub use sqs::QueueResult;
pub use sqs::{EventSourceResult, MappingStats};

use crate::event::Event;
use crate::ids::{GroupId, TgId, WorkloadId};
use crate::kernel::{EventQueue, Rng, SimTime, stream};
use crate::metrics::{RequestStats, TimeSeries};
use crate::model::alb::AlbEvent;
use crate::model::alb::{LoadBalancer, TargetGroup};
use crate::model::autoscaling::AutoScalingEvent;
use crate::model::autoscaling::Group;
use crate::model::database::DatabaseEvent;
use crate::model::dns::DnsEvent;
use crate::model::faults::FaultEvent;
use crate::model::health::Health;
use crate::model::instance::InstanceEvent;
use crate::model::instance::InstanceState;
use crate::model::lambda::LambdaEvent;
use crate::model::sqs::SqsEvent;
use crate::scenario::Scenario;
use crate::trace::Tracer;
use crate::workload::{ArrivalProcess, ClassPicker};
use meters::{GroupMeters, LbMeters, PeriodMeters};
use request::Requests;
use std::sync::Arc;

/// Why a run stopped early.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "the run processed {limit} events (max_events) before reaching the end of simulated time \
         (stopped at {at}); raise it with --max-events or the scenario's `max_events` if the \
         scenario is really that large"
    )]
    MaxEvents { limit: u64, at: SimTime },
    /// SIGINT or SIGTERM arrived (see `crate::interrupt`).
    #[error("interrupted at simulated time {at}")]
    Interrupted { at: SimTime },
}

pub struct World {
    scenario: Arc<Scenario>,
    queue: EventQueue<Event>,
    events: u64,
    /// Per workload: arrivals, the stream for class choice and work, the class picker.
    arrivals: Vec<ArrivalProcess>,
    work_rngs: Vec<Rng>,
    pickers: Vec<ClassPicker>,
    load_balancers: Vec<LoadBalancer>,
    /// Per load balancer: the requests whose clients wait, for the idle timeout.
    open_requests: Vec<idle_timeout::OpenRequests>,
    target_groups: Vec<TargetGroup>,
    /// The target groups each auto scaling group's instances register with.
    group_target_groups: Vec<Vec<TgId>>,
    groups: Vec<Group>,
    /// Per group: boot times and termination tie-breaks.
    group_rngs: Vec<Rng>,
    /// Per group: the pending part of each launch's boot (EC2 bills from `running`).
    pending_rngs: Vec<Rng>,
    group_metrics: Vec<scaling::GroupMetrics>,
    metric_delay_periods: u64,
    /// Instances in slots reused after termination (`slots`).
    instances: slots::InstanceSlots,
    requests: Requests,
    /// Requests that arrived after the warm-up: each must end exactly once or be in flight.
    arrived: u64,
    per_workload: Vec<RequestStats>,
    period: PeriodMeters,
    group_meters: Vec<GroupMeters>,
    lb_meters: Vec<LbMeters>,
    /// Bytes sent through NAT gateways: this period, and per closed period.
    nat_bytes: f64,
    nat_bytes_periods: Vec<f64>,
    /// Bytes of database and cache calls that crossed AZs, this period and per period.
    inter_az_bytes: f64,
    inter_az_bytes_periods: Vec<f64>,
    series: TimeSeries,
    counting: bool,
    /// When the last metric period was recorded (the run's end may close one more).
    last_period_end: SimTime,
    /// Arrivals so far (the next request's trace id).
    next_request_id: u64,
    tracer: Option<Box<Tracer>>,
    /// Lambda functions, pools, scaling ceilings, invocations and async events.
    lambda: crate::model::lambda::LambdaService,
    /// SQS queues, messages and worker pollers.
    sqs: sqs::SqsWorld,
    /// Down AZs and instances, databases, DNS records, the fault log.
    faults: resilience::FaultState,
}

impl World {
    pub fn new(scenario: Arc<Scenario>) -> World {
        let s = &*scenario;
        let seed = s.seed;
        let arrivals = s
            .workloads
            .iter()
            .map(|w| {
                ArrivalProcess::new(
                    w.rate.clone(),
                    w.arrivals,
                    stream(seed, &format!("workload/{}/arrivals", w.name)),
                )
            })
            .collect();
        let work_rngs = s
            .workloads
            .iter()
            .map(|w| stream(seed, &format!("workload/{}/work", w.name)))
            .collect();
        let pickers = s
            .workloads
            .iter()
            .map(|w| ClassPicker::new(&w.classes))
            .collect();
        let load_balancers = s
            .load_balancers
            .iter()
            .map(|lb| {
                LoadBalancer::new(
                    lb.azs.len(),
                    s.target_groups.len(),
                    stream(seed, &format!("alb/{}/routing", lb.name)),
                )
            })
            .collect();
        let mut target_groups: Vec<TargetGroup> = s
            .target_groups
            .iter()
            .map(|tg| TargetGroup::new(s.azs.len(), tg.algorithm))
            .collect();
        for (i, group) in target_groups.iter_mut().enumerate() {
            let routed_by = || {
                s.load_balancers
                    .iter()
                    .filter(move |lb| lb.forwarded().any(|tg| tg.index() == i))
            };
            group.bucket_lists(
                routed_by().any(|lb| lb.cross_zone),
                routed_by().any(|lb| !lb.cross_zone),
            );
        }
        let group_target_groups = (0..s.groups.len())
            .map(|g| {
                s.target_groups
                    .iter()
                    .enumerate()
                    .filter(|(_, tg)| tg.group.index() == g)
                    .map(|(i, _)| TgId(i as u16))
                    .collect()
            })
            .collect();
        let mut world = World {
            queue: EventQueue::new(),
            events: 0,
            arrivals,
            work_rngs,
            pickers,
            load_balancers,
            open_requests: s
                .load_balancers
                .iter()
                .map(|_| Default::default())
                .collect(),
            target_groups,
            group_target_groups,
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
                    scaling::GroupMetrics::new(refs)
                })
                .collect(),
            metric_delay_periods: scaling::delay_periods(s.metric_delay, s.metric_period),
            instances: Default::default(),
            requests: Requests::default(),
            arrived: 0,
            per_workload: vec![RequestStats::default(); s.workloads.len()],
            period: PeriodMeters::default(),
            group_meters: s.groups.iter().map(|_| GroupMeters::default()).collect(),
            lb_meters: s
                .load_balancers
                .iter()
                .map(|_| LbMeters::default())
                .collect(),
            nat_bytes: 0.0,
            nat_bytes_periods: Vec::new(),
            inter_az_bytes: 0.0,
            inter_az_bytes_periods: Vec::new(),
            series: TimeSeries::default(),
            counting: s.warmup == SimTime::ZERO,
            last_period_end: SimTime::ZERO,
            next_request_id: 0,
            tracer: None,
            lambda: crate::model::lambda::LambdaService::new(
                seed,
                &s.lambda_functions,
                &s.account,
                s.prices.lambda.billing_granularity_ms,
                s.prices.lambda.init_billed,
            ),
            sqs: sqs::SqsWorld::new(s),
            faults: resilience::FaultState::new(s),
            scenario,
        };
        world.start();
        world
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Initial capacity (in service from the start: the scenario begins in steady state),
    /// the first arrival of every workload, and the clock events.
    fn start(&mut self) {
        let s = Arc::clone(&self.scenario);
        for (g, spec) in s.groups.iter().enumerate() {
            for _ in 0..spec.desired {
                let id = self.launch(GroupId(g as u16));
                self.put_in_service(id, Health::Healthy);
            }
            self.schedule_actions(GroupId(g as u16));
        }
        for w in 0..s.workloads.len() {
            if let Some(t) = self.arrivals[w].next(s.duration) {
                self.queue
                    .schedule(t, Event::RequestArrived(WorkloadId(w as u16)));
            }
        }
        self.start_event_sources();
        if s.warmup > SimTime::ZERO {
            self.queue.schedule(s.warmup, Event::WarmupEnded);
        }
        if s.metric_period <= s.duration {
            self.queue.schedule(s.metric_period, Event::PeriodEnded);
        }
        self.queue.schedule(s.duration, Event::SimulationEnded);
        self.schedule_faults();
    }

    /// Runs to the end of simulated time. `progress` is called now and then with the clock
    /// and the number of events so far.
    pub fn run(&mut self, mut progress: impl FnMut(SimTime, u64)) -> Result<(), RunError> {
        let limit = self.scenario.max_events;
        while let Some((now, event)) = self.queue.pop() {
            self.events += 1;
            if self.events > limit {
                return Err(RunError::MaxEvents { limit, at: now });
            }
            if self.events & 0x3FF == 0 && crate::interrupt::requested() {
                return Err(RunError::Interrupted { at: now });
            }
            match event {
                Event::RequestArrived(w) => self.on_request_arrived(w),
                Event::PeriodEnded => self.on_period_ended(),
                Event::WarmupEnded => self.on_warmup_ended(),
                Event::SimulationEnded => {
                    // A period that ends exactly with the run is still recorded.
                    let period = self.scenario.metric_period.as_nanos();
                    if now.as_nanos() % period == 0 && self.last_period_end < now {
                        self.on_period_ended();
                    }
                    break;
                }
                Event::Instance(e) => self.on_instance_event(e),
                Event::Alb(e) => match e {
                    AlbEvent::HealthCheckDue { instance, tg } => {
                        self.on_health_check_due(instance, tg)
                    }
                    AlbEvent::DeregistrationEnded(id) => self.on_deregistration_ended(id),
                    AlbEvent::ConnectTimedOut { instance, request } => {
                        self.on_connect_timed_out(instance, request)
                    }
                    AlbEvent::IdleTimeoutDue(lb) => self.on_idle_timeout_due(lb),
                },
                Event::AutoScaling(e) => match e {
                    AutoScalingEvent::InstanceBooted(id) => self.on_instance_booted(id),
                    AutoScalingEvent::GracePeriodEnded(id) => self.on_grace_period_ended(id),
                    AutoScalingEvent::StatusCheckFailed(id) => self.on_status_check_failed(id),
                    AutoScalingEvent::ScheduledActionDue { group, policy } => {
                        self.on_scheduled_action(group, policy.0)
                    }
                },
                Event::Lambda(e) => match e {
                    LambdaEvent::InvocationEnded(id) => self.on_lambda_invocation_ended(id),
                    LambdaEvent::BurstWindowEnded => {
                        self.lambda.burst_window_ended(&mut self.queue)
                    }
                    LambdaEvent::AsyncRetryDue(e) => self.attempt_async(e),
                },
                Event::Sqs(e) => match e {
                    SqsEvent::TimerDue(q) => self.on_queue_timer_due(q),
                    SqsEvent::ReceiveAnswered(p) => self.on_receive_answered(p),
                    SqsEvent::LongPollsDue(q) => self.on_long_polls_due(q),
                    SqsEvent::EventSourceScalingDue(m) => self.on_event_source_scaling_due(m.0),
                },
                Event::Database(e) => match e {
                    DatabaseEvent::CallEnded(slot) => self.on_database_call_ended(slot.0),
                    DatabaseEvent::FailedOver(d) => self.on_database_failed_over(d.0),
                },
                Event::Dns(DnsEvent::CheckDue(r)) => self.on_dns_check_due(r.0),
                Event::Fault(e) => match e {
                    FaultEvent::Started(f) => self.on_fault_started(f.0),
                    FaultEvent::Ended(f) => self.on_fault_ended(f.0),
                },
            }
            if self.events & 0x3_FFFF == 0 {
                progress(now, self.events);
            }
        }
        progress(self.queue.now(), self.events);
        Ok(())
    }

    /// An instance finished a job. Completions of a terminated or stopped instance are stale:
    /// its requests already ended with it.
    fn on_instance_event(&mut self, e: InstanceEvent) {
        match e {
            InstanceEvent::ServiceCompleted { instance, request } => {
                self.instance_event_popped(instance);
                let inst = &mut self.instances[instance.index()];
                if inst.state == InstanceState::Terminated || self.faults.is_stopped(instance) {
                    return;
                }
                let next = inst.on_service_completed(instance, &mut self.queue);
                self.outstanding_changed(instance);
                if let Some(next) = next {
                    self.trace_started(next, instance);
                }
                self.on_work_done(request);
            }
            InstanceEvent::SharingCompleted { instance } => {
                self.instance_event_popped(instance);
                let inst = &mut self.instances[instance.index()];
                if inst.state == InstanceState::Terminated {
                    return;
                }
                let done = inst.on_sharing_completed(instance, &mut self.queue);
                self.outstanding_changed(instance);
                if let Some(request) = done {
                    self.on_work_done(request);
                }
            }
        }
    }

    pub fn events(&self) -> u64 {
        self.events
    }

    /// Traces this run's events of interest (see `trace`).
    pub fn set_tracer(&mut self, tracer: Tracer) {
        self.tracer = Some(Box::new(tracer));
    }

    /// The tracer, to flush and close after the run.
    pub fn take_tracer(&mut self) -> Option<Tracer> {
        self.tracer.take().map(|t| *t)
    }
}
