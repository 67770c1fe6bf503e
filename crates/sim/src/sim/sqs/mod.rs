//! SQS in the world: the queues' state, sending (from workloads and as a side effect of web
//! requests), the consumers' receive loops on worker instances, queue timers, per-period
//! CloudWatch metrics (and the `backlog_per_instance` custom metric for target tracking),
//! and the queues' part of the run's result.
//!
//! A worker processes a message as a job on its instance, next to web requests: a
//! `model::instance::Job::Message` names the poller (each poller runs at most one job at a
//! time), so its completion comes back through the instance's completion path and is routed
//! here (`on_message_processed`).

mod consume;
mod event_source;
mod metrics;
mod result;
mod send;

pub use event_source::{EventSourceResult, MappingStats};
pub use result::QueueResult;

use crate::ids::{GroupId, InstanceId, PollerId, QueueId};
use crate::kernel::{EventQueue, Key, Rng, SimTime, stream};
use crate::metrics::TimeSeries;
use crate::model::sqs::{ConsumerSpec, Messages, Pollers, Queue, SqsEvent};
use crate::scenario::Scenario;
use crate::sim::World;
use crate::sim::service::{Finish, Handles, Period, Service};

/// Every queue's runtime state, the message slab and the pollers.
pub struct SqsWorld {
    pub(super) queues: Vec<Queue>,
    pub(super) messages: Messages,
    pub(super) pollers: Pollers,
    /// Per queue: its one pending timer event (`None`: none pending), moved earlier when an
    /// earlier deadline appears.
    timer: Vec<Option<Key>>,
    /// Per queue: its one pending long-poll expiry event.
    polls_timer: Vec<Option<Key>>,
    /// Pollers whose wait just ran out (reused).
    expired: Vec<PollerId>,
    /// Per instance (by id): the range of its pollers.
    instance_pollers: Vec<(u32, u32)>,
    /// Per group: the (queue, consumer index) pairs it consumes for.
    group_consumers: Vec<Vec<(QueueId, u16)>>,
    /// Per queue, per consumer: the stream deciding processing failures.
    failure_rngs: Vec<Vec<Rng>>,
    /// Per workload: the stream of message work and delays of `enqueue` classes.
    message_rngs: Vec<Rng>,
    next_message_id: u64,
    next_receipt: u64,
    /// Billed SQS requests of all queues: this period, and per closed period.
    billed: u64,
    pub(super) billed_periods: Vec<f64>,
    /// Lambda event source mappings and their pollers' batches.
    sources: event_source::EventSources,
    /// The series' ids.
    series: metrics::SqsSeries,
}

/// A consumer's stable name, for its random streams: `group/NAME` (a worker fleet) or
/// `lambda/NAME` (an event source mapping). A queue has at most one consumer of each name
/// (`scenario::resolve_queue`), so adding or reordering consumers changes no other's draws.
fn consumer_name(s: &Scenario, c: &ConsumerSpec) -> String {
    match c {
        ConsumerSpec::Workers(w) => format!("group/{}", s.groups[w.group.index()].name),
        ConsumerSpec::Lambda(e) => {
            format!("lambda/{}", s.lambda_functions[e.function.index()].name)
        }
    }
}

