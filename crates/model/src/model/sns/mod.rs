//! Amazon SNS standard topics: a publisher's Publish admitted against the account's quota in
//! the topic's region (a token bucket), then one delivery per subscription whose filter
//! policy matches, to an SQS queue, a Lambda function (asynchronously) or an HTTP/S
//! endpoint, retried by the HTTP/S delivery policy.
//!
//! - `spec`: what the scenario configures (topics, subscriptions, endpoints) and the Publish
//!   quota by region;
//! - `retry`: the HTTP/S delivery policy's four phases and the delay before each retry;
//! - `service`: the run's topics, quota buckets, deliveries in flight, meters and bill;
//! - `prices`: the `sns` section of the price table.
//!
//! The rules and their sources are in each module and in `docs/models/sns.md`.

pub mod prices;
pub mod retry;
pub mod service;
pub mod spec;
#[cfg(test)]
mod tests;

pub use prices::SnsPrices;
pub use retry::RetryPolicy;
pub use service::{Answer, Deliver, Message, Publish, Sns, SubscriptionMeters, TopicMeters};
pub use spec::{Endpoint, SubscriptionSpec, TopicSpec};

/// How a workload names a topic as its target: `sns/NAME` (each arrival is one Publish).
pub const TARGET: &str = "sns";

crate::ids::id!(/// A topic, in name order.
    TopicId(u16));
crate::ids::id!(/// A delivery in flight (one message to one subscription): its slot, reused after
    /// the delivery ends.
    DeliveryId(u32));

/// What happens to deliveries on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnsEvent {
    /// A delivery attempt reaches its endpoint (the first after the delivery latency, a
    /// retry after the delivery policy's delay).
    Attempt(DeliveryId),
    /// An HTTP/S endpoint answered an attempt (ok, or a server-side error).
    Answered(DeliveryId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for SnsEvent {}
