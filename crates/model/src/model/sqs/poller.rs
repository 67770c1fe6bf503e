//! Pollers: the receive loops of a worker fleet. Each in-service instance of a consumer's
//! group runs `pollers` of them; a poller receives a batch, processes its messages one after
//! the other on its instance, deletes each one that succeeded, and receives again.
//!
//! Pollers waiting in a long poll form a FIFO per queue (an intrusive list through the
//! poller records, so any waiter leaves it in O(1)); a message that becomes visible wakes the
//! first one. Waits that run out are found by one scan per queue timer (the world keeps one
//! event per queue at the earliest end of a wait, not one per wait). Pollers are never reused: a stopped poller (its instance
//! terminated) ignores whatever events still name it.

use super::message::NIL;
use super::queue::Received;
use crate::ids::{InstanceId, PollerId, QueueId};
use crate::kernel::SimTime;

/// At most this many messages per ReceiveMessage call (SQS's limit).
pub const MAX_BATCH: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollerState {
    /// A receive call is on its way back.
    Receiving,
    /// Waiting in a long poll for a message.
    Waiting,
    /// Processing its batch on the instance.
    Processing,
    /// Its instance left service.
    Stopped,
}

#[derive(Clone, Copy, Debug)]
pub struct Poller {
    /// The worker instance it runs on (`None`: a Lambda event source poller).
    pub instance: Option<InstanceId>,
    pub queue: QueueId,
    /// The consumer (index in the queue's `consumers`) it belongs to.
    pub consumer: u16,
    pub state: PollerState,
    /// While waiting in a long poll: when the wait time runs out.
    pub wait_until: SimTime,
    pub batch: [Received; MAX_BATCH],
    pub len: u8,
    /// The message of the batch being processed.
    pub pos: u8,
    prev: u32,
    next: u32,
}

#[derive(Clone, Copy, Debug)]
struct List {
    head: u32,
    tail: u32,
}

#[derive(Default)]
pub struct Pollers {
    all: Vec<Poller>,
    /// Per queue, the pollers waiting in a long poll, longest-waiting first.
    waiting: Vec<List>,
}

impl Pollers {
    pub fn new(queues: usize) -> Pollers {
        Pollers {
            all: Vec::new(),
            waiting: vec![
                List {
                    head: NIL,
                    tail: NIL
                };
                queues
            ],
        }
    }

    pub fn add(&mut self, instance: Option<InstanceId>, queue: QueueId, consumer: u16) -> PollerId {
        self.all.push(Poller {
            instance,
            queue,
            consumer,
            state: PollerState::Receiving,
            wait_until: SimTime::ZERO,
            batch: [Received::default(); MAX_BATCH],
            len: 0,
            pos: 0,
            prev: NIL,
            next: NIL,
        });
        PollerId((self.all.len() - 1) as u32)
    }

    #[inline]
    pub fn get(&self, p: PollerId) -> &Poller {
        &self.all[p.index()]
    }

    #[inline]
    pub fn get_mut(&mut self, p: PollerId) -> &mut Poller {
        &mut self.all[p.index()]
    }

    pub fn len(&self) -> usize {
        self.all.len()
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_empty()
    }

    /// Starts a long-poll wait until `until`: the poller joins the end of its queue's
    /// waiting list.
    pub fn wait(&mut self, p: PollerId, until: SimTime) {
        let q = self.all[p.index()].queue.index();
        let tail = self.waiting[q].tail;
        let poller = &mut self.all[p.index()];
        poller.state = PollerState::Waiting;
        poller.wait_until = until;
        poller.prev = tail;
        poller.next = NIL;
        if tail == NIL {
            self.waiting[q].head = p.0;
        } else {
            self.all[tail as usize].next = p.0;
        }
        self.waiting[q].tail = p.0;
    }

    /// Takes off the queue's waiting list every poller whose wait ran out by `now` (into
    /// `expired`, in waiting order) and returns the earliest end of the remaining waits.
    pub fn expire_waits(
        &mut self,
        q: QueueId,
        now: SimTime,
        expired: &mut Vec<PollerId>,
    ) -> Option<SimTime> {
        let mut next = None::<SimTime>;
        let mut at = self.waiting[q.index()].head;
        while at != NIL {
            let p = PollerId(at);
            let poller = &self.all[at as usize];
            at = poller.next;
            if poller.wait_until <= now {
                self.unwait(p);
                expired.push(p);
            } else {
                let t = poller.wait_until;
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        next
    }

    /// Takes a waiting poller off its queue's waiting list.
    pub fn unwait(&mut self, p: PollerId) {
        let Poller {
            queue, prev, next, ..
        } = self.all[p.index()];
        debug_assert_eq!(self.all[p.index()].state, PollerState::Waiting);
        let list = &mut self.waiting[queue.index()];
        if prev == NIL {
            list.head = next;
        } else {
            self.all[prev as usize].next = next;
        }
        if next == NIL {
            list.tail = prev;
        } else {
            self.all[next as usize].prev = prev;
        }
        let poller = &mut self.all[p.index()];
        poller.prev = NIL;
        poller.next = NIL;
    }

    /// The longest-waiting poller of a queue, taken off the list.
    pub fn pop_waiting(&mut self, q: QueueId) -> Option<PollerId> {
        let head = self.waiting[q.index()].head;
        if head == NIL {
            return None;
        }
        let p = PollerId(head);
        self.unwait(p);
        Some(p)
    }

    pub fn has_waiting(&self, q: QueueId) -> bool {
        self.waiting[q.index()].head != NIL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiting_pollers_leave_in_order_or_by_timeout() {
        let mut ps = Pollers::new(1);
        let q = QueueId(0);
        let ids: Vec<PollerId> = (0..4).map(|_| ps.add(Some(InstanceId(0)), q, 0)).collect();
        for (i, &p) in ids.iter().enumerate() {
            ps.wait(p, SimTime::from_secs(10 + i as u64));
        }
        ps.unwait(ids[1]);
        ps.get_mut(ids[1]).state = PollerState::Receiving;
        assert_eq!(ps.pop_waiting(q), Some(ids[0]));
        let mut out = Vec::new();
        // Waits of ids[2] and ids[3] end at 12 s and 13 s.
        assert_eq!(
            ps.expire_waits(q, SimTime::from_secs(12), &mut out),
            Some(SimTime::from_secs(13))
        );
        assert_eq!(out, vec![ids[2]]);
        assert_eq!(ps.pop_waiting(q), Some(ids[3]));
        assert_eq!(ps.pop_waiting(q), None);
        assert!(!ps.has_waiting(q));
    }
}
