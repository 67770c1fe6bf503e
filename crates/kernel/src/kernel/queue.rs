//! The pending-event set: events in slots, ordered by a heap of `(time, insertion sequence)`
//! keys, with events that can be cancelled or moved.
//!
//! Ties in time are broken by the order in which events were scheduled (or last moved), so a
//! run is a pure function of its inputs. A move is ordered after everything already scheduled
//! at its new time, even a move to the time where the event already is; a caller that leaves
//! an event whose time does not change unmoved keeps it in its place instead (processor
//! sharing's completion, `model::instance`, does: our choice, ARCHITECTURE.md).
//!
//! Every pending event lives in a slot; the heap (a [`Ladder`]: a short sorted run of the
//! nearest entries over unsorted time buckets) holds 16-byte entries `time, sequence, slot`
//! packed in one integer, so one comparison orders two entries. The slot
//! remembers the sequence of its event's entry. [`EventQueue::schedule_keyed`] hands out a
//! [`Key`] (slot and generation) with which the scheduler later cancels the event or moves it.
//! Both are lazy: cancelling frees the slot at once, and moving gives the slot a new entry
//! (with a new sequence); the old entry stays in the heap, recognised as stale because its
//! slot no longer holds its sequence, and is dropped when it reaches the top. So the heap never
//! tells the slots where their entries are (the position writes cost more than the stale
//! entries). A slot is reused once its event is popped or cancelled; its generation then
//! changes, so an old key is recognised and refused. The free slots form a list through their
//! unused `at`.
//!
//! An entry scheduled before every entry held (most often a workload's next arrival, scheduled
//! first by its arrival's handler) waits beside the heap in `front` instead: popped next
//! unless an earlier one comes, it costs a comparison instead of a push and a pop. The order
//! of the pops is the order of the keys either way (it is total), so this changes no run.
//! Cancelling or moving the event whose entry is `front` empties `front` at once (the heap's
//! first entry is live and next in line): no stale entry is left, and a moved event whose new
//! entry is still the smallest takes `front` again instead of a push.
//!
//! An event that is never cancelled or moved (a workload's next arrival:
//! [`EventQueue::schedule_aside`]) waits beside the heap in `aside` whatever its time, in a
//! slot of its own that is never freed: each pop compares the smallest held entry with it, so
//! an arrival that is not the earliest still skips the heap's push and pop and the slot's
//! allocation and release. One event at a time waits there; another one scheduled
//! aside while it waits goes to the heap as usual. The order of the pops is again the order of
//! the keys.
//!
//! Invariants: `front`, when held, is live and smaller than every heap entry; the heap's first
//! entry is live (so [`EventQueue::peek_time`] needs no mutation); stale entries never outnumber live ones by more than [`COMPACT_AT`] (the heap
//! is then filtered), so memory follows the pending events. Sequences are 32 bits; before they
//! run out, the pending entries are renumbered in order (once per four billion schedules).

use super::SimTime;
use super::ladder::Ladder;

/// A pending event that can be cancelled or moved: its slot and the slot's generation when it
/// was scheduled. A key whose event already fired or was cancelled is stale; using it does
/// nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    slot: u32,
    generation: u32,
}

#[derive(Clone, Copy)]
struct Slot<E> {
    event: E,
    /// When the event is due (for [`EventQueue::due`]); in a free slot, the next free slot
    /// (or [`NO_SLOT`]).
    at: SimTime,
    /// The sequence of the event's heap entry, or `FREE`.
    sequence: u32,
    generation: u32,
}

/// The sequence of a free slot; never given to an entry.
const FREE: u32 = u32::MAX;

/// The end of the list of free slots.
const NO_SLOT: u32 = u32::MAX;

/// `front` when no entry waits there (no entry is `u128::MAX`: its sequence would be `FREE`).
const NONE: u128 = u128::MAX;

/// Stale entries beyond the live ones that trigger a filtering of the heap.
const COMPACT_AT: usize = 1024;

