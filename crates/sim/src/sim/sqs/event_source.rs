//! Lambda event source mappings: each mapping's pollers long-poll its queue, gather a batch
//! (up to `batch_size`, waiting up to `batching_window` from its first message), have the
//! function invoked with it (an [`Invoke`] the world hands to Lambda, `Origin::Batch`; a
//! throttle comes back through `batch_throttled`), delete what succeeded, and leave
//! the rest to reappear after the visibility timeout. A throttled batch stays with its poller,
//! which retries it with backoff until its messages' visibility timeout would run out (AWS:
//! "Lambda continues to retry the message until the message's timestamp exceeds your queue's
//! visibility timeout", https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-errorhandling.html);
//! only then does it give the batch up (its messages reappear and the receive counts toward
//! `maxReceiveCount`). The fleet's size follows
//! `model::sqs::event_source::Fleet`: it starts at the initial pollers and is reconsidered at
//! the end of every minute (`SqsEvent::EventSourceScalingDue`).
//!
//! Event source pollers are records of the queue's `Pollers` like a worker's (so they share
//! the long-poll line), with no instance; their batches live here. A retired poller's record
//! is reused by the next poller of its mapping (it has no pending event when it retires), so
//! memory follows the largest fleet, not the number of pollers ever started.

use super::{Ctx, Hosts, Invoke, SqsWorld};
use crate::ids::{MappingId, PollerId, QueueId};
use crate::kernel::{RngExt, Schedule, SimTime};
use crate::model::lambda::{Completion, FunctionSpec, Payload};
use crate::model::sqs::event_source::{Fleet, PollerDecision};
use crate::model::sqs::{
    BatchDuration, ConsumerSpec, EventSourceSpec, MAX_BATCH, MAX_WAIT_TIME, PollerState, QueueSpec,
    Received, SqsEvent,
};
use crate::trace::Field;

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

/// Consumer `c` of queue `q`, an event source mapping.
fn source_spec(specs: &[QueueSpec], q: QueueId, c: u16) -> &EventSourceSpec {
    match &specs[q.index()].consumers[c as usize] {
        ConsumerSpec::Lambda(e) => e,
        ConsumerSpec::Workers(_) => unreachable!("a worker consumer has no event source"),
    }
}

impl SqsWorld {
    /// Whether `p` is an event source poller.
    #[inline]
    pub(super) fn is_event_source(&self, p: PollerId) -> bool {
        self.sources.slot(p).is_some()
    }

