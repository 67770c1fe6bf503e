//! The AWS services Stratus models, one module per service, each with the same face: its
//! configuration (resolved from the scenario), its runtime state, and the handlers the world
//! calls when one of its events fires. Models do no I/O and never read the wall clock.

pub mod alb;
pub mod autoscaling;
pub mod cloudwatch;
pub mod database;
pub mod dns;
pub mod faults;
pub mod health;
pub mod instance;
pub mod instance_types;
pub mod lambda;
pub mod rules;
pub mod scaling_policy;
pub mod sqs;
