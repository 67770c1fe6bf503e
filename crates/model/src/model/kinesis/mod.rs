//! Kinesis Data Streams as a source: producers' writes against the shards' limits (or an
//! on-demand stream's capacity), records kept for the retention period, a Lambda event source
//! mapping that reads each shard in order in batches, its iterator age, and resharding.
//!
//! - `spec`: what the scenario configures, with AWS's limits and defaults;
//! - `limits`: the per-second write windows, on-demand's previous-peak capacity and the
//!   shards' read budget;
//! - `backlog`: the records of one shard (or one partition-key lane of it) not yet read;
//! - `stream`: a stream's shards, their generations after resharding, the hash of a partition
//!   key to its shard;
//! - `consumer`: the event source mapping's lanes (one per shard and parallelization unit):
//!   polling, the batching window, retries of a failed batch;
//! - `service`: the run's streams and lanes, their events, meters and bill.
//!
//! The rules and their sources are in each module and in `docs/models/kinesis.md`.

pub mod backlog;
pub mod consumer;
pub mod limits;
pub mod prices;
pub mod service;
pub mod spec;
pub mod stream;
#[cfg(test)]
mod tests;

pub use prices::KinesisPrices;
pub use service::{Invoke, Kinesis, Put, StreamMeters};
pub use spec::{ConsumerSpec, Mode, StreamSpec};

/// How a workload names a stream as its target: `kinesis/NAME`.
pub const TARGET: &str = "kinesis";

/// What happens to streams on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KinesisEvent {
    /// A consumer lane's poll, batching window, read budget or retry back-off is due.
    Wake(crate::ids::LaneId),
    /// A scheduled UpdateShardCount call (`reshard[i]`) is made.
    ReshardStarted(crate::ids::StreamId, u16),
    /// An UpdateShardCount finished: the stream has this many open shards.
    ReshardDone(crate::ids::StreamId, u32),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for KinesisEvent {}
