//! SQS: the queues' state, sending (from workloads and as a side effect of web requests),
//! the consumers' receive loops on worker instances, Lambda event source mappings, queue
//! timers, per-period CloudWatch metrics (and the `backlog_per_instance` custom metric for
//! target tracking), and the queues' part of the run's result.
//!
//! The service's code (`send`, `consume`, `event_source`, `metrics`, `result`) is methods of
//! [`SqsWorld`] that take a narrow context ([`Ctx`]): the queues' specs and the price list,
//! the clock and a scheduler of SQS's own events, a read-only view of the instances its
//! worker pollers run on ([`Hosts`]), and the tracer. Its random streams are its own. What
//! another service must do comes back as a value for the world to route: a message to
//! process as a job on an instance ([`RunJob`], EC2), a batch to invoke a function with
//! ([`Invoke`], Lambda; a throttle comes back through `batch_throttled`), the backlog
//! datapoints for the groups' scaling policies. Only the adapter (`adapter`: the `Service`
//! and `Handles` impls and the entry points other services call) takes the world. The
//! state's fields are private to this module, so no other code of the world reaches them.
//!
//! A worker processes a message as a job on its instance, next to web requests: a
//! `model::instance::Job::Message` names the poller (each poller runs at most one job at a
//! time), so its completion comes back through the instance's completion path and is routed
//! here (`World::on_message_processed`).

mod adapter;
mod consume;
mod event_source;
mod metrics;
mod result;
mod send;
#[cfg(test)]
mod tests;

pub use event_source::{EventSourceResult, MappingStats};
pub use result::QueueResult;

use crate::cost::PriceTable;
use crate::ids::{FunctionId, GroupId, InstanceId, PollerId, QueueId};
use crate::kernel::{Key, Rng, Schedule, SimTime, stream};
use crate::metrics::TimeSeries;
use crate::model::lambda::Payload;
use crate::model::sqs::{ConsumerSpec, Messages, Pollers, Queue, QueueSpec, SqsEvent};
use crate::scenario::Scenario;
use crate::trace::{Kind, Tracer};

/// Trace kind: a consumer received a message.
pub(in crate::sim) const MESSAGE_RECEIVED: Kind = Kind::new("message_received");

/// Trace kind: a consumer deleted a message it processed.
pub(in crate::sim) const MESSAGE_DELETED: Kind = Kind::new("message_deleted");

/// Every queue's runtime state, the message slab and the pollers.
pub struct SqsWorld {
    queues: Vec<Queue>,
    messages: Messages,
    pollers: Pollers,
    /// Per queue: its one pending timer event (`None`: none pending), moved earlier when an
    /// earlier deadline appears.
    timer: Vec<Timer>,
    /// Per queue: its one pending long-poll expiry event.
    polls_timer: Vec<Timer>,
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
    billed_periods: Vec<f64>,
    /// With several regions (empty with one): per queue, its region; per region, its
    /// queues' billed requests this period and per closed period (each region's table
    /// prices its own, `cost::regional::RegionMeters::sqs_requests`).
    queue_regions: Vec<usize>,
    region_billed: Vec<(u64, Vec<f64>)>,
    /// Lambda event source mappings and their pollers' batches.
    sources: event_source::EventSources,
    /// The series' ids.
    series: metrics::SqsSeries,
    /// The `backlog_per_instance` datapoints of the period that just ended, per consuming
    /// group (reused), for the world to publish to the groups' metrics.
    backlog: Vec<(GroupId, f64)>,
}

/// The narrow view SQS's code works in (see the module docs), built by the world's adapter
/// for each call.
struct Ctx<'a, Q, H> {
    /// The queues' specs (`Scenario::queues`).
    specs: &'a [QueueSpec],
    prices: &'a PriceTable,
    /// SQS figures count from then on.
    warmup: SimTime,
    /// The end of the run (no scaling window is scheduled past it).
    duration: SimTime,
    /// The clock and a scheduler of SQS's own events.
    queue: &'a mut Q,
    hosts: &'a H,
    tracer: Option<&'a mut Tracer>,
    /// Per queue its region, and per region whether it is under an outage.
    regions: (&'a [crate::ids::RegionId], &'a [bool]),
}

