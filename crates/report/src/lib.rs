//! Stratus's outputs: `summary.json` and the other files of a run, the human table,
//! experiments (variants x replications, comparisons, sweeps), plots, HTML reports and
//! `explain`.
//!
//! The layers below are re-exported so paths read the same in every crate.

pub use stratus_sim::{
    cost, dist, event, files, ids, interrupt, kernel, metrics, model, scenario, sim, trace,
    workload,
};

pub mod experiment;
pub mod explain;
pub mod html;
pub mod plot;
pub mod report;
pub mod sections;
