//! The typed entry API between services: what one service may ask another for, in one
//! place. An ask is a small value (a struct below) that implements [`Ask`]; the world routes
//! it (`World::ask`) to the code of the service that owns the entry, which answers with a
//! typed value. The answers are implemented beside their owners (`sqs::adapter` answers
//! [`SendMessage`], `lambda::adapter` [`Invoke`] and [`InvokeAsync`], `sns` [`Publish`]), so
//! a service that sends to a queue, invokes a function or publishes to a topic emits an ask
//! and adds no method to another service's files.
//!
//! The routing is static (`World::ask` is generic over the ask, and each answer is an
//! inlined call into its owner's code): an ask costs what the direct call it replaces cost.
//! A synchronous invocation's end comes back through the `LambdaClient` role (the origin
//! names the asking service); the other asks are answered at once.

use super::World;
use crate::ids::{FunctionId, QueueId, WorkloadId};
use crate::kernel::SimTime;
use crate::model::lambda::{Origin, Payload, Refusal};
use crate::model::sns::TopicId;

/// Something a service may ask of another, answered by the owner's code with `Answer`.
pub(in crate::sim) trait Ask {
    /// What the owner answers.
    type Answer;

    /// The owner's answer (implemented in the owner's adapter).
    fn answer(self, world: &mut World) -> Self::Answer;
}

impl World {
    /// Routes `ask` to the service that owns it and returns its answer.
    #[inline]
    pub(in crate::sim) fn ask<A: Ask>(&mut self, ask: A) -> A::Answer {
        ask.answer(self)
    }
}

/// SQS SendMessage: a message to `queue` on behalf of workload `workload`'s request, `bytes`
/// long, whose processing by a worker takes `work` (no delay of its own; the queue's delay
/// applies). Answered by SQS: whether the queue stored it (`Sent::Refused`: the queue's
/// region is under an outage, and the call failed).
#[derive(Clone, Copy, Debug)]
pub(in crate::sim) struct SendMessage {
    pub queue: QueueId,
    pub workload: WorkloadId,
    pub bytes: u32,
    pub work: SimTime,
}

/// SQS's answer to [`SendMessage`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(in crate::sim) enum Sent {
    Stored,
    Refused,
}

/// Lambda's synchronous Invoke of `function` for `origin` (`lambda::origin::<Asker>(id)`)
/// with `payload`. Answered by Lambda at once: `Ok`, the invocation runs and its end comes
/// back to the origin (`LambdaClient`); `Err`, it was throttled (counted and traced by
/// Lambda), and the asker decides what that means to it.
#[derive(Clone, Copy, Debug)]
pub(in crate::sim) struct Invoke {
    pub function: FunctionId,
    pub origin: Origin,
    pub payload: Payload,
    pub trace: u64,
}

/// Lambda's asynchronous Invoke of `function` (the caller has its 202): Lambda queues the
/// event and owns it from here (its retries, throttles and maximum age); the asker never
/// hears back.
#[derive(Clone, Copy, Debug)]
pub(in crate::sim) struct InvokeAsync {
    pub function: FunctionId,
    pub trace: u64,
}

/// SNS Publish to `topic` of a message of workload `workload`'s request, whose processing
/// by a subscribed queue's worker takes `work`. Answered by SNS at once: accepted (its
/// deliveries are SNS's from here) or throttled by the topic's Publish quota.
#[derive(Clone, Copy, Debug)]
pub(in crate::sim) struct Publish {
    pub topic: TopicId,
    pub workload: WorkloadId,
    pub work: SimTime,
    pub trace: u64,
}

pub(in crate::sim) use crate::model::sns::Publish as Published;

/// The throttle a synchronous invocation may meet, as Lambda answers [`Invoke`].
pub(in crate::sim) type Invoked = Result<(), Refusal>;
