//! The records of a shard's lane not yet read, in the order they were written. Records are
//! kept as runs (`Chunk`: the first and last write time and a count) of the writes within one
//! second, so a day of backlog costs 86,400 runs, not one entry per record; a record's write
//! time inside a run is interpolated evenly between its ends (our choice: exact at the ends,
//! within the run's second between them), which is what iterator age and expiry read.

use crate::kernel::SimTime;
use std::collections::VecDeque;

/// The span of write times one run covers.
const RUN: SimTime = SimTime::from_secs(1);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Chunk {
    first: SimTime,
    last: SimTime,
    n: u64,
}

impl Chunk {
    /// The write time of record `i` (0-based) of the run.
    fn time(&self, i: u64) -> SimTime {
        if self.n <= 1 {
            return self.first;
        }
        let span = (self.last - self.first).as_nanos() as u128;
        SimTime::from_nanos(
            self.first.as_nanos() + (span * i as u128 / (self.n - 1) as u128) as u64,
        )
    }

    /// How many of its records were written at or before `cutoff`.
    fn at_or_before(&self, cutoff: SimTime) -> u64 {
        if cutoff < self.first {
            return 0;
        }
        if cutoff >= self.last {
            return self.n;
        }
        let span = (self.last - self.first).as_nanos() as u128;
        let into = (cutoff - self.first).as_nanos() as u128;
        (into * (self.n - 1) as u128 / span) as u64 + 1
    }
}

/// A lane's unread records.
#[derive(Clone, Debug, Default)]
pub struct Backlog {
    chunks: VecDeque<Chunk>,
    len: u64,
}

impl Backlog {
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A record written at `t` (never before the last one).
    pub fn push(&mut self, t: SimTime) {
        self.len += 1;
        if let Some(c) = self.chunks.back_mut()
            && t < c.first + RUN
        {
            c.last = t;
            c.n += 1;
            return;
        }
        self.chunks.push_back(Chunk {
            first: t,
            last: t,
            n: 1,
        });
    }

    /// The write time of record `i` (0-based from the oldest).
    pub fn time(&self, mut i: u64) -> Option<SimTime> {
        for c in &self.chunks {
            if i < c.n {
                return Some(c.time(i));
            }
            i -= c.n;
        }
        None
    }

    /// Removes the `n` oldest records.
    pub fn take(&mut self, mut n: u64) {
        n = n.min(self.len);
        self.len -= n;
        while n > 0 {
            let c = self.chunks.front_mut().expect("the count matches the runs");
            if n < c.n {
                let first = c.time(n);
                c.first = first;
                c.n -= n;
                return;
            }
            n -= c.n;
            self.chunks.pop_front();
        }
    }

    /// Removes the records written at or before `cutoff` (expired); answers how many.
    pub fn expire(&mut self, cutoff: SimTime) -> u64 {
        let mut gone = 0;
        while let Some(c) = self.chunks.front() {
            let k = c.at_or_before(cutoff);
            if k == 0 {
                break;
            }
            let whole = k == c.n;
            self.take(k);
            gone += k;
            if !whole {
                break;
            }
        }
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_keep_order_count_and_interpolated_times() {
        let mut b = Backlog::default();
        for ms in [0u64, 250, 500, 750, 1000, 1500] {
            b.push(SimTime::from_millis(ms));
        }
        assert_eq!(b.len(), 6);
        // Two runs: 0..750 (4 records) and 1000..1500 (2).
        assert_eq!(b.time(3), Some(SimTime::from_millis(750)));
        assert_eq!(b.time(4), Some(SimTime::from_millis(1000)));
        b.take(2);
        assert_eq!(b.time(0), Some(SimTime::from_millis(500)));
        // Expiring everything written by 1,000 ms leaves the 1,500 ms record.
        assert_eq!(b.expire(SimTime::from_millis(1000)), 3);
        assert_eq!((b.len(), b.time(0)), (1, Some(SimTime::from_millis(1500))));
        assert_eq!(b.expire(SimTime::from_millis(1499)), 0);
    }
}
