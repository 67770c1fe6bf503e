//! Stratus's scenario files: the schema, units, `--set` overrides, defaults, and validation
//! into the models' configurations (every problem collected, with its file and field path).
//!
//! The layers below are re-exported so paths read the same in every crate.

pub use stratus_model::{cost, dist, ids, kernel, metrics, model, workload};

pub mod scenario;
