//! Amazon SQS standard queues and their consumers.
//!
//! A queue holds messages in three states: delayed (the queue's `delay` or a per-message
//! timer), visible, and in flight (received, invisible until the visibility timeout runs
//! out). A message leaves when a consumer deletes it, when its retention period runs out
//! (counted from its original enqueue time), or, after `max_receive_count` receives without
//! a delete, by moving to the dead-letter queue (a queue like any other). Receives follow
//! SQS's two modes: short polling samples a subset of the queue's servers and answers at
//! once, possibly with fewer messages than are visible, or none; long polling asks every
//! server and answers as soon as a message is there, or empty after the wait time.
//!
//! Consumers are an enum so that each kind plugs in beside the others: today a worker fleet
//! (an auto scaling group whose instances run receive loops, `poller`) and a Lambda event
//! source mapping (`event_source`).
//!
//! Memory follows the messages in the queues: messages live in a slab with reused slots
//! (`message`), and every structure that orders them is intrusive (`list`'s linked lists,
//! `heap`'s indexed heap of delayed messages). This module does no I/O and schedules nothing: the world
//! (`sim::sqs`) turns its answers into events.

pub mod event_source;
pub mod heap;
pub mod list;
pub mod message;
pub mod poller;
pub mod queue;
pub mod stats;

use crate::dist::Dist;
use crate::ids::{GroupId, QueueId};
use crate::kernel::SimTime;

pub use event_source::{BatchDuration, EventSourceSpec, PollerScaling};
pub use message::{Message, MessageState, Messages};
pub use poller::{MAX_BATCH, Poller, PollerState, Pollers};
pub use queue::{Fired, Queue, Received};
pub use stats::{PeriodCounters, QueueStats};

/// Where a queue's failed messages go: the dead-letter queue and after how many receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Redrive {
    pub dead_letter_queue: QueueId,
    pub max_receive_count: u32,
}

#[derive(Clone, Debug)]
pub struct QueueSpec {
    pub name: String,
    pub visibility_timeout: SimTime,
    /// Delay of every message sent (a message's own timer overrides it).
    pub delay: SimTime,
    /// Messages older than this (since their enqueue time) are deleted by the queue.
    pub retention: SimTime,
    pub redrive: Option<Redrive>,
    /// Servers a queue's messages are spread over, and how many a short poll samples.
    pub servers: u16,
    pub short_poll_sampled: u16,
    pub consumers: Vec<ConsumerSpec>,
}

/// Who receives a queue's messages.
#[derive(Clone, Debug)]
pub enum ConsumerSpec {
    /// Instances of an auto scaling group running receive loops.
    Workers(WorkerSpec),
    /// A Lambda event source mapping: pollers invoke a function with batches.
    Lambda(EventSourceSpec),
}

/// A worker fleet: each in-service instance of `group` runs `pollers` receive loops.
#[derive(Clone, Debug)]
pub struct WorkerSpec {
    pub group: GroupId,
    pub pollers: u32,
    /// 0 for short polling; 1..20 s for long polling.
    pub wait_time: SimTime,
    /// Messages per receive, 1..10.
    pub max_messages: u8,
    /// A processing attempt fails (no delete) with this probability.
    pub failure_probability: f64,
    /// Round trip of a ReceiveMessage call.
    pub api_latency: SimTime,
}

/// What a sender puts in a queue: a message of a request class.
#[derive(Clone, Debug)]
pub struct MessageSpec {
    pub queue: QueueId,
    /// The CPU demand of processing it; `None` for a workload that targets the queue (its
    /// class's `work` is the demand).
    pub work: Option<Dist>,
    pub bytes: u32,
    /// A per-message timer overriding the queue's delay (capped at 15 minutes).
    pub delay: Option<Dist>,
    /// Processing it always fails.
    pub poison: bool,
}

/// SQS limits.
pub const MAX_DELAY: SimTime = SimTime::from_secs(900);
pub const MAX_VISIBILITY_TIMEOUT: SimTime = SimTime::from_secs(12 * 3600);
pub const MAX_WAIT_TIME: SimTime = SimTime::from_secs(20);
pub const MIN_RETENTION: SimTime = SimTime::from_secs(60);
pub const MAX_RETENTION: SimTime = SimTime::from_secs(14 * 86400);
pub const MAX_MESSAGE_BYTES: u64 = 1_048_576;

/// What happens to queues and their consumers on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqsEvent {
    /// A queue's earliest message timer (delay end, visibility timeout, retention) is due
    /// (the queue's one timer, moved earlier when an earlier deadline appears).
    TimerDue(crate::ids::QueueId),
    /// The answer to a poller's ReceiveMessage call reached it (messages or empty).
    ReceiveAnswered(crate::ids::PollerId),
    /// The earliest long-poll wait on a queue runs out (the queue's one long-poll timer,
    /// moved earlier when an earlier wait begins).
    LongPollsDue(crate::ids::QueueId),
    /// A Lambda event source mapping's scaling window (one minute) ended: its poller fleet
    /// may grow.
    EventSourceScalingDue(crate::ids::MappingId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for SqsEvent {}
