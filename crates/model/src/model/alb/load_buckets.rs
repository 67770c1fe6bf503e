//! Positions of one candidate list bucketed by load level, for least outstanding requests in
//! O(1): a target's count changes by one at a time, so it moves between adjacent buckets, and
//! the lowest non-empty bucket moves by one too.
//!
//! Each bucket is a two-level bitset over the list's positions, so "the first position at or
//! after `start` in the lowest bucket, wrapping around" (the rotating tie-break of
//! `LoadBalancer::choose`) is one masked word, or a scan of the summary words (one word per
//! 4,096 positions), whatever the fleet size. Every bucket's words cover every position the
//! list has held, so a move sets and clears bits without growing anything, and the rare
//! rescan for a new lowest level is out of line.
//!
//! A list that has never held more than 64 positions (most fleets) keeps each level as one
//! word in one vector instead (`one`): a move sets a bit in one word and clears it in another,
//! with no count and no second indirection. Its 65th position spreads them into buckets.

/// One load level: which positions carry it.
#[derive(Clone, Debug, Default)]
struct Bucket {
    count: u32,
    /// Bit `p % 64` of word `p / 64`: position `p` is at this level.
    words: Vec<u64>,
    /// Bit `w % 64` of summary word `w / 64`: word `w` is not zero.
    summary: Vec<u64>,
}

impl Bucket {
    /// Room for positions below `64 * words`.
    fn widen(&mut self, words: usize) {
        if self.words.len() < words {
            self.words.resize(words, 0);
            self.summary.resize(words.div_ceil(64), 0);
        }
    }

    /// Adds position `p`, which the words cover (`LoadBuckets` widens every bucket first).
    #[inline]
    fn insert(&mut self, p: usize) {
        let w = p / 64;
        let word = &mut self.words[w];
        debug_assert!(*word & (1 << (p % 64)) == 0, "position {p} twice");
        *word |= 1 << (p % 64);
        self.summary[w / 64] |= 1 << (w % 64);
        self.count += 1;
    }

    #[inline]
    fn remove(&mut self, p: usize) {
        let w = p / 64;
        let word = &mut self.words[w];
        debug_assert!(*word & (1 << (p % 64)) != 0, "position {p} absent");
        *word &= !(1 << (p % 64));
        if *word == 0 {
            self.summary[w / 64] &= !(1 << (w % 64));
        }
        self.count -= 1;
    }

    /// The first position at or after `from`, if any.
    fn next_from(&self, from: usize) -> Option<usize> {
        let w = from / 64;
        let here = self.words.get(w)? & (!0u64 << (from % 64));
        if here != 0 {
            return Some(w * 64 + here.trailing_zeros() as usize);
        }
        let next = w + 1;
        let mut mask = !0u64 << (next % 64);
        for s in next / 64..self.summary.len() {
            let found = self.summary[s] & mask;
            if found != 0 {
                let word = s * 64 + found.trailing_zeros() as usize;
                return Some(word * 64 + self.words[word].trailing_zeros() as usize);
            }
            mask = !0;
        }
        None
    }

    fn clear(&mut self) {
        self.words.fill(0);
        self.summary.fill(0);
        self.count = 0;
    }
}

/// The positions `0..len` of a list, each in the bucket of its load.
#[derive(Clone, Debug, Default)]
pub struct LoadBuckets {
    /// While `words` is at most 1: per level, the bits of its positions (`buckets` is empty).
    one: Vec<u64>,
    /// Once `words` is above 1: per level, its bucket (`one` is empty).
    buckets: Vec<Bucket>,
    /// The lowest non-empty level (meaningless while `len` is 0).
    min: u32,
    len: usize,
    /// Words every bucket has: enough for every position pushed since the list was built
    /// (kept through `clear`), so a move never resizes a bucket.
    words: usize,
}

