//! The one place a service registers for the world's fixed points: the end of each metric
//! period, the close of each cost period, and the end of the run.
//!
//! A service implements [`Service`], whose methods are all required, so a new service says
//! what it does at each point (an empty body says "nothing" where a reader sees it), and it
//! adds itself to the `services!` list at the bottom of this file. The world calls every
//! listed service at each point, in list order; nothing else at those points names a service.
//!
//! Each implementation is the service's adapter: it takes the world, hands its own state the
//! narrow view that state's code needs (the period, the time series, the specs it reads) and
//! routes what comes back. Reading another service's state here is explicit and reviewed:
//! the queues read the groups' in-service counts for their backlog metric, and the groups'
//! evaluation reads the target groups' health (see each `impl`).

use super::World;
use super::result::RunResult;
use crate::cost::Usage;
use crate::kernel::SimTime;

/// The metric period that just ended.
#[derive(Clone, Copy, Debug)]
pub struct Period {
    /// Its start, in seconds: the time stamp of its rows in the time series.
    pub start_s: f64,
    /// Its end: now.
    pub end: SimTime,
    /// Its index (0 for the first period of the run).
    pub index: u64,
}

/// What the end of the run gathers from every service: the results, and the usage the
/// price list turns into the bill.
#[derive(Default)]
pub struct Finish {
    pub result: RunResult,
    pub usage: Usage,
}

/// A service's part in the world's fixed points (see the module docs).
pub(super) trait Service {
    /// At the end of metric period `p`: the service's series rows for the period, its
    /// CloudWatch datapoints, and the decisions taken on them.
    fn period_ended(world: &mut World, p: &Period);

    /// Closes the service's cost meters for a period `seconds` long (the last period of a
    /// run may be partial).
    fn close_cost_period(world: &mut World, seconds: f64);

    /// At the end of the run (after the last cost period closed): the service's part of the
    /// results and of the billed usage.
    fn finish(world: &mut World, out: &mut Finish);
}

/// Declares the services, in the order the world calls them at every point.
macro_rules! services {
    ($($(#[$doc:meta])* $service:ty,)*) => {
        impl World {
            /// Every service's work at the end of metric period `p`.
            pub(super) fn services_period_ended(&mut self, p: &Period) {
                $(<$service as Service>::period_ended(self, p);)*
            }

            /// Closes every service's cost meters for a period `seconds` long.
            pub(super) fn close_cost_period(&mut self, seconds: f64) {
                $(<$service as Service>::close_cost_period(self, seconds);)*
            }

            /// Every service's part of the results and usage.
            pub(super) fn finish_services(&mut self, out: &mut Finish) {
                $(<$service as Service>::finish(self, out);)*
            }
        }
    };
}

// The order matters where one service's period work reads what an earlier one published:
// the queues publish their backlog metric before the groups evaluate their policies, and the
// faults' results use the requests' totals.
services! {
    /// Workloads and their requests: request series and totals.
    super::state::Traffic,
    /// Lambda functions: their series, bills and results.
    crate::model::lambda::LambdaService,
    /// SQS queues and event source mappings.
    super::sqs::SqsWorld,
    /// Auto Scaling groups and their instances: CPU, group series, scaling decisions.
    super::state::Ec2,
    /// Load balancers: LCU meters.
    super::state::Alb,
    /// Data transfer: NAT gateway and cross-AZ bytes.
    super::state::Bills,
    /// Faults, databases and DNS records: availability and the resilience results.
    super::resilience::FaultState,
}
