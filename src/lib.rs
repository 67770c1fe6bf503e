//! Stratus: a discrete-event simulator of AWS-style cloud architectures.
//!
//! A scenario file describes an architecture and its traffic; [`scenario::Scenario`] validates
//! it, [`sim::World`] simulates it event by event, and [`report`] writes what happened.
//! See ARCHITECTURE.md for the map.
//!
//! The code lives in a workspace whose crates are its layers (`stratus-kernel`,
//! `stratus-model`, `stratus-scenario`, `stratus-sim`, `stratus-report`; `stratus-fit` beside
//! them, reading logs into scenario text); a lower layer cannot
//! name a higher one. This crate re-exports them under the paths users know.

pub use stratus_report::{
    cost, dist, event, experiment, explain, files, html, ids, interrupt, kernel, metrics, model,
    plot, report, scenario, sections, sim, trace, workload,
};

/// Workloads fitted from ALB access logs and CloudWatch exports (`stratus fit`).
pub use stratus_fit as fit;
/// Architectures read from CloudFormation templates (`stratus import`).
pub use stratus_import as import;

pub mod lab;
