//! A stream's shards across resharding: each generation of open shards splits the hash key
//! space evenly, a partition key's hash picks its shard, and a shard closed by resharding
//! (a parent) keeps its records for the consumer, whose lanes of the next generation (its
//! children) wait until every parent whose range overlaps theirs is read to the end.
//!
//! Kinesis maps a partition key to a 128-bit hash key with MD5, and UpdateShardCount with
//! UNIFORM_SCALING gives the new shards equal hash key ranges
//! (https://docs.aws.amazon.com/streams/latest/dev/key-concepts.html,
//! https://docs.aws.amazon.com/kinesis/latest/APIReference/API_UpdateShardCount.html). Our
//! choice: a 64-bit mix of the key's number stands for MD5 (both spread keys evenly).

use super::limits::{ReadBudget, WriteWindow};
use crate::kernel::SimTime;

/// A 64-bit mix (SplitMix64's finalizer): the hash key of partition key `key`.
pub fn hash_key(key: u64) -> u64 {
    let mut z = key.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The shard, of `shards` with even ranges, whose range holds `hash`.
pub fn shard_of(hash: u64, shards: u32) -> u32 {
    ((hash as u128 * shards as u128) >> 64) as u32
}

/// The lane, of a shard's `lanes`, that owns a partition key (records of one key stay in
/// one lane, so they are read in order): a second mix of its hash, our choice.
pub fn lane_of(hash: u64, lanes: u32) -> u32 {
    (hash_key(hash) % lanes as u64) as u32
}

/// Whether child range `i` of `n` even ranges overlaps parent range `j` of `m`.
fn overlaps(i: u32, n: u32, j: u32, m: u32) -> bool {
    let (i, n, j, m) = (i as u64, n as u64, j as u64, m as u64);
    i * m < (j + 1) * n && j * n < (i + 1) * m
}

/// One shard.
#[derive(Clone, Debug)]
pub struct Shard {
    /// Its first lane (global `LaneId` index); its lanes follow.
    pub first_lane: u32,
    /// Open: it takes writes. Closed by resharding, it only drains.
    pub open: bool,
    /// The shards (indices in the stream) it was split or merged from.
    pub parents: Vec<u32>,
    pub writes: WriteWindow,
    pub reads: ReadBudget,
}

/// A stream's shards over the run, generation after generation.
#[derive(Clone, Debug, Default)]
pub struct Shards {
    pub all: Vec<Shard>,
    /// The open generation: `all[open_from..]`.
    pub open_from: usize,
}

impl Shards {
    pub fn open_count(&self) -> u32 {
        (self.all.len() - self.open_from) as u32
    }

    /// The open shard (its index in `all`) that takes a record of hash key `hash`.
    pub fn for_hash(&self, hash: u64) -> usize {
        self.open_from + shard_of(hash, self.open_count()) as usize
    }

    /// Opens a generation of `n` shards, their lanes numbered from `first_lane`, `lanes`
    /// each; the open ones close and become the parents of those they overlap.
    pub fn open_generation(&mut self, n: u32, first_lane: u32, lanes: u32) {
        let (from, m) = (self.open_from, self.open_count());
        for s in &mut self.all[from..] {
            s.open = false;
        }
        self.open_from = self.all.len();
        for i in 0..n {
            let parents = (0..m)
                .filter(|&j| overlaps(i, n, j, m))
                .map(|j| from as u32 + j)
                .collect();
            self.all.push(Shard {
                first_lane: first_lane + i * lanes,
                open: true,
                parents,
                writes: WriteWindow::default(),
                reads: ReadBudget::default(),
            });
        }
    }
}

/// When the stream's open generation changed last: for shard-hours.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShardClock {
    pub since: SimTime,
    /// Open-shard nanoseconds accumulated in the current cost period.
    pub shard_ns: u128,
}

impl ShardClock {
    /// Accounts `open` shards from `since` to `now`.
    pub fn advance(&mut self, now: SimTime, open: u32) {
        self.shard_ns += (now - self.since).as_nanos() as u128 * open as u128;
        self.since = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_scaling_parents_overlap_their_children() {
        let mut s = Shards::default();
        s.open_generation(2, 0, 1);
        assert!(s.all.iter().all(|x| x.parents.is_empty()));
        s.open_generation(4, 2, 1);
        let parents: Vec<_> = s.all[2..].iter().map(|x| x.parents.clone()).collect();
        assert_eq!(parents, vec![vec![0], vec![0], vec![1], vec![1]]);
        s.open_generation(3, 6, 1);
        let parents: Vec<_> = s.all[6..].iter().map(|x| x.parents.clone()).collect();
        assert_eq!(parents, vec![vec![2, 3], vec![3, 4], vec![4, 5]]);
        assert_eq!((s.open_count(), s.all[2].open), (3, false));
    }

    #[test]
    fn hash_keys_spread_evenly_over_shards() {
        let mut counts = [0u32; 4];
        for k in 0..40_000u64 {
            counts[shard_of(hash_key(k), 4) as usize] += 1;
        }
        // Binomial(40,000, 1/4): sd 86.6; |z| <= 3.3.
        for c in counts {
            assert!((c as f64 - 10_000.0).abs() <= 3.3 * 86.6, "{counts:?}");
        }
    }
}