/// `time << 64 | sequence << 32 | slot`: ordered by time, then insertion.
#[inline]
fn entry(at: SimTime, sequence: u32, slot: u32) -> u128 {
    (at.as_nanos() as u128) << 64 | (sequence as u128) << 32 | slot as u128
}

#[inline]
fn entry_time(e: u128) -> SimTime {
    SimTime((e >> 64) as u64)
}

#[inline]
fn entry_sequence(e: u128) -> u32 {
    (e >> 32) as u32
}

#[inline]
fn entry_slot(e: u128) -> u32 {
    e as u32
}

/// A min-priority queue of events of type `E` (a small `Copy` enum in practice).
pub struct EventQueue<E> {
    /// An entry smaller than every entry in `heap`, or [`NONE`].
    front: u128,
    /// The entry of the event waiting aside (any time), or [`NONE`].
    aside: u128,
    /// The slot that holds the events scheduled aside, never freed (or [`NO_SLOT`]: none yet).
    aside_slot: u32,
    heap: Ladder,
    slots: Vec<Slot<E>>,
    /// The first free slot (or [`NO_SLOT`]); each free slot names the next in its `at`.
    free: u32,
    /// Heap entries whose slot has moved on (cancelled, moved or reused).
    stale: usize,
    sequence: u32,
    now: SimTime,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            front: NONE,
            aside: NONE,
            aside_slot: NO_SLOT,
            heap: Ladder::new(),
            slots: Vec::with_capacity(1024),
            free: NO_SLOT,
            stale: 0,
            sequence: 0,
            now: SimTime::ZERO,
        }
    }

    /// The time of the event most recently popped (the simulation clock).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len() + (self.front != NONE) as usize + (self.aside != NONE) as usize - self.stale
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
    #[inline(always)]
    pub fn schedule_keyed(&mut self, at: SimTime, event: E) -> Key {
        debug_assert!(at >= self.now, "event scheduled in the past");
        let sequence = self.next_sequence();
        let mut slot = self.free;
        if slot == NO_SLOT {
            slot = self.new_slot(event);
        }
        let s = &mut self.slots[slot as usize];
        self.free = s.at.as_nanos() as u32;
        s.event = event;
        s.at = at;
        s.sequence = sequence;
        let generation = s.generation;
        self.insert(entry(at, sequence, slot));
        Key { slot, generation }
    }

    /// Schedules `event` at `at`, an event that is never cancelled or moved, to wait aside (see
    /// the module's documentation); in the heap as usual if an event already waits there.
    #[inline(always)]
    pub fn schedule_aside(&mut self, at: SimTime, event: E) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        if self.aside != NONE {
            self.schedule(at, event);
            return;
        }
        let sequence = self.next_sequence();
        let mut slot = self.aside_slot;
        if slot == NO_SLOT {
            slot = self.new_slot(event);
            self.aside_slot = slot;
        }
        let s = &mut self.slots[slot as usize];
        s.event = event;
        s.at = at;
        s.sequence = sequence;
        self.aside = entry(at, sequence, slot);
    }

    /// A new free slot, the only one (holding `event` until it is written again).
    #[cold]
    #[inline(never)]
    fn new_slot(&mut self, event: E) -> u32 {
        self.slots.push(Slot {
            event,
            at: SimTime(NO_SLOT as u64),
            sequence: FREE,
            generation: 0,
        });
        (self.slots.len() - 1) as u32
    }

    /// Cancels the event of `key`; false if it already fired or was cancelled.
    pub fn cancel(&mut self, key: Key) -> bool {
        if !self.is_pending(key) {
            return false;
        }
        let was_front = self.forget_front(key.slot);
        self.release(key.slot);
        if !was_front {
            self.stale += 1;
            self.settle();
        }
        true
    }

    /// If the entry of `slot`'s event is `front`, empties `front` (the next entry in line is
    /// the heap's first, live) and says so; else its entry is in the heap, to become stale.
    #[inline]
    fn forget_front(&mut self, slot: u32) -> bool {
        let s = &self.slots[slot as usize];
        if self.front == entry(s.at, s.sequence, slot) {
            self.front = NONE;
            return true;
        }
        false
    }

    /// Moves the event of `key` to `at` (ordered after everything already scheduled at `at`,
    /// also when `at` is where it already is: a caller that wants it kept in its place does
    /// not move it); false if it already fired or was cancelled. The key stays valid.
    pub fn reschedule(&mut self, key: Key, at: SimTime) -> bool {
        debug_assert!(at >= self.now, "event moved into the past");
        if !self.is_pending(key) {
            return false;
        }
        let sequence = self.next_sequence();
        let was_front = self.forget_front(key.slot);
        let slot = &mut self.slots[key.slot as usize];
        slot.at = at;
        slot.sequence = sequence;
        if !was_front {
            // The old entry is stale: dropped now if it is the heap's first, so the new entry
            // may take `front`.
            self.stale += 1;
            self.settle();
        }
        self.insert(entry(at, sequence, key.slot));
        true
    }

    /// When the event of `key` is due, if it is still pending.
    pub fn due(&self, key: Key) -> Option<SimTime> {
        self.is_pending(key)
            .then(|| self.slots[key.slot as usize].at)
    }

    /// The pending events, in no particular order (for checks of what is pending; a scan).
    pub fn pending(&self) -> impl Iterator<Item = E> + '_ {
        self.slots
            .iter()
            .filter(|s| s.sequence != FREE)
            .map(|s| s.event)
    }

    /// Removes the earliest event and advances the clock to its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        if self.aside < self.smallest_held() {
            let top = std::mem::replace(&mut self.aside, NONE);
            self.now = entry_time(top);
            let s = &mut self.slots[entry_slot(top) as usize];
            s.sequence = FREE;
            return Some((self.now, s.event));
        }
        let top = if self.front != NONE {
            std::mem::replace(&mut self.front, NONE)
        } else {
            self.heap.pop()?
        };
        self.now = entry_time(top);
        let slot = entry_slot(top);
        let event = self.slots[slot as usize].event;
        self.release(slot);
        self.settle();
        Some((self.now, event))
    }

    /// The time of the earliest pending event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        let first = self.smallest_held().min(self.aside);
        (first != NONE).then(|| entry_time(first))
    }

    /// The smallest entry in `front` or the heap (not `aside`), or [`NONE`].
    #[inline(always)]
    fn smallest_held(&self) -> u128 {
        if self.front != NONE {
            self.front
        } else {
            self.heap.first().unwrap_or(NONE)
        }
    }

    /// Holds a new entry: in `front` if it is the smallest (the one there, if any, goes to the
    /// heap), else in the heap.
    #[inline(always)]
    fn insert(&mut self, e: u128) {
        let smallest = self.smallest_held();
        if e < smallest {
            if self.front != NONE {
                self.heap.push(self.front);
            }
            self.front = e;
        } else {
            self.heap.push(e);
        }
    }

    /// The next insertion sequence; renumbers the pending entries first if sequences ran out.
    #[inline]
    fn next_sequence(&mut self) -> u32 {
        if self.sequence == FREE {
            self.renumber();
        }
        let sequence = self.sequence;
        self.sequence += 1;
        sequence
    }

    fn is_pending(&self, key: Key) -> bool {
        self.slots
            .get(key.slot as usize)
            .is_some_and(|s| s.generation == key.generation && s.sequence != FREE)
    }

    #[inline]
    fn release(&mut self, slot: u32) {
        let s = &mut self.slots[slot as usize];
        s.sequence = FREE;
        s.generation = s.generation.wrapping_add(1);
        s.at = SimTime(self.free as u64);
        self.free = slot;
    }

    #[inline]
    fn is_live(&self, e: u128) -> bool {
        self.slots[entry_slot(e) as usize].sequence == entry_sequence(e)
    }

    /// Calls [`Self::drop_stale`] if the heap's first entry is stale or the heap may need
    /// filtering (a cheap check first: most calls find nothing to do).
    #[inline(always)]
    fn settle(&mut self) {
        if self.stale == 0 {
            return;
        }
        let first_stale = self.heap.first().is_some_and(|e| !self.is_live(e));
        if first_stale || 2 * self.stale > self.heap.len() + COMPACT_AT {
            self.drop_stale();
        }
    }

    /// Drops stale entries from the top of the heap (so the first entry is live), and filters
    /// the whole heap when stale entries outnumber live ones by [`COMPACT_AT`].
    #[inline(never)]
    fn drop_stale(&mut self) {
        debug_assert!(self.front == NONE || self.is_live(self.front));
        while let Some(top) = self.heap.first() {
            if self.is_live(top) {
                break;
            }
            self.heap.pop();
            self.stale -= 1;
        }
        if self.stale > self.len() + COMPACT_AT {
            self.compact();
        }
    }

    fn compact(&mut self) {
        let slots = &self.slots;
        self.heap
            .retain(|&e| slots[entry_slot(e) as usize].sequence == entry_sequence(e));
        self.stale = 0;
    }

    /// Gives the pending entries the sequences `0..len` in their order, so sequences can
    /// continue from `len`.
    #[cold]
    #[inline(never)]
    fn renumber(&mut self) {
        self.compact();
        if self.front != NONE {
            self.heap.push(std::mem::replace(&mut self.front, NONE));
        }
        if self.aside != NONE {
            // Into the heap like any entry; its slot is then freed when it pops, and the next
            // event scheduled aside takes a new one.
            self.heap.push(std::mem::replace(&mut self.aside, NONE));
            self.aside_slot = NO_SLOT;
        }
        let slots = &mut self.slots;
        self.heap.renumber(|rank, e| {
            let sequence = rank as u32;
            slots[entry_slot(e) as usize].sequence = sequence;
            entry(entry_time(e), sequence, entry_slot(e))
        });
        self.sequence = self.heap.len() as u32;
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

    /// Random schedules, cancels and moves against a sorted list of (time, order, value):
    /// what pops, what is pending, when it is due, the first time; and the heap never holds
    /// more stale entries than allowed. Times spread over `spread` ns from now (small: many
    /// ties; large: cancelled entries wait long in the heap, so it gets filtered). The queue's
    /// sequences start at `first_sequence` (near the end: they are renumbered mid-run). With
    /// `swing` `(low, high)`, the pending events grow to `high` (no pops), then shrink to `low`
    /// (no schedules), and again: the ladder goes from small to large and back. With `aside`,
    /// half the schedules are of events that wait aside (`schedule_aside`, no key).
    fn check_keyed_operations(
        seed: u64,
        spread: u64,
        first_sequence: u32,
        swing: Option<(usize, usize)>,
        aside: bool,
    ) {
        let mut rng = stream(seed, "test/queue/keyed");
        let mut q = EventQueue::new();
        q.sequence = first_sequence;
        let mut reference: Vec<(SimTime, u64, u32)> = Vec::new();
        let mut keys: Vec<(Key, u32)> = Vec::new();
        let mut growing = true;
        for (order, value) in (0..20_000u32).enumerate() {
            let order = order as u64;
            let t = SimTime(q.now().as_nanos() + rng.uniform_u64(0, spread));
            let mut op = rng.uniform_u64(0, 5);
            if let Some((low, high)) = swing {
                growing = (growing && q.len() < high) || q.len() <= low;
                op = match op {
                    4 if growing => 0,
                    0 | 1 if !growing => 4,
                    _ => op,
                };
            }
            match op {
                1 if aside => {
                    q.schedule_aside(t, value);
                    reference.push((t, order, value));
                }
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
            assert_eq!(q.peek_time(), reference.iter().map(|r| r.0).min());
            if let Some(&(key, v)) = keys.last() {
                let due = reference.iter().find(|r| r.2 == v).map(|r| r.0);
                assert_eq!(q.due(key), due);
            }
            let entries = q.heap.len();
            assert!(entries <= 2 * q.len() + COMPACT_AT + 1, "{entries} entries");
        }
        let mut pending: Vec<u32> = q.pending().collect();
        pending.sort();
        let mut expected: Vec<u32> = reference.iter().map(|r| r.2).collect();
        expected.sort();
        assert_eq!(pending, expected);
        reference.sort();
        for (t, _, v) in reference {
            assert_eq!(q.pop(), Some((t, v)));
        }
        assert!(q.is_empty() && q.peek_time().is_none());
    }

    #[test]
    fn keyed_operations_match_a_sorted_reference() {
        check_keyed_operations(11, 100, 0, None, false);
    }

    #[test]
    fn keyed_operations_far_apart_match_a_sorted_reference() {
        check_keyed_operations(12, 1_000_000, 0, None, false);
    }

    #[test]
    fn keyed_operations_match_a_sorted_reference_across_a_renumbering() {
        check_keyed_operations(13, 100, FREE - 7_000, None, false);
    }

    /// A queue that grows past the ladder's small size and shrinks back below it, again and
    /// again, with ties, far keys and a renumbering on the way.
    #[test]
    fn keyed_operations_match_a_sorted_reference_growing_and_shrinking() {
        check_keyed_operations(14, 1_000, 0, Some((3, 60)), false);
        check_keyed_operations(15, 1_000_000, 0, Some((10, 400)), false);
        check_keyed_operations(16, 20, FREE - 9_000, Some((0, 40)), false);
    }

    /// Events waiting aside among keyed ones, with ties, far keys, renumberings and the ladder
    /// growing and shrinking: the same pops as a sorted list.
    #[test]
    fn events_waiting_aside_pop_in_order_among_the_others() {
        check_keyed_operations(21, 100, 0, None, true);
        check_keyed_operations(22, 1_000_000, FREE - 7_000, None, true);
        check_keyed_operations(23, 1_000, FREE - 9_000, Some((3, 60)), true);
        check_keyed_operations(24, 20, 0, Some((0, 40)), true);
    }

    /// One event waits aside at a time; a second goes to the heap. A tie in time keeps the
    /// order of scheduling; after a renumbering with one waiting, the next takes a new slot.
    #[test]
    fn one_event_waits_aside_at_a_time() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 'a');
        q.schedule_aside(SimTime(10), 'b');
        q.schedule_aside(SimTime(5), 'c');
        assert_eq!(
            (q.aside, q.len(), q.heap.len()),
            (entry(SimTime(10), 1, 1), 3, 1)
        );
        assert_eq!(
            q.front,
            entry(SimTime(5), 2, 2),
            "the second went to the heap's side"
        );
        assert_eq!(q.peek_time(), Some(SimTime(5)));
        assert_eq!(q.pop(), Some((SimTime(5), 'c')));
        assert_eq!(q.pop(), Some((SimTime(10), 'a')));
        assert_eq!(q.pop(), Some((SimTime(10), 'b')));
        assert!(q.pop().is_none() && q.is_empty());
        q.schedule_aside(SimTime(12), 'd');
        assert_eq!(q.pending().collect::<Vec<_>>(), vec!['d']);
        q.sequence = FREE;
        q.schedule(SimTime(12), 'e');
        assert_eq!(
            (q.aside, q.aside_slot),
            (NONE, NO_SLOT),
            "renumbered into the heap"
        );
        q.schedule_aside(SimTime(11), 'f');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['f', 'd', 'e']);
        assert!(q.is_empty());
    }

    /// Cancelling or moving the entry beside the heap takes it away at once: no stale entry
    /// is left, and what follows keeps its order.
    #[test]
    fn the_entry_beside_the_heap_moved_or_cancelled_leaves_nothing_stale() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(20), 'a');
        let b = q.schedule_keyed(SimTime(10), 'b');
        assert!(q.reschedule(b, SimTime(15)));
        assert_eq!((q.stale, q.heap.len(), q.len()), (0, 1, 2));
        assert_eq!(q.peek_time(), Some(SimTime(15)));
        assert!(q.reschedule(b, SimTime(20)), "after the tie at 20");
        assert_eq!((q.stale, q.len()), (0, 2));
        let c = q.schedule_keyed(SimTime(5), 'c');
        assert!(q.cancel(c));
        assert_eq!((q.stale, q.len(), q.peek_time()), (0, 2, Some(SimTime(20))));
        assert_eq!(q.pop(), Some((SimTime(20), 'a')));
        assert_eq!(q.pop(), Some((SimTime(20), 'b')));
        assert!(q.pop().is_none());
    }

    /// An event moved later and later, and events scheduled far ahead and cancelled at once,
    /// leave stale entries; the heap stays within its bound and the live event still pops.
    #[test]
    fn stale_entries_stay_bounded() {
        let mut q = EventQueue::new();
        let moved = q.schedule_keyed(SimTime(1), 'm');
        for i in 0..100_000u64 {
            let k = q.schedule_keyed(SimTime(1_000_000_000 + i), 'x');
            assert!(q.cancel(k));
            assert!(q.reschedule(moved, SimTime(2 + i)));
            assert!(q.heap.len() <= 2 * q.len() + COMPACT_AT + 1);
        }
        assert_eq!(q.len(), 1);
        assert_eq!(q.due(moved), Some(SimTime(100_001)));
        assert_eq!(q.pop(), Some((SimTime(100_001), 'm')));
        assert!(q.pop().is_none());
    }

    /// The entry kept beside the heap: an earlier schedule takes its place (it goes to the
    /// heap), a tie in time goes after it, cancelling or moving it leaves the next in line.
    #[test]
    fn the_earliest_entry_beside_the_heap_keeps_the_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), 'a');
        let b = q.schedule_keyed(SimTime(5), 'b');
        assert_eq!(
            q.front,
            entry(SimTime(5), 1, 1),
            "the smallest waits beside the heap"
        );
        q.schedule(SimTime(5), 'c');
        assert_eq!(q.heap.len(), 2, "a tie goes after it, in the heap");
        q.schedule(SimTime(2), 'd');
        assert_eq!((q.len(), q.peek_time()), (4, Some(SimTime(2))));
        assert_eq!(q.pop(), Some((SimTime(2), 'd')));
        assert_eq!(q.peek_time(), Some(SimTime(5)));
        assert!(q.reschedule(b, SimTime(7)));
        assert_eq!(q.pop(), Some((SimTime(5), 'c')));
        let e = q.schedule_keyed(SimTime(6), 'e');
        assert!(q.cancel(e));
        assert_eq!((q.len(), q.peek_time()), (2, Some(SimTime(7))));
        assert_eq!(q.pop(), Some((SimTime(7), 'b')));
        assert_eq!(q.pop(), Some((SimTime(10), 'a')));
        assert!(q.pop().is_none() && q.is_empty());
    }

    /// Renumbering keeps ties in their scheduling order.
    #[test]
    fn renumbered_sequences_keep_ties_in_order() {
        let mut q = EventQueue::new();
        q.sequence = FREE - 2;
        q.schedule(SimTime(5), 'a');
        q.schedule(SimTime(5), 'b');
        q.schedule(SimTime(5), 'c');
        q.schedule(SimTime(1), 'd');
        q.schedule(SimTime(5), 'e');
        assert!(q.sequence < 10, "renumbered");
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['d', 'a', 'b', 'c', 'e']);
    }
}
