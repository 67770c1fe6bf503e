//! A two-rung ladder of 128-bit keys: the ordering structure under the event queue.
//!
//! The queue's keys are `time << 64 | sequence << 32 | slot`. Only the nearest ones need to be
//! in order; the ladder keeps them in a short sorted run ([`SortedRun`]) and the others
//! unsorted:
//! - `near`: the run, every key whose time is before `near_end`;
//! - `ring`: [`BUCKETS`] buckets of equal width (a power of two nanoseconds) after `near_end`,
//!   unsorted; a key is appended to the bucket of its time;
//! - `far`: unsorted, every key beyond the ring.
//!
//! When the run empties, the next non-empty bucket becomes the run (its keys sorted) and
//! `near_end` moves to that bucket's end; when the ring runs empty, it is rebuilt from `far`
//! with buckets sized for a few keys each at the density of the earliest keys (the distance
//! from the first to the [`DENSITY_KEYS`]-th after it: completions due in milliseconds, not
//! the timers seconds away that may be most of `far`), and what lies beyond stays in `far`. A
//! bucket or a run that grew too crowded (the keys got denser than when the ring was built) is
//! spread over a finer ring, its buckets at most half as wide. A key is so moved a few times,
//! and the run holds about one bucket's keys instead of all of them: with thousands pending, a
//! pop moves a cursor and a push moves a few keys. Order is exact: every key in the run is
//! smaller than every key in the ring, and the ring's than `far`'s, by time; keys of equal
//! time are always in the same rung, ordered by the run. Keys need not be monotone.
//!
//! A small ladder (at most [`SMALL`] keys in its run: M/M/8's dozen pending events) does not
//! use its ring: a push is a scan of the run and a pop moves its cursor. Its keys far beyond
//! the others (timers due in seconds among completions due in milliseconds) wait unsorted in
//! `far` instead, so the run's scans and moves do not pass over them. While it holds at most
//! [`SPLIT_SMALL_FROM`] keys, `near_end` is past every key; once its run holds more, `near_end`
//! is set [`FAR_BEYOND`] times the span from the first key to the median past the first key,
//! and the keys from there on go to `far`. When the run empties, the keys of `far` are sorted
//! into it and the split is made again. The ring is built when the run grows past [`SMALL`]
//! (as when it grows past its limit) or empties with more than [`SMALL_AGAIN`] keys in
//! `far`, and given up when the run empties with at most [`SMALL_AGAIN`] keys held, so a
//! queue hovering at the boundary does not switch at each push.
//!
//! Invariant: the run is not empty while any key is held, so the smallest key is the run's
//! first (read without mutation).

use super::run::SortedRun;

/// The ring's buckets.
const BUCKETS: usize = 1024;

/// A rebuilt ring's buckets are sized for about this many keys each, at the density of the
/// earliest keys.
const PER_BUCKET: u128 = 8;

/// The density is that of the earliest this many keys (of the earlier half, if fewer or all
/// of one time): the keys due soon, not the timers seconds away that may be most of them.
const DENSITY_KEYS: usize = 64;

/// A bucket with more keys than this is spread over a finer ring instead of going to the run
/// (the keys grew denser since the ring was built).
const SPLIT_AT: usize = 64;

/// A run grown beyond this (pushes before `near_end`, denser than when its bucket was
/// chosen) is spread over a finer ring.
const NEAR_LIMIT: usize = 64;

/// While the ladder is small, every key is in the run: it holds up to this many before the
/// ring is built.
const SMALL: usize = 32;

/// A ladder whose run empties while it holds at most this many keys becomes small again.
const SMALL_AGAIN: usize = 16;

/// `near_end` past every key.
const ALL: u128 = u128::MAX;

/// A small ladder keeps in its run the keys before this many times the span from its first
/// key to its median key (counted from the first); the later ones wait in `far`.
const FAR_BEYOND: u64 = 8;

/// A small ladder's bucket width and first bucket: every time falls before the first bucket
/// (a time shifted by 63 is 0 or 1), so a key pushed at or after `near_end` goes to `far` by
/// the ring's own arithmetic (the subtraction wraps past every bucket), without a test of
/// its own.
const SMALL_SHIFT: u32 = 63;
const SMALL_BASE: u64 = 2;

/// A small ladder keeps every key in its run while it holds at most this many; past that,
/// the later keys go to `far`.
const SPLIT_SMALL_FROM: usize = 8;

