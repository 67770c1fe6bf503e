//! Lambda event source mappings in the world: each mapping's pollers long-poll its queue,
//! gather a batch (up to `batch_size`, waiting up to `batching_window` from its first
//! message), invoke the function with it (`Origin::Batch`), delete what succeeded, and leave
//! the rest to reappear after the visibility timeout. A throttled batch stays with its poller,
//! which retries it with backoff until its messages' visibility timeout would run out (AWS:
//! "Lambda continues to retry the message until the message's timestamp exceeds your queue's
//! visibility timeout", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html);
//! only then does it give the batch up (its messages reappear and the receive counts toward
//! `maxReceiveCount`). The fleet's size follows
//! `model::sqs::event_source::Fleet`: it starts at the initial pollers and is reconsidered at
//! the end of every minute (`Event::EventSourceScalingDue`).
//!
//! Event source pollers are records of the queue's `Pollers` like a worker's (so they share
//! the long-poll line), with no instance; their batches live here. A retired poller's record
//! is reused by the next poller of its mapping (it has no pending event when it retires), so
//! memory follows the largest fleet, not the number of pollers ever started.

use super::SqsWorld;
use crate::ids::MappingId;
use crate::ids::{PollerId, QueueId};
use crate::kernel::Schedule;
use crate::kernel::{RngExt, SimTime};
use crate::model::lambda::{Completion, Origin, Payload};
use crate::model::sqs::SqsEvent;
use crate::model::sqs::event_source::{Fleet, PollerDecision};
use crate::model::sqs::{
    BatchDuration, ConsumerSpec, EventSourceSpec, MAX_BATCH, MAX_WAIT_TIME, PollerState, Received,
};
use crate::sim::World;
use crate::trace::{Field, Kind};

/// What one mapping did (invocations and throttles are also the function's own counts).
#[derive(Clone, Debug, Default)]
pub struct MappingStats {
    /// Invocation attempts: each one invoked or throttled (a retried batch counts each time).
    pub batches: u64,
    /// Messages taken into batches (a retried batch's messages count once).
    pub messages_invoked: u64,
    pub throttled_batches: u64,
    pub failed_batches: u64,
    /// Items a function reported as failed (`report_batch_item_failures`).
    pub item_failures: u64,
    pub peak_pollers: u32,
}

/// One mapping's runtime.
pub(super) struct Mapping {
    queue: QueueId,
    consumer: u16,
    fleet: Fleet,
    /// Retired pollers, for reuse.
    free: Vec<PollerId>,
    stats: MappingStats,
}

impl Mapping {
    /// Its pollers now (`sqs.QUEUE.lambda_pollers`).
    pub(super) fn active_pollers(&self) -> f64 {
        self.fleet.active as f64
    }
}

/// A poller's batch in the making or in flight.
struct Batch {
    mapping: MappingId,
    items: Vec<Received>,
    /// The first `failed` items failed (when the batch ran).
    failed: u32,
    /// When gathering must stop (its first message's time plus the batching window).
    window_end: SimTime,
    /// Throttled: the next answer ends a back-off, not a receive.
    backing_off: bool,
    /// Throttles of the batch so far (its backoff doubles with each).
    throttles: u32,
}

/// The longest wait between two retries of a throttled batch (our choice: AWS says only that
/// it "gradually backs off retries").
const MAX_THROTTLE_BACKOFF: SimTime = SimTime::from_secs(60);

/// Every mapping and the batches of their pollers.
#[derive(Default)]
pub struct EventSources {
    pub(super) mappings: Vec<Mapping>,
    /// By poller id: the poller's batch slot (`None` for a worker's poller).
    slot_of: Vec<Option<u32>>,
    batches: Vec<Batch>,
}

impl EventSources {
    #[inline]
    fn slot(&self, p: PollerId) -> Option<usize> {
        let slot = self.slot_of.get(p.index()).copied().flatten()?;
        Some(slot as usize)
    }
}

/// One mapping's figures for the run's result.
#[derive(Clone, Debug)]
pub struct EventSourceResult {
    pub queue: String,
    pub function: String,
    pub stats: MappingStats,
}

impl SqsWorld {
    /// Whether `p` is an event source poller.
    #[inline]
    pub(super) fn is_event_source(&self, p: PollerId) -> bool {
        self.sources.slot(p).is_some()
    }
}

impl World {
    fn source_spec(&self, q: QueueId, c: u16) -> &EventSourceSpec {
        match &self.scenario.queues[q.index()].consumers[c as usize] {
            ConsumerSpec::Lambda(e) => e,
            ConsumerSpec::Workers(_) => unreachable!("a worker consumer has no event source"),
        }
    }

