//! The world: every service's state for one run (declared once in `registry`), the event
//! loop, and the handlers that connect the services (a request arrives, is routed by the
//! ALB, served by an instance, and recorded).
//!
//! This is the only place that knows all models; each model module knows only itself.
//!
//! Stale events do not exist; owners cancel. Whoever schedules an event that may stop applying
//! keeps its key and cancels or moves it when it does (an instance its completions,
//! `instance_timers` the timers that name an instance, a queue its one timer of each kind, a
//! database call its end), so a handler never asks whether its event is still current.

mod alb;
mod alb_actions;
mod alb_front;
mod alb_route;
mod alb_targets;
mod apigw;
mod calls;
mod clients;
mod cloudfront;
mod credits;
mod database;
mod dns;
mod dynamodb;
mod ec2;
mod ecs;
mod ecs_capacity;
mod elasticache;
mod entries;
mod eventbridge;
mod faults;
mod feed;
#[cfg(test)]
mod feed_tests;
mod front;
mod handlers;
mod health_replacement;
mod idle_timeout;
#[cfg(test)]
mod index_tests;
mod instance_timers;
#[cfg(test)]
mod invariants;
mod kinesis;
mod lambda;
mod lifecycle;
mod meters;
mod nat;
mod registry;
mod request;
mod resilience;
mod result;
#[cfg(test)]
mod run_tests;
mod scaling;
mod service;
mod slots;
mod sns;
mod sqs;
mod state;
mod traffic;

pub use apigw::ApiResult;
pub use cloudfront::DistributionResult;
pub use dns::DnsResult;
pub use dynamodb::TableResult;
pub use ecs::EcsResult;
pub use eventbridge::{BusResult, RuleResult, RuleTargetResult};
pub use feed::{FeedMode, MIN_ARRIVALS as FEED_MIN_ARRIVALS};
pub use kinesis::StreamResult;
pub use lambda::FunctionResult;
pub use nat::GatewayResult;
pub use resilience::{DatabaseResult, FaultResult, ResilienceResult};
pub use result::{CreditResult, GroupResult, InstanceResult, PolicyResult, RunResult};
pub use sns::{SubscriptionResult, TopicResult};
pub use sqs::QueueResult;
pub use sqs::{EventSourceResult, MappingStats};

use crate::kernel::SimTime;
use crate::scenario::Scenario;
use crate::trace::Tracer;
use service::Stage;
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

/// The event count at which `World::run` next checks something: the next multiple of 1,024
/// after `events` (an interrupt, and every 256th of them progress), or the first count past
/// `limit`, whichever comes first.
#[inline]
fn next_check(events: u64, limit: u64) -> u64 {
    ((events >> 10) + 1)
        .saturating_mul(1 << 10)
        .min(limit.saturating_add(1))
}

pub(crate) use registry::trace_kinds;
pub use registry::{Event, ServiceResults, World};

impl World {
    /// The world at the start of a run, every stream on this thread.
    pub fn new(scenario: Arc<Scenario>) -> World {
        World::with_feed(scenario, FeedMode::Off)
    }

    /// The world at the start of a run, with the workloads `feed` chooses produced ahead on
    /// a second thread (`feed`: the same outputs, byte for byte, whatever the choice).
    pub fn with_feed(scenario: Arc<Scenario>, feed: FeedMode) -> World {
        let mut world = World::build(scenario);
        let s = Arc::clone(&world.scenario);
        world.traffic.start_feed(&s, feed);
        world.start();
        world
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Every service's first events, by stages (`service::Stage`: the capacity in service
    /// from the start, then the sources of work), the clock's events, then the services'
    /// plans.
    fn start(&mut self) {
        self.services_start(Stage::Capacity);
        self.services_start(Stage::Sources);
        let s = Arc::clone(&self.scenario);
        if s.warmup > SimTime::ZERO {
            self.queue.schedule(s.warmup, Event::WarmupEnded);
        }
        if s.metric_period <= s.duration {
            self.queue.schedule(s.metric_period, Event::PeriodEnded);
        }
        self.queue.schedule(s.duration, Event::SimulationEnded);
        self.services_start(Stage::Plans);
    }

    /// Runs to the end of simulated time. `progress` is called now and then with the clock
    /// and the number of events so far.
    ///
    /// The run's checks (its event limit, an interrupt every 1,024 events, `progress` every
    /// 262,144) wait for the next event count at which one of them is due (`check_at`): one
    /// comparison per event in between. `progress` is called before its event is dispatched,
    /// with the same clock and count as after it.
    pub fn run(&mut self, mut progress: impl FnMut(SimTime, u64)) -> Result<(), RunError> {
        let limit = self.scenario.max_events;
        let mut check_at = next_check(self.events, limit);
        while let Some((now, event)) = self.queue.pop() {
            self.events += 1;
            if self.events >= check_at {
                if self.events > limit {
                    return Err(RunError::MaxEvents { limit, at: now });
                }
                if self.events & 0x3FF == 0 && crate::interrupt::requested() {
                    return Err(RunError::Interrupted { at: now });
                }
                check_at = next_check(self.events, limit);
                if self.events & 0x3_FFFF == 0 && event != Event::SimulationEnded {
                    progress(now, self.events);
                }
            }
            #[cfg(test)]
            self.check_fires(&event);
            if event == Event::SimulationEnded {
                // A period that ends exactly with the run is still recorded.
                let period = self.scenario.metric_period.as_nanos();
                if now.as_nanos() % period == 0 && self.last_period_end < now {
                    self.on_period_ended();
                }
                break;
            }
            self.dispatch(event);
        }
        progress(self.queue.now(), self.events);
        Ok(())
    }

    /// The clock's own events (the services' go to their owners: `registry`; a request's
    /// arrival goes straight to `on_request_arrived`, `service`'s `dispatch`).
    fn on_clock(&mut self, event: Event) {
        match event {
            Event::PeriodEnded => self.on_period_ended(),
            Event::WarmupEnded => self.on_warmup_ended(),
            _ => unreachable!(
                "the run loop ends at SimulationEnded; arrivals and services are dispatched \
                 to their handlers"
            ),
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
