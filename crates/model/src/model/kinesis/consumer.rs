//! The event source mapping's lanes: a shard read by one batch at a time per parallelization
//! unit, each unit owning the partition keys that hash to it, so records of a key are
//! processed in order (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html,
//! "Polling and batching streams" and "Concurrent batches per shard").
//!
//! A lane's step, from its state and the clock:
//! - an idle lane polls once a second (Lambda "polls each shard ... at a base rate of once
//!   per second"): records written to it wait for the next poll;
//! - a poll that finds records opens the batching window (MaximumBatchingWindowInSeconds):
//!   the batch is read when it is full (batch size, or the 6 MB payload), or the window ends;
//!   with no window it is read at once;
//! - a read waits for the shard's read budget (5 calls and 2 MiB a second, `limits`), except
//!   a retry, which invokes again with the batch already read;
//! - after a batch the lane reads again at once if records wait, otherwise it idles.

use super::backlog::Backlog;
use super::spec::{ConsumerSpec, MAX_BATCH_BYTES};
use crate::ids::StreamId;
use crate::kernel::SimTime;

/// Lambda's base polling interval of an idle shard.
pub const POLL: SimTime = SimTime::from_secs(1);
/// How long a lane waits after a failed batch or a throttled invocation before invoking
/// again. AWS states no delay for stream retries; our choice: 1 second (it also keeps a
/// function that fails at once from looping without simulated time passing).
pub const RETRY_DELAY: SimTime = SimTime::from_secs(1);

/// One shard's lane (one per parallelization unit).
#[derive(Clone, Debug)]
pub struct Lane {
    pub stream: StreamId,
    /// Its shard's index in the stream's shards.
    pub shard: u32,
    pub backlog: Backlog,
    /// Records of the batch being processed (0: none); they stay at the backlog's front.
    pub in_flight: u64,
    /// Failed attempts of the batch at the front.
    pub attempts: u32,
    /// After bisecting a failed batch: the most records the next batch takes.
    pub limit: Option<u64>,
    /// When a poll found records: the batching window's start (`None`: the lane idles).
    pub gathering_since: Option<SimTime>,
    /// When the lane last found nothing: its polls fall on whole seconds after it.
    pub idle_since: SimTime,
    /// A wake-up scheduled at this time (a stale one is harmless: a wake re-evaluates).
    pub armed: Option<SimTime>,
    /// A child shard's lane waits until its parents are read to the end.
    pub blocked: bool,
    /// Not before this time (after a failure or a throttled invocation).
    pub not_before: SimTime,
}

impl Lane {
    pub fn new(stream: StreamId, shard: u32, now: SimTime, blocked: bool) -> Lane {
        Lane {
            stream,
            shard,
            backlog: Backlog::default(),
            in_flight: 0,
            attempts: 0,
            limit: None,
            gathering_since: None,
            idle_since: now,
            armed: None,
            blocked,
            not_before: SimTime::ZERO,
        }
    }

    /// Nothing left to read and nothing being processed.
    pub fn drained(&self) -> bool {
        self.in_flight == 0 && self.backlog.is_empty()
    }
}

/// What a lane does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Nothing until something happens (records arrive, a batch ends, parents drain).
    Idle,
    /// Look again at this time.
    Wait(SimTime),
    /// Read this many records now and invoke the function with them.
    Read(u64),
}

/// The records one batch takes at most: the batch size, cut at the payload limit.
pub fn batch_limit(c: &ConsumerSpec, record_bytes: u64) -> u64 {
    (c.batch_size as u64)
        .min(MAX_BATCH_BYTES / record_bytes.max(1))
        .max(1)
}

/// The lane's next step at `now`; `next_read` is when its shard can be read again.
pub fn step(
    lane: &mut Lane,
    c: &ConsumerSpec,
    record_bytes: u64,
    next_read: SimTime,
    now: SimTime,
) -> Step {
    if lane.in_flight > 0 || lane.blocked || lane.backlog.is_empty() {
        return Step::Idle;
    }
    if lane.not_before > now {
        return Step::Wait(lane.not_before);
    }
    let since = match lane.gathering_since {
        Some(t) => t,
        None => {
            // The first poll at or after now, on the idle lane's one-second beat.
            let idle = (now - lane.idle_since).as_nanos();
            let beats = idle.div_ceil(POLL.as_nanos());
            let poll = lane.idle_since + SimTime::from_nanos(beats * POLL.as_nanos());
            if poll > now {
                return Step::Wait(poll);
            }
            lane.gathering_since = Some(poll);
            poll
        }
    };
    let full = lane
        .limit
        .unwrap_or(u64::MAX)
        .min(batch_limit(c, record_bytes));
    let retry = lane.attempts > 0;
    if !retry && lane.backlog.len() < full && since + c.window > now {
        return Step::Wait(since + c.window);
    }
    if !retry && next_read > now {
        return Step::Wait(next_read);
    }
    Step::Read(lane.backlog.len().min(full))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::FunctionId;

    fn consumer(batch_size: u32, window_s: u64) -> ConsumerSpec {
        ConsumerSpec {
            function: FunctionId(0),
            batch_size,
            window: SimTime::from_secs(window_s),
            parallelization: 1,
            max_retry_attempts: None,
            bisect_on_error: false,
        }
    }

    #[test]
    fn an_idle_lane_reads_at_its_next_poll_then_fills_or_waits_out_the_window() {
        let s = |x: f64| SimTime::from_secs_f64(x);
        let mut lane = Lane::new(StreamId(0), 0, s(0.0), false);
        let c = consumer(3, 2);
        assert_eq!(step(&mut lane, &c, 100, s(0.0), s(0.0)), Step::Idle);
        lane.backlog.push(s(2.5));
        // Polls at 0, 1, 2, 3 s: the record is found at 3 s, the window runs to 5 s.
        assert_eq!(step(&mut lane, &c, 100, s(0.0), s(2.5)), Step::Wait(s(3.0)));
        assert_eq!(step(&mut lane, &c, 100, s(0.0), s(3.0)), Step::Wait(s(5.0)));
        lane.backlog.push(s(3.5));
        lane.backlog.push(s(4.0));
        // Full (3 records) before the window ends: read now, unless the shard's budget waits.
        assert_eq!(step(&mut lane, &c, 100, s(4.2), s(4.0)), Step::Wait(s(4.2)));
        assert_eq!(step(&mut lane, &c, 100, s(0.0), s(4.0)), Step::Read(3));
    }

    #[test]
    fn a_batch_is_cut_at_the_payload_limit() {
        assert_eq!(batch_limit(&consumer(10_000, 0), 1024 * 1024), 6);
        assert_eq!(batch_limit(&consumer(100, 0), 1024), 100);
    }
}
