//! An ECS service on an EC2 capacity provider: its tasks are placed on the running instances
//! of an Auto Scaling group by their CPU and memory reservations, and managed scaling sizes
//! the group from the `CapacityProviderReservation` metric.
//!
//! Rules and sources:
//! - Placement (ECS Developer Guide, "Use strategies to define Amazon ECS task placement",
//!   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-placement-strategies.html):
//!   ECS first keeps the instances that satisfy the task's CPU and memory requirements, then
//!   applies the strategy. `binpack` places a task on the instance that leaves the least of
//!   the named resource (cpu or memory) unused; `spread` on `attribute:ecs.availability-zone`
//!   places it evenly across AZs; "for tasks running as part of an Amazon ECS service, the
//!   task placement strategy is spread using the attribute:ecs.availability-zone" (the
//!   default). The combined strategies ("AZ balanced spread": AZ then instance spread; "AZ
//!   balanced binpack": AZ spread then binpack on memory) are the documented examples
//!   (https://docs.aws.amazon.com/AmazonECS/latest/developerguide/strategy-examples.html).
//! - A task that fits on no instance stays `PROVISIONING` while managed scaling adds
//!   instances; "if the Auto Scaling group is unable to scale out to accommodate the number of
//!   tasks run, the tasks will fail to transition beyond the PROVISIONING state" (ECS
//!   Developer Guide, "Auto Scaling group capacity providers",
//!   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/asg-capacity-providers.html).
//! - `CapacityProviderReservation = M / N x 100`, N the instances running in the group, M the
//!   instances needed to host every task, provisioning ones included; with N = 0 it is 200 when
//!   M > 0 and 100 when M = 0 (ECS Developer Guide, "Automatically manage Amazon ECS capacity
//!   with cluster auto scaling",
//!   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/cluster-auto-scaling.html).
//!   ECS attaches a target tracking policy on it to the group, at `targetCapacity` (1-100,
//!   default 100).
//! - `minimumScalingStepSize` (default 1) and `maximumScalingStepSize` (default 10,000): the
//!   instances a scale-out adds at least and at most ("when additional capacity is required,
//!   Amazon ECS will scale up the minimum scaling step size even if the actual demand is less");
//!   scale-in is not affected. `instanceWarmupPeriod` (default 300 s): how long after launch an
//!   instance starts to count in the group's metrics (ECS API reference, `ManagedScaling`,
//!   https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ManagedScaling.html).
//!
//! Our choices where AWS is silent: M, with tasks provisioning, is the running instances plus
//! the empty instances of the group's type the provisioning tasks fill (AWS estimates it
//! from the tasks' requirements and does not publish the estimator), bounded by the step
//! sizes; without provisioning tasks, the instances running at least one task. An instance
//! offers its type's whole catalog memory and 1,024 CPU units per vCPU (the ECS agent's own
//! reservation is left out). Ties are broken by launch order.

use crate::ids::GroupId;
use crate::kernel::SimTime;

/// The name the reservation metric is published under for the group's policy
/// (`MetricRef::Custom`).
pub const RESERVATION_METRIC: &str = "CapacityProviderReservation";

/// Managed scaling's defaults (`ManagedScaling`).
pub const DEFAULT_TARGET_CAPACITY: u32 = 100;
pub const DEFAULT_MIN_STEP: u32 = 1;
pub const DEFAULT_MAX_STEP: u32 = 10_000;
pub const DEFAULT_INSTANCE_WARMUP: SimTime = SimTime::from_secs(300);

/// A task placement strategy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Spread across AZs, then across the AZ's instances (fewest of the service's tasks):
    /// the console's "AZ balanced spread"; ECS's default for a service is the AZ spread.
    SpreadAz,
    /// Spread across AZs, then bin pack on memory within the AZ ("AZ balanced binpack").
    SpreadAzBinpackMemory,
    /// Bin pack on memory: the instance left with the least memory.
    BinpackMemory,
    /// Bin pack on CPU: the instance left with the fewest CPU units.
    BinpackCpu,
}

