//! Stratus's specification, as one integration-test binary with a module per behaviour.
//! Statistical tests use fixed seeds and tolerances derived from confidence intervals.

mod support;

mod alb;
mod alb_actions;
mod alb_rules;
mod api_gateway;
mod autoscaling;
mod autoscaling_aws;
mod burstable;
mod cloudfront;
mod conservation;
mod cost;
mod cost_rules;
mod deploy;
mod determinism;
mod dynamodb;
mod ecs;
mod elasticache;
mod experiments;
mod explain;
mod faults;
mod hostile_fs;
mod hostile_inputs;
mod instance_slots;
mod kinesis;
mod labs;
mod lambda;
mod lambda_scaling;
mod nat;
mod parallel;
mod plots;
mod progress;
mod queueing;
mod rate_profiles;
mod regions;
mod report;
mod route53;
mod schema;
mod slurm;
mod sqs;
mod sqs_lambda;
mod sqs_lambda_backoff;
mod stream_names;
mod traces;
mod validation;