#[inline]
fn time(key: u128) -> u64 {
    (key >> 64) as u64
}

/// A min-priority structure of `u128` keys ordered by their value.
pub(super) struct Ladder {
    near: SortedRun,
    /// Keys whose time is below this are in `near`; it is the start of bucket `cursor`.
    near_end: u128,
    ring: Vec<Vec<u128>>,
    /// Bucket `i` holds times in `[(base + i) << shift, (base + i + 1) << shift)`.
    base: u64,
    shift: u32,
    /// Buckets before it are empty (already moved to `near`).
    cursor: usize,
    in_ring: usize,
    far: Vec<u128>,
    len: usize,
    /// The run's size that triggers a new ring: [`NEAR_LIMIT`], or twice what its bucket
    /// brought (keys of one time cannot be spread); in a small ladder, [`SMALL`], or
    /// [`SPLIT_SMALL_FROM`] while its run holds every key (past it, the split into `far`).
    near_limit: usize,
    /// The ring is not in use: keys at or after `near_end` go to `far`.
    small: bool,
}

impl Ladder {
    pub(super) fn new() -> Self {
        Ladder {
            near: SortedRun::with_capacity(1024),
            near_end: ALL,
            ring: vec![Vec::new(); BUCKETS],
            base: SMALL_BASE,
            shift: SMALL_SHIFT,
            cursor: 0,
            in_ring: 0,
            far: Vec::new(),
            len: 0,
            near_limit: SPLIT_SMALL_FROM,
            small: true,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// The smallest key.
    #[inline]
    pub(super) fn first(&self) -> Option<u128> {
        self.near.first()
    }

    #[inline(always)]
    pub(super) fn push(&mut self, key: u128) {
        self.len += 1;
        if (time(key) as u128) < self.near_end {
            self.near.push(key);
            if self.near.len() > self.near_limit {
                self.respread();
            }
            return;
        }
        self.push_beyond(key);
    }

    /// [`Self::push`] of a key at or after `near_end`.
    #[inline(never)]
    fn push_beyond(&mut self, key: u128) {
        self.place(key);
        if self.near.len() == 0 {
            self.advance();
        }
    }

    /// Puts a key at or after `near_end` in its bucket, or in `far`.
    #[inline]
    fn place(&mut self, key: u128) {
        // At or after `near_end`, so at or after bucket `cursor`; in a small ladder, past
        // every bucket (`SMALL_SHIFT`, `SMALL_BASE`), so in `far`.
        let bucket = (time(key) >> self.shift).wrapping_sub(self.base) as usize;
        if bucket < BUCKETS {
            self.ring[bucket].push(key);
            self.in_ring += 1;
        } else {
            self.far.push(key);
        }
    }

    /// Removes and returns the smallest key.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<u128> {
        let key = self.near.pop()?;
        self.len -= 1;
        if self.near.len() == 0 && self.len > 0 {
            self.advance();
        }
        Some(key)
    }

    /// Refills the empty run from the next non-empty bucket, rebuilding the ring from `far`
    /// first if it is empty.
    #[inline(never)]
    fn advance(&mut self) {
        debug_assert_eq!(self.near.len(), 0);
        if self.len <= SMALL_AGAIN {
            self.make_small();
            return;
        }
        if self.in_ring == 0 {
            if self.far.is_empty() {
                return;
            }
            self.rebuild(63);
        }
        while self.ring[self.cursor].is_empty() {
            self.cursor += 1;
        }
        if self.ring[self.cursor].len() > SPLIT_AT && self.shift > 0 {
            // Too many keys for one bucket: every key of the ring back to `far`, and a ring of
            // narrower buckets.
            for bucket in &mut self.ring[self.cursor..] {
                self.far.append(bucket);
            }
            self.in_ring = 0;
            self.rebuild(self.shift - 1);
            while self.ring[self.cursor].is_empty() {
                self.cursor += 1;
            }
        }
        let bucket = &mut self.ring[self.cursor];
        self.in_ring -= bucket.len();
        self.near.extend_sorted(bucket);
        bucket.clear();
        if bucket.capacity() > 2 * SPLIT_AT {
            // A bucket once crowded by keys of one time does not keep that memory.
            bucket.shrink_to(SPLIT_AT);
        }
        self.cursor += 1;
        self.near_end = self.bucket_start(self.cursor);
        self.near_limit = NEAR_LIMIT.max(2 * self.near.len());
    }

    /// Every key into the (empty) run, which then takes every key pushed until it holds more
    /// than [`SMALL`].
    fn make_small(&mut self) {
        if self.in_ring > 0 {
            for bucket in &mut self.ring[self.cursor..] {
                self.far.append(bucket);
            }
        }
        self.near.extend_sorted(&self.far);
        self.far.clear();
        self.in_ring = 0;
        self.small = true;
        self.shift = SMALL_SHIFT;
        self.base = SMALL_BASE;
        self.split_small();
    }

    /// Sets a small ladder's `near_end` while its run holds every key: past every key while
    /// there are at most [`SPLIT_SMALL_FROM`] (the split is made when the run grows past it);
    /// else at [`FAR_BEYOND`] times the span from the first key to the median, the keys from
    /// there on going to `far`.
    fn split_small(&mut self) {
        let held = self.near.held();
        if held.len() <= SPLIT_SMALL_FROM {
            self.near_end = ALL;
            self.near_limit = SPLIT_SMALL_FROM;
            return;
        }
        let first = time(held[0]);
        let span = (time(held[held.len() / 2]) - first).max(1);
        let end = first.saturating_add(span.saturating_mul(FAR_BEYOND));
        let near = held.partition_point(|&k| time(k) < end);
        self.near.split_off_into(near, &mut self.far);
        self.near_end = end as u128;
        self.near_limit = SMALL;
    }

    /// Every key back to `far`, then a new ring and run.
    #[inline(never)]
    fn respread(&mut self) {
        if self.small && self.near_end == ALL {
            // A small ladder's run grew past `SPLIT_SMALL_FROM` keys: its later keys go to `far`.
            self.split_small();
            return;
        }
        self.near.drain_into(&mut self.far);
        for bucket in &mut self.ring[self.cursor..] {
            self.far.append(bucket);
        }
        self.in_ring = 0;
        if self.len > SMALL_AGAIN {
            // Narrower buckets than the run's, whatever the density of the earliest keys.
            self.rebuild(self.shift.saturating_sub(1));
        }
        self.advance();
    }

    fn bucket_start(&self, bucket: usize) -> u128 {
        (self.base as u128 + bucket as u128) << self.shift
    }

    /// Spreads `far` (not empty; the ring and the run are empty) over a new ring starting at
    /// its earliest time, with buckets `1 << shift` wide (`shift` at most `max_shift`) for
    /// about [`PER_BUCKET`] keys each at the density of the earliest [`DENSITY_KEYS`] keys (of
    /// the earlier half, if fewer or all of one time); the keys beyond the ring stay in
    /// `far`.
    fn rebuild(&mut self, max_shift: u32) {
        self.small = false;
        let earliest = self.far.iter().map(|&k| time(k)).min().unwrap_or(0);
        let half = self.far.len() / 2;
        let mut nth = half.min(DENSITY_KEYS);
        let mut offset = self.nth_time(nth) - earliest;
        if offset == 0 && nth < half {
            // The earliest keys are of one time: the density of the earlier half instead.
            nth = half;
            offset = self.nth_time(nth) - earliest;
        }
        let width = (PER_BUCKET * offset as u128 / (nth as u128 + 1)).max(1);
        // The smallest power of two at least `width`.
        self.shift = (128 - (width - 1).leading_zeros()).min(max_shift);
        self.base = earliest >> self.shift;
        self.cursor = 0;
        self.near_end = self.bucket_start(0);
        let Ladder {
            far,
            ring,
            in_ring,
            base,
            shift,
            ..
        } = self;
        far.retain(|&key| {
            let bucket = ((time(key) >> *shift) - *base) as usize;
            if bucket < BUCKETS {
                ring[bucket].push(key);
                *in_ring += 1;
                false
            } else {
                true
            }
        });
    }

    /// The time of the `n`-th smallest key of `far` (which it reorders).
    fn nth_time(&mut self, n: usize) -> u64 {
        let (_, &mut key, _) = self.far.select_nth_unstable(n);
        time(key)
    }

    /// Keeps only the keys `keep` accepts.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&u128) -> bool) {
        self.near.retain(&mut keep);
        self.in_ring = 0;
        for bucket in &mut self.ring {
            bucket.retain(&mut keep);
            self.in_ring += bucket.len();
        }
        self.far.retain(&mut keep);
        self.len = self.near.len() + self.in_ring + self.far.len();
        if self.near.len() == 0 && self.len > 0 {
            self.advance();
        }
    }

