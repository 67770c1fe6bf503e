//! ALB target health checks: probes at an interval, thresholds of consecutive results, and
//! overload that makes probes fail (so overload can cascade, as in production).
//!
//! A newly registered target is routed to after **one** passing probe, and its first probe
//! runs at registration: "After your target is registered, it must pass one health check to be
//! considered healthy" (ALB user guide, "Health checks for Application Load Balancer target
//! groups", https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html).
//! `healthy_threshold` consecutive passes apply only when an *unhealthy* target returns.

use crate::kernel::SimTime;

#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheckSpec {
    pub interval: SimTime,
    pub timeout: SimTime,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    /// CPU work of one probe on the target (default 5ms).
    pub probe_work: SimTime,
}

impl Default for HealthCheckSpec {
    fn default() -> Self {
        HealthCheckSpec {
            interval: SimTime::from_secs(30),
            timeout: SimTime::from_secs(5),
            healthy_threshold: 5,
            unhealthy_threshold: 2,
            probe_work: SimTime::from_millis(5),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Registered, not yet passed its first probe: not routed to (AWS's `initial`).
    Initial,
    Healthy,
    Unhealthy,
}

/// One registration's probe history.
#[derive(Clone, Copy, Debug)]
pub struct TargetHealth {
    pub health: Health,
    passes: u32,
    failures: u32,
}

impl TargetHealth {
    pub fn new(health: Health) -> TargetHealth {
        TargetHealth {
            health,
            passes: 0,
            failures: 0,
        }
    }

    /// Records a probe result; returns the new health if it changed.
    pub fn record(&mut self, passed: bool, spec: &HealthCheckSpec) -> Option<Health> {
        if passed {
            self.passes += 1;
            self.failures = 0;
            // A new target needs one pass; an unhealthy one `healthy_threshold` in a row.
            let needed = match self.health {
                Health::Healthy => return None,
                Health::Initial => 1,
                Health::Unhealthy => spec.healthy_threshold,
            };
            if self.passes >= needed {
                self.health = Health::Healthy;
                return Some(Health::Healthy);
            }
        } else {
            self.failures += 1;
            self.passes = 0;
            if self.health != Health::Unhealthy && self.failures >= spec.unhealthy_threshold {
                self.health = Health::Unhealthy;
                return Some(Health::Unhealthy);
            }
        }
        None
    }
}

/// Whether a probe passes on a target with `outstanding` requests: it fails when the target
/// admits no more (`max_concurrent`), or when its answer would take longer than the timeout
/// (the probe's work stretched by processor sharing among the requests in front of it).
pub fn probe_passes(
    outstanding: u32,
    max_concurrent: u32,
    vcpus: u32,
    spec: &HealthCheckSpec,
) -> bool {
    if outstanding >= max_concurrent {
        return false;
    }
    let stretch = ((outstanding + 1) as f64 / vcpus.max(1) as f64).max(1.0);
    (spec.probe_work.as_nanos() as f64 * stretch) <= spec.timeout.as_nanos() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_of_consecutive_results() {
        let spec = HealthCheckSpec::default();
        let mut t = TargetHealth::new(Health::Initial);
        // A new target: one pass.
        assert_eq!(t.record(true, &spec), Some(Health::Healthy));
        assert_eq!(t.record(false, &spec), None);
        assert_eq!(t.record(true, &spec), None); // a pass resets the failure count
        assert_eq!(t.record(false, &spec), None);
        assert_eq!(t.record(false, &spec), Some(Health::Unhealthy));
        for _ in 0..4 {
            assert_eq!(t.record(true, &spec), None);
        }
        assert_eq!(t.record(true, &spec), Some(Health::Healthy));
    }

    #[test]
    fn overload_fails_probes() {
        let spec = HealthCheckSpec::default();
        assert!(probe_passes(10, 100, 2, &spec));
        assert!(!probe_passes(100, 100, 2, &spec));
        // 5ms x 3000/2 = 7.5s > 5s timeout.
        assert!(!probe_passes(2999, 1_000_000, 2, &spec));
    }
}
