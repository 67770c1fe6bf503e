//! EC2 Auto Scaling groups: capacity bounds, AZ placement and the instances a group owns.
//!
//! This module decides *where* a group's instances go (the AZ with the fewest instances);
//! the world launches them and registers them with the group's target groups.

use super::instance::Discipline;
use crate::dist::Dist;
use crate::ids::{AzId, InstanceId};
use crate::kernel::SimTime;

#[derive(Clone, Debug)]
pub struct GroupSpec {
    pub name: String,
    /// The instance type name, when given by type.
    pub instance_type: Option<String>,
    pub vcpus: u32,
    pub memory_gib: f64,
    pub discipline: Discipline,
    /// Requests admitted per instance at most; beyond it the load balancer answers 503.
    pub max_concurrent: u32,
    pub azs: Vec<AzId>,
    pub min: u32,
    pub max: u32,
    pub desired: u32,
    pub boot_time: Dist,
    pub health_check_grace: SimTime,
}

/// A group's runtime state.
pub struct Group {
    pub desired: u32,
    /// Instances not yet terminated, in launch order.
    pub instances: Vec<InstanceId>,
    pub launched: u64,
    pub terminated: u64,
    pub max_in_service: u32,
}

impl Group {
    pub fn new(desired: u32) -> Self {
        Group {
            desired,
            instances: Vec::new(),
            launched: 0,
            terminated: 0,
            max_in_service: 0,
        }
    }

    /// The AZ for the next launch: the one with the fewest instances (first in the group's
    /// order on a tie), as EC2 Auto Scaling balances across zones.
    pub fn placement_az(&self, spec: &GroupSpec, az_of: impl Fn(InstanceId) -> AzId) -> AzId {
        let mut counts = vec![0u32; spec.azs.len()];
        for &i in &self.instances {
            if let Some(k) = spec.azs.iter().position(|&a| a == az_of(i)) {
                counts[k] += 1;
            }
        }
        let k = (0..counts.len())
            .min_by_key(|&k| (counts[k], k))
            .unwrap_or(0);
        spec.azs[k]
    }
}
