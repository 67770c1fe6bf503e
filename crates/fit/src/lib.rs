//! Workloads fitted from what a system already records: Application Load Balancer access
//! logs (`stratus fit alb-logs`) and CloudWatch metric exports (`stratus fit cloudwatch`),
//! written as a scenario that validates, with a comment beside each value saying where it
//! came from.
//!
//! This crate reads files and writes text; it knows nothing of the simulator (the scenario
//! it writes is checked by `stratus validate`, as any other). Logs stream line by line: memory
//! follows the seconds they span and the classes they hold (at most `classes::MAX_KEYS`),
//! never the number of lines.

pub mod alb_log;
pub mod classes;
pub mod cloudwatch;
pub mod durations;
pub mod logs;
pub mod rate;
pub mod time;
pub mod write;
