//! One invocation of a function: who asked for it (its origin), where it runs, and how it
//! ends. The origin is how a result finds its way back: a synchronous request answers its
//! client, an asynchronous event is retried or settled. A queue's event source mapping adds
//! its own origin variant and the value its end is handed back as (see `sim::lambda`).

use super::environments::Placement;
use crate::ids::{AsyncEventId, FunctionId, LaneId, PollerId, RequestId};
use crate::kernel::SimTime;

/// Who invoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A synchronous request (a workload with `target: lambda/NAME`, or an ALB target group).
    Request(RequestId),
    /// An event of the function's internal asynchronous queue.
    Async(AsyncEventId),
    /// A batch of a queue's event source mapping, held by its poller.
    Batch(PollerId),
    /// A batch of a Kinesis stream's event source mapping, read by one lane of a shard.
    Stream(LaneId),
}

/// What one invocation carries: a single event, or a batch of `records` whose handler time
/// is drawn once per record (`per_record`) or once, and which fails as a whole when one of
/// its records failed without being reported (`fails`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload {
    pub records: u32,
    pub per_record: bool,
    pub fails: bool,
}

impl Payload {
    pub const ONE: Payload = Payload {
        records: 1,
        per_record: false,
        fails: false,
    };
}

/// How an invocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Completion {
    Succeeded,
    /// The function returned an error (`error_probability`).
    Error,
    /// The function was still running at its timeout: an error at the timeout.
    Timeout,
}

impl Completion {
    pub fn is_error(self) -> bool {
        self != Completion::Succeeded
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Invocation {
    pub function: FunctionId,
    pub origin: Origin,
    pub started_at: SimTime,
    /// The init phase (zero unless a cold start).
    pub init: SimTime,
    /// Handler time (cut at the timeout).
    pub run: SimTime,
    pub placement: Placement,
    pub completion: Completion,
    /// Started after the warm-up: counts in the summary.
    pub counted: bool,
}

impl Invocation {
    pub fn ends_at(&self) -> SimTime {
        self.started_at + self.init + self.run
    }
}
