//! An indexed binary min-heap of message slots by `timer_at`: a queue's delayed messages,
//! whose delays differ (per-message timers), ordered by when they become visible.
//!
//! Each message stores its position in the heap, so removing one (a delayed message that
//! expires) is O(log n) and the heap never holds dead entries: its size is the number of
//! delayed messages, whatever the number ever sent.

use super::message::{Message, NIL};
use crate::kernel::SimTime;

/// The order: `timer_at`, then the message id; the position lives in `timer_pos`.
#[derive(Clone, Copy, Debug, Default)]
struct Key;

impl Key {
    #[inline]
    fn of(self, m: &Message) -> (SimTime, u64) {
        (m.timer_at, m.id)
    }

    #[inline]
    fn set_pos(self, m: &mut Message, pos: u32) {
        m.timer_pos = pos;
    }

    #[inline]
    fn pos(self, m: &Message) -> u32 {
        m.timer_pos
    }
}

#[derive(Default)]
pub struct SlotHeap {
    key: Key,
    items: Vec<u32>,
}

impl SlotHeap {
    pub fn new() -> SlotHeap {
        SlotHeap::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The slot with the smallest key.
    #[inline]
    pub fn peek(&self) -> Option<u32> {
        self.items.first().copied()
    }

    pub fn push(&mut self, ms: &mut [Message], slot: u32) {
        debug_assert_eq!(self.key.pos(&ms[slot as usize]), NIL);
        self.items.push(slot);
        let i = self.items.len() - 1;
        self.key.set_pos(&mut ms[slot as usize], i as u32);
        self.sift_up(ms, i);
    }

    /// Removes `slot` (which must be in this heap).
    pub fn remove(&mut self, ms: &mut [Message], slot: u32) {
        let i = self.key.pos(&ms[slot as usize]) as usize;
        debug_assert_eq!(self.items[i], slot);
        self.key.set_pos(&mut ms[slot as usize], NIL);
        let last = self.items.pop().expect("the slot is in the heap");
        if i < self.items.len() {
            self.items[i] = last;
            self.key.set_pos(&mut ms[last as usize], i as u32);
            self.sift_down(ms, i);
            self.sift_up(ms, i);
        }
    }

    #[inline]
    fn less(&self, ms: &[Message], a: u32, b: u32) -> bool {
        self.key.of(&ms[a as usize]) < self.key.of(&ms[b as usize])
    }

    fn sift_up(&mut self, ms: &mut [Message], mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.less(ms, self.items[i], self.items[parent]) {
                break;
            }
            self.swap(ms, i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, ms: &mut [Message], mut i: usize) {
        let n = self.items.len();
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut best = i;
            if l < n && self.less(ms, self.items[l], self.items[best]) {
                best = l;
            }
            if r < n && self.less(ms, self.items[r], self.items[best]) {
                best = r;
            }
            if best == i {
                break;
            }
            self.swap(ms, i, best);
            i = best;
        }
    }

    #[inline]
    fn swap(&mut self, ms: &mut [Message], i: usize, j: usize) {
        self.items.swap(i, j);
        self.key.set_pos(&mut ms[self.items[i] as usize], i as u32);
        self.key.set_pos(&mut ms[self.items[j] as usize], j as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{QueueId, WorkloadId};
    use crate::kernel::{RngExt, stream};

    #[test]
    fn pops_in_key_order_with_arbitrary_removals() {
        let mut rng = stream(7, "heap");
        let mut ms: Vec<Message> = (0..500)
            .map(|i| {
                let mut m = Message::new(i, QueueId(0), WorkloadId(0), SimTime::ZERO);
                m.timer_at = SimTime::from_nanos(rng.uniform_u64(0, 1000));
                m
            })
            .collect();
        let mut h = SlotHeap::new();
        for s in 0..500 {
            h.push(&mut ms, s);
        }
        for s in (0..500).step_by(3) {
            h.remove(&mut ms, s);
        }
        assert_eq!(h.len(), 500 - 167);
        let mut last = (SimTime::ZERO, 0);
        while let Some(s) = h.peek() {
            let k = Key.of(&ms[s as usize]);
            assert!(k >= last);
            assert_ne!(s % 3, 0);
            last = k;
            h.remove(&mut ms, s);
            assert_eq!(ms[s as usize].timer_pos, NIL);
        }
    }
}
