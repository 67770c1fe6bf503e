//! The closed set of things that can happen: one small `Copy` enum, dispatched by one `match`.
//!
//! Events carry ids, never data: the state they refer to lives in the world's tables.
//! Names are facts in the past tense.

use crate::ids::{InstanceId, RequestId, WorkloadId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next request of a workload arrived.
    RequestArrived(WorkloadId),
    /// A first-come-first-served instance finished serving a request.
    ServiceCompleted {
        instance: InstanceId,
        request: RequestId,
    },
    /// The job with the earliest finish tag on a processor-sharing instance completed,
    /// unless the instance rescheduled since (`generation` is then stale).
    SharingCompleted {
        instance: InstanceId,
        generation: u32,
    },
    /// The warm-up is over: statistics start counting.
    WarmupEnded,
    /// A metric period ended: time series are sampled.
    PeriodEnded,
    /// The simulated duration is over.
    SimulationEnded,
}

#[cfg(test)]
mod tests {
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 12);
    }
}
