//! The world: every model's state for one run, the event loop, and the handlers that connect
//! the models (a request arrives, is routed by the ALB, served by an instance, and recorded).
//!
//! This is the only place that knows all models; each model module knows only itself.
//!
//! Stale events do not exist; owners cancel. Whoever schedules an event that may stop applying
//! keeps its key and cancels or moves it when it does (an instance its completions,
//! `instance_timers` the timers that name an instance, a queue its one timer of each kind, a
//! database call its end), so a handler never asks whether its event is still current.

mod database;
mod dns;
mod faults;
mod handlers;
mod health_replacement;
mod idle_timeout;
#[cfg(test)]
mod index_tests;
mod instance_timers;
#[cfg(test)]
mod invariants;
mod lambda;
mod lifecycle;
mod meters;
mod request;
mod resilience;
mod result;
mod scaling;
mod slots;
mod sqs;
mod state;

pub use lambda::FunctionResult;
pub use resilience::{DatabaseResult, DnsResult, FaultResult, ResilienceResult};
pub use result::{GroupResult, InstanceResult, PolicyResult, RunResult};
pub use sqs::QueueResult;
pub use sqs::{EventSourceResult, MappingStats};

use crate::event::Event;
use crate::ids::{GroupId, WorkloadId};
use crate::kernel::{EventQueue, SimTime};
use crate::metrics::TimeSeries;
use crate::model::alb::AlbEvent;
use crate::model::autoscaling::AutoScalingEvent;
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
use meters::PeriodMeters;
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
    /// Workloads: arrivals, their requests in flight and per-workload statistics.
    traffic: state::Traffic,
    /// Load balancers, target groups and their meters.
    alb: state::Alb,
    /// Auto Scaling groups and their instances.
    ec2: state::Ec2,
    /// Terminations whose pending events `invariants` checked.
    #[cfg(test)]
    terminations_checked: usize,
    /// Of those, terminations of instances a fault had stopped.
    #[cfg(test)]
    stopped_terminations_checked: usize,
    /// Checks of the request and instance indexes against scans (`invariants`).
    #[cfg(test)]
    index_checks: usize,
    period: PeriodMeters,
    /// Data-transfer meters billed per period.
    bills: state::Bills,
    series: TimeSeries,
    counting: bool,
    /// When the last metric period was recorded (the run's end may close one more).
    last_period_end: SimTime,
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
        let mut world = World {
            queue: EventQueue::new(),
            events: 0,
            traffic: state::Traffic::new(s),
            alb: state::Alb::new(s),
            ec2: state::Ec2::new(s),
            #[cfg(test)]
            terminations_checked: 0,
            #[cfg(test)]
            stopped_terminations_checked: 0,
            #[cfg(test)]
            index_checks: 0,
            period: PeriodMeters::default(),
            bills: state::Bills::default(),
            series: TimeSeries::default(),
            counting: s.warmup == SimTime::ZERO,
            last_period_end: SimTime::ZERO,
            tracer: None,
            lambda: crate::model::lambda::LambdaService::new(
                s.seed,
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
            if let Some(t) = self.traffic.arrivals[w].next(s.duration) {
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
            #[cfg(test)]
            self.check_fires(&event);
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
                    AlbEvent::ConnectTimedOut(request) => self.on_connect_timed_out(request),
                    AlbEvent::IdleTimeoutDue(lb) => self.on_idle_timeout_due(lb),
                },
                Event::AutoScaling(e) => match e {
                    AutoScalingEvent::InstanceBooted(id) => self.on_instance_booted(id),
                    AutoScalingEvent::GracePeriodEnded(id) => self.on_grace_period_ended(id),
                    AutoScalingEvent::StatusCheckFailed(id) => self.on_status_check_failed(id),
                    AutoScalingEvent::ScheduledActionDue { group, policy } => {
                        self.on_scheduled_action(group, policy)
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
                    SqsEvent::EventSourceScalingDue(m) => self.on_event_source_scaling_due(m),
                },
                Event::Database(e) => match e {
                    DatabaseEvent::CallEnded(slot) => self.on_database_call_ended(slot),
                    DatabaseEvent::FailedOver(d) => self.on_database_failed_over(d),
                },
                Event::Dns(DnsEvent::CheckDue(r)) => self.on_dns_check_due(r),
                Event::Fault(e) => match e {
                    FaultEvent::Started(f) => self.on_fault_started(f),
                    FaultEvent::Ended(f) => self.on_fault_ended(f),
                },
            }
            if self.events & 0x3_FFFF == 0 {
                progress(now, self.events);
            }
        }
        progress(self.queue.now(), self.events);
        Ok(())
    }

    /// An instance finished a job. A stopped or terminated instance has no pending
    /// completions (`Instance::stop` cancels them), so none of these is stale.
    fn on_instance_event(&mut self, e: InstanceEvent) {
        match e {
            InstanceEvent::ServiceCompleted { instance, job } => {
                let inst = &mut self.ec2.instances[instance.index()];
                debug_assert!(inst.state != InstanceState::Terminated);
                let next = inst.on_service_completed(instance, job, &mut self.queue);
                self.outstanding_changed(instance);
                if let Some(next) = next {
                    self.trace_started(next, instance);
                }
                self.on_work_done(job);
            }
            InstanceEvent::SharingCompleted { instance } => {
                let inst = &mut self.ec2.instances[instance.index()];
                debug_assert!(inst.state != InstanceState::Terminated);
                let done = inst.on_sharing_completed(instance, &mut self.queue);
                self.outstanding_changed(instance);
                if let Some(job) = done {
                    self.on_work_done(job);
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
