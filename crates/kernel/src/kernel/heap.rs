//! A 4-ary min-heap of 128-bit keys: the nearest rung of the event queue's [`super::ladder`].
//!
//! The queue packs everything it orders by into one integer (`time`, then insertion sequence,
//! then slot), so one comparison orders two entries and an entry is 16 bytes (four to a cache
//! line). A 4-ary heap is shallower than a binary heap and measured faster for
//! the hold model (`benches/kernel.rs`); removing the top compares a full family of four
//! children as two pairs, then their winners. Entries never move outside the heap, so
//! nothing outside it tracks their positions.

/// A min-heap of `u128` keys.
pub(super) struct QuadHeap {
    keys: Vec<u128>,
}

const ARITY: usize = 4;

impl QuadHeap {
    pub(super) fn with_capacity(capacity: usize) -> Self {
        QuadHeap {
            keys: Vec::with_capacity(capacity),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The smallest key.
    #[inline]
    pub(super) fn first(&self) -> Option<u128> {
        self.keys.first().copied()
    }

    /// Moves every key to the end of `to`.
    pub(super) fn drain_into(&mut self, to: &mut Vec<u128>) {
        to.append(&mut self.keys);
    }

    /// The largest key (a scan).
    pub(super) fn max(&self) -> Option<u128> {
        self.keys.iter().max().copied()
    }

    #[inline]
    pub(super) fn push(&mut self, key: u128) {
        let mut i = self.keys.len();
        self.keys.push(key);
        while i > 0 {
            let parent = (i - 1) / ARITY;
            let above = self.keys[parent];
            if above <= key {
                break;
            }
            self.keys[i] = above;
            i = parent;
        }
        self.keys[i] = key;
    }

    /// Removes and returns the smallest key.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<u128> {
        let last = self.keys.pop()?;
        let Some(&top) = self.keys.first() else {
            return Some(last);
        };
        self.sift_down(0, last);
        Some(top)
    }

    /// Keeps only the keys `keep` accepts, then restores heap order (in linear time).
    pub(super) fn retain(&mut self, keep: impl FnMut(&u128) -> bool) {
        self.keys.retain(keep);
        for i in (0..self.keys.len() / ARITY + 1).rev() {
            if i < self.keys.len() {
                self.sift_down(i, self.keys[i]);
            }
        }
    }

    /// Sorts the keys and replaces the key of rank `r` by `renumber(r, key)`, which must keep
    /// their order (a sorted array is a heap).
    pub(super) fn renumber(&mut self, mut renumber: impl FnMut(usize, u128) -> u128) {
        self.keys.sort_unstable();
        for (rank, key) in self.keys.iter_mut().enumerate() {
            *key = renumber(rank, *key);
        }
        debug_assert!(
            self.keys.is_sorted_by(|a, b| a < b),
            "renumbering kept order"
        );
    }

    /// Places `key` at the hole `i` or below it, moving smaller children up.
    #[inline]
    fn sift_down(&mut self, mut i: usize, key: u128) {
        let len = self.keys.len();
        loop {
            let first = i * ARITY + 1;
            let (best, best_key) = if let Some(c) = self.keys.get(first..first + ARITY) {
                // A full family: two pairs, then their winners (a shorter chain of compares).
                let (a, ka) = if c[1] < c[0] { (1, c[1]) } else { (0, c[0]) };
                let (b, kb) = if c[3] < c[2] { (3, c[3]) } else { (2, c[2]) };
                if kb < ka { (b, kb) } else { (a, ka) }
            } else if first < len {
                let c = &self.keys[first..];
                let mut best = (0, c[0]);
                for (k, &ck) in c.iter().enumerate().skip(1) {
                    if ck < best.1 {
                        best = (k, ck);
                    }
                }
                best
            } else {
                break;
            };
            if best_key >= key {
                break;
            }
            self.keys[i] = best_key;
            i = first + best;
        }
        self.keys[i] = key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    #[test]
    fn pops_every_key_in_order_after_pushes_retains_and_renumbers() {
        let mut rng = stream(3, "test/heap");
        let mut heap = QuadHeap::with_capacity(0);
        let mut reference: Vec<u128> = Vec::new();
        for round in 0..5_000u32 {
            let key = (rng.uniform_u64(0, 1_000) as u128) << 64 | round as u128;
            heap.push(key);
            reference.push(key);
            if round % 500 == 499 {
                heap.retain(|k| k % 3 != 0);
                reference.retain(|k| k % 3 != 0);
            }
            if round % 1_000 == 999 {
                heap.renumber(|rank, k| (k >> 64) << 64 | rank as u128);
                reference.sort_unstable();
                for (rank, k) in reference.iter_mut().enumerate() {
                    *k = (*k >> 64) << 64 | rank as u128;
                }
            }
            if round % 3 == 0 {
                reference.sort_unstable();
                assert_eq!(heap.pop(), Some(reference.remove(0)));
            }
            assert_eq!(heap.len(), reference.len());
        }
        reference.sort_unstable();
        for k in reference {
            assert_eq!(heap.pop(), Some(k));
        }
        assert_eq!(heap.pop(), None);
    }
}
