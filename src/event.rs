//! The closed set of things that can happen: one small `Copy` enum, dispatched by one `match`.
//!
//! Events carry ids, never data: the state they refer to lives in the world's tables.
//! Names are facts in the past tense.

use crate::ids::{AsyncEventId, InvocationId};
use crate::ids::{GroupId, InstanceId, LbId, PollerId, QueueId, RequestId, TgId, WorkloadId};

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
    /// A pending instance finished booting: it goes in service and registers.
    InstanceBooted(InstanceId),
    /// A target group's health check of an instance is due.
    HealthCheckDue { instance: InstanceId, tg: TgId },
    /// A draining instance's deregistration delay ran out: it terminates.
    DeregistrationEnded(InstanceId),
    /// An instance's health check grace period (from InService) ran out.
    GracePeriodEnded(InstanceId),
    /// A scheduled scaling action (policy index within the group) is due.
    ScheduledActionDue { group: GroupId, policy: u16 },
    /// A Lambda invocation ended (completed, failed, or reached its timeout).
    LambdaInvocationEnded(InvocationId),
    /// The account's scaling window ended (`regional_burst`).
    LambdaBurstWindowEnded,
    /// An asynchronous event's retry (after a throttle or a function error) is due.
    LambdaAsyncRetryDue(AsyncEventId),
    /// A queue's earliest message timer (delay end, visibility timeout, retention) is due,
    /// unless the queue re-armed its timer since (then this one is stale and ignored).
    QueueTimerDue(QueueId),
    /// The answer to a poller's ReceiveMessage call reached it (messages or empty).
    ReceiveAnswered(PollerId),
    /// The earliest long-poll wait on a queue runs out, unless the queue re-armed this timer
    /// since (then this one is stale and ignored).
    LongPollsDue(QueueId),
    /// A scenario fault (its index) begins.
    FaultStarted(u16),
    /// A scenario fault's duration is over: what it stopped comes back.
    FaultEnded(u16),
    /// A database call (its slot) finished its work.
    DatabaseCallEnded(u32),
    /// A database's failover time ran out: the standby is primary.
    DatabaseFailedOver(u16),
    /// A Route 53 health check of a failover record's primary is due.
    DnsCheckDue(u16),
    /// EC2 status checks of a stopped instance failed: the group replaces it.
    StatusCheckFailed(InstanceId),
    /// A connection attempt to a stopped target gave up (it counted as outstanding until now);
    /// its client gets a 504.
    ConnectTimedOut {
        instance: InstanceId,
        request: RequestId,
    },
    /// A load balancer's oldest open request reached the idle timeout, unless it ended since
    /// (the load balancer's one timer then moves on to the oldest one still open).
    IdleTimeoutDue(LbId),
    /// A Lambda event source mapping's scaling window (one minute) ended: its poller fleet
    /// may grow.
    EventSourceScalingDue(u16),
}

#[cfg(test)]
mod tests {
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 12);
    }
}