impl LoadBuckets {
    /// Adds the next position (`len`) at `load`.
    pub fn push(&mut self, load: u32) {
        let p = self.len;
        self.len += 1;
        if p / 64 >= self.words {
            self.words = p / 64 + 1;
            if self.words == 2 {
                self.leave_one_word();
            }
            for b in &mut self.buckets {
                b.widen(self.words);
            }
        }
        if self.words == 1 {
            self.set_one(load, 1u64 << p);
            if p == 0 || load < self.min {
                self.min = load;
            }
            return;
        }
        self.add(p, load, p == 0);
    }

    /// The list takes its 65th position: each level's word becomes a bucket's first word.
    #[cold]
    fn leave_one_word(&mut self) {
        self.buckets = (self.one.iter())
            .map(|&w| {
                let mut b = Bucket::default();
                b.widen(1);
                b.words[0] = w;
                b.summary[0] = u64::from(w != 0);
                b.count = w.count_ones();
                b
            })
            .collect();
        self.one = Vec::new();
    }

    /// `bit` goes to level `level` of `one` (grown to it if needed).
    #[inline(always)]
    fn set_one(&mut self, level: u32, bit: u64) {
        match self.one.get_mut(level as usize) {
            Some(w) => *w |= bit,
            None => self.grow_one(level as usize, bit),
        }
    }

    /// Levels up to `level` exist in `one`; then `bit` goes to `level`.
    #[cold]
    #[inline(never)]
    fn grow_one(&mut self, level: usize, bit: u64) {
        self.one.resize(level + 1, 0);
        self.one[level] |= bit;
    }

    /// Position `p` goes from level `from` to level `to`.
    #[inline]
    pub fn moved(&mut self, p: usize, from: u32, to: u32) {
        if from == to {
            return;
        }
        if self.words == 1 {
            return self.moved_in_one_word(p, from, to);
        }
        self.add(p, to, false);
        self.take(p, from);
    }

    /// `moved` for a list that has never held more than 64 positions (each level one word of
    /// `one`): the bit moves between the two levels' words. In line always: a call costs
    /// about as much as the general path it saves.
    #[inline(always)]
    fn moved_in_one_word(&mut self, p: usize, from: u32, to: u32) {
        let bit = 1u64 << p;
        self.set_one(to, bit);
        if to < self.min {
            self.min = to;
        }
        let w = &mut self.one[from as usize];
        *w &= !bit;
        if *w == 0 && from == self.min {
            self.raise_min(from);
        }
    }

    /// Levels up to `level` exist, each covering the positions held; then position `p` goes
    /// to `level`.
    #[cold]
    #[inline(never)]
    fn grow_to_insert(&mut self, level: usize, p: usize) {
        let words = self.words;
        self.buckets.resize_with(level + 1, || {
            let mut b = Bucket::default();
            b.widen(words);
            b
        });
        self.buckets[level].insert(p);
    }

    /// Empties it, keeping the buckets' memory for the refill.
    pub fn clear(&mut self) {
        self.one.fill(0);
        if self.len > 0 {
            for b in self.buckets.iter_mut().filter(|b| b.count > 0) {
                b.clear();
            }
        }
        self.len = 0;
    }

