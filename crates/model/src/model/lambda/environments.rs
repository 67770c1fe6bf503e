//! Execution environments of one function: provisioned ones (always initialized, never
//! expire) and on-demand ones. An idle on-demand environment stays warm until its expiry
//! (drawn from `idle_expiry` when it goes idle); a request takes the most recently used warm
//! one, and a new environment (a cold start) only when none is left.
//!
//! Idle on-demand environments are a stack of expiry times, the most recently used on top.
//! Expired ones are discarded lazily when they reach the top: a request is served by the most
//! recently used environment that has not expired, exactly, without a timer per environment.

use crate::kernel::SimTime;

/// Where an invocation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// An idle provisioned environment: no cold start.
    Provisioned,
    /// A warm (idle, unexpired) on-demand environment: no cold start.
    Warm,
    /// A new on-demand environment: it pays `init` first.
    Cold,
}

#[derive(Clone, Debug, Default)]
pub struct Environments {
    provisioned: u32,
    provisioned_busy: u32,
    on_demand_busy: u32,
    /// Expiry times of idle on-demand environments, most recently used last.
    idle: Vec<SimTime>,
}

impl Environments {
    pub fn new(provisioned: u32) -> Environments {
        Environments {
            provisioned,
            ..Default::default()
        }
    }

    /// Whether the next invocation would run on an on-demand environment.
    #[inline]
    pub fn next_is_on_demand(&self) -> bool {
        self.provisioned_busy >= self.provisioned
    }

    /// Whether a warm idle on-demand environment is left at `now` (expired ones are dropped).
    #[inline]
    pub fn has_warm(&mut self, now: SimTime) -> bool {
        while let Some(&expiry) = self.idle.last() {
            if expiry > now {
                return true;
            }
            self.idle.pop();
        }
        false
    }

    /// Takes an environment for an invocation starting at `now`.
    #[inline]
    pub fn take(&mut self, now: SimTime) -> Placement {
        if !self.next_is_on_demand() {
            self.provisioned_busy += 1;
            return Placement::Provisioned;
        }
        self.on_demand_busy += 1;
        while let Some(expiry) = self.idle.pop() {
            if expiry > now {
                return Placement::Warm;
            }
        }
        Placement::Cold
    }

    /// An invocation ended; an on-demand environment stays warm until `expires_at`.
    #[inline]
    pub fn give_back(&mut self, placement: Placement, expires_at: SimTime) {
        if placement == Placement::Provisioned {
            self.provisioned_busy -= 1;
        } else {
            self.on_demand_busy -= 1;
            self.idle.push(expires_at);
        }
    }

    #[inline]
    pub fn busy(&self) -> u32 {
        self.provisioned_busy + self.on_demand_busy
    }

    #[inline]
    pub fn on_demand_busy(&self) -> u32 {
        self.on_demand_busy
    }

    #[inline]
    pub fn provisioned_busy(&self) -> u32 {
        self.provisioned_busy
    }

    pub fn provisioned(&self) -> u32 {
        self.provisioned
    }

    /// Idle on-demand environments still warm at `now`.
    pub fn warm(&self, now: SimTime) -> usize {
        self.idle.iter().filter(|&&e| e > now).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime::from_secs(x)
    }

    #[test]
    fn provisioned_first_then_most_recently_used_warm_then_cold() {
        let mut e = Environments::new(1);
        assert_eq!(e.take(s(0)), Placement::Provisioned);
        assert_eq!(e.take(s(0)), Placement::Cold);
        assert_eq!(e.take(s(0)), Placement::Cold);
        assert_eq!(e.busy(), 3);
        e.give_back(Placement::Cold, s(100)); // idle, expires at 100
        e.give_back(Placement::Cold, s(50)); // most recently used, expires at 50
        e.give_back(Placement::Provisioned, SimTime::ZERO);
        assert_eq!(e.take(s(10)), Placement::Provisioned);
        // At 60 the most recently used has expired: the older one (expires 100) serves.
        assert_eq!(e.take(s(60)), Placement::Warm);
        assert_eq!(e.warm(s(60)), 0);
        assert_eq!(e.take(s(60)), Placement::Cold);
    }

    #[test]
    fn after_every_expiry_the_next_request_is_cold() {
        let mut e = Environments::new(0);
        for _ in 0..5 {
            e.take(s(0));
        }
        for k in 0..5 {
            e.give_back(Placement::Warm, s(10 + k));
        }
        assert_eq!(e.warm(s(12)), 2);
        assert_eq!(e.take(s(20)), Placement::Cold);
    }
}
