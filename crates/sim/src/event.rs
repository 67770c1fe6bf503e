//! The closed set of things that can happen: one small `Copy` enum of the clock's events and
//! the services' own event enums, declared with the services in `sim::registry` and
//! dispatched by one exhaustive `match` generated there (each service event to its owner).
//!
//! Each service declares its events beside its state (`model::alb::AlbEvent`, ...) and
//! schedules them through `kernel::Schedule<ItsEvent>`, so it cannot name another service's
//! events. Events carry ids, never data: the state they refer to lives in the services.
//! Names are facts in the past tense, or `...Due` for timers.

pub use crate::sim::Event;

#[cfg(test)]
mod tests {
    #[test]
    fn events_stay_small() {
        assert!(std::mem::size_of::<super::Event>() <= 16);
    }
}
