//! Messages out: worker pollers start and stop with their instances, call ReceiveMessage
//! (short or long polling), process each received message as a job on their instance (a
//! [`RunJob`] the world hands to EC2), and delete it on success; a failed or abandoned
//! message reappears after its visibility timeout.

use super::{Ask, Ctx, Hosts, RunJob, SqsWorld, arm};
use crate::cost::billing::sqs_requests_for_payload;
use crate::ids::{GroupId, InstanceId, PollerId, QueueId};
use crate::kernel::{RngExt, Schedule, SimTime};
use crate::model::sqs::{ConsumerSpec, PollerState, QueueSpec, SqsEvent, WorkerSpec};
use crate::trace::Field;

/// Consumer `c` of queue `q`, a worker fleet.
fn worker(specs: &[QueueSpec], q: QueueId, c: u16) -> &WorkerSpec {
    match &specs[q.index()].consumers[c as usize] {
        ConsumerSpec::Workers(w) => w,
        ConsumerSpec::Lambda(_) => unreachable!("an event source has no worker fleet"),
    }
}

impl SqsWorld {
    /// Instance `i` of group `g` entered service: it starts the receive loops of every
    /// consumer of its group.
    pub(super) fn start_pollers(
        &mut self,
        i: InstanceId,
        g: GroupId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        if !self.consumes(g) {
            return;
        }
        let start = self.pollers.len() as u32;
        for &(q, c) in &self.group_consumers[g.index()] {
            for _ in 0..worker(cx.specs, q, c).pollers {
                self.pollers.add(Some(i), q, c);
            }
        }
        let end = self.pollers.len() as u32;
        let table = &mut self.instance_pollers;
        if table.len() <= i.index() {
            table.resize(i.index() + 1, (0, 0));
        }
        table[i.index()] = (start, end);
        for p in start..end {
            self.issue_receive(PollerId(p), cx);
        }
    }

    /// An instance left service for good: its pollers stop. Messages they hold stay in
    /// flight and reappear when their visibility timeout runs out.
    pub(super) fn stop_pollers(&mut self, i: InstanceId) {
        for p in self.pollers_of(i) {
            let p = PollerId(p);
            if self.pollers.get(p).state == PollerState::Waiting {
                self.pollers.unwait(p);
            }
            self.pollers.get_mut(p).state = PollerState::Stopped;
        }
    }

