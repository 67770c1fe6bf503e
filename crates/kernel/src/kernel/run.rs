//! A sorted run of 128-bit keys: the nearest rung of the event queue's [`super::ladder`].
//!
//! The ladder keeps only a bucket's worth of keys here (about eight), or every key while it is
//! small (a dozen), so a sorted array beats a heap: the smallest key is popped by moving a
//! cursor (`head`) instead of sifting a hole down. A key is placed in a short run (up to
//! [`SCAN_UP_TO`]) by comparing it with the middle key and moving the keys between it and the
//! nearer end one place (the smaller ones into the free place before `head`, or the larger
//! ones up), and in a longer one by a binary search and a move of the larger keys behind it.
//! A key smaller than every held one (a workload's next arrival, a completion soon due) takes
//! the free place before `head` without moving anything. The keys are unique (the
//! queue's keys end with their sequence), so the order of the pops is the keys' order, as
//! with a heap.
//!
//! The popped places before `head` are reclaimed when the run empties, or when they are more
//! than [`RECLAIM_AT`] and outnumber the held keys (so memory follows the held keys).

/// Popped places before `head` that are reclaimed once they outnumber the held keys.
const RECLAIM_AT: usize = 1024;

/// Up to this many held keys, a push scans from the nearer end of the run (the middle key
/// tells which) and moves keys one by one; beyond, it searches and moves the larger keys at
/// once.
const SCAN_UP_TO: usize = 32;

/// An ascending run of `u128` keys; `keys[head..]` are held.
pub(super) struct SortedRun {
    keys: Vec<u128>,
    head: usize,
}

