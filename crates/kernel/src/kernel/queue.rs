//! The pending-event set: a 4-ary min-heap keyed by `(time, insertion sequence)`, with events
//! that can be cancelled or moved.
//!
//! Ties in time are broken by the order in which events were scheduled (or last moved), so a
//! run is a pure function of its inputs. A 4-ary heap is shallower than a binary heap and keeps
//! siblings in one cache line, which measured faster for the hold model (see
//! `benches/kernel.rs`).
//!
//! Every pending event lives in a slot beside the heap; the heap holds the ordering key and the
//! slot, and each slot knows where its entry sits in the heap. So [`EventQueue::schedule_keyed`]
//! can hand out a [`Key`] (slot and generation) with which the scheduler later cancels the event
//! or moves it to another time in O(log n), in place: nothing stale is left in the heap to be
//! popped and ignored. A slot is reused once its event is popped or cancelled; its generation
//! then changes, so an old key is recognised and refused.

use super::SimTime;

/// A pending event that can be cancelled or moved: its slot and the slot's generation when it
/// was scheduled. A key whose event already fired or was cancelled is stale; using it does
/// nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    slot: u32,
    generation: u32,
}

#[derive(Clone, Copy)]
struct Entry {
    /// `time << 64 | sequence`: one integer comparison orders by time, then by insertion.
    key: u128,
    slot: u32,
}

#[derive(Clone, Copy)]
struct Slot<E> {
    event: E,
    /// Where the slot's entry is in the heap, or `FREE`.
    position: u32,
    generation: u32,
}

const FREE: u32 = u32::MAX;

/// A min-priority queue of events of type `E` (a small `Copy` enum in practice).
pub struct EventQueue<E> {
    heap: Vec<Entry>,
    slots: Vec<Slot<E>>,
    free: Vec<u32>,
    sequence: u64,
    now: SimTime,
}

