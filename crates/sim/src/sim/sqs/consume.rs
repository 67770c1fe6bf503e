//! Messages out: worker pollers start and stop with their instances, call ReceiveMessage
//! (short or long polling), process each received message as a job on their instance, and
//! delete it on success; a failed or abandoned message reappears after its visibility
//! timeout.

use super::SqsWorld;
use crate::cost::billing::sqs_requests_for_payload;
use crate::ids::{InstanceId, PollerId, QueueId};
use crate::kernel::Schedule;
use crate::kernel::{RngExt, SimTime};
use crate::model::instance::{InstanceState, Job};
use crate::model::sqs::SqsEvent;
use crate::model::sqs::{ConsumerSpec, PollerState, WorkerSpec};
use crate::sim::World;
use crate::trace::{Field, Kind};

impl World {
    /// An instance entered service: it starts the receive loops of every consumer of its
    /// group.
    pub(in crate::sim) fn start_pollers(&mut self, i: InstanceId) {
        let g = self.ec2.instances[i.index()].group;
        if !self.sqs.consumes(g) {
            return;
        }
        let start = self.sqs.pollers.len() as u32;
        for k in 0..self.sqs.group_consumers[g.index()].len() {
            let (q, c) = self.sqs.group_consumers[g.index()][k];
            let n = self.worker(q, c).pollers;
            for _ in 0..n {
                self.sqs.pollers.add(Some(i), q, c);
            }
        }
        let end = self.sqs.pollers.len() as u32;
        let table = &mut self.sqs.instance_pollers;
        if table.len() <= i.index() {
            table.resize(i.index() + 1, (0, 0));
        }
        table[i.index()] = (start, end);
        for p in start..end {
            self.issue_receive(PollerId(p));
        }
    }

    /// An instance left service for good: its pollers stop. Messages they hold stay in
    /// flight and reappear when their visibility timeout runs out.
    pub(in crate::sim) fn stop_pollers(&mut self, i: InstanceId) {
        for p in self.sqs.pollers_of(i) {
            let p = PollerId(p);
            if self.sqs.pollers.get(p).state == PollerState::Waiting {
                self.sqs.pollers.unwait(p);
            }
            self.sqs.pollers.get_mut(p).state = PollerState::Stopped;
        }
    }

    fn worker(&self, q: QueueId, c: u16) -> &WorkerSpec {
        match &self.scenario.queues[q.index()].consumers[c as usize] {
            ConsumerSpec::Workers(w) => w,
            ConsumerSpec::Lambda(_) => unreachable!("an event source has no worker fleet"),
        }
    }

    fn poller_worker(&self, p: PollerId) -> &WorkerSpec {
        let poller = self.sqs.pollers.get(p);
        self.worker(poller.queue, poller.consumer)
    }

    /// Whether the poller's instance still takes work; stops the poller if not.
    fn poller_active(&mut self, p: PollerId) -> bool {
        let Some(inst) = self.sqs.pollers.get(p).instance else {
            return true; // an event source poller runs on no instance
        };
        if self.ec2.instances[inst.index()].state == InstanceState::InService {
            return true;
        }
        self.sqs.pollers.get_mut(p).state = PollerState::Stopped;
        false
    }

    /// The poller calls ReceiveMessage: messages now, an empty answer (short polling), or a
    /// wait in the queue's long-poll line.
    fn issue_receive(&mut self, p: PollerId) {
        if !self.poller_active(p) {
            return;
        }
        let wait = self.poller_worker(p).wait_time;
        let long = wait > SimTime::ZERO;
        let n = self.take_messages(p, long);
        if n == 0 && long {
            let until = self.queue.now() + wait;
            self.sqs.pollers.wait(p, until);
            let q = self.sqs.pollers.get(p).queue;
            self.arm_long_polls(q, until);
            return;
        }
        self.answer(p);
    }

