//! Stratus's specification, as one integration-test binary with a module per behaviour.
//! Statistical tests use fixed seeds and tolerances derived from confidence intervals.

mod support;

mod autoscaling;
mod conservation;
mod cost;
mod determinism;
mod experiments;
mod explain;
mod faults;
mod hostile_inputs;
mod labs;
mod lambda;
mod plots;
mod progress;
mod queueing;
mod rate_profiles;
mod report;
mod schema;
mod sqs;
mod sqs_lambda;
mod traces;
mod validation;