    /// Replaces the key of rank `r` by `renumber(r, key)`, which must keep their order and
    /// their times.
    pub(super) fn renumber(&mut self, renumber: impl FnMut(usize, u128) -> u128) {
        let mut all = std::mem::take(&mut self.far);
        for bucket in &mut self.ring {
            all.append(bucket);
        }
        self.near.extend_sorted(&all);
        self.in_ring = 0;
        self.small = false;
        self.near.renumber(renumber);
        // Every key is in the run: it ends after the last one, and a ring of one-nanosecond
        // buckets follows (the next rebuild sizes it).
        let last = self.near.max().map_or(0, time);
        self.shift = 0;
        self.base = last.saturating_add(1);
        self.cursor = 0;
        self.near_end = last as u128 + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    /// Pushes at random distances from the last key popped (often equal times, sometimes far
    /// beyond the ring), pops, filters and renumberings, against a sorted list.
    fn check(seed: u64, spreads: &[u64]) {
        let mut rng = stream(seed, "test/ladder");
        let mut ladder = Ladder::new();
        let mut reference: Vec<u128> = Vec::new();
        let mut now: u64 = 0;
        for round in 0..30_000u32 {
            let spread = spreads[rng.uniform_u64(0, spreads.len() as u64) as usize];
            let at = now.saturating_add(rng.uniform_u64(0, spread));
            let key = (at as u128) << 64 | (round as u128) << 32;
            ladder.push(key);
            reference.push(key);
            if round % 700 == 699 {
                ladder.retain(|k| (k >> 32) % 3 != 0);
                reference.retain(|k| (k >> 32) % 3 != 0);
            }
            if round % 5_000 == 4_999 {
                ladder.renumber(|rank, k| (k >> 64) << 64 | (rank as u128) << 32);
                reference.sort_unstable();
                for (rank, k) in reference.iter_mut().enumerate() {
                    *k = (*k >> 64) << 64 | (rank as u128) << 32;
                }
            }
            if rng.uniform_u64(0, 100) < 48 {
                reference.sort_unstable();
                assert_eq!(ladder.first(), reference.first().copied());
                if !reference.is_empty() {
                    let expected = reference.remove(0);
                    assert_eq!(ladder.pop(), Some(expected));
                    now = time(expected);
                }
            }
            assert_eq!(ladder.len(), reference.len());
        }
        reference.sort_unstable();
        for k in reference {
            assert_eq!(ladder.first(), Some(k));
            assert_eq!(ladder.pop(), Some(k));
        }
        assert_eq!(ladder.pop(), None);
        assert_eq!(ladder.len(), 0);
    }

    /// A ring built while the keys were sparse (one far ahead), then thousands of keys close
    /// together, some of one time: the run and the buckets are spread over finer rings, the
    /// run stays small but for the ties, and the order holds.
    #[test]
    fn keys_grown_denser_are_spread_finer_and_stay_in_order() {
        let mut rng = stream(6, "test/ladder/dense");
        let mut ladder = Ladder::new();
        let mut reference: Vec<u128> = Vec::new();
        let push = |ladder: &mut Ladder, reference: &mut Vec<u128>, at: u64, n: u32| {
            let key = (at as u128) << 64 | (n as u128) << 32;
            ladder.push(key);
            reference.push(key);
        };
        push(&mut ladder, &mut reference, 5, 0);
        push(&mut ladder, &mut reference, 1_000_000_000_000, 1);
        push(&mut ladder, &mut reference, 7, 2);
        assert_eq!(ladder.pop(), Some(5u128 << 64));
        reference.remove(0);
        for n in 3..20_000 {
            let at = match n % 4 {
                0 => 1_000,
                1 => rng.uniform_u64(10, 10_000_000),
                _ => rng.uniform_u64(1_000_000_000, 2_000_000_000),
            };
            push(&mut ladder, &mut reference, at, n);
        }
        reference.sort_unstable();
        let ties = reference.iter().filter(|&&k| time(k) == 1_000).count();
        let mut largest = 0;
        for k in reference {
            largest = largest.max(ladder.near.len());
            assert_eq!(ladder.pop(), Some(k));
        }
        assert!(largest <= 2 * ties + NEAR_LIMIT, "{largest} in the run");
        assert_eq!(ladder.pop(), None);
    }

    /// Thousands of timers seconds away and a few hundred completions due in milliseconds,
    /// popped and replaced for a long while (a fleet at its peak): the ring's buckets are
    /// sized for the completions, so a push into the run finds few keys there.
    #[test]
    fn buckets_follow_the_earliest_keys_not_the_far_timers() {
        let mut rng = stream(8, "test/ladder/timers");
        let mut ladder = Ladder::new();
        let mut n = 0u32;
        let mut push = |ladder: &mut Ladder, at: u64| {
            ladder.push((at as u128) << 64 | (n as u128) << 32);
            n += 1;
        };
        for _ in 0..3_000 {
            push(&mut ladder, rng.uniform_u64(1_000_000_000, 16_000_000_000));
        }
        for _ in 0..300 {
            push(&mut ladder, rng.uniform_u64(0, 40_000_000));
        }
        let (mut into_run, mut run_sum) = (0u64, 0u64);
        for _ in 0..200_000 {
            let now = time(ladder.pop().expect("keys held"));
            let at = now + rng.uniform_u64(0, 40_000_000);
            if (at as u128) < ladder.near_end {
                into_run += 1;
                run_sum += ladder.near.len() as u64;
            }
            push(&mut ladder, at);
        }
        let mean = run_sum as f64 / into_run.max(1) as f64;
        assert!(
            mean < 4.0 * PER_BUCKET as f64,
            "{mean:.1} keys in the run at a push"
        );
    }

    /// A small ladder's rungs: no ring, at most [`SMALL`] keys in the run, each before
    /// `near_end`, and the others in `far`; true if some are in `far`.
    fn check_small(ladder: &Ladder) -> bool {
        if !ladder.small {
            return false;
        }
        assert_eq!(ladder.in_ring, 0);
        assert!(ladder.near.len() <= SMALL);
        assert_eq!(ladder.near.len() + ladder.far.len(), ladder.len());
        let near_end = ladder.near_end;
        assert!(
            ladder
                .near
                .held()
                .iter()
                .all(|&k| (time(k) as u128) < near_end)
        );
        assert!(ladder.far.iter().all(|&k| time(k) as u128 >= near_end));
        !ladder.far.is_empty()
    }

    /// Grows past [`SMALL`] keys and shrinks to at most [`SMALL_AGAIN`], again and again: a
    /// small ladder uses no ring, holds every key before `near_end` in its run (never more
    /// than [`SMALL`]) and the later ones in `far`; it becomes a ring above, and small again
    /// once its run empties with few keys left; the order holds throughout.
    #[test]
    fn becomes_small_again_below_its_small_size_and_keeps_the_order() {
        let mut rng = stream(7, "test/ladder/small");
        let mut ladder = Ladder::new();
        let mut reference: Vec<u128> = Vec::new();
        let (mut now, mut n, mut became_large, mut became_small) = (0u64, 0u32, 0, 0);
        let mut split = 0;
        for _ in 0..200 {
            let high = rng.uniform_u64(20, 300) as usize;
            let low = rng.uniform_u64(0, SMALL_AGAIN as u64 + 1) as usize;
            while reference.len() < high {
                let spread = [3, 1_000, 1 << 30][rng.uniform_u64(0, 3) as usize];
                let key = ((now + rng.uniform_u64(0, spread)) as u128) << 64 | (n as u128) << 32;
                n += 1;
                let small = ladder.small;
                ladder.push(key);
                reference.push(key);
                became_large += (small && !ladder.small) as u32;
                split += check_small(&ladder) as u32;
            }
            reference.sort_unstable();
            while reference.len() > low {
                let small = ladder.small;
                let expected = reference.remove(0);
                assert_eq!(ladder.pop(), Some(expected));
                now = time(expected);
                became_small += (!small && ladder.small) as u32;
                split += check_small(&ladder) as u32;
            }
        }
        assert!(
            became_large > 100 && became_small > 100 && split > 1_000,
            "{became_large} {became_small} {split}"
        );
        for k in reference {
            assert_eq!(ladder.pop(), Some(k));
        }
        assert_eq!(ladder.pop(), None);
    }

    #[test]
    fn pops_every_key_in_order_with_many_ties() {
        check(3, &[1, 3, 50]);
    }

    #[test]
    fn pops_every_key_in_order_with_spread_and_far_keys() {
        check(4, &[1_000, 1_000_000, 1 << 40, u64::MAX]);
    }

    #[test]
    fn pops_every_key_in_order_with_a_mix() {
        check(5, &[2, 1_000, 100_000, 1 << 20, 1 << 62]);
    }
}