impl<Q: Schedule<SqsEvent>, H: Hosts> Ctx<'_, Q, H> {
    /// Whether queue `q`'s region is under an outage: its endpoint cannot be reached.
    #[inline]
    fn unreachable(&self, q: QueueId) -> bool {
        let (of, down) = self.regions;
        (of.get(q.index())).is_some_and(|r| down.get(r.index()).copied().unwrap_or(false))
    }

    #[inline]
    fn now(&self) -> SimTime {
        self.queue.now()
    }

    /// Whether SQS figures count now (after the warm-up).
    #[inline]
    fn counting(&self) -> bool {
        self.queue.now() >= self.warmup
    }
}

/// What SQS reads of the instances its worker pollers run on (EC2's, through the world).
trait Hosts {
    /// Whether the instance still takes work (in service); a poller on one that does not
    /// stops at its next receive.
    fn in_service(&self, i: InstanceId) -> bool;
    /// The instance's launch serial (traces name instances by it).
    fn serial(&self, i: InstanceId) -> u64;
}

/// EC2's part of a worker poller's loop: process the poller's current message, a job of
/// `work`, on `instance`. Its end comes back through `World::on_message_processed`.
#[derive(Clone, Copy, Debug)]
struct RunJob {
    instance: InstanceId,
    poller: PollerId,
    work: SimTime,
}

/// Lambda's part of an event source mapping: invoke `function` with the poller's batch
/// (`Origin::Batch`). A throttle comes back through `SqsWorld::batch_throttled`, the end of
/// the invocation through `World::on_batch_invocation_ended`.
#[derive(Clone, Copy, Debug)]
struct Invoke {
    function: FunctionId,
    poller: PollerId,
    payload: Payload,
    /// The batch's first message: the trace id of the invocation.
    trace_id: u64,
}

/// What a receive's answer asks of another service.
enum Ask {
    RunJob(RunJob),
    Invoke(Invoke),
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
            queue_regions: if queue_region_count(s) == 0 {
                Vec::new()
            } else {
                (0..s.queues.len())
                    .map(|q| s.regions.queue_region.get(q).map_or(0, |r| r.index()))
                    .collect()
            },
            region_billed: vec![(0, Vec::new()); queue_region_count(s)],
            sources: event_source::EventSources::default(),
            series: metrics::SqsSeries::register(s, |g| !group_consumers[g].is_empty(), series),
            group_consumers,
            backlog: Vec::new(),
        }
    }

    /// Whether the group consumes any queue (its instances run pollers).
    fn consumes(&self, g: GroupId) -> bool {
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

    /// Each region's billed requests per period, with several regions (empty with one).
    fn region_billed(&self) -> impl Iterator<Item = &Vec<f64>> {
        self.region_billed.iter().map(|(_, periods)| periods)
    }

    /// Whether region `r` has a queue (with several regions).
    fn has_queue_in(&self, r: usize) -> bool {
        self.queue_regions.contains(&r)
    }

    /// Closes the bill's current period.
    fn close_cost_period(&mut self) {
        self.billed_periods
            .push(std::mem::take(&mut self.billed) as f64);
        for (now, periods) in &mut self.region_billed {
            periods.push(std::mem::take(now) as f64);
        }
    }

    /// Counts billed requests (this period's bill, and the queue's totals after warm-up).
    fn bill(&mut self, q: QueueId, requests: u64, counting: bool) {
        self.billed += requests;
        if let Some(&r) = self.queue_regions.get(q.index()) {
            self.region_billed[r].0 += requests;
        }
        let stats = &mut self.queues[q.index()].stats;
        stats.period.billed_requests += requests;
        if counting {
            stats.billed_requests += requests;
        }
    }
}

/// A queue's one pending event of a kind: its key and when it is due. The handler of the
/// event clears it first thing, so a timer that is set is pending.
type Timer = Option<(Key, SimTime)>;

/// Arms a queue's one timer (`timer`) for `at`: a pending one due later moves to `at`, one due
/// at or before `at` stays, and when none is pending `event` is scheduled. So each queue has at
/// most one pending event of each kind, and none of them is stale when it fires.
fn arm(queue: &mut impl Schedule<SqsEvent>, timer: &mut Timer, at: SimTime, event: SqsEvent) {
    match *timer {
        Some((key, due)) => {
            if at < due {
                queue.reschedule(key, at);
                *timer = Some((key, at));
            }
        }
        None => *timer = Some((queue.keyed(at, event), at)),
    }
}

/// The regions whose queues' requests are billed apart: all of them with several regions,
/// none with one (the whole run's count is the bill).
fn queue_region_count(s: &Scenario) -> usize {
    match s.regions.tables.len() {
        0 | 1 => 0,
        n => n,
    }
}