    /// The queue side of a receive: up to `max_messages` into the poller's batch, counted,
    /// billed and traced when any were taken (an empty answer is counted by the caller).
    pub(super) fn take_messages(&mut self, p: PollerId, all_servers: bool) -> usize {
        let now = self.queue.now();
        let max = self.receive_max(p);
        let SqsWorld {
            queues,
            messages,
            pollers,
            next_receipt,
            ..
        } = &mut self.sqs;
        let poller = pollers.get_mut(p);
        let q = poller.queue;
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
                self.count_receive_call(q, 0, 0, visible_before > 0);
            }
            return 0;
        }
        let mut bytes = 0u64;
        for r in &poller.batch[..n] {
            bytes += r.bytes as u64;
            queue.stats.received += messages.get(r.slot).counted as u64;
        }
        queue.stats.period.received += n as u64;
        self.count_receive_call(q, n, bytes, false);
        self.rearm(q);
        if self.tracer.is_some() {
            self.trace_received(p, n);
        }
        n
    }

    /// Counts and bills one ReceiveMessage call that answered `n` messages of `bytes` in
    /// all (none: an empty receive; `false_empty` when messages were visible on servers a
    /// short poll did not sample).
    fn count_receive_call(&mut self, q: QueueId, n: usize, bytes: u64, false_empty: bool) {
        let counting = self.sqs_counting();
        let billed = sqs_requests_for_payload(&self.scenario.prices, bytes);
        self.sqs.bill(q, billed, counting);
        let stats = &mut self.sqs.queues[q.index()].stats;
        let empty = n == 0;
        stats.period.empty_receives += empty as u64;
        if counting {
            stats.receive_calls += 1;
            stats.empty_receives += empty as u64;
            stats.false_empty_receives += false_empty as u64;
        }
    }

    /// The answer travels back to the poller (`api_latency`).
    pub(super) fn answer(&mut self, p: PollerId) {
        let latency = match &self.scenario.queues[self.sqs.pollers.get(p).queue.index()].consumers
            [self.sqs.pollers.get(p).consumer as usize]
        {
            ConsumerSpec::Workers(w) => w.api_latency,
            ConsumerSpec::Lambda(e) => e.api_latency,
        };
        self.sqs.pollers.get_mut(p).state = PollerState::Receiving;
        self.queue.after(latency, SqsEvent::ReceiveAnswered(p));
    }

    /// Messages became visible: the longest-waiting long polls return with them.
    pub(in crate::sim) fn wake_waiters(&mut self, q: QueueId) {
        while self.sqs.queues[q.index()].visible > 0 {
            let Some(p) = self.sqs.pollers.pop_waiting(q) else {
                return;
            };
            if !self.poller_active(p) {
                continue;
            }
            self.take_messages(p, true);
            self.answer(p);
        }
    }

    /// Arms the queue's one long-poll event for `at` (moving it earlier if it is due later;
    /// see `arm`).
    pub(super) fn arm_long_polls(&mut self, q: QueueId, at: SimTime) {
        let timer = &mut self.sqs.polls_timer[q.index()];
        super::arm(&mut self.queue, timer, at, SqsEvent::LongPollsDue(q));
    }

    /// Waits that ran out answer empty; the event is re-armed at the next end of a wait.
    pub(in crate::sim) fn on_long_polls_due(&mut self, q: QueueId) {
        let now = self.queue.now();
        self.sqs.polls_timer[q.index()] = None; // it just fired
        let mut expired = std::mem::take(&mut self.sqs.expired);
        let next = self.sqs.pollers.expire_waits(q, now, &mut expired);
        for &p in &expired {
            self.sqs.pollers.get_mut(p).len = 0;
            self.count_receive_call(q, 0, 0, false);
            self.answer(p);
        }
        expired.clear();
        self.sqs.expired = expired;
        if let Some(at) = next {
            self.arm_long_polls(q, at);
        }
    }

    pub(in crate::sim) fn on_receive_answered(&mut self, p: PollerId) {
        if self.sqs.pollers.get(p).state != PollerState::Receiving {
            return; // stopped meanwhile
        }
        if self.sqs.is_event_source(p) {
            self.on_batch_receive_answered(p);
            return;
        }
        let poller = self.sqs.pollers.get_mut(p);
        if poller.len == 0 {
            self.issue_receive(p);
            return;
        }
        poller.state = PollerState::Processing;
        poller.pos = 0;
        self.start_job(p);
    }

    /// The poller processes the current message of its batch on its instance.
    fn start_job(&mut self, p: PollerId) {
        let poller = self.sqs.pollers.get(p);
        let inst = poller.instance.expect("a worker's poller");
        let work = poller.batch[poller.pos as usize].work;
        self.ec2.instances[inst.index()].admit(inst, Job::Message(p), work, &mut self.queue);
        self.outstanding_changed(inst);
    }

    /// A message job finished on its instance: delete on success, leave it to reappear on
    /// failure; then the next message of the batch, or the next receive.
    pub(in crate::sim) fn on_message_processed(&mut self, p: PollerId) {
        let counting = self.sqs_counting();
        let now = self.queue.now();
        let poller = self.sqs.pollers.get(p);
        debug_assert_eq!(poller.state, PollerState::Processing);
        let (q, c) = (poller.queue, poller.consumer);
        let instance = poller.instance.expect("a worker's poller");
        let (pos, len) = (poller.pos, poller.len);
        let m = poller.batch[pos as usize];
        let fp = self.worker(q, c).failure_probability;
        let failed =
            m.poison || (fp > 0.0 && self.sqs.failure_rngs[q.index()][c as usize].chance(fp));
        if failed {
            if counting {
                self.sqs.queues[q.index()].stats.failures += 1;
            }
        } else {
            self.sqs.bill(q, 1, counting);
            let sqs = &mut self.sqs;
            let queue = &mut sqs.queues[q.index()];
            let deleted = queue.delete(&mut sqs.messages, m.slot, m.receipt, now);
            if counting {
                queue.stats.delete_calls += 1;
                queue.stats.stale_deletes += deleted.is_none() as u64;
            }
            if let (Some(id), Some(t)) = (deleted, self.tracer.as_deref_mut()) {
                let name = &self.scenario.queues[q.index()].name;
                t.emit(
                    now,
                    Kind::MessageDeleted,
                    name,
                    Some(id),
                    &[
                        (
                            "instance",
                            Field::Int(self.ec2.instances[instance.index()].serial),
                        ),
                        ("poller", Field::Int(p.0 as u64)),
                    ],
                );
            }
        }
        let next = pos + 1;
        if next < len {
            self.sqs.pollers.get_mut(p).pos = next;
            self.start_job(p);
        } else {
            self.sqs.pollers.get_mut(p).len = 0;
            self.issue_receive(p);
        }
        self.on_instance_request_ended(instance);
    }

    fn trace_received(&mut self, p: PollerId, n: usize) {
        let now = self.queue.now();
        let poller = self.sqs.pollers.get(p);
        let name = &self.scenario.queues[poller.queue.index()].name;
        let Some(t) = self.tracer.as_deref_mut() else {
            return;
        };
        // An event source poller runs on no instance.
        let (serial, skip) = match poller.instance {
            Some(i) => (self.ec2.instances[i.index()].serial, 0),
            None => (0, 1),
        };
        for r in &poller.batch[..n] {
            let m = self.sqs.messages.get(r.slot);
            t.emit(
                now,
                Kind::MessageReceived,
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
