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

/// Declares the world's `Event`: the clock's own events, then one variant per service
/// wrapping that service's event enum, with the `From` conversion `kernel::Schedule` uses. A
/// service registers its events here, in one line.
macro_rules! world_events {
    (
        clock { $($(#[$clock_doc:meta])* $clock:ident $(($payload:ty))?,)* }
        services { $($(#[$service_doc:meta])* $variant:ident($service:ty),)* }
    ) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Event {
            $($(#[$clock_doc])* $clock $(($payload))?,)*
            $($(#[$service_doc])* $variant($service),)*
        }

        $(impl From<$service> for Event {
            #[inline]
            fn from(e: $service) -> Event {
                Event::$variant(e)
            }
        })*
    };
}

world_events! {
    clock {
        /// The next request of a workload arrived.
        RequestArrived(WorkloadId),
        /// The warm-up is over: statistics start counting.
        WarmupEnded,
        /// A metric period ended: time series are sampled.
        PeriodEnded,
        /// The simulated duration is over.
        SimulationEnded,
    }
    services {
        Instance(InstanceEvent),
        Alb(AlbEvent),
        AutoScaling(AutoScalingEvent),
        Lambda(LambdaEvent),
        Sqs(SqsEvent),
        Database(DatabaseEvent),
        Dns(DnsEvent),
        Fault(FaultEvent),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 16);
    }
}
