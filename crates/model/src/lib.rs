//! Stratus's models: the AWS services (their configuration, state, own events and the
//! handlers of those events), workloads, metrics and prices. Models do no I/O, never read the
//! wall clock, and cannot see the simulation loop or the world's event type: this crate does
//! not depend on `stratus-sim`.
//!
//! The layers below are re-exported so paths read the same in every crate
//! (`crate::kernel::SimTime`).

pub use stratus_kernel::{dist, kernel};

pub mod cost;
pub mod ids;
pub mod metrics;
pub mod model;
pub mod workload;
