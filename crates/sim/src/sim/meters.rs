//! Accumulators the world keeps between metric periods: request outcomes of the current
//! period, and per group the in-service vCPU time and busy core time (exact integrals).

use crate::cost::billing::AlbActivity;
use crate::kernel::SimTime;
use crate::metrics::{LatencyCounts, Outcome};

/// What happened to requests during the current metric period.
#[derive(Default)]
pub struct PeriodMeters {
    pub ended: u64,
    pub ok: u64,
    pub errors_5xx: u64,
    pub throttled: u64,
    /// Answered by the load balancer itself (fixed responses, redirects).
    pub by_load_balancer: u64,
    pub latency: LatencyCounts,
}

impl PeriodMeters {
    #[inline]
    pub fn record(&mut self, outcome: Outcome, latency_ns: u64) {
        self.ended += 1;
        match outcome {
            Outcome::Ok => {
                self.ok += 1;
                self.latency.record(latency_ns);
            }
            Outcome::Throttled429 => self.throttled += 1,
            Outcome::LoadBalancer(_) => self.by_load_balancer += 1,
            o if o.is_5xx() => self.errors_5xx += 1,
            _ => {}
        }
    }

    pub fn reset(&mut self) {
        self.ended = 0;
        self.ok = 0;
        self.errors_5xx = 0;
        self.throttled = 0;
        self.by_load_balancer = 0;
        self.latency.reset();
    }
}

/// Capacity and CPU integrals of one auto scaling group.
#[derive(Default)]
pub struct GroupMeters {
    pub in_service: u32,
    vcpus_in_service: u32,
    accounted_at: SimTime,
    /// In-service vCPU-nanoseconds, this period and since the warm-up.
    pub capacity_period: u128,
    pub capacity_total: u128,
    /// Busy core-nanoseconds, this period and since the warm-up.
    pub busy_period: u128,
    pub busy_total: u128,
    /// Requests the ALB routed to the group's instances this period.
    pub routed: u64,
    /// This period: busy core-ns of instances past the group's warm-up.
    pub settled_busy: u128,
}

impl GroupMeters {
    pub fn account(&mut self, now: SimTime, counting: bool) {
        let dt = now.saturating_sub(self.accounted_at).as_nanos() as u128;
        let c = dt * self.vcpus_in_service as u128;
        self.capacity_period += c;
        if counting {
            self.capacity_total += c;
        }
        self.accounted_at = now;
    }

    /// An instance of `vcpus` entered (positive) or left (negative) service.
    pub fn change_capacity(&mut self, now: SimTime, vcpus: i64, counting: bool) {
        self.account(now, counting);
        if vcpus >= 0 {
            self.vcpus_in_service += vcpus as u32;
            self.in_service += 1;
        } else {
            self.vcpus_in_service -= (-vcpus) as u32;
            self.in_service -= 1;
        }
    }

    pub fn add_busy(&mut self, core_ns: u128, counting: bool) {
        self.busy_period += core_ns;
        if counting {
            self.busy_total += core_ns;
        }
    }

    /// CPU utilization of the period in percent (0 with no capacity), then resets the period.
    pub fn take_period_cpu_percent(&mut self) -> f64 {
        let p = percent(self.busy_period, self.capacity_period);
        self.busy_period = 0;
        self.capacity_period = 0;
        p
    }

    pub fn total_cpu_percent(&self) -> f64 {
        percent(self.busy_total, self.capacity_total)
    }
}

fn percent(busy: u128, capacity: u128) -> f64 {
    if capacity == 0 {
        0.0
    } else {
        100.0 * busy as f64 / capacity as f64
    }
}

/// What one load balancer did, per period: the inputs of its LCU bill.
#[derive(Default)]
pub struct LbMeters {
    pub current: AlbActivity,
    pub periods: Vec<AlbActivity>,
}

impl LbMeters {
    /// Closes the current period, `seconds` long.
    pub fn close_period(&mut self, seconds: f64) {
        let mut a = std::mem::take(&mut self.current);
        a.seconds = seconds;
        self.periods.push(a);
    }
}
