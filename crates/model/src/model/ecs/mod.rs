//! ECS services on Fargate or on an EC2 capacity provider: task sizes and their prices, the service's tasks behind an ALB
//! target group, Application Auto Scaling's cooldowns, and rolling deployments.
//!
//! Design: a service's tasks are servers of EC2's machinery. The service resolves into a
//! capacity group of task-sized servers (`GroupSpec::ecs` marks it, named `ecs:NAME`): a
//! task of N vCPU serves requests exactly as an instance of N vCPUs does (processor sharing
//! or FCFS, `model::instance`), a fractional task as one core at that fraction of its
//! speed; tasks register in the service's target group and are health-checked, routed to,
//! drained and replaced by the ALB's and Auto Scaling's code; its scaling policies are EC2
//! Auto Scaling's target tracking and step policies with their CloudWatch alarms. What ECS
//! changes is its own:
//! - `size`: the Fargate size table and a task as a server;
//! - `app_scaling`: Application Auto Scaling's scale-out and scale-in cooldowns;
//! - `deployment`: rolling deployments by minimum healthy and maximum percent;
//! - `capacity`: an EC2 capacity provider: placement on the group's instances, tasks left
//!   provisioning, managed scaling's `CapacityProviderReservation`;
//! - here: the service's spec, its events, and Fargate's bill (per second, one minute at
//!   least, from the image pull until the task stops; no EC2 pending time).

pub mod app_scaling;
pub mod capacity;
pub mod deployment;
pub mod prices;
pub mod size;

pub use prices::{FargatePrices, FargateRates};

use crate::ids::{GroupId, TgId};
use app_scaling::Cooldowns;
use deployment::DeploymentSpec;

crate::ids::id!(/// An ECS service, in name order.
    EcsServiceId(u16));

/// The prefix of the capacity group an ECS service's tasks run in (`ecs:NAME`): no auto
/// scaling group can be named so (a name has letters, digits, `-` and `_` only).
pub const GROUP_PREFIX: &str = "ecs:";

/// The CPU architecture of a task (Fargate prices them apart).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    pub fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// What the capacity group of an ECS service carries besides a group's spec: the task's
/// size and App Auto Scaling's cooldowns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EcsTasks {
    pub service: EcsServiceId,
    /// CPU units (1,024 per vCPU) and memory (MiB) of a task.
    pub cpu: u32,
    pub memory_mib: u32,
    pub arch: Arch,
    pub cooldowns: Cooldowns,
    /// On an EC2 capacity provider: the Auto Scaling group its tasks are placed on (a task
    /// launches only where it fits). `None`: Fargate.
    pub provider: Option<GroupId>,
}

impl EcsTasks {
    pub fn vcpus(&self) -> f64 {
        self.cpu as f64 / 1024.0
    }

    pub fn memory_gb(&self) -> f64 {
        self.memory_mib as f64 / 1024.0
    }

    /// The speed of each of the task's cores (`size::server_of`).
    pub fn speed(&self) -> f64 {
        size::server_of(self.cpu).1
    }
}

/// An ECS service (`ecs_services.NAME`).
#[derive(Clone, Debug)]
pub struct EcsServiceSpec {
    pub name: String,
    /// Its capacity group (`GroupSpec::ecs` is `tasks`), appended after the auto scaling
    /// groups.
    pub group: GroupId,
    /// The group's spec: tasks as servers, the service's count bounds and policies.
    pub group_spec: crate::model::autoscaling::GroupSpec,
    pub tasks: EcsTasks,
    /// The target group its tasks register in (as IP targets).
    pub target_group: Option<TgId>,
    pub deployment: Option<DeploymentSpec>,
    /// The EC2 capacity provider (`launch_type: ec2`); `None`: Fargate.
    pub capacity: Option<capacity::CapacityProvider>,
}

/// An ECS service's own events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EcsEvent {
    /// The service's deployment starts.
    DeploymentStarted(EcsServiceId),
    /// The deployment's scheduler looks at the tasks again (every `deployment::CHECK_EVERY`).
    DeploymentCheck(EcsServiceId),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for EcsEvent {}

/// Fargate's bill of one task that ran from `start_s` to `stop_s` (the end of the run when
/// it had not stopped): per second, at least one minute once it stopped ("Pricing is
/// calculated ... per second with a 1-minute minimum", https://aws.amazon.com/fargate/pricing/).
/// The billed seconds from `start_s`: the span rounded up to a whole second, or 60 for a
/// stopped task that ran less.
pub fn billed_seconds(start_s: f64, stop_s: f64, stopped: bool) -> f64 {
    let span = (stop_s - start_s).max(0.0).ceil();
    if stopped { span.max(60.0) } else { span }
}

#[cfg(test)]
mod tests {
    use super::billed_seconds;

    #[test]
    fn fargate_bills_whole_seconds_and_a_minute_at_least_once_stopped() {
        assert_eq!(billed_seconds(10.0, 30.0, true), 60.0);
        assert_eq!(billed_seconds(10.0, 100.2, true), 91.0);
        // Still running at the end of the run: what it ran, no minimum.
        assert_eq!(billed_seconds(570.0, 600.0, false), 30.0);
        assert_eq!(billed_seconds(0.0, 600.0, false), 600.0);
    }
}