    fn poller_worker<'s>(&self, p: PollerId, specs: &'s [QueueSpec]) -> &'s WorkerSpec {
        let poller = self.pollers.get(p);
        worker(specs, poller.queue, poller.consumer)
    }

    /// Whether the poller's instance still takes work; stops the poller if not.
    fn poller_active(&mut self, p: PollerId, hosts: &impl Hosts) -> bool {
        let Some(inst) = self.pollers.get(p).instance else {
            return true; // an event source poller runs on no instance
        };
        if hosts.in_service(inst) {
            return true;
        }
        self.pollers.get_mut(p).state = PollerState::Stopped;
        false
    }

    /// The poller calls ReceiveMessage: messages now, an empty answer (short polling), or a
    /// wait in the queue's long-poll line.
    fn issue_receive(&mut self, p: PollerId, cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>) {
        if !self.poller_active(p, cx.hosts) {
            return;
        }
        let wait = self.poller_worker(p, cx.specs).wait_time;
        let long = wait > SimTime::ZERO;
        let n = self.take_messages(p, long, cx);
        let q = self.pollers.get(p).queue;
        if n == 0 && (long || cx.unreachable(q)) {
            // A call to an unreachable queue is made again a second later (our choice).
            let wait = if cx.unreachable(q) {
                SimTime::from_secs(1)
            } else {
                wait
            };
            let until = cx.now() + wait;
            self.pollers.wait(p, until);
            let q = self.pollers.get(p).queue;
            self.arm_long_polls(q, until, cx);
            return;
        }
        self.answer(p, cx);
    }

    /// The queue side of a receive: up to `max_messages` into the poller's batch, counted,
    /// billed and traced when any were taken (an empty answer is counted by the caller).
    pub(super) fn take_messages(
        &mut self,
        p: PollerId,
        all_servers: bool,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) -> usize {
        let now = cx.now();
        let max = self.receive_max(p, cx.specs);
        let SqsWorld {
            queues,
            messages,
            pollers,
            next_receipt,
            ..
        } = self;
        let poller = pollers.get_mut(p);
        let q = poller.queue;
        if cx.unreachable(q) {
            // Its region is under an outage: the call gets nothing (not billed).
            poller.len = 0;
            queues[q.index()].stats.unreachable_calls += cx.counting() as u64;
            return 0;
        }
        let queue = &mut queues[q.index()];
        let visible_before = queue.visible;
        let n = queue.receive(
            messages,
            now,
            all_servers,
            &mut poller.batch[..max],
            next_receipt,
        );
        poller.len = n as u8;
        if n == 0 {
            if !all_servers {
                self.count_receive_call(q, 0, 0, visible_before > 0, cx);
            }
            return 0;
        }
        let mut bytes = 0u64;
        for r in &poller.batch[..n] {
            bytes += r.bytes as u64;
            queue.stats.received += messages.get(r.slot).counted as u64;
        }
        queue.stats.period.received += n as u64;
        self.count_receive_call(q, n, bytes, false, cx);
        self.rearm(q, cx);
        if cx.tracer.is_some() {
            self.trace_received(p, n, cx);
        }
        n
    }

    /// Counts and bills one ReceiveMessage call that answered `n` messages of `bytes` in
    /// all (none: an empty receive; `false_empty` when messages were visible on servers a
    /// short poll did not sample).
    fn count_receive_call(
        &mut self,
        q: QueueId,
        n: usize,
        bytes: u64,
        false_empty: bool,
        cx: &Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let counting = cx.counting();
        let billed = sqs_requests_for_payload(cx.prices, bytes);
        self.bill(q, billed, counting);
        let stats = &mut self.queues[q.index()].stats;
        let empty = n == 0;
        stats.period.empty_receives += empty as u64;
        if counting {
            stats.receive_calls += 1;
            stats.empty_receives += empty as u64;
            stats.false_empty_receives += false_empty as u64;
        }
    }

    /// The answer travels back to the poller (`api_latency`).
    pub(super) fn answer(
        &mut self,
        p: PollerId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let poller = self.pollers.get_mut(p);
        let latency = match &cx.specs[poller.queue.index()].consumers[poller.consumer as usize] {
            ConsumerSpec::Workers(w) => w.api_latency,
            ConsumerSpec::Lambda(e) => e.api_latency,
        };
        poller.state = PollerState::Receiving;
        cx.queue.after(latency, SqsEvent::ReceiveAnswered(p));
    }

    /// Messages became visible: the longest-waiting long polls return with them.
    pub(super) fn wake_waiters(
        &mut self,
        q: QueueId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        while self.queues[q.index()].visible > 0 {
            let Some(p) = self.pollers.pop_waiting(q) else {
                return;
            };
            if !self.poller_active(p, cx.hosts) {
                continue;
            }
            self.take_messages(p, true, cx);
            self.answer(p, cx);
        }
    }

    /// Arms the queue's one long-poll event for `at` (moving it earlier if it is due later;
    /// see `arm`).
    pub(super) fn arm_long_polls(
        &mut self,
        q: QueueId,
        at: SimTime,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let timer = &mut self.polls_timer[q.index()];
        arm(cx.queue, timer, at, SqsEvent::LongPollsDue(q));
    }

    /// Waits that ran out answer empty; the event is re-armed at the next end of a wait.
    pub(super) fn on_long_polls_due(
        &mut self,
        q: QueueId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let now = cx.now();
        self.polls_timer[q.index()] = None; // it just fired
        let mut expired = std::mem::take(&mut self.expired);
        let next = self.pollers.expire_waits(q, now, &mut expired);
        let unreachable = cx.unreachable(q);
        for &p in &expired {
            self.pollers.get_mut(p).len = 0;
            if !unreachable {
                self.count_receive_call(q, 0, 0, false, cx);
            }
            self.answer(p, cx);
        }
        expired.clear();
        self.expired = expired;
        if let Some(at) = next {
            self.arm_long_polls(q, at, cx);
        }
    }

    /// A receive came back to poller `p`: a worker's poller processes its batch (the first
    /// message's job is returned) or receives again; an event source's gathers its batch,
    /// and may ask for an invocation.
    pub(super) fn on_receive_answered(
        &mut self,
        p: PollerId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) -> Option<Ask> {
        if self.pollers.get(p).state != PollerState::Receiving {
            return None; // stopped meanwhile
        }
        if self.is_event_source(p) {
            return self.on_batch_receive_answered(p, cx).map(Ask::Invoke);
        }
        let poller = self.pollers.get_mut(p);
        if poller.len == 0 {
            self.issue_receive(p, cx);
            return None;
        }
        poller.state = PollerState::Processing;
        poller.pos = 0;
        Some(Ask::RunJob(self.job(p)))
    }

    /// The poller's current message, as a job on its instance.
    fn job(&self, p: PollerId) -> RunJob {
        let poller = self.pollers.get(p);
        RunJob {
            instance: poller.instance.expect("a worker's poller"),
            poller: p,
            work: poller.batch[poller.pos as usize].work,
        }
    }

    /// A message job finished on its instance (returned): delete on success, leave it to
    /// reappear on failure; then the next message of the batch (its job returned), or the
    /// next receive.
    pub(super) fn on_message_processed(
        &mut self,
        p: PollerId,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) -> (InstanceId, Option<RunJob>) {
        let counting = cx.counting();
        let now = cx.now();
        let poller = self.pollers.get(p);
        debug_assert_eq!(poller.state, PollerState::Processing);
        let (q, c) = (poller.queue, poller.consumer);
        let instance = poller.instance.expect("a worker's poller");
        let (pos, len) = (poller.pos, poller.len);
        let m = poller.batch[pos as usize];
        let fp = worker(cx.specs, q, c).failure_probability;
        let failed = m.poison || (fp > 0.0 && self.failure_rngs[q.index()][c as usize].chance(fp));
        if failed {
            if counting {
                self.queues[q.index()].stats.failures += 1;
            }
        } else if cx.unreachable(q) {
            // The delete cannot reach the queue: the message reappears after its
            // visibility timeout.
            self.queues[q.index()].stats.unreachable_calls += counting as u64;
        } else {
            self.bill(q, 1, counting);
            let queue = &mut self.queues[q.index()];
            let deleted = queue.delete(&mut self.messages, m.slot, m.receipt, now);
            if counting {
                queue.stats.delete_calls += 1;
                queue.stats.stale_deletes += deleted.is_none() as u64;
            }
            if let (Some(id), Some(t)) = (deleted, cx.tracer.as_deref_mut()) {
                t.emit(
                    now,
                    super::MESSAGE_DELETED,
                    &cx.specs[q.index()].name,
                    Some(id),
                    &[
                        ("instance", Field::Int(cx.hosts.serial(instance))),
                        ("poller", Field::Int(p.0 as u64)),
                    ],
                );
            }
        }
        let next = pos + 1;
        if next < len {
            self.pollers.get_mut(p).pos = next;
            (instance, Some(self.job(p)))
        } else {
            self.pollers.get_mut(p).len = 0;
            self.issue_receive(p, cx);
            (instance, None)
        }
    }

    fn trace_received(
        &mut self,
        p: PollerId,
        n: usize,
        cx: &mut Ctx<impl Schedule<SqsEvent>, impl Hosts>,
    ) {
        let now = cx.now();
        let poller = self.pollers.get(p);
        let name = &cx.specs[poller.queue.index()].name;
        let Some(t) = cx.tracer.as_deref_mut() else {
            return;
        };
        // An event source poller runs on no instance.
        let (serial, skip) = match poller.instance {
            Some(i) => (cx.hosts.serial(i), 0),
            None => (0, 1),
        };
        for r in &poller.batch[..n] {
            let m = self.messages.get(r.slot);
            t.emit(
                now,
                super::MESSAGE_RECEIVED,
                name,
                Some(m.id),
                &[
                    ("instance", Field::Int(serial)),
                    ("poller", Field::Int(p.0 as u64)),
                    ("receive_count", Field::Int(m.receives as u64)),
                ][skip..],
            );
        }
    }
}
