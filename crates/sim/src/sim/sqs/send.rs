//! Messages in: SendMessage from a workload or from a web request class (`enqueue`), the
//! queues' timers (delay ends, visibility timeouts, retention), and dead-letter moves.

use crate::cost::billing::sqs_requests_for_payload;
use crate::ids::{QueueId, WorkloadId};
use crate::kernel::SimTime;
use crate::model::sqs::SqsEvent;
use crate::model::sqs::{Fired, MAX_DELAY, Message, MessageSpec};
use crate::sim::World;

impl World {
    /// Whether SQS figures count now (after the warm-up).
    #[inline]
    pub(in crate::sim) fn sqs_counting(&self) -> bool {
        self.queue.now() >= self.scenario.warmup
    }

    /// An arrival of a workload that targets a queue: the class's message, whose CPU demand
    /// is the `work` already drawn for the arrival.
    pub(in crate::sim) fn send_from_workload(
        &mut self,
        w: WorkloadId,
        class: usize,
        work: SimTime,
    ) {
        let spec = self.scenario.workloads[w.index()].classes[class]
            .message
            .clone()
            .expect("a queue workload's classes carry a message");
        self.send_message(w, &spec, work);
    }

    /// A web request of a class with `enqueue` ended well: it sends its message.
    pub(in crate::sim) fn enqueue_after_request(&mut self, w: WorkloadId, class: usize) {
        let Some(spec) = self.scenario.workloads[w.index()].classes[class]
            .message
            .as_ref()
        else {
            return;
        };
        let rng = &mut self.sqs.message_rngs[w.index()];
        let work = spec.work.as_ref().map_or(SimTime::ZERO, |d| d.sample(rng));
        let spec = spec.clone();
        self.send_message(w, &spec, work);
    }

    fn send_message(&mut self, w: WorkloadId, spec: &MessageSpec, work: SimTime) {
        let now = self.queue.now();
        let counting = self.sqs_counting();
        let q = spec.queue;
        let delay = match &spec.delay {
            Some(d) => d
                .sample(&mut self.sqs.message_rngs[w.index()])
                .min(MAX_DELAY),
            None => self.scenario.queues[q.index()].delay,
        };
        let id = self.sqs.next_message_id;
        self.sqs.next_message_id += 1;
        let mut m = Message::new(id, q, w, now);
        m.work = work;
        m.bytes = spec.bytes;
        m.poison = spec.poison;
        m.counted = counting;
        let slot = self.sqs.messages.insert(m);
        let billed = sqs_requests_for_payload(&self.scenario.prices, spec.bytes as u64);
        self.sqs.bill(q, billed, counting);
        let sqs = &mut self.sqs;
        let queue = &mut sqs.queues[q.index()];
        queue.stats.period.sent += 1;
        if counting {
            queue.stats.sent += 1;
            queue.stats.send_calls += 1;
        }
        let visible = queue.enqueue(&mut sqs.messages, slot, now, delay);
        self.rearm(q);
        if visible {
            self.wake_waiters(q);
        }
    }

    /// Arms the queue's one timer event for its earliest deadline (moving it earlier if it
    /// is due later; see `arm`).
    pub(in crate::sim) fn rearm(&mut self, q: QueueId) {
        let Some(at) = self.sqs.queues[q.index()].next_deadline(&self.sqs.messages) else {
            return;
        };
        let at = at.max(self.queue.now());
        let timer = &mut self.sqs.timer[q.index()];
        super::arm(&mut self.queue, timer, at, SqsEvent::TimerDue(q));
    }

    pub(in crate::sim) fn on_queue_timer_due(&mut self, q: QueueId) {
        let now = self.queue.now();
        self.sqs.timer[q.index()] = None; // it just fired
        let mut woke = false;
        loop {
            let sqs = &mut self.sqs;
            let Some(fired) = sqs.queues[q.index()].fire_due(&mut sqs.messages, now) else {
                break;
            };
            match fired {
                Fired::Expired { .. } => {}
                Fired::BecameVisible => woke = true,
                Fired::ToDeadLetter { slot } => self.move_to_dead_letter_queue(q, slot),
            }
        }
        self.rearm(q);
        if woke {
            self.wake_waiters(q);
        }
    }

    /// A message that reached `max_receive_count` goes to its queue's dead-letter queue,
    /// keeping its enqueue timestamp (retention keeps counting from it).
    fn move_to_dead_letter_queue(&mut self, from: QueueId, slot: u32) {
        let redrive = self.scenario.queues[from.index()]
            .redrive
            .expect("only a queue with a redrive policy dead-letters");
        let to = redrive.dead_letter_queue;
        let now = self.queue.now();
        let sqs = &mut self.sqs;
        let m = sqs.messages.get_mut(slot);
        m.queue = to;
        m.receives = 0;
        let counted = m.counted;
        let queue = &mut sqs.queues[to.index()];
        if counted {
            queue.stats.moved_in += 1;
        }
        let visible = queue.enqueue(&mut sqs.messages, slot, now, SimTime::ZERO);
        self.rearm(to);
        if visible {
            self.wake_waiters(to);
        }
    }
}