const ARITY: usize = 4;

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: Vec::with_capacity(1024),
            slots: Vec::with_capacity(1024),
            free: Vec::with_capacity(1024),
            sequence: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the event most recently popped (the simulation clock).
    pub fn now(&self) -> SimTime {
        self.now
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at absolute time `at`. Scheduling in the past is a model bug.
    #[inline]
    pub fn schedule(&mut self, at: SimTime, event: E) {
        self.schedule_keyed(at, event);
    }

    /// Schedules `event` after `delay` from now.
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule(self.now + delay, event);
    }

    /// Schedules `event` at `at` and returns the key that can cancel or move it.
    pub fn schedule_keyed(&mut self, at: SimTime, event: E) -> Key {
        debug_assert!(at >= self.now, "event scheduled in the past");
        let position = self.heap.len() as u32;
        let slot = match self.free.pop() {
            Some(s) => {
                let slot = &mut self.slots[s as usize];
                slot.event = event;
                slot.position = position;
                s
            }
            None => {
                self.slots.push(Slot {
                    event,
                    position,
                    generation: 0,
                });
                (self.slots.len() - 1) as u32
            }
        };
        let key = self.next_key(at);
        self.heap.push(Entry { key, slot });
        self.sift_up(position as usize);
        Key {
            slot,
            generation: self.slots[slot as usize].generation,
        }
    }

    /// Cancels the event of `key`; false if it already fired or was cancelled.
    pub fn cancel(&mut self, key: Key) -> bool {
        let Some(position) = self.position(key) else {
            return false;
        };
        self.release(key.slot);
        let last = self.heap.pop().expect("a pending event is in the heap");
        if position < self.heap.len() {
            self.heap[position] = last;
            self.restore(position);
        }
        true
    }

    /// Moves the event of `key` to `at` (ordered after everything already scheduled at `at`);
    /// false if it already fired or was cancelled. The key stays valid.
    pub fn reschedule(&mut self, key: Key, at: SimTime) -> bool {
        debug_assert!(at >= self.now, "event moved into the past");
        let Some(position) = self.position(key) else {
            return false;
        };
        self.heap[position].key = self.next_key(at);
        self.restore(position);
        true
    }

    /// When the event of `key` is due, if it is still pending.
    pub fn due(&self, key: Key) -> Option<SimTime> {
        self.position(key)
            .map(|p| SimTime((self.heap[p].key >> 64) as u64))
    }

    /// The pending events, in no particular order (for checks of what is pending; a scan).
    pub fn pending(&self) -> impl Iterator<Item = E> + '_ {
        self.heap.iter().map(|e| self.slots[e.slot as usize].event)
    }

    /// Removes the earliest event and advances the clock to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let last = self.heap.pop()?;
        let top = if self.heap.is_empty() {
            last
        } else {
            let top = self.heap[0];
            self.heap[0] = last;
            self.sift_down(0);
            top
        };
        self.now = SimTime((top.key >> 64) as u64);
        let event = self.slots[top.slot as usize].event;
        self.release(top.slot);
        Some((self.now, event))
    }

    /// The time of the earliest pending event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.first().map(|e| SimTime((e.key >> 64) as u64))
    }

    fn next_key(&mut self, at: SimTime) -> u128 {
        let key = ((at.as_nanos() as u128) << 64) | self.sequence as u128;
        self.sequence += 1;
        key
    }

    fn position(&self, key: Key) -> Option<usize> {
        let slot = self.slots.get(key.slot as usize)?;
        (slot.generation == key.generation && slot.position != FREE)
            .then_some(slot.position as usize)
    }

    fn release(&mut self, slot: u32) {
        let s = &mut self.slots[slot as usize];
        s.position = FREE;
        s.generation = s.generation.wrapping_add(1);
        self.free.push(slot);
    }

    /// Restores heap order after the entry at `i` changed.
    fn restore(&mut self, i: usize) {
        if i > 0 && self.heap[i].key < self.heap[(i - 1) / ARITY].key {
            self.sift_up(i);
        } else {
            self.sift_down(i);
        }
    }

    #[inline]
    fn place(&mut self, i: usize, entry: Entry) {
        self.heap[i] = entry;
        self.slots[entry.slot as usize].position = i as u32;
    }

    fn sift_up(&mut self, mut i: usize) {
        let item = self.heap[i];
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent].key <= item.key {
                break;
            }
            self.place(i, self.heap[parent]);
            i = parent;
        }
        self.place(i, item);
    }

    fn sift_down(&mut self, mut i: usize) {
        let len = self.heap.len();
        let item = self.heap[i];
        loop {
            let first = i * ARITY + 1;
            if first >= len {
                break;
            }
            let children = &self.heap[first..(first + ARITY).min(len)];
            let mut best = 0;
            let mut best_key = children[0].key;
            for (k, c) in children.iter().enumerate().skip(1) {
                if c.key < best_key {
                    best = k;
                    best_key = c.key;
                }
            }
            if best_key >= item.key {
                break;
            }
            self.place(i, self.heap[first + best]);
            i = first + best;
        }
        self.place(i, item);
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    #[test]
    fn pops_in_time_order_and_breaks_ties_by_insertion() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(5), 'a');
        q.schedule(SimTime(1), 'b');
        q.schedule(SimTime(5), 'c');
        q.schedule(SimTime(3), 'd');
        q.schedule(SimTime(1), 'e');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['b', 'e', 'd', 'a', 'c']);
    }

    #[test]
    fn matches_a_sorted_reference_on_random_input() {
        let mut rng = stream(7, "test/queue");
        let mut q = EventQueue::new();
        let mut reference = Vec::new();
        for (round, seq) in (0..2000u32).enumerate() {
            let t = SimTime(q.now().as_nanos() + rng.uniform_u64(0, 50));
            q.schedule(t, seq);
            reference.push((t, seq));
            if round % 3 == 0 {
                reference.sort();
                let expected = reference.remove(0);
                assert_eq!(q.pop(), Some(expected));
            }
        }
        reference.sort();
        for expected in reference {
            assert_eq!(q.pop(), Some(expected));
        }
        assert!(q.is_empty());
    }

    #[test]
    fn cancelled_events_never_pop_and_stale_keys_are_refused() {
        let mut q = EventQueue::new();
        let a = q.schedule_keyed(SimTime(10), 'a');
        let b = q.schedule_keyed(SimTime(20), 'b');
        q.schedule(SimTime(15), 'c');
        assert!(q.cancel(a));
        assert!(!q.cancel(a), "a second cancel is refused");
        assert_eq!(q.due(b), Some(SimTime(20)));
        assert_eq!(q.pop(), Some((SimTime(15), 'c')));
        assert_eq!(q.pop(), Some((SimTime(20), 'b')));
        assert!(q.pop().is_none());
        // b's slot is free again: its old key must not touch the slot's next occupant.
        let d = q.schedule_keyed(SimTime(30), 'd');
        assert!(!q.cancel(b) && !q.reschedule(b, SimTime(40)));
        assert_eq!(q.due(d), Some(SimTime(30)));
    }

    #[test]
    fn a_moved_event_fires_once_at_its_new_time_after_earlier_ties() {
        let mut q = EventQueue::new();
        let a = q.schedule_keyed(SimTime(10), 'a');
        q.schedule(SimTime(50), 'b');
        assert!(q.reschedule(a, SimTime(50)));
        assert!(
            q.reschedule(a, SimTime(50)),
            "the key stays valid after a move"
        );
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(), Some((SimTime(50), 'b')));
        assert_eq!(q.pop(), Some((SimTime(50), 'a')));
        assert!(q.is_empty());
    }

    /// Random schedules, cancels and moves against a sorted list of (time, order, value).
    #[test]
    fn keyed_operations_match_a_sorted_reference() {
        let mut rng = stream(11, "test/queue/keyed");
        let mut q = EventQueue::new();
        let mut reference: Vec<(SimTime, u64, u32)> = Vec::new();
        let mut keys: Vec<(Key, u32)> = Vec::new();
        for (order, value) in (0..20_000u32).enumerate() {
            let order = order as u64;
            let t = SimTime(q.now().as_nanos() + rng.uniform_u64(0, 100));
            match rng.uniform_u64(0, 5) {
                0 | 1 => {
                    keys.push((q.schedule_keyed(t, value), value));
                    reference.push((t, order, value));
                }
                2 if !keys.is_empty() => {
                    let (key, v) = keys.swap_remove(rng.uniform_u64(0, keys.len() as u64) as usize);
                    let pending = reference.iter().position(|r| r.2 == v);
                    assert_eq!(q.cancel(key), pending.is_some());
                    if let Some(i) = pending {
                        reference.remove(i);
                    }
                }
                3 if !keys.is_empty() => {
                    let (key, v) = keys[rng.uniform_u64(0, keys.len() as u64) as usize];
                    let pending = reference.iter().position(|r| r.2 == v);
                    assert_eq!(q.reschedule(key, t), pending.is_some());
                    if let Some(i) = pending {
                        reference[i] = (t, order, v);
                    }
                }
                _ => {
                    reference.sort();
                    if !reference.is_empty() {
                        let (t, _, v) = reference.remove(0);
                        assert_eq!(q.pop(), Some((t, v)));
                    }
                }
            }
            assert_eq!(q.len(), reference.len());
        }
        reference.sort();
        for (t, _, v) in reference {
            assert_eq!(q.pop(), Some((t, v)));
        }
        assert!(q.is_empty());
    }
}
