//! The limits a stream enforces: per-second write windows (a shard's 1 MiB or 1,000 records,
//! an on-demand stream's capacity), on-demand's capacity following its previous peak, and a
//! shard's read budget for shared-throughput consumers.

use super::spec::{
    ON_DEMAND_INITIAL_BYTES, ON_DEMAND_INITIAL_RECORDS, ON_DEMAND_SCALE_DELAY, SHARD_READ_BYTES,
    SHARD_READS_PER_S,
};
use crate::kernel::SimTime;
use std::collections::VecDeque;

const SECOND_NS: u64 = 1_000_000_000;

/// Writes admitted in the current second. AWS states the limits per second without saying
/// how the second is measured; our choice: windows aligned on whole seconds of simulated
/// time, so a constant demand above the limit passes exactly the limit each second.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteWindow {
    /// The second the counts belong to (simulated time in whole seconds).
    pub second: u64,
    pub records: u64,
    pub bytes: u64,
}

impl WriteWindow {
    /// Starts the window of `now`'s second if it is a new one; answers the closed window's
    /// second and counts when one closed with writes in it.
    fn roll(&mut self, now: SimTime) -> Option<(u64, u64, u64)> {
        let second = now.as_nanos() / SECOND_NS;
        if second == self.second {
            return None;
        }
        let closed = (self.records > 0).then_some((self.second, self.records, self.bytes));
        *self = WriteWindow {
            second,
            records: 0,
            bytes: 0,
        };
        closed
    }

    /// Admits a record of `bytes` if the second's records and bytes stay within the limits.
    pub fn admit(&mut self, now: SimTime, bytes: u64, max_records: u64, max_bytes: u64) -> bool {
        self.roll(now);
        if self.records + 1 > max_records || self.bytes + bytes > max_bytes {
            return false;
        }
        self.records += 1;
        self.bytes += bytes;
        true
    }
}

/// An on-demand stream's write capacity: 4 MiB/s and 4,000 records/s at first, then twice
/// the highest second of writes seen, 15 minutes after that second (`spec`'s sources).
#[derive(Clone, Debug)]
pub struct OnDemandCapacity {
    pub records: u64,
    pub bytes: u64,
    peak_records: u64,
    peak_bytes: u64,
    /// Raises decided and not yet applied: (when, records, bytes), in time order.
    pending: VecDeque<(SimTime, u64, u64)>,
    window: WriteWindow,
}

impl Default for OnDemandCapacity {
    fn default() -> Self {
        OnDemandCapacity {
            records: ON_DEMAND_INITIAL_RECORDS,
            bytes: ON_DEMAND_INITIAL_BYTES,
            peak_records: 0,
            peak_bytes: 0,
            pending: VecDeque::new(),
            window: WriteWindow::default(),
        }
    }
}

impl OnDemandCapacity {
    /// Admits a record of `bytes` within the stream's capacity at `now`.
    pub fn admit(&mut self, now: SimTime, bytes: u64) -> bool {
        if let Some((second, records, written)) = self.window.roll(now) {
            self.observe(SimTime::from_secs(second + 1), records, written);
        }
        self.apply_due(now);
        let (r, b) = (self.records, self.bytes);
        self.window.admit(now, bytes, r, b)
    }

    /// A second that ended at `end` had this many writes: a new peak raises the capacity
    /// to twice it, `ON_DEMAND_SCALE_DELAY` later.
    fn observe(&mut self, end: SimTime, records: u64, bytes: u64) {
        if records <= self.peak_records && bytes <= self.peak_bytes {
            return;
        }
        self.peak_records = self.peak_records.max(records);
        self.peak_bytes = self.peak_bytes.max(bytes);
        self.pending.push_back((
            end + ON_DEMAND_SCALE_DELAY,
            2 * self.peak_records,
            2 * self.peak_bytes,
        ));
    }

    fn apply_due(&mut self, now: SimTime) {
        while let Some(&(at, records, bytes)) = self.pending.front() {
            if at > now {
                break;
            }
            self.records = self.records.max(records);
            self.bytes = self.bytes.max(bytes);
            self.pending.pop_front();
        }
    }
}

/// A shard's reads for shared-throughput consumers: at most 5 GetRecords calls a second
/// (one each 200 ms here) and 2 MiB/s, where one call may take more than the second's share
/// (up to 10 MiB) and the next waits until the bytes are paid back.
#[derive(Clone, Copy, Debug, Default)]
pub struct ReadBudget {
    /// When the bytes read so far are paid back at 2 MiB/s.
    paid_until: SimTime,
    last_read: Option<SimTime>,
}

impl ReadBudget {
    /// The earliest time the shard can be read again.
    pub fn next_read(&self) -> SimTime {
        let spacing = SimTime::from_nanos(SECOND_NS / SHARD_READS_PER_S);
        let after_last = self.last_read.map_or(SimTime::ZERO, |t| t + spacing);
        self.paid_until.max(after_last)
    }

    /// A read of `bytes` at `now`.
    pub fn read(&mut self, now: SimTime, bytes: u64) {
        let ns = (bytes as u128 * SECOND_NS as u128).div_ceil(SHARD_READ_BYTES as u128) as u64;
        self.paid_until = self.paid_until.max(now) + SimTime::from_nanos(ns);
        self.last_read = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_passes_its_limit_each_second() {
        let mut w = WriteWindow::default();
        let mut passed = 0;
        // 1,500 records a second for 3 seconds, evenly spaced.
        for i in 0..4500u64 {
            let t = SimTime::from_nanos(i * SECOND_NS / 1500);
            passed += w.admit(t, 100, 1000, 1 << 20) as u64;
        }
        assert_eq!(passed, 3000);
    }

    #[test]
    fn on_demand_doubles_a_new_peak_after_15_minutes() {
        let mut c = OnDemandCapacity::default();
        // 3,000 records in second 0 (under 4,000): the peak is 3,000.
        for i in 0..3000u64 {
            assert!(c.admit(SimTime::from_nanos(i * SECOND_NS / 3000), 10));
        }
        c.admit(SimTime::from_secs(1), 10);
        assert_eq!(c.records, 4000);
        c.admit(SimTime::from_secs(15 * 60), 10);
        assert_eq!(
            c.records, 4000,
            "not before 15 minutes after the second ended"
        );
        c.admit(SimTime::from_secs(15 * 60 + 1), 10);
        assert_eq!(c.records, 6000);
    }

    #[test]
    fn reads_are_spaced_and_paid_back() {
        let mut b = ReadBudget::default();
        assert_eq!(b.next_read(), SimTime::ZERO);
        b.read(SimTime::ZERO, 1000);
        assert_eq!(b.next_read(), SimTime::from_millis(200));
        // 10 MiB at 2 MiB/s: 5 s before the next read.
        b.read(SimTime::from_millis(200), 10 << 20);
        assert_eq!(
            b.next_read(),
            SimTime::from_millis(200) + SimTime::from_secs(5)
        );
    }
}