    fn poller_source(&self, p: PollerId) -> &EventSourceSpec {
        let poller = self.sqs.pollers.get(p);
        self.source_spec(poller.queue, poller.consumer)
    }

    /// At the start: every mapping's initial pollers and its first scaling window.
    pub(in crate::sim) fn start_event_sources(&mut self) {
        for q in 0..self.scenario.queues.len() {
            for c in 0..self.scenario.queues[q].consumers.len() {
                let (q, c) = (QueueId(q as u16), c as u16);
                let ConsumerSpec::Lambda(spec) =
                    &self.scenario.queues[q.index()].consumers[c as usize]
                else {
                    continue;
                };
                let fleet = Fleet::new(spec);
                let m = MappingId(self.sqs.sources.mappings.len() as u16);
                self.sqs.sources.mappings.push(Mapping {
                    queue: q,
                    consumer: c,
                    fleet,
                    free: Vec::new(),
                    stats: MappingStats::default(),
                });
                self.grow_fleet(m);
                self.schedule_scaling(m);
            }
        }
    }

    fn schedule_scaling(&mut self, m: MappingId) {
        let at = self.queue.now() + crate::model::sqs::PollerScaling::WINDOW;
        if at <= self.scenario.duration {
            self.queue.at(at, SqsEvent::EventSourceScalingDue(m));
        }
    }

    /// A mapping's scaling window ended: it may grow.
    pub(in crate::sim) fn on_event_source_scaling_due(&mut self, m: MappingId) {
        let q = self.sqs.sources.mappings[m.index()].queue;
        let backlog = self.sqs.queues[q.index()].visible > 0;
        self.sqs.sources.mappings[m.index()]
            .fleet
            .window_ended(backlog);
        self.grow_fleet(m);
        self.schedule_scaling(m);
    }

    /// Starts pollers until the fleet reaches its target.
    fn grow_fleet(&mut self, m: MappingId) {
        loop {
            let mapping = &mut self.sqs.sources.mappings[m.index()];
            if mapping.fleet.active >= mapping.fleet.target {
                break;
            }
            mapping.fleet.started();
            mapping.stats.peak_pollers = mapping.fleet.peak;
            let (q, c) = (mapping.queue, mapping.consumer);
            let p = match mapping.free.pop() {
                Some(p) => p,
                None => {
                    let p = self.sqs.pollers.add(None, q, c);
                    let sources = &mut self.sqs.sources;
                    if sources.slot_of.len() <= p.index() {
                        sources.slot_of.resize(p.index() + 1, None);
                    }
                    sources.slot_of[p.index()] = Some(sources.batches.len() as u32);
                    sources.batches.push(Batch {
                        mapping: m,
                        items: Vec::new(),
                        failed: 0,
                        window_end: SimTime::ZERO,
                        backing_off: false,
                        throttles: 0,
                    });
                    p
                }
            };
            self.sqs.pollers.get_mut(p).state = PollerState::Receiving;
            self.batch_receive(p);
        }
    }

    fn batch_mut(&mut self, p: PollerId) -> &mut Batch {
        let s = self.sqs.sources.slot(p).expect("an event source poller");
        &mut self.sqs.sources.batches[s]
    }

    /// Messages a poller asks for in one ReceiveMessage call.
    pub(super) fn receive_max(&self, p: PollerId) -> usize {
        match self.sqs.sources.slot(p) {
            None => {
                let poller = self.sqs.pollers.get(p);
                match &self.scenario.queues[poller.queue.index()].consumers
                    [poller.consumer as usize]
                {
                    ConsumerSpec::Workers(w) => w.max_messages as usize,
                    ConsumerSpec::Lambda(_) => unreachable!("a worker poller"),
                }
            }
            Some(s) => {
                let left = self.poller_source(p).batch_size as usize
                    - self.sqs.sources.batches[s].items.len();
                left.min(MAX_BATCH)
            }
        }
    }

    /// The poller long-polls (20 s, or until its batching window closes).
    fn batch_receive(&mut self, p: PollerId) {
        let n = self.take_messages(p, true);
        if n > 0 {
            self.answer(p);
            return;
        }
        let now = self.queue.now();
        let b = self.batch_mut(p);
        let mut until = now + MAX_WAIT_TIME;
        if !b.items.is_empty() {
            until = until.min(b.window_end);
        }
        self.sqs.pollers.wait(p, until);
        let q = self.sqs.pollers.get(p).queue;
        self.arm_long_polls(q, until);
    }

