//! Positions of one candidate list bucketed by load level, for least outstanding requests in
//! O(1): a target's count changes by one at a time, so it moves between adjacent buckets, and
//! the lowest non-empty bucket moves by one too.
//!
//! Each bucket is a two-level bitset over the list's positions, so "the first position at or
//! after `start` in the lowest bucket, wrapping around" (the rotating tie-break of
//! `LoadBalancer::choose`) is one masked word, or a scan of the summary words (one word per
//! 4,096 positions), whatever the fleet size.

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
    #[inline]
    fn insert(&mut self, p: usize) {
        let w = p / 64;
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
            self.summary.resize(w / 64 + 1, 0);
        }
        debug_assert!(self.words[w] & (1 << (p % 64)) == 0, "position {p} twice");
        self.words[w] |= 1 << (p % 64);
        self.summary[w / 64] |= 1 << (w % 64);
        self.count += 1;
    }

    #[inline]
    fn remove(&mut self, p: usize) {
        let w = p / 64;
        debug_assert!(self.words[w] & (1 << (p % 64)) != 0, "position {p} absent");
        self.words[w] &= !(1 << (p % 64));
        if self.words[w] == 0 {
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
    buckets: Vec<Bucket>,
    /// The lowest non-empty level (meaningless while `len` is 0).
    min: u32,
    len: usize,
}

impl LoadBuckets {
    /// Adds the next position (`len`) at `load`.
    pub fn push(&mut self, load: u32) {
        let p = self.len;
        self.len += 1;
        self.add(p, load, p == 0);
    }

    /// Position `p` goes from level `from` to level `to`.
    #[inline]
    pub fn moved(&mut self, p: usize, from: u32, to: u32) {
        if from == to {
            return;
        }
        self.add(p, to, false);
        self.take(p, from);
    }

    /// Empties it, keeping the buckets' memory for the refill.
    pub fn clear(&mut self) {
        if self.len > 0 {
            for b in self.buckets.iter_mut().filter(|b| b.count > 0) {
                b.clear();
            }
        }
        self.len = 0;
    }

    /// The first position of the least loaded level at or after `start`, wrapping around to
    /// the list's beginning; `None` when empty.
    pub fn first_least_loaded(&self, start: usize) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let b = &self.buckets[self.min as usize];
        b.next_from(start).or_else(|| b.next_from(0))
    }

    /// Puts position `p` at `load` (`alone`: no other position is in a bucket).
    #[inline]
    fn add(&mut self, p: usize, load: u32, alone: bool) {
        let level = load as usize;
        if self.buckets.len() <= level {
            self.buckets.resize_with(level + 1, Bucket::default);
        }
        self.buckets[level].insert(p);
        if alone || load < self.min {
            self.min = load;
        }
    }

    #[inline]
    fn take(&mut self, p: usize, load: u32) {
        let b = &mut self.buckets[load as usize];
        b.remove(p);
        if b.count == 0 && load == self.min {
            // Loads change by one, so the next level up is usually the new lowest one.
            if let Some(next) = self.buckets[load as usize + 1..]
                .iter()
                .position(|b| b.count > 0)
            {
                self.min = load + 1 + next as u32;
            }
        }
    }
}
