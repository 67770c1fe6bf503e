//! A rolling deployment of an ECS service: the tasks of the old revision are replaced by
//! tasks of the new one in batches bounded by `minimumHealthyPercent` and `maximumPercent`.
//!
//! Rules (ECS Developer Guide, "Deploy Amazon ECS services by replacing tasks",
//! https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html, and
//! the `DeploymentConfiguration` API reference): during a deployment the service keeps at
//! least `minimumHealthyPercent` of its desired count healthy (rounded up) and runs at most
//! `maximumPercent` of it in all (rounded down); defaults 100 and 200 for a replica service.
//! Tasks that are not healthy (still starting) do not count toward the healthy minimum, so
//! they may be stopped at any time.
//!
//! Our choices: the scheduler looks again every `CHECK_EVERY` (AWS does not say how often
//! it does); it stops old tasks that are not healthy first, then healthy ones as far as the
//! minimum allows, and starts new tasks into the room left.

use crate::kernel::SimTime;

/// How often the deployment looks at the tasks' health (our choice).
pub const CHECK_EVERY: SimTime = SimTime::from_secs(5);

/// A deployment of a new task revision at `at`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeploymentSpec {
    pub at: SimTime,
    /// `minimumHealthyPercent` (default 100).
    pub minimum_healthy_percent: u32,
    /// `maximumPercent` (default 200).
    pub maximum_percent: u32,
}

/// The tasks of one revision: active (starting or running) and of those, healthy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Revision {
    pub active: u32,
    pub healthy: u32,
}

/// One look at a deployment: old tasks to stop (`stop_unhealthy` first, then
/// `stop_healthy`) and new tasks to start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Step {
    pub stop_unhealthy: u32,
    pub stop_healthy: u32,
    pub start: u32,
}

impl DeploymentSpec {
    /// The healthy tasks to keep for a desired count of `n` (rounded up).
    pub fn min_healthy(&self, n: u32) -> u32 {
        (n as u64 * self.minimum_healthy_percent as u64).div_ceil(100) as u32
    }

    /// The tasks that may run in all for a desired count of `n` (rounded down).
    pub fn max_total(&self, n: u32) -> u32 {
        (n as u64 * self.maximum_percent as u64 / 100) as u32
    }

    /// What to do now, for a desired count of `n` with `old` and `new` tasks.
    pub fn step(&self, n: u32, old: Revision, new: Revision) -> Step {
        let stop_unhealthy = old.active - old.healthy;
        let healthy = old.healthy + new.healthy;
        let stop_healthy = old.healthy.min(healthy.saturating_sub(self.min_healthy(n)));
        let left = old.active - stop_unhealthy - stop_healthy + new.active;
        let start = self
            .max_total(n)
            .saturating_sub(left)
            .min(n.saturating_sub(new.active));
        Step {
            stop_unhealthy,
            stop_healthy,
            start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rev(active: u32, healthy: u32) -> Revision {
        Revision { active, healthy }
    }

    #[test]
    fn the_defaults_start_a_whole_new_set_then_stop_the_old() {
        let d = DeploymentSpec {
            at: SimTime::ZERO,
            minimum_healthy_percent: 100,
            maximum_percent: 200,
        };
        let s = d.step(4, rev(4, 4), rev(0, 0));
        assert_eq!((s.stop_healthy, s.start), (0, 4));
        let s = d.step(4, rev(4, 4), rev(4, 1));
        assert_eq!((s.stop_healthy, s.start), (1, 0));
        let s = d.step(4, rev(3, 3), rev(4, 4));
        assert_eq!((s.stop_healthy, s.start), (3, 0));
    }

    #[test]
    fn half_healthy_replaces_in_two_batches() {
        let d = DeploymentSpec {
            at: SimTime::ZERO,
            minimum_healthy_percent: 50,
            maximum_percent: 100,
        };
        let s = d.step(4, rev(4, 4), rev(0, 0));
        assert_eq!((s.stop_healthy, s.start), (2, 2));
        let s = d.step(4, rev(2, 2), rev(2, 2));
        assert_eq!((s.stop_healthy, s.start), (2, 2));
    }
}