    fn poller_source<'s>(&self, p: PollerId, specs: &'s [QueueSpec]) -> &'s EventSourceSpec {
        let poller = self.pollers.get(p);
        source_spec(specs, poller.queue, poller.consumer)
    }

    /// At the start: every mapping's initial pollers and its first scaling window.
    pub(super) fn start_event_sources(
        &mut self,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        for q in 0..cx.specs.len() {
            for c in 0..cx.specs[q].consumers.len() {
                let (q, c) = (QueueId(q as u16), c as u16);
                let ConsumerSpec::Lambda(spec) = &cx.specs[q.index()].consumers[c as usize] else {
                    continue;
                };
                let fleet = Fleet::new(spec);
                let m = MappingId(self.sources.mappings.len() as u16);
                self.sources.mappings.push(Mapping {
                    queue: q,
                    consumer: c,
                    fleet,
                    free: Vec::new(),
                    stats: MappingStats::default(),
                });
                self.grow_fleet(m, cx);
                self.schedule_scaling(m, cx);
            }
        }
    }

    fn schedule_scaling(
        &mut self,
        m: MappingId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let at = cx.now() + crate::model::sqs::PollerScaling::WINDOW;
        if at <= cx.duration {
            cx.queue.at(at, SqsEvent::EventSourceScalingDue(m));
        }
    }

    /// A mapping's scaling window ended: it may grow.
    pub(super) fn on_event_source_scaling_due(
        &mut self,
        m: MappingId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let q = self.sources.mappings[m.index()].queue;
        let backlog = self.queues[q.index()].visible > 0;
        self.sources.mappings[m.index()].fleet.window_ended(backlog);
        self.grow_fleet(m, cx);
        self.schedule_scaling(m, cx);
    }

    /// Starts pollers until the fleet reaches its target.
    fn grow_fleet(&mut self, m: MappingId, cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>) {
        loop {
            let mapping = &mut self.sources.mappings[m.index()];
            if mapping.fleet.active >= mapping.fleet.target {
                break;
            }
            mapping.fleet.started();
            mapping.stats.peak_pollers = mapping.fleet.peak;
            let (q, c) = (mapping.queue, mapping.consumer);
            let p = match mapping.free.pop() {
                Some(p) => p,
                None => {
                    let p = self.pollers.add(None, q, c);
                    let sources = &mut self.sources;
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
            self.pollers.get_mut(p).state = PollerState::Receiving;
            self.batch_receive(p, cx);
        }
    }

    fn batch_mut(&mut self, p: PollerId) -> &mut Batch {
        let s = self.sources.slot(p).expect("an event source poller");
        &mut self.sources.batches[s]
    }

    /// Messages a poller asks for in one ReceiveMessage call.
    pub(super) fn receive_max(&self, p: PollerId, specs: &[QueueSpec]) -> usize {
        match self.sources.slot(p) {
            None => {
                let poller = self.pollers.get(p);
                match &specs[poller.queue.index()].consumers[poller.consumer as usize] {
                    ConsumerSpec::Workers(w) => w.max_messages as usize,
                    ConsumerSpec::Lambda(_) => unreachable!("a worker poller"),
                }
            }
            Some(s) => {
                let left = self.poller_source(p, specs).batch_size as usize
                    - self.sources.batches[s].items.len();
                left.min(MAX_BATCH)
            }
        }
    }

    /// The poller long-polls (20 s, or until its batching window closes).
    fn batch_receive(&mut self, p: PollerId, cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>) {
        let n = self.take_messages(p, true, cx);
        if n > 0 {
            self.answer(p, cx);
            return;
        }
        let now = cx.now();
        let b = self.batch_mut(p);
        let mut until = now + MAX_WAIT_TIME;
        if !b.items.is_empty() {
            until = until.min(b.window_end);
        }
        self.pollers.wait(p, until);
        let q = self.pollers.get(p).queue;
        self.arm_long_polls(q, until, cx);
    }

    /// A receive came back to an event source poller (or its back-off ended): it gathers
    /// its batch, and returns the invocation when the batch is ready.
    pub(super) fn on_batch_receive_answered(
        &mut self,
        p: PollerId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) -> Option<Invoke> {
        let now = cx.now();
        let source = self.poller_source(p, cx.specs);
        let (window, batch_size) = (source.batching_window, source.batch_size as usize);
        let s = self.sources.slot(p).expect("an event source poller");
        let poller = self.pollers.get_mut(p);
        let n = poller.len as usize;
        poller.len = 0;
        let b = &mut self.sources.batches[s];
        if std::mem::take(&mut b.backing_off) {
            if b.items.is_empty() {
                self.batch_receive(p, cx);
                return None;
            }
            return Some(self.invoke_batch(p, cx));
        }
        if n > 0 && b.items.is_empty() {
            b.window_end = now + window;
        }
        b.items.extend_from_slice(&poller.batch[..n]);
        let gathered = b.items.len();
        if gathered == 0 {
            let m = b.mapping.index();
            match self.sources.mappings[m].fleet.empty_receive() {
                PollerDecision::Retire => self.retire(p),
                PollerDecision::Continue => self.batch_receive(p, cx),
            }
            None
        } else if gathered >= batch_size || now >= self.batch_mut(p).window_end {
            Some(self.invoke_batch(p, cx))
        } else {
            self.batch_receive(p, cx);
            None
        }
    }

    fn retire(&mut self, p: PollerId) {
        self.pollers.get_mut(p).state = PollerState::Stopped;
        let b = self.batch_mut(p);
        b.items.clear();
        b.failed = 0;
        b.throttles = 0;
        let m = b.mapping.index();
        self.sources.mappings[m].free.push(p);
    }

    /// The poller's batch is ready: its failures are drawn (failed items first), and the
    /// invocation of the function with it is returned for the world to make. A throttle
    /// comes back through `batch_throttled`.
    fn invoke_batch(
        &mut self,
        p: PollerId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) -> Invoke {
        let (q, c) = {
            let poller = self.pollers.get(p);
            (poller.queue, poller.consumer)
        };
        let spec = source_spec(cx.specs, q, c);
        let s = self.sources.slot(p).expect("an event source poller");
        let rng = &mut self.failure_rngs[q.index()][c as usize];
        let b = &mut self.sources.batches[s];
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
        let trace_id = self.messages.get(b.items[0].slot).id;
        let payload = Payload {
            records,
            per_record: spec.batch_duration == BatchDuration::PerMessage,
            fails: failed > 0 && !spec.report_batch_item_failures,
        };
        self.pollers.get_mut(p).state = PollerState::Processing;
        let counting = cx.counting();
        self.sources.mappings[m].fleet.invoked();
        let stats = &mut self.sources.mappings[m].stats;
        if counting {
            stats.batches += 1;
            if self.sources.batches[s].throttles == 0 {
                stats.messages_invoked += records as u64;
            }
        }
        Invoke {
            function: spec.function,
            poller: p,
            payload,
            trace_id,
        }
    }

    /// The invocation of poller `p`'s batch was throttled: the fleet backs off (on the
    /// batch's first throttle only) and the poller retries the batch later (`after_throttle`).
    pub(super) fn batch_throttled(
        &mut self,
        p: PollerId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let backoff = self.poller_source(p, cx.specs).backoff;
        let counting = cx.counting();
        let s = self.sources.slot(p).expect("an event source poller");
        let m = self.sources.batches[s].mapping.index();
        let mapping = &mut self.sources.mappings[m];
        mapping.fleet.invocation_over();
        if self.sources.batches[s].throttles == 0 {
            // A batch's first throttle backs the fleet off; its retries do not again.
            mapping.fleet.throttled();
        }
        if counting {
            mapping.stats.throttled_batches += 1;
        }
        self.after_throttle(p, backoff, cx);
    }

    /// A throttled batch: retried after a backoff that doubles with each throttle (from
    /// `backoff`, at most a minute), as long as the retry comes before the first of its
    /// messages' visibility timeouts runs out; otherwise given up: the messages stay in flight
    /// until their visibility timeout, and the poller receives again (or retires).
    fn after_throttle(
        &mut self,
        p: PollerId,
        backoff: SimTime,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let now = cx.now();
        let q = self.pollers.get(p).queue;
        let s = self.sources.slot(p).expect("an event source poller");
        let b = &mut self.sources.batches[s];
        b.throttles += 1;
        let doublings = (b.throttles - 1).min(16);
        let wait = SimTime::from_nanos(backoff.as_nanos().saturating_mul(1 << doublings))
            .min(MAX_THROTTLE_BACKOFF);
        let messages = &self.messages;
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
            let poller = self.pollers.get_mut(p);
            poller.state = PollerState::Receiving;
            poller.len = 0;
            cx.queue.after(wait, SqsEvent::ReceiveAnswered(p));
            return;
        }
        let records = b.items.len() as u64;
        b.items.clear();
        b.failed = 0;
        b.throttles = 0;
        let m = b.mapping.index();
        if cx.counting() {
            self.queues[q.index()].stats.failures += records;
        }
        self.batch_ended(p, m, cx);
    }

    /// The poller is done with its batch: it receives again, or retires.
    fn batch_ended(
        &mut self,
        p: PollerId,
        m: usize,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        match self.sources.mappings[m].fleet.batch_ended() {
            PollerDecision::Retire => self.retire(p),
            PollerDecision::Continue => {
                self.pollers.get_mut(p).state = PollerState::Receiving;
                self.batch_receive(p, cx);
            }
        }
    }

    /// A batch's invocation ended: on success delete every message but the reported
    /// failures (one DeleteMessageBatch call per 10); on an error or timeout delete none.
    pub(super) fn on_batch_invocation_ended(
        &mut self,
        p: PollerId,
        completion: Completion,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let now = cx.now();
        let counting = cx.counting();
        let q = self.pollers.get(p).queue;
        let s = self.sources.slot(p).expect("an event source poller");
        let mut items = std::mem::take(&mut self.sources.batches[s].items);
        let failed = self.sources.batches[s].failed as usize;
        let m = self.sources.batches[s].mapping.index();
        let keep = if completion.is_error() {
            items.len()
        } else {
            failed
        };
        // The queue's region under an outage: the deletes cannot reach it, and the
        // messages reappear after their visibility timeout.
        let unreachable = cx.unreachable(q);
        let to_delete = if unreachable { &[][..] } else { &items[keep..] };
        if !to_delete.is_empty() {
            let calls = to_delete.len().div_ceil(MAX_BATCH) as u64;
            self.bill(q, calls, counting);
        }
        let queue = &mut self.queues[q.index()];
        let mut stale = 0u64;
        for r in to_delete {
            match queue.delete(&mut self.messages, r.slot, r.receipt, now) {
                Some(id) => {
                    if let Some(t) = cx.tracer.as_deref_mut() {
                        t.emit(
                            now,
                            super::MESSAGE_DELETED,
                            &cx.specs[q.index()].name,
                            Some(id),
                            &[("poller", Field::Int(p.0 as u64))],
                        );
                    }
                }
                None => stale += 1,
            }
        }
        if counting && unreachable {
            queue.stats.unreachable_calls += items[keep..].len().div_ceil(MAX_BATCH) as u64;
        }
        if counting {
            queue.stats.delete_calls += to_delete.len().div_ceil(MAX_BATCH) as u64;
            queue.stats.stale_deletes += stale;
            queue.stats.failures += keep as u64;
            let st = &mut self.sources.mappings[m].stats;
            st.failed_batches += completion.is_error() as u64;
            if completion == Completion::Succeeded {
                st.item_failures += failed as u64;
            }
        }
        items.clear();
        let b = &mut self.sources.batches[s];
        b.items = items;
        b.failed = 0;
        b.throttles = 0;
        let fleet = &mut self.sources.mappings[m].fleet;
        fleet.invocation_over();
        if completion.is_error() {
            fleet.function_error();
        } else {
            fleet.batch_succeeded();
        }
        self.batch_ended(p, m, cx);
    }

    /// Each mapping's figures; `functions` are the scenario's Lambda functions.
    pub(super) fn event_source_results(
        &self,
        specs: &[QueueSpec],
        functions: &[FunctionSpec],
    ) -> Vec<EventSourceResult> {
        self.sources
            .mappings
            .iter()
            .map(|m| EventSourceResult {
                queue: specs[m.queue.index()].name.clone(),
                function: functions[source_spec(specs, m.queue, m.consumer).function.index()]
                    .name
                    .clone(),
                stats: m.stats.clone(),
            })
            .collect()
    }
}