    /// A receive came back to an event source poller (or its back-off ended).
    pub(super) fn on_batch_receive_answered(&mut self, p: PollerId) {
        let now = self.queue.now();
        let window = self.poller_source(p).batching_window;
        let batch_size = self.poller_source(p).batch_size as usize;
        let s = self.sqs.sources.slot(p).expect("an event source poller");
        let poller = self.sqs.pollers.get_mut(p);
        let n = poller.len as usize;
        poller.len = 0;
        let b = &mut self.sqs.sources.batches[s];
        if std::mem::take(&mut b.backing_off) {
            if b.items.is_empty() {
                self.batch_receive(p);
            } else {
                self.invoke_batch(p);
            }
            return;
        }
        if n > 0 && b.items.is_empty() {
            b.window_end = now + window;
        }
        b.items.extend_from_slice(&poller.batch[..n]);
        let gathered = b.items.len();
        if gathered == 0 {
            let m = b.mapping.index();
            match self.sqs.sources.mappings[m].fleet.empty_receive() {
                PollerDecision::Retire => self.retire(p),
                PollerDecision::Continue => self.batch_receive(p),
            }
        } else if gathered >= batch_size || now >= self.batch_mut(p).window_end {
            self.invoke_batch(p);
        } else {
            self.batch_receive(p);
        }
    }

    fn retire(&mut self, p: PollerId) {
        self.sqs.pollers.get_mut(p).state = PollerState::Stopped;
        let b = self.batch_mut(p);
        b.items.clear();
        b.failed = 0;
        b.throttles = 0;
        let m = b.mapping.index();
        self.sqs.sources.mappings[m].free.push(p);
    }

    /// Invokes the function with the poller's batch; a throttle backs the fleet off and the
    /// poller retries the batch later (`after_throttle`).
    fn invoke_batch(&mut self, p: PollerId) {
        let (q, c) = {
            let poller = self.sqs.pollers.get(p);
            (poller.queue, poller.consumer)
        };
        let spec = *self.source_spec(q, c);
        let s = self.sqs.sources.slot(p).expect("an event source poller");
        let rng = &mut self.sqs.failure_rngs[q.index()][c as usize];
        let b = &mut self.sqs.sources.batches[s];
        // Failed items first.
        let mut failed = 0;
        for i in 0..b.items.len() {
            let fp = spec.failure_probability;
            if b.items[i].poison || (fp > 0.0 && rng.chance(fp)) {
                b.items.swap(i, failed);
                failed += 1;
            }
        }
        b.failed = failed as u32;
        let records = b.items.len() as u32;
        let m = b.mapping.index();
        let trace_id = self.sqs.messages.get(b.items[0].slot).id;
        let payload = Payload {
            records,
            per_record: spec.batch_duration == BatchDuration::PerMessage,
            fails: failed > 0 && !spec.report_batch_item_failures,
        };
        self.sqs.pollers.get_mut(p).state = PollerState::Processing;
        let counting = self.sqs_counting();
        self.sqs.sources.mappings[m].fleet.invoked();
        let stats = &mut self.sqs.sources.mappings[m].stats;
        if counting {
            stats.batches += 1;
            if self.sqs.sources.batches[s].throttles == 0 {
                stats.messages_invoked += records as u64;
            }
        }
        if self
            .invoke_lambda_with(spec.function, Origin::Batch(p), payload, trace_id)
            .is_ok()
        {
            return;
        }
        let mapping = &mut self.sqs.sources.mappings[m];
        mapping.fleet.invocation_over();
        if self.sqs.sources.batches[s].throttles == 0 {
            // A batch's first throttle backs the fleet off; its retries do not again.
            mapping.fleet.throttled();
        }
        if counting {
            mapping.stats.throttled_batches += 1;
        }
        self.after_throttle(p, spec.backoff);
    }

