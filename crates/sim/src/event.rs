//! The closed set of things that can happen: one small `Copy` enum of the services' own event
//! enums, dispatched by one exhaustive `match` (`sim::World::run`).
//!
//! Each service declares its events beside its state (`model::alb::AlbEvent`, ...) and
//! schedules them through `kernel::Schedule<ItsEvent>`, so it cannot name another service's
//! events. Events carry ids, never data: the state they refer to lives in the services.
//! Names are facts in the past tense, or `...Due` for timers.

use crate::ids::WorkloadId;
use crate::model::alb::AlbEvent;
use crate::model::autoscaling::AutoScalingEvent;
use crate::model::database::DatabaseEvent;
use crate::model::dns::DnsEvent;
use crate::model::faults::FaultEvent;
use crate::model::instance::InstanceEvent;
use crate::model::lambda::LambdaEvent;
use crate::model::sqs::SqsEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// The next request of a workload arrived.
    RequestArrived(WorkloadId),
    /// The warm-up is over: statistics start counting.
    WarmupEnded,
    /// A metric period ended: time series are sampled.
    PeriodEnded,
    /// The simulated duration is over.
    SimulationEnded,
    Instance(InstanceEvent),
    Alb(AlbEvent),
    AutoScaling(AutoScalingEvent),
    Lambda(LambdaEvent),
    Sqs(SqsEvent),
    Database(DatabaseEvent),
    Dns(DnsEvent),
    Fault(FaultEvent),
}

macro_rules! wrap {
    ($($variant:ident($service:ty)),* $(,)?) => {
        $(impl From<$service> for Event {
            #[inline]
            fn from(e: $service) -> Event {
                Event::$variant(e)
            }
        })*
    };
}

wrap!(
    Instance(InstanceEvent),
    Alb(AlbEvent),
    AutoScaling(AutoScalingEvent),
    Lambda(LambdaEvent),
    Sqs(SqsEvent),
    Database(DatabaseEvent),
    Dns(DnsEvent),
    Fault(FaultEvent),
);

#[cfg(test)]
mod tests {
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 16);
    }
}
