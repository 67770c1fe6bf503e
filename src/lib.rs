//! Stratus: a discrete-event simulator of AWS-style cloud architectures.
//!
//! A scenario file describes an architecture and its traffic; [`scenario::Scenario`] validates
//! it, [`sim::World`] simulates it event by event, and [`report`] writes what happened.
//! See ARCHITECTURE.md for the map.

pub mod cost;
pub mod dist;
pub mod event;
pub mod experiment;
pub mod explain;
pub mod files;
pub mod html;
pub mod ids;
pub mod interrupt;
pub mod kernel;
pub mod lab;
pub mod metrics;
pub mod model;
pub mod plot;
pub mod report;
pub mod scenario;
pub mod sim;
pub mod trace;
pub mod workload;
