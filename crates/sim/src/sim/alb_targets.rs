//! The ALB's side of its targets' lifecycle: health checks and deregistration, as methods of
//! [`Alb`] on what they need. A health check takes the target group's spec, the clock, and
//! whether the target answers the probe (the world tells it: the instance's load and the
//! faults decide); it returns a [`Probe`] (when the next check is due and the health the
//! target changed to) for the world to schedule on the instance's timers and to carry out
//! (a fault detected, an unhealthy target replaced). Deregistration returns the delay for
//! EC2 to drain the instance by.

use super::state::Alb;
use crate::ids::{AzId, InstanceId, TgId};
use crate::kernel::SimTime;
use crate::model::alb::TargetGroupSpec;
use crate::model::health::{Health, HealthCheckSpec};
use crate::trace::{Field, Kind, Tracer};

/// Trace kind: a target's health in a target group changed.
pub(in crate::sim) const HEALTH_CHANGED: Kind = Kind::new("health_changed");

/// What one health check decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Probe {
    /// When the next check of the target is due.
    pub next_at: SimTime,
    /// The health the target changed to, if this check changed it.
    pub changed: Option<Health>,
}

impl Alb {
    /// Target `id` (in `az`) of target group `tg` (spec `spec`) is probed at `now`;
    /// `passes` tells whether it answers the probe. `None`: it is no longer registered
    /// (its checks stop).
    pub(super) fn health_check(
        &mut self,
        (tg, spec): (TgId, &TargetGroupSpec),
        (id, az): (InstanceId, AzId),
        now: SimTime,
        passes: impl FnOnce(&HealthCheckSpec) -> bool,
    ) -> Option<Probe> {
        let group = &mut self.target_groups[tg.index()];
        if !group.is_registered(id) {
            return None;
        }
        let check = &spec.health_check;
        let changed = group.record_probe(id, az, passes(check), check);
        if changed == Some(Health::Healthy) {
            group.mark_healthy_since(id, now);
        }
        Some(Probe {
            next_at: now + check.interval,
            changed,
        })
    }

    /// Deregisters target `id` (in `az`) from the target groups `tgs` (specs `specs`, all
    /// target groups); returns the longest of their deregistration delays.
    pub(super) fn deregister(
        &mut self,
        tgs: &[TgId],
        specs: &[TargetGroupSpec],
        (id, az): (InstanceId, AzId),
    ) -> SimTime {
        let mut delay = SimTime::ZERO;
        for &tg in tgs {
            self.target_groups[tg.index()].deregister(id, az);
            delay = delay.max(specs[tg.index()].deregistration_delay);
        }
        delay
    }

    /// Traces a target's change of health (`serial` names the instance).
    pub(super) fn trace_health(
        tracer: Option<&mut Tracer>,
        now: SimTime,
        spec: &TargetGroupSpec,
        serial: u64,
        health: Health,
    ) {
        let Some(t) = tracer else { return };
        let state = if health == Health::Healthy {
            "healthy"
        } else {
            "unhealthy"
        };
        t.emit(
            now,
            HEALTH_CHANGED,
            &spec.name,
            None,
            &[
                ("instance", Field::Int(serial)),
                ("health", Field::Str(state)),
            ],
        );
    }
}
