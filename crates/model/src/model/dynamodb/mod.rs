//! DynamoDB tables that request classes call (`calls: [{table: T, reads, writes, item_kb}]`):
//! their capacity mode and limits, the capacity each call consumes, throttling and the SDK's
//! retries as the calling application sees them.
//!
//! - `units`: what a call consumes (read half-units per 4 KB, write units per 1 KB).
//! - `capacity`: provisioned buckets with 300 s of burst, per-partition limits, on-demand's
//!   previous-peak rule, the per-table quota.
//! - `retry`: the SDK's exponential backoff with full jitter.
//! - `table`: a table's spec and runtime: admitting a call at a partition, or throttling it.
//! - `scaling`: auto scaling of provisioned capacity (target tracking, its alarms and limits).
//! - `service`: the run's tables and calls in flight, their events, the SDK's retries.

pub mod capacity;
pub mod prices;
pub mod retry;
pub mod scaling;
pub mod service;
pub mod table;
pub mod units;

pub use prices::DynamoDbPrices;
pub use retry::RetrySpec;
pub use service::{Attempt, Change, DynamoDb, DynamoDbEvent, TableCallSlot, TableStats};
pub use table::{Admission, Mode, Table, TableSpec, Throttle};
pub use units::{Consistency, Units, call_units};

/// The field of a table call in a request's `calls` (`{table: NAME, reads, ...}`): the kind
/// of call DynamoDB registers (`scenario::calls::CallKey`, `sim::calls::CallKind`).
pub const CALL: &str = "table";

/// A resolved table call: the table, and the capacity each call consumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableCall {
    pub table: crate::ids::TableId,
    pub units: Units,
}