impl Placement {
    pub fn name(self) -> &'static str {
        match self {
            Placement::SpreadAz => "spread_az",
            Placement::SpreadAzBinpackMemory => "spread_az_binpack_memory",
            Placement::BinpackMemory => "binpack_memory",
            Placement::BinpackCpu => "binpack_cpu",
        }
    }
}

/// An ECS service's capacity provider: the group its tasks run on and its managed scaling.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CapacityProvider {
    /// The Auto Scaling group of container instances.
    pub group: GroupId,
    /// What one instance offers: CPU units (1,024 per vCPU) and memory (MiB).
    pub instance_cpu: u32,
    pub instance_memory_mib: u32,
    pub placement: Placement,
    /// Managed scaling (`None`: the group scales by its own policies, if any).
    pub managed_scaling: Option<ManagedScaling>,
    /// Managed termination protection: an instance running a task is protected from
    /// scale-in.
    pub termination_protection: bool,
}

/// Managed scaling's settings (`ManagedScaling`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ManagedScaling {
    /// `targetCapacity`, 1-100.
    pub target_capacity: u32,
    pub min_step: u32,
    pub max_step: u32,
    pub instance_warmup: SimTime,
}

/// What an instance has left, as placement sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Host {
    /// Its AZ (index) and launch number (ties go to the earlier launch).
    pub az: usize,
    pub serial: u64,
    pub free_cpu: u32,
    pub free_memory_mib: u32,
    /// The service's tasks on it.
    pub tasks: u32,
}

impl Host {
    fn fits(&self, cpu: u32, memory: u32) -> bool {
        self.free_cpu >= cpu && self.free_memory_mib >= memory
    }
}

/// The host a task of `cpu` units and `memory` MiB goes to, by `strategy`, among `hosts`;
/// `per_az[az]` is the service's tasks in each AZ (the spread's count). `None`: it fits on
/// none (it stays provisioning).
pub fn place(
    hosts: &[Host],
    (cpu, memory): (u32, u32),
    strategy: Placement,
    per_az: &[u32],
) -> Option<usize> {
    let fitting = || (0..hosts.len()).filter(|&i| hosts[i].fits(cpu, memory));
    // The AZ spread: among the AZs with a fitting instance, the one with the fewest tasks.
    let az = fitting()
        .map(|i| (per_az.get(hosts[i].az).copied().unwrap_or(0), hosts[i].az))
        .min()
        .map(|(_, az)| az);
    let in_az = |i: &usize| az.is_some_and(|a| hosts[*i].az == a);
    let by = |key: &dyn Fn(&Host) -> u64, only_az: bool| {
        fitting()
            .filter(|i| !only_az || in_az(i))
            .min_by_key(|&i| (key(&hosts[i]), hosts[i].serial))
    };
    let left_memory = |h: &Host| (h.free_memory_mib - memory) as u64;
    match strategy {
        Placement::SpreadAz => by(&|h| h.tasks as u64, true),
        Placement::SpreadAzBinpackMemory => by(&left_memory, true),
        Placement::BinpackMemory => by(&left_memory, false),
        Placement::BinpackCpu => by(&|h| (h.free_cpu - cpu) as u64, false),
    }
}

/// Tasks of `cpu` units and `memory` MiB an empty instance of the provider hosts.
pub fn tasks_per_instance(p: &CapacityProvider, (cpu, memory): (u32, u32)) -> u32 {
    (p.instance_cpu / cpu.max(1)).min(p.instance_memory_mib / memory.max(1))
}

/// M, the instances needed: with `provisioning` tasks, the `running` instances plus the
/// empty ones those tasks fill (`per_instance` each), bounded by the step sizes; without,
/// the instances running at least one task (`occupied`).
pub fn instances_needed(
    (running, occupied): (u32, u32),
    provisioning: u32,
    per_instance: u32,
    m: &ManagedScaling,
) -> u32 {
    if provisioning == 0 {
        return occupied;
    }
    let extra = provisioning.div_ceil(per_instance.max(1));
    running + extra.clamp(m.min_step, m.max_step.max(m.min_step))
}

