//! Amazon EventBridge custom event buses: a workload's PutEvents entry admitted against the
//! account's PutEvents quota in the bus's region (a token bucket), matched by each rule (a
//! fraction of the events, our simplification of event patterns), and one invocation per
//! target of each matching rule, paced by the account's invocations quota (delayed, not
//! refused), retried with exponential backoff and jitter when the target refuses it, and
//! sent to the rule's dead-letter queue (or dropped) when the retry policy is exhausted.
//!
//! - `spec`: what the scenario configures (buses, rules, targets, retry policies) and the
//!   two quotas by region;
//! - `pacing`: the invocations quota as a pacing of invocations (GCRA, exact integers);
//! - `service`: the run's buses, quota buckets, deliveries in flight, meters and bill;
//! - `prices`: the `eventbridge` section of the price table.
//!
//! The rules and their sources are in each module and in `docs/models/eventbridge.md`.

pub mod pacing;
pub mod prices;
pub mod service;
pub mod spec;
#[cfg(test)]
mod tests;

pub use prices::EventBridgePrices;
pub use service::{
    BusMeters, Delivery, Entry, EventBridge, Failure, Outcome, Put, RuleMeters, TargetMeters,
};
pub use spec::{BusSpec, RetryPolicy, RuleSpec, Target};

/// How a workload names a bus as its target: `events/NAME` (each arrival is one PutEvents
/// entry).
pub const TARGET: &str = "events";

crate::ids::id!(/// An event bus, in name order.
    BusId(u16));
crate::ids::id!(/// A delivery in flight (one event to one target of one rule): its slot, reused
    /// after the delivery ends.
    DeliveryId(u32));

/// What happens to deliveries on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventsEvent {
    /// A delivery's invocation of its target is due (the first after the invocations
    /// quota's pacing, a retry after its backoff and the pacing).
    Attempt(DeliveryId),
    /// A delivery's backoff is over: it asks the invocations quota for its retry's time.
    RetryDue(DeliveryId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for EventsEvent {}