    /// The first position of the least loaded level at or after `start`, wrapping around to
    /// the list's beginning; `None` when empty. In line, as its caller
    /// (`TargetList::least_loaded_from`).
    #[inline]
    pub fn first_least_loaded(&self, start: usize) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        if self.words == 1 {
            // Every position is below 64, `start` among them.
            let w = self.one[self.min as usize];
            let here = w & (!0u64 << start);
            let found = if here != 0 { here } else { w };
            return Some(found.trailing_zeros() as usize);
        }
        let b = &self.buckets[self.min as usize];
        b.next_from(start).or_else(|| b.next_from(0))
    }

    /// Puts position `p` at `load` (`alone`: no other position is in a bucket).
    #[inline]
    fn add(&mut self, p: usize, load: u32, alone: bool) {
        let level = load as usize;
        match self.buckets.get_mut(level) {
            Some(b) => b.insert(p),
            None => self.grow_to_insert(level, p),
        }
        if alone || load < self.min {
            self.min = load;
        }
    }

    #[inline]
    fn take(&mut self, p: usize, load: u32) {
        let b = &mut self.buckets[load as usize];
        b.remove(p);
        if b.count == 0 && load == self.min {
            self.raise_min(load);
        }
    }

    /// The lowest level `min` emptied: the lowest non-empty one above it becomes the lowest
    /// (none when the list is empty). Out of line: the move's common path stays short.
    #[inline(never)]
    fn raise_min(&mut self, min: u32) {
        // Loads change by one, so the next level up is usually the new lowest one.
        let next = if self.words == 1 {
            self.one[min as usize + 1..].iter().position(|&w| w != 0)
        } else {
            (self.buckets[min as usize + 1..].iter()).position(|b| b.count > 0)
        };
        if let Some(next) = next {
            self.min = min + 1 + next as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::LoadBuckets;
    use proptest::prelude::*;

    /// The first least loaded position at or after `start`, wrapping: the scan the buckets
    /// answer for.
    fn scan(loads: &[u32], start: usize) -> Option<usize> {
        let n = loads.len();
        let min = *loads.iter().min()?;
        (0..n).map(|k| (start + k) % n).find(|&p| loads[p] == min)
    }

    proptest! {
        /// Lists over several words and summary words (up to 5,000 positions), built by
        /// pushes between moves by one, moves by any jump and refills: every answer is the
        /// scan's, across the words each push adds.
        #[test]
        fn answers_as_the_scan_across_words(
            len in 1usize..5_000,
            ops in proptest::collection::vec((any::<u16>(), 0u32..6, any::<u16>(), 0u8..8), 1..300),
        ) {
            let mut buckets = LoadBuckets::default();
            let mut loads = Vec::new();
            let first = len.min(70);
            for p in 0..first {
                loads.push((p % 3) as u32);
                buckets.push(loads[p]);
            }
            for (pick, to, start, what) in ops {
                match what {
                    // Grows the list by a word's worth or more.
                    0 if loads.len() < len => {
                        let end = (loads.len() + 65).min(len);
                        while loads.len() < end {
                            let load = to + (loads.len() % 2) as u32;
                            loads.push(load);
                            buckets.push(load);
                        }
                    }
                    // Empties and refills (the memory is kept).
                    1 => {
                        buckets.clear();
                        for &l in &loads {
                            buckets.push(l);
                        }
                    }
                    // A move by one (up or down), or any jump.
                    _ => {
                        let p = pick as usize % loads.len();
                        let from = loads[p];
                        let new = match what {
                            2 => from + 1,
                            3 => from.saturating_sub(1),
                            _ => to * 7,
                        };
                        buckets.moved(p, from, new);
                        loads[p] = new;
                    }
                }
                let s = start as usize % loads.len();
                prop_assert_eq!(buckets.first_least_loaded(s), scan(&loads, s));
            }
        }

        /// Lists of one word (up to 64 positions), whose moves leave the summary alone, then
        /// grown past it one push at a time: every answer is the scan's, before and after the
        /// list takes a second and a third word.
        #[test]
        fn one_word_moves_answer_as_the_scan_and_after_growth(
            first in 1usize..=64,
            ops in proptest::collection::vec((any::<u16>(), 0u32..6, any::<u16>(), 0u8..6), 1..400),
        ) {
            let mut buckets = LoadBuckets::default();
            let mut loads: Vec<u32> = (0..first).map(|p| (p % 2) as u32).collect();
            for &l in &loads {
                buckets.push(l);
            }
            for (pick, to, start, what) in ops {
                match what {
                    // One more position (the list reaches a second word after 64).
                    0 if loads.len() < 200 => {
                        loads.push(to);
                        buckets.push(to);
                    }
                    _ => {
                        let p = pick as usize % loads.len();
                        let from = loads[p];
                        let new = match what {
                            1 | 2 => from + 1,
                            3 | 4 => from.saturating_sub(1),
                            _ => to * 3,
                        };
                        buckets.moved(p, from, new);
                        loads[p] = new;
                    }
                }
                let s = start as usize % loads.len();
                prop_assert_eq!(buckets.first_least_loaded(s), scan(&loads, s));
            }
        }
    }
}