impl SortedRun {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        SortedRun {
            keys: Vec::with_capacity(capacity),
            head: 0,
        }
    }

    #[inline]
    pub(super) fn len(&self) -> usize {
        self.keys.len() - self.head
    }

    /// The smallest key.
    #[inline]
    pub(super) fn first(&self) -> Option<u128> {
        self.keys.get(self.head).copied()
    }

    /// Moves every key to the end of `to`.
    pub(super) fn drain_into(&mut self, to: &mut Vec<u128>) {
        to.extend_from_slice(&self.keys[self.head..]);
        self.clear();
    }

    /// The held keys, in order.
    pub(super) fn held(&self) -> &[u128] {
        &self.keys[self.head..]
    }

    /// Moves the held keys from the `at`-th on (in order) to the end of `to`.
    pub(super) fn split_off_into(&mut self, at: usize, to: &mut Vec<u128>) {
        let from = self.head + at;
        to.extend_from_slice(&self.keys[from..]);
        self.keys.truncate(from);
    }

    /// The largest key.
    pub(super) fn max(&self) -> Option<u128> {
        if self.len() == 0 {
            return None;
        }
        self.keys.last().copied()
    }

    #[inline(always)]
    pub(super) fn push(&mut self, key: u128) {
        let len = self.len();
        if len > SCAN_UP_TO {
            return self.push_searched(key);
        }
        let head = self.head;
        if head > 0 && (len == 0 || key < self.keys[head + len / 2]) {
            // Before the middle key, with a free place before `head`: the smaller keys move
            // one place down.
            self.head = head - 1;
            let part = &mut self.keys[head - 1..head + len / 2];
            let mut i = 0;
            while i + 1 < part.len() && part[i + 1] < key {
                part[i] = part[i + 1];
                i += 1;
            }
            part[i] = key;
        } else {
            // The larger keys move one place up.
            self.keys.push(key);
            let held = &mut self.keys[head..];
            let mut i = held.len() - 1;
            while i > 0 && held[i - 1] > key {
                held[i] = held[i - 1];
                i -= 1;
            }
            held[i] = key;
        }
    }

    /// [`Self::push`] into a long run: a binary search and one move of the larger keys.
    #[inline(never)]
    fn push_searched(&mut self, key: u128) {
        let held = &self.keys[self.head..];
        let at = held.partition_point(|&k| k < key);
        if at == 0 && self.head > 0 {
            self.head -= 1;
            self.keys[self.head] = key;
        } else {
            self.keys.insert(self.head + at, key);
        }
    }

    /// Adds the keys of `from` (any order), then sorts what is held.
    pub(super) fn extend_sorted(&mut self, from: &[u128]) {
        self.keys.extend_from_slice(from);
        self.keys[self.head..].sort_unstable();
    }

    /// Removes and returns the smallest key.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<u128> {
        let key = *self.keys.get(self.head)?;
        self.head += 1;
        if self.head == self.keys.len() {
            self.clear();
        } else if self.head > RECLAIM_AT && self.head > self.len() {
            self.keys.drain(..self.head);
            self.head = 0;
        }
        Some(key)
    }

    /// Keeps only the keys `keep` accepts (in order).
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&u128) -> bool) {
        self.keys.drain(..self.head);
        self.head = 0;
        self.keys.retain(|k| keep(k));
    }

    /// Replaces the key of rank `r` by `renumber(r, key)`, which must keep their order.
    pub(super) fn renumber(&mut self, mut renumber: impl FnMut(usize, u128) -> u128) {
        for (rank, key) in self.keys[self.head..].iter_mut().enumerate() {
            *key = renumber(rank, *key);
        }
        debug_assert!(
            self.keys[self.head..].is_sorted_by(|a, b| a < b),
            "renumbering kept order"
        );
    }

    fn clear(&mut self) {
        self.keys.clear();
        self.head = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    /// A short run (up to a few more keys than [`SCAN_UP_TO`]): pushes anywhere, scanned from
    /// either end, and pops, against a sorted list.
    #[test]
    fn a_short_run_pops_every_key_in_order() {
        let mut rng = stream(4, "test/run/short");
        let mut run = SortedRun::with_capacity(0);
        let mut reference: Vec<u128> = Vec::new();
        for round in 0..100_000u32 {
            if reference.len() < SCAN_UP_TO + 4 && rng.uniform_u64(0, 100) < 52 {
                let key = (rng.uniform_u64(0, 50) as u128) << 64 | round as u128;
                run.push(key);
                reference.push(key);
                reference.sort_unstable();
            } else {
                assert_eq!(run.first(), reference.first().copied());
                assert_eq!(
                    run.pop(),
                    (!reference.is_empty()).then(|| reference.remove(0))
                );
            }
            assert_eq!(run.len(), reference.len());
            assert!(run.keys[run.head..].is_sorted_by(|a, b| a < b));
        }
    }

    /// Pushes (some below every held key, some among them), pops, filters, bulk additions and
    /// renumberings against a sorted list; the popped places are reclaimed.
    #[test]
    fn pops_every_key_in_order_after_pushes_retains_and_renumbers() {
        let mut rng = stream(3, "test/run");
        let mut run = SortedRun::with_capacity(0);
        let mut reference: Vec<u128> = Vec::new();
        for round in 0..20_000u32 {
            let low = reference.iter().min().map_or(0, |&k| (k >> 64) as u64);
            let at = match rng.uniform_u64(0, 3) {
                0 => low.saturating_sub(rng.uniform_u64(0, 3)),
                _ => rng.uniform_u64(0, 1_000),
            };
            let key = (at as u128) << 64 | round as u128;
            run.push(key);
            reference.push(key);
            if round % 2_000 == 1_999 {
                let more: Vec<u128> = (0..50u128)
                    .map(|i| (i * 7 % 1_000) << 64 | ((1 << 40) + i + round as u128 * 64))
                    .collect();
                run.extend_sorted(&more);
                reference.extend(&more);
            }
            if round % 500 == 499 {
                run.retain(|k| k % 3 != 0);
                reference.retain(|k| k % 3 != 0);
            }
            if round % 1_000 == 999 {
                run.renumber(|rank, k| (k >> 64) << 64 | rank as u128);
                reference.sort_unstable();
                for (rank, k) in reference.iter_mut().enumerate() {
                    *k = (*k >> 64) << 64 | rank as u128;
                }
            }
            if rng.uniform_u64(0, 100) < 49 {
                reference.sort_unstable();
                assert_eq!(run.first(), reference.first().copied());
                assert_eq!(
                    run.pop(),
                    (!reference.is_empty()).then(|| reference.remove(0))
                );
            }
            assert_eq!(run.len(), reference.len());
            assert_eq!(run.max(), reference.iter().max().copied());
            assert!(
                run.head <= RECLAIM_AT.max(run.len()) + 1,
                "popped places reclaimed"
            );
        }
        reference.sort_unstable();
        for k in reference {
            assert_eq!(run.pop(), Some(k));
        }
        assert_eq!(run.pop(), None);
    }
}
