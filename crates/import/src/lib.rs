//! Architectures read from infrastructure code into scenarios: CloudFormation and SAM
//! templates (`cfn`, resolved as CloudFormation resolves them) and Terraform plans or states
//! (`terraform`, the JSON of `terraform show -json`) become one model (`model`: resources in
//! CloudFormation's vocabulary), which `write` turns into a scenario.
//!
//! This crate reads text and writes text; it knows nothing of the simulator.

pub mod cfn;
pub mod model;
pub mod terraform;
pub mod write;
