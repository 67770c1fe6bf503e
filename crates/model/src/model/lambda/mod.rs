//! AWS Lambda: functions, concurrency pools, scaling rate limits, execution environments
//! (provisioned, warm, cold), synchronous and asynchronous invocation.
//!
//! - `spec`: what the scenario configures (functions, account limits, scaling model);
//! - `pools`: the account limit, reserved pools and the shared unreserved pool;
//! - `scaling_rate`: how fast a function may create new environments (current model);
//! - `request_rate`: how many requests per second a function may serve (current model);
//! - `ceiling`: how far on-demand concurrency may grow under the older regional burst model;
//! - `environments`: provisioned and on-demand environments, warm reuse and idle expiry;
//! - `invocation`: one invocation, its origin and how it ended;
//! - `async_events`: the asynchronous queue's retry and expiry policy;
//! - `meters`: counters, histograms and bills per function;
//! - `series`: each function's time series rows per metric period;
//! - `service`: all of the above for one account, admitting and ending invocations.
//!
//! The model touches only its own state and the event queue (to schedule its own events);
//! `sim::lambda` connects it to requests and metrics.

pub mod async_events;
pub mod ceiling;
pub mod environments;
pub mod invocation;
pub mod meters;
pub mod pools;
pub mod request_rate;
pub mod scaling_rate;
pub mod series;
pub mod service;
mod slab;
pub mod spec;

pub use invocation::{Completion, Invocation, Origin, Payload, ServiceOrigin, ServiceTag};
pub use pools::Refusal;
pub use service::LambdaService;
pub use spec::{AccountSpec, Architecture, FunctionSpec, ScalingModel};

/// What happens to Lambda functions on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LambdaEvent {
    /// An invocation ended (completed, failed, or reached its timeout).
    InvocationEnded(crate::ids::InvocationId),
    /// The account's scaling window in a region ended (`regional_burst`).
    BurstWindowEnded(crate::ids::RegionId),
    /// An asynchronous event's retry (after a throttle or a function error) is due.
    AsyncRetryDue(crate::ids::AsyncEventId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for LambdaEvent {}
