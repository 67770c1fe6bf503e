//! One invocation of a function: who asked for it (its origin), where it runs, and how it
//! ends. The origin is how a result finds its way back: a synchronous request answers its
//! client, an asynchronous event is retried or settled, and another service's invocation (a
//! queue's or a stream's batch, an API's integration) goes back to that service, which the
//! origin names by an opaque tag (`ServiceOrigin`; see `sim::lambda`): a new event source
//! adds nothing here.

use super::environments::Placement;
use crate::ids::{AsyncEventId, FunctionId, RequestId};
use crate::kernel::SimTime;

/// Who invoked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A synchronous request (a workload with `target: lambda/NAME`, or an ALB target group).
    Request(RequestId),
    /// An event of the function's internal asynchronous queue.
    Async(AsyncEventId),
    /// Another service's invocation (a queue's batch held by its poller, a stream's batch
    /// read by a lane, an API's integration): its end is handed back to that service.
    Service(ServiceOrigin),
}

/// The service that invoked, by the tag the world gives it (`ServiceTag`), and what the
/// invocation is to that service (a poller, a lane, a request slot: its own id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceOrigin {
    pub service: ServiceTag,
    pub id: u32,
}

/// A service as Lambda's origins name it: opaque to Lambda, given by the world (its
/// position in the world's registry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceTag(pub u8);

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

#[cfg(test)]
mod tests {
    use super::Origin;

    /// An invocation's origin names its service in 12 bytes (8 when each origin service
    /// had its own variant); no event carries one (the `Event` size test is unchanged).
    #[test]
    fn an_origin_is_twelve_bytes() {
        assert_eq!(std::mem::size_of::<Origin>(), 12);
    }
}