/// `CapacityProviderReservation`: M / N x 100; with N = 0, 200 when M > 0 and 100 when
/// M = 0.
pub fn reservation(m: u32, n: u32) -> f64 {
    match (m, n) {
        (0, 0) => 100.0,
        (_, 0) => 200.0,
        _ => m as f64 / n as f64 * 100.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(az: usize, serial: u64, free_cpu: u32, free_memory_mib: u32, tasks: u32) -> Host {
        Host {
            az,
            serial,
            free_cpu,
            free_memory_mib,
            tasks,
        }
    }

    #[test]
    fn binpack_fills_the_fullest_instance_that_fits() {
        let hosts = [
            host(0, 0, 2048, 8192, 0),
            host(0, 1, 1024, 2048, 2),
            host(1, 2, 4096, 4096, 0),
        ];
        // 1 vCPU / 2 GiB fits all three; host 1 is left with 0 MiB.
        assert_eq!(
            place(&hosts, (1024, 2048), Placement::BinpackMemory, &[2, 0]),
            Some(1)
        );
        // 2 GiB + 2 vCPU: host 1 lacks CPU; host 2 leaves 2048 MiB, host 0 6144.
        assert_eq!(
            place(&hosts, (2048, 2048), Placement::BinpackMemory, &[2, 0]),
            Some(2)
        );
        // On CPU: host 0 left with 0 units.
        assert_eq!(
            place(&hosts, (2048, 2048), Placement::BinpackCpu, &[2, 0]),
            Some(0)
        );
        assert_eq!(
            place(&hosts, (8192, 512), Placement::BinpackCpu, &[2, 0]),
            None
        );
    }

    #[test]
    fn spread_goes_to_the_az_with_fewest_tasks_then_its_emptiest_instance() {
        let hosts = [
            host(0, 0, 4096, 8192, 1),
            host(1, 1, 4096, 8192, 1),
            host(1, 2, 4096, 8192, 0),
        ];
        assert_eq!(
            place(&hosts, (1024, 1024), Placement::SpreadAz, &[1, 1]),
            Some(0),
            "a tie between AZs goes to the first AZ"
        );
        // AZ 1 has fewer tasks; within it, the instance with fewer of the service's tasks.
        assert_eq!(
            place(&hosts, (1024, 1024), Placement::SpreadAz, &[2, 1]),
            Some(2)
        );
        assert_eq!(
            place(
                &hosts,
                (1024, 1024),
                Placement::SpreadAzBinpackMemory,
                &[1, 2]
            ),
            Some(0)
        );
    }

    #[test]
    fn the_reservation_and_its_zero_cases() {
        let m = ManagedScaling {
            target_capacity: 100,
            min_step: 1,
            max_step: 10_000,
            instance_warmup: DEFAULT_INSTANCE_WARMUP,
        };
        // 3 running, 2 with tasks, none provisioning: 2/3.
        assert_eq!(instances_needed((3, 2), 0, 4, &m), 2);
        assert!((reservation(2, 3) - 200.0 / 3.0).abs() < 1e-12);
        // 2 running, 5 provisioning at 2 per instance: 2 + 3.
        assert_eq!(instances_needed((2, 2), 5, 2, &m), 5);
        assert_eq!(reservation(5, 2), 250.0);
        // Step sizes bound the extra.
        let stepped = ManagedScaling {
            min_step: 2,
            max_step: 2,
            ..m
        };
        assert_eq!(instances_needed((2, 2), 1, 2, &stepped), 4);
        assert_eq!(instances_needed((2, 2), 9, 2, &stepped), 4);
        assert_eq!(reservation(0, 0), 100.0);
        assert_eq!(reservation(3, 0), 200.0);
    }
}