    /// A throttled batch: retried after a backoff that doubles with each throttle (from
    /// `backoff`, at most a minute), as long as the retry comes before the first of its
    /// messages' visibility timeouts runs out; otherwise given up: the messages stay in flight
    /// until their visibility timeout, and the poller receives again (or retires).
    fn after_throttle(&mut self, p: PollerId, backoff: SimTime) {
        let now = self.queue.now();
        let q = self.sqs.pollers.get(p).queue;
        let s = self.sqs.sources.slot(p).expect("an event source poller");
        let b = &mut self.sqs.sources.batches[s];
        b.throttles += 1;
        let doublings = (b.throttles - 1).min(16);
        let wait = SimTime::from_nanos(backoff.as_nanos().saturating_mul(1 << doublings))
            .min(MAX_THROTTLE_BACKOFF);
        let messages = &self.sqs.messages;
        let deadline = b
            .items
            .iter()
            .map(|r| {
                let m = messages.get(r.slot);
                if m.receipt == r.receipt {
                    m.timer_at
                } else {
                    now // already visible again: nothing left to retry
                }
            })
            .min()
            .unwrap_or(now);
        if now + wait < deadline {
            b.backing_off = true;
            let poller = self.sqs.pollers.get_mut(p);
            poller.state = PollerState::Receiving;
            poller.len = 0;
            self.queue.after(wait, SqsEvent::ReceiveAnswered(p));
            return;
        }
        let records = b.items.len() as u64;
        b.items.clear();
        b.failed = 0;
        b.throttles = 0;
        let m = b.mapping.index();
        if self.sqs_counting() {
            self.sqs.queues[q.index()].stats.failures += records;
        }
        match self.sqs.sources.mappings[m].fleet.batch_ended() {
            PollerDecision::Retire => self.retire(p),
            PollerDecision::Continue => {
                self.sqs.pollers.get_mut(p).state = PollerState::Receiving;
                self.batch_receive(p);
            }
        }
    }

    /// A batch's invocation ended: on success delete every message but the reported
    /// failures (one DeleteMessageBatch call per 10); on an error or timeout delete none.
    pub(in crate::sim) fn on_batch_invocation_ended(
        &mut self,
        p: PollerId,
        completion: Completion,
    ) {
        let now = self.queue.now();
        let counting = self.sqs_counting();
        let q = self.sqs.pollers.get(p).queue;
        let s = self.sqs.sources.slot(p).expect("an event source poller");
        let mut items = std::mem::take(&mut self.sqs.sources.batches[s].items);
        let failed = self.sqs.sources.batches[s].failed as usize;
        let m = self.sqs.sources.batches[s].mapping.index();
        let keep = if completion.is_error() {
            items.len()
        } else {
            failed
        };
        let to_delete = &items[keep..];
        if !to_delete.is_empty() {
            let calls = to_delete.len().div_ceil(MAX_BATCH) as u64;
            self.sqs.bill(q, calls, counting);
        }
        let sqs = &mut self.sqs;
        let queue = &mut sqs.queues[q.index()];
        let mut stale = 0u64;
        for r in to_delete {
            match queue.delete(&mut sqs.messages, r.slot, r.receipt, now) {
                Some(id) => {
                    if let Some(t) = self.tracer.as_deref_mut() {
                        let name = &self.scenario.queues[q.index()].name;
                        t.emit(
                            now,
                            Kind::MessageDeleted,
                            name,
                            Some(id),
                            &[("poller", Field::Int(p.0 as u64))],
                        );
                    }
                }
                None => stale += 1,
            }
        }
        if counting {
            queue.stats.delete_calls += to_delete.len().div_ceil(MAX_BATCH) as u64;
            queue.stats.stale_deletes += stale;
            queue.stats.failures += keep as u64;
            let st = &mut sqs.sources.mappings[m].stats;
            st.failed_batches += completion.is_error() as u64;
            if completion == Completion::Succeeded {
                st.item_failures += failed as u64;
            }
        }
        items.clear();
        let b = &mut self.sqs.sources.batches[s];
        b.items = items;
        b.failed = 0;
        b.throttles = 0;
        let fleet = &mut self.sqs.sources.mappings[m].fleet;
        fleet.invocation_over();
        if completion.is_error() {
            fleet.function_error();
        } else {
            fleet.batch_succeeded();
        }
        match self.sqs.sources.mappings[m].fleet.batch_ended() {
            PollerDecision::Retire => self.retire(p),
            PollerDecision::Continue => {
                self.sqs.pollers.get_mut(p).state = PollerState::Receiving;
                self.batch_receive(p);
            }
        }
    }

    pub(in crate::sim) fn event_source_results(&self) -> Vec<EventSourceResult> {
        self.sqs
            .sources
            .mappings
            .iter()
            .map(|m| EventSourceResult {
                queue: self.scenario.queues[m.queue.index()].name.clone(),
                function: self.scenario.lambda_functions
                    [self.source_spec(m.queue, m.consumer).function.index()]
                .name
                .clone(),
                stats: m.stats.clone(),
            })
            .collect()
    }
}
