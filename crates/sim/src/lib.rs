//! Stratus's simulation: the world that holds every service for one run, the event enum of
//! the services' event enums and its dispatcher, the tracer, and the process-level pieces a
//! run needs (safe file writes, the interrupt flag).
//!
//! The layers below are re-exported so paths read the same in every crate.

pub use stratus_scenario::{cost, dist, ids, kernel, metrics, model, scenario, workload};

pub mod event;
pub mod files;
pub mod interrupt;
pub mod sim;
pub mod trace;
