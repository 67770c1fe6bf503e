//! Application Auto Scaling's cooldowns for an ECS service's scaling policies, which EC2 Auto
//! Scaling's target tracking does not have. The policies themselves (target tracking, step),
//! their CloudWatch alarms and their sizing are EC2 Auto Scaling's code
//! (`model::scaling_policy`, `model::cloudwatch`); these rules sit on top.
//!
//! Rules (Application Auto Scaling API reference, `TargetTrackingScalingPolicyConfiguration`
//! and `StepScalingPolicyConfiguration`,
//! https://docs.aws.amazon.com/autoscaling/application/APIReference/API_TargetTrackingScalingPolicyConfiguration.html,
//! and the user guide's "Define cooldown periods",
//! https://docs.aws.amazon.com/autoscaling/application/userguide/target-tracking-scaling-policy-overview.html):
//! - Scale-out cooldown: "while the cooldown period is in effect, the capacity added by the
//!   initiating scale-out activity is calculated as part of the desired capacity for the next
//!   scale-out": a scale-out inside it is sized from the capacity before the initiating
//!   scale-out and applies only if it asks for more than the current capacity.
//! - Scale-in cooldown: scale-in is blocked until it has expired; a scale-out during it
//!   happens at once and ends it.
//! - Default 300 s for both for ECS services.
//! - "Application Auto Scaling turns off scale-in processes while Amazon ECS deployments are
//!   in progress" (ECS Developer Guide, "Automatically scale your Amazon ECS service",
//!   https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-auto-scaling.html).
//!
//! Our choices where AWS is silent: a cooldown counts from the activity (the change of
//! desired count), not from when its last task finished starting or stopping; a scale-in
//! also waits while a scale-out cooldown runs (the capacity it added is not yet measured).

use crate::kernel::SimTime;

/// An ECS service's cooldowns (App Auto Scaling's `ScaleOutCooldown`, `ScaleInCooldown`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cooldowns {
    pub scale_out: SimTime,
    pub scale_in: SimTime,
}

/// App Auto Scaling's default cooldown for an ECS service.
pub const DEFAULT_COOLDOWN: SimTime = SimTime::from_secs(300);

impl Default for Cooldowns {
    fn default() -> Self {
        Cooldowns {
            scale_out: DEFAULT_COOLDOWN,
            scale_in: DEFAULT_COOLDOWN,
        }
    }
}

/// The running cooldowns of one scalable target.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CooldownState {
    /// The end of the scale-out cooldown, and the capacity before the scale-out that
    /// started it.
    pub out_until: Option<(SimTime, u32)>,
    /// The end of the scale-in cooldown.
    pub in_until: Option<SimTime>,
    /// A deployment is in progress: scale-in is off.
    pub deploying: bool,
}

impl CooldownState {
    /// The capacity a scale-out cooldown running at `now` counts as added (`capacity` the
    /// desired count now): App Auto Scaling sizes the next scale-out without it. Zero when
    /// no scale-out cooldown runs.
    pub fn added(&self, now: SimTime, capacity: u32) -> u32 {
        match self.out_until {
            Some((until, base)) if now < until => capacity.saturating_sub(base),
            _ => 0,
        }
    }

    /// Whether a scale-in is held back at `now`: by the scale-in cooldown, a scale-out
    /// cooldown, or a deployment.
    pub fn blocks_scale_in(&self, now: SimTime) -> bool {
        self.deploying
            || self.in_until.is_some_and(|t| now < t)
            || self.out_until.is_some_and(|(t, _)| now < t)
    }

    /// An activity changed the desired count from `from` at `now`: a scale-out starts its
    /// cooldown (and ends a scale-in cooldown), a scale-in starts the scale-in cooldown.
    pub fn activity(&mut self, now: SimTime, from: u32, scale_out: bool, c: Cooldowns) {
        if scale_out {
            self.in_until = None;
            self.out_until = Some((now + c.scale_out, from));
        } else {
            self.in_until = Some(now + c.scale_in);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime::from_secs(x)
    }

    #[test]
    fn a_scale_out_holds_scale_in_and_counts_its_capacity() {
        let c = Cooldowns {
            scale_out: s(120),
            scale_in: s(600),
        };
        let mut st = CooldownState::default();
        assert!(!st.blocks_scale_in(s(0)));
        st.activity(s(100), 2, true, c);
        assert_eq!(st.added(s(150), 5), 3);
        assert!(st.blocks_scale_in(s(219)));
        assert_eq!(st.added(s(220), 5), 0);
        assert!(!st.blocks_scale_in(s(220)));
    }

    #[test]
    fn a_scale_in_cooldown_ends_at_a_scale_out() {
        let c = Cooldowns {
            scale_out: s(0),
            scale_in: s(600),
        };
        let mut st = CooldownState::default();
        st.activity(s(1000), 6, false, c);
        assert!(st.blocks_scale_in(s(1599)));
        assert!(!st.blocks_scale_in(s(1600)));
        st.activity(s(1000), 6, false, c);
        st.activity(s(1100), 4, true, c);
        assert!(!st.blocks_scale_in(s(1100)));
    }
}
