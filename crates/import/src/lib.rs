//! Architectures read from infrastructure code: CloudFormation and SAM templates (`cfn`),
//! resolved as CloudFormation resolves them, into the resources a scenario describes.
//!
//! This crate reads text and writes text; it knows nothing of the simulator.

pub mod cfn;
