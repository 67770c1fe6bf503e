//! Messages: fixed-size records in a slab whose slots are reused, so memory follows the
//! number of messages in the queues, never the number sent.
//!
//! A record also carries the intrusive links the queue structures use (`list`: its server's
//! visible list or the in-flight list, and the age list; `heap`: the delayed messages), so
//! moving a message between states never allocates.

use crate::ids::{QueueId, WorkloadId};
use crate::kernel::SimTime;

/// No slot (end of a list, not in a heap).
pub const NIL: u32 = u32::MAX;

/// Where a message is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageState {
    /// Sent with a delay (queue `delay` or a per-message timer) that has not run out.
    Delayed,
    /// Can be received.
    Visible,
    /// Received and not deleted; invisible until the visibility timeout runs out.
    InFlight,
    /// The slot is free.
    Free,
}

#[derive(Clone, Copy, Debug)]
pub struct Message {
    /// The message's sequence number in the run (its trace id).
    pub id: u64,
    /// The enqueue timestamp: retention and age count from it; a move to the dead-letter
    /// queue keeps it (as SQS does for standard queues).
    pub sent_at: SimTime,
    /// When the delay or the visibility timeout runs out (while in the timer heap).
    pub timer_at: SimTime,
    /// The CPU demand of processing the message on a consumer.
    pub work: SimTime,
    /// The receipt handle of the latest receive (unique in the run; 0 before any receive).
    pub receipt: u64,
    pub queue: QueueId,
    pub workload: WorkloadId,
    pub state: MessageState,
    /// Received and not deleted this many times.
    pub receives: u32,
    pub bytes: u32,
    /// The SQS server holding the message while it is visible (short polling samples servers).
    pub server: u16,
    /// Processing it always fails (a poison message).
    pub poison: bool,
    /// Sent after the warm-up: it counts in the summary.
    pub counted: bool,
    /// Links of the list of its state: its server's visible FIFO, or the in-flight list.
    pub prev: u32,
    pub next: u32,
    /// Links of its queue's age list (by enqueue time).
    pub age_prev: u32,
    pub age_next: u32,
    /// Position in the queue's heap of delayed messages (`NIL` when absent).
    pub timer_pos: u32,
}

impl Message {
    /// A new message of `queue`, not yet in any structure.
    pub fn new(id: u64, queue: QueueId, workload: WorkloadId, now: SimTime) -> Message {
        Message {
            id,
            sent_at: now,
            timer_at: now,
            work: SimTime::ZERO,
            receipt: 0,
            queue,
            workload,
            state: MessageState::Free,
            receives: 0,
            bytes: 0,
            server: 0,
            poison: false,
            counted: false,
            prev: NIL,
            next: NIL,
            age_prev: NIL,
            age_next: NIL,
            timer_pos: NIL,
        }
    }
}

/// The slab of live messages of every queue.
#[derive(Default)]
pub struct Messages {
    slots: Vec<Message>,
    free: Vec<u32>,
    live: u64,
}

impl Messages {
    #[inline]
    pub fn insert(&mut self, m: Message) -> u32 {
        self.live += 1;
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = m;
                i
            }
            None => {
                self.slots.push(m);
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Frees a slot; the message must already be out of every list and heap.
    #[inline]
    pub fn remove(&mut self, slot: u32) -> Message {
        let m = self.slots[slot as usize];
        debug_assert!(m.state != MessageState::Free, "a message ends exactly once");
        debug_assert!(m.timer_pos == NIL);
        self.slots[slot as usize].state = MessageState::Free;
        self.free.push(slot);
        self.live -= 1;
        m
    }

    #[inline]
    pub fn get(&self, slot: u32) -> &Message {
        &self.slots[slot as usize]
    }

    #[inline]
    pub fn get_mut(&mut self, slot: u32) -> &mut Message {
        &mut self.slots[slot as usize]
    }

    /// Messages alive in all queues.
    pub fn live(&self) -> u64 {
        self.live
    }

    /// Slots ever allocated (the high-water mark of live messages).
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The live messages (for the end-of-run accounting).
    pub fn iter_live(&self) -> impl Iterator<Item = &Message> {
        self.slots.iter().filter(|m| m.state != MessageState::Free)
    }

    pub(super) fn slots_mut(&mut self) -> &mut [Message] {
        &mut self.slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused() {
        let mut ms = Messages::default();
        let mut m = Message::new(0, QueueId(0), WorkloadId(0), SimTime::ZERO);
        m.state = MessageState::Visible;
        let a = ms.insert(m);
        let b = ms.insert(m);
        ms.remove(a);
        let c = ms.insert(m);
        assert_eq!(a, c);
        assert_ne!(b, c);
        assert_eq!(ms.live(), 2);
        assert_eq!(ms.capacity(), 2);
    }
}