impl SqsWorld {
    pub fn new(s: &Scenario, series: &mut TimeSeries) -> SqsWorld {
        let seed = s.seed;
        let mut group_consumers = vec![Vec::new(); s.groups.len()];
        for (q, spec) in s.queues.iter().enumerate() {
            for (c, consumer) in spec.consumers.iter().enumerate() {
                match consumer {
                    ConsumerSpec::Workers(w) => {
                        group_consumers[w.group.index()].push((QueueId(q as u16), c as u16))
                    }
                    ConsumerSpec::Lambda(_) => {}
                }
            }
        }
        SqsWorld {
            queues: s
                .queues
                .iter()
                .map(|q| {
                    Queue::new(
                        q,
                        s.warmup,
                        stream(seed, &format!("sqs/{}/servers", q.name)),
                    )
                })
                .collect(),
            messages: Messages::default(),
            pollers: Pollers::new(s.queues.len()),
            timer: vec![None; s.queues.len()],
            polls_timer: vec![None; s.queues.len()],
            expired: Vec::new(),
            instance_pollers: Vec::new(),
            failure_rngs: s
                .queues
                .iter()
                .map(|q| {
                    q.consumers
                        .iter()
                        .map(|c| {
                            let name = consumer_name(s, c);
                            stream(seed, &format!("sqs/{}/{name}/failures", q.name))
                        })
                        .collect()
                })
                .collect(),
            message_rngs: s
                .workloads
                .iter()
                .map(|w| stream(seed, &format!("workload/{}/messages", w.name)))
                .collect(),
            next_message_id: 0,
            next_receipt: 0,
            billed: 0,
            billed_periods: Vec::new(),
            sources: event_source::EventSources::default(),
            series: metrics::SqsSeries::register(s, |g| !group_consumers[g].is_empty(), series),
            group_consumers,
        }
    }

    /// Whether the group consumes any queue (its instances run pollers).
    pub(super) fn consumes(&self, g: GroupId) -> bool {
        !self.group_consumers[g.index()].is_empty()
    }

    fn pollers_of(&self, i: InstanceId) -> std::ops::Range<u32> {
        let (a, b) = self
            .instance_pollers
            .get(i.index())
            .copied()
            .unwrap_or((0, 0));
        a..b
    }

    /// Closes the bill's current period.
    pub(super) fn close_cost_period(&mut self) {
        self.billed_periods
            .push(std::mem::take(&mut self.billed) as f64);
    }

    /// Counts billed requests (this period's bill, and the queue's totals after warm-up).
    fn bill(&mut self, q: QueueId, requests: u64, counting: bool) {
        self.billed += requests;
        let stats = &mut self.queues[q.index()].stats;
        stats.period.billed_requests += requests;
        if counting {
            stats.billed_requests += requests;
        }
    }
}

/// Arms a queue's one timer (`timer`) for `at`: a pending one due later moves to `at`, one due
/// at or before `at` stays, and when none is pending `event` is scheduled. So each queue has at
/// most one pending event of each kind, and none of them is stale when it fires.
fn arm(
    queue: &mut EventQueue<crate::event::Event>,
    timer: &mut Option<Key>,
    at: SimTime,
    event: crate::model::sqs::SqsEvent,
) {
    match timer.and_then(|k| queue.due(k).map(|due| (k, due))) {
        Some((key, due)) => {
            if at < due {
                queue.reschedule(key, at);
            }
        }
        None => *timer = Some(queue.schedule_keyed(at, event.into())),
    }
}

impl Service for SqsWorld {
    fn build(s: &Scenario, series: &mut TimeSeries) -> SqsWorld {
        SqsWorld::new(s, series)
    }

    fn period_ended(w: &mut World, p: &Period) {
        w.sqs_period_ended(p);
    }

    fn close_cost_period(w: &mut World, _: f64) {
        w.sqs.close_cost_period();
    }

    fn finish(w: &mut World, out: &mut Finish) {
        out.result.queues = w.queue_results();
        out.result.event_sources = w.event_source_results();
        if !w.scenario.queues.is_empty() {
            out.usage.sqs_requests = w.sqs.billed_periods.clone();
        }
    }
}

impl Handles<SqsEvent> for SqsWorld {
    fn handle(w: &mut World, e: SqsEvent) {
        match e {
            SqsEvent::TimerDue(q) => w.on_queue_timer_due(q),
            SqsEvent::ReceiveAnswered(p) => w.on_receive_answered(p),
            SqsEvent::LongPollsDue(q) => w.on_long_polls_due(q),
            SqsEvent::EventSourceScalingDue(m) => w.on_event_source_scaling_due(m),
        }
    }
}
