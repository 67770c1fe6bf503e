//! CPU credits of burstable instances (T2, T3, T3a, T4g): the balance an instance earns at
//! its baseline and spends above it, `standard` mode's throttling to the baseline when the
//! balance is empty, and `unlimited` mode's surplus credits and their charge.
//!
//! AWS's rules, from "Key concepts for burstable performance instances"
//! (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/burstable-credits-baseline-concepts.html),
//! "Standard mode concepts" (burstable-performance-instances-standard-mode-concepts.html) and
//! "Unlimited mode concepts" (burstable-performance-instances-unlimited-mode-concepts.html):
//! - One CPU credit is one vCPU at 100% for one minute. An instance earns, continuously, its
//!   vCPUs x its baseline utilization per vCPU x 60 credits per hour, and spends the CPU it
//!   uses: below the baseline the balance grows, above it the balance falls.
//! - The earned balance is capped at 24 hours of earning (earned credits beyond it are lost).
//! - T2 in standard mode gets 30 launch credits per vCPU at launch, spent first, not counted
//!   toward the cap; T3, T3a and T4g get none (in either mode).
//! - Standard mode: with an empty balance the instance's CPU is restricted to the baseline.
//! - Unlimited mode: the instance spends surplus credits beyond its balance; credits it earns
//!   afterwards pay them back first; surplus credits beyond 24 hours of earning are charged,
//!   and so is the surplus outstanding when the instance stops or terminates.
//!
//! Our choices, where AWS is silent or where a simulation needs a rule:
//! - Throttled means every vCPU runs at the baseline fraction of its speed (a job's work
//!   takes `1 / baseline` times as long). AWS lowers the CPU "gradually" over some minutes
//!   (T2); the drop here is at once.
//! - A throttled instance keeps earning; while some vCPUs idle its balance grows. It leaves
//!   the throttle when the balance reaches [`RESTORE_CREDITS_PER_VCPU`] credits per vCPU (one
//!   minute of every vCPU at full speed). AWS spends each earned credit at millisecond
//!   resolution; a threshold keeps a throttled instance from flipping at every job.
//! - The balance counts from the launch request (the pending seconds earn too).
//! - A standard instance that starts with an empty balance (T3, T3a and T4g get no launch
//!   credits) starts throttled, and leaves the throttle as any throttled instance does.
//!
//! Accounting is exact: amounts are integers in milli-core-nanoseconds (one credit is
//! 60e9 ns x 1000), rates are integers per nanosecond (earning: vCPUs x baseline per mille;
//! spending: busy cores x 1000, or x baseline when throttled), and the balance is integrated
//! only when the busy count changes or a period ends (`integrate`). The moment the balance
//! runs out, or regains the restore level, is computed from the current rates (`next_change`)
//! and scheduled as the instance's own keyed event, moved whenever the busy count changes.

/// Milli-core-nanoseconds in one credit (one vCPU at 100% for 60 s).
pub const UNITS_PER_CREDIT: i64 = 60_000_000_000 * 1000;

/// Credits per vCPU a throttled instance must regain before it runs at full speed again (our
/// choice, see the module docs).
pub const RESTORE_CREDITS_PER_VCPU: i64 = 1;

/// T2 standard's launch credits per vCPU ("Launch credits", standard mode concepts).
pub const T2_LAUNCH_CREDITS_PER_VCPU: i64 = 30;

/// Nanoseconds in 24 hours: the cap is 24 hours of earning.
const DAY_NS: i64 = 86_400_000_000_000;

/// A burstable family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    T2,
    T3,
    T3a,
    T4g,
}

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::T2 => "t2",
            Family::T3 => "t3",
            Family::T3a => "t3a",
            Family::T4g => "t4g",
        }
    }

    /// The mode an instance launches in unless told: T2 `standard`, T3, T3a and T4g
    /// `unlimited` ("Unlimited mode for burstable performance instances").
    pub fn default_mode(self) -> CreditMode {
        match self {
            Family::T2 => CreditMode::Standard,
            Family::T3 | Family::T3a | Family::T4g => CreditMode::Unlimited,
        }
    }
}

/// A burstable type's figures in the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Burstable {
    pub family: Family,
    /// Baseline utilization per vCPU, in tenths of a percent (T3.micro: 100, i.e. 10%).
    pub baseline_per_mille: u32,
}

/// `credit_specification`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditMode {
    Standard,
    Unlimited,
}

impl CreditMode {
    pub fn name(self) -> &'static str {
        match self {
            CreditMode::Standard => "standard",
            CreditMode::Unlimited => "unlimited",
        }
    }

    pub fn parse(s: &str) -> Option<CreditMode> {
        match s {
            "standard" => Some(CreditMode::Standard),
            "unlimited" => Some(CreditMode::Unlimited),
            _ => None,
        }
    }
}

/// A group's resolved credit configuration.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CreditSpec {
    pub family: Family,
    pub vcpus: u32,
    pub baseline_per_mille: u32,
    pub mode: CreditMode,
    /// The earned balance of the instances the group starts with (at time 0), in credits
    /// (`initial_credits`, our choice: it stands for instances that have run before the
    /// scenario starts); later launches start as AWS launches them.
    pub initial_credits: Option<f64>,
}

impl CreditSpec {
    /// Earning per nanosecond, in units (vCPUs x baseline per mille).
    pub fn earn_rate(&self) -> i64 {
        self.vcpus as i64 * self.baseline_per_mille as i64
    }

    /// Credits earned per hour (AWS's table column).
    pub fn credits_per_hour(&self) -> f64 {
        (self.earn_rate() as f64 * 3.6e12) / UNITS_PER_CREDIT as f64
    }

    /// The cap on the earned balance: 24 hours of earning, in units.
    pub fn max_units(&self) -> i64 {
        self.earn_rate() * DAY_NS
    }

    pub fn max_credits(&self) -> f64 {
        self.max_units() as f64 / UNITS_PER_CREDIT as f64
    }

    /// Launch credits of a new instance, in units.
    pub fn launch_units(&self) -> i64 {
        match (self.family, self.mode) {
            (Family::T2, CreditMode::Standard) => {
                T2_LAUNCH_CREDITS_PER_VCPU * self.vcpus as i64 * UNITS_PER_CREDIT
            }
            _ => 0,
        }
    }

    /// The balance a throttled instance must regain, in units.
    pub fn restore_units(&self) -> i64 {
        (RESTORE_CREDITS_PER_VCPU * self.vcpus as i64 * UNITS_PER_CREDIT).min(self.max_units())
    }

    /// A throttled core's speed, per mille.
    pub fn throttled_speed(&self) -> u32 {
        self.baseline_per_mille
    }
}

/// What an instance's credit event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transition {
    /// The balance ran out: the instance now runs at its baseline (standard mode).
    Exhausted,
    /// The balance regained the restore level: full speed again.
    Restored,
    /// Nothing changed the speed (launch credits ran out, earned credits take over).
    None,
}

/// What an instance's credits did since the last `take`: integrals for the period series and
/// the counts the results add up.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CreditMeter {
    /// Integral of the balance (earned plus launch credits) over time, credit-seconds.
    pub balance_s: f64,
    /// Integral of the surplus balance over time, credit-seconds.
    pub surplus_s: f64,
    /// Time alive, seconds (the divisor of the integrals).
    pub alive_s: f64,
    /// Time throttled, nanoseconds.
    pub throttled_ns: u64,
    /// Credits spent (CPUCreditUsage), in units.
    pub spent: i64,
    /// Surplus credits charged, in units.
    pub charged: i64,
}

/// One instance's credits.
#[derive(Clone, Debug)]
pub struct Credits {
    spec: CreditSpec,
    /// Earned balance, 0..=max.
    balance: i64,
    /// T2 standard's launch credits left.
    launch: i64,
    /// Unlimited: surplus credits spent and not yet paid back, 0..=max.
    surplus: i64,
    throttled: bool,
    at: crate::kernel::SimTime,
    meter: CreditMeter,
}

/// A quantity moving at `rate` per ns for `dt` ns from `v0`, held at `limit` once it gets
/// there: its end value and its integral (units x ns, as f64).
fn ramp(v0: i64, rate: i64, limit: i64, dt: i64) -> (i64, f64) {
    if rate == 0 || dt == 0 {
        return (v0, v0 as f64 * dt as f64);
    }
    let to_limit = (limit - v0) as i128;
    let full = rate as i128 * dt as i128;
    if (rate > 0 && full <= to_limit) || (rate < 0 && full >= to_limit) {
        let v1 = v0 + full as i64;
        return (v1, (v0 as f64 + v1 as f64) / 2.0 * dt as f64);
    }
    // Reaches the limit after t ns, then stays.
    let t = (to_limit / rate as i128) as i64;
    let ramp = (v0 as f64 + limit as f64) / 2.0 * t as f64;
    (limit, ramp + limit as f64 * (dt - t) as f64)
}

/// Nanoseconds for `amount` units at `rate` units per ns, rounded up.
fn ceil_div(amount: i64, rate: i64) -> u64 {
    debug_assert!(amount >= 0 && rate > 0);
    ((amount as i128 + rate as i128 - 1) / rate as i128) as u64
}

impl Credits {
    /// A new instance's credits at `now`: launch credits, and the group's initial balance
    /// when `initial` (the instances it starts with).
    pub fn new(spec: CreditSpec, now: crate::kernel::SimTime, initial: bool) -> Credits {
        let balance = match spec.initial_credits {
            Some(c) if initial => ((c * UNITS_PER_CREDIT as f64) as i64).min(spec.max_units()),
            _ => 0,
        };
        let launch = spec.launch_units();
        Credits {
            spec,
            balance,
            launch,
            surplus: 0,
            // A standard instance that starts with nothing (T3, T3a, T4g without
            // `initial_credits`) starts at its baseline.
            throttled: spec.mode == CreditMode::Standard && balance + launch == 0,
            at: now,
            meter: CreditMeter::default(),
        }
    }

    pub fn spec(&self) -> &CreditSpec {
        &self.spec
    }

    #[inline]
    pub fn throttled(&self) -> bool {
        self.throttled
    }

    /// The speed of a busy core, per mille.
    #[inline]
    pub fn speed_per_mille(&self) -> u32 {
        if self.throttled {
            self.spec.throttled_speed()
        } else {
            1000
        }
    }

    /// The balance (earned plus launch credits), in credits.
    pub fn balance_credits(&self) -> f64 {
        (self.balance + self.launch) as f64 / UNITS_PER_CREDIT as f64
    }

    /// The surplus credits outstanding, in credits.
    pub fn surplus_credits(&self) -> f64 {
        self.surplus as f64 / UNITS_PER_CREDIT as f64
    }

    /// Spending per ns with `busy` cores at the current speed, in units.
    #[inline]
    fn spend_rate(&self, busy: u32) -> i64 {
        busy as i64 * self.speed_per_mille() as i64
    }

    /// Brings the balance to `now`, with `busy` cores busy since the last call.
    pub fn integrate(&mut self, now: crate::kernel::SimTime, busy: u32) {
        let dt = now.saturating_sub(self.at).as_nanos() as i64;
        self.at = self.at.max(now);
        if dt == 0 {
            return;
        }
        let max = self.spec.max_units();
        let earn = self.spec.earn_rate();
        let spend = self.spend_rate(busy);
        self.meter.alive_s += dt as f64 * 1e-9;
        if self.throttled {
            self.meter.throttled_ns += dt as u64;
        }
        self.meter.spent += spend * dt;
        let balance_int;
        let mut surplus_int = 0.0;
        if self.launch > 0 {
            // Launch credits are spent first (`next_change` stops the step where they run
            // out); the earned balance grows meanwhile.
            let (launch, li) = ramp(self.launch, -spend, 0, dt);
            let (balance, bi) = ramp(self.balance, earn, max, dt);
            (self.launch, self.balance) = (launch, balance);
            balance_int = li + bi;
        } else if earn >= spend {
            // Earned credits pay back the surplus first, then fill the balance.
            let net = earn - spend;
            let (surplus, si) = ramp(self.surplus, -net, 0, dt);
            let repaid_at = if net == 0 || surplus > 0 {
                dt
            } else {
                (self.surplus as i128 / net as i128) as i64
            };
            let (balance, bi) = ramp(self.balance, net, max, dt - repaid_at);
            balance_int = bi + self.balance as f64 * repaid_at as f64;
            surplus_int = si;
            (self.surplus, self.balance) = (surplus, balance);
        } else {
            let net = spend - earn;
            let (balance, bi) = ramp(self.balance, -net, 0, dt);
            balance_int = bi;
            if self.spec.mode == CreditMode::Unlimited {
                let empty_at = if balance > 0 {
                    dt
                } else {
                    (self.balance as i128 / net as i128) as i64
                };
                let borrowing = dt - empty_at;
                let wanted = self.surplus as i128 + net as i128 * borrowing as i128;
                let (surplus, si) = ramp(self.surplus, net, max, borrowing);
                if wanted > max as i128 {
                    self.meter.charged += (wanted - max as i128) as i64;
                }
                surplus_int = self.surplus as f64 * empty_at as f64 + si;
                self.surplus = surplus;
            }
            self.balance = balance;
        }
        let to_credit_s = 1e-9 / UNITS_PER_CREDIT as f64;
        self.meter.balance_s += balance_int * to_credit_s;
        self.meter.surplus_s += surplus_int * to_credit_s;
    }

    /// When the current rates (with `busy` cores busy) next change what the instance does:
    /// its balance runs out (standard), its launch credits run out, or a throttled balance
    /// regains the restore level. `None`: not while the busy count stays.
    pub fn next_change(&self, busy: u32) -> Option<u64> {
        if self.spec.mode == CreditMode::Unlimited {
            return None;
        }
        let earn = self.spec.earn_rate();
        let spend = self.spend_rate(busy);
        if self.throttled {
            let net = earn - spend;
            let missing = self.spec.restore_units() - self.balance;
            return (net > 0).then(|| ceil_div(missing.max(0), net));
        }
        if self.launch > 0 {
            return (spend > 0).then(|| ceil_div(self.launch, spend));
        }
        (spend > earn).then(|| ceil_div(self.balance, spend - earn))
    }

    /// The credit event fired at `now` (after `integrate`): the throttle changes when the
    /// balance ran out (still spending above the baseline) or regained the restore level.
    pub fn on_change(&mut self, busy: u32) -> Transition {
        if self.spec.mode == CreditMode::Unlimited {
            return Transition::None;
        }
        let above_baseline = busy as i64 * 1000 > self.spec.earn_rate();
        if !self.throttled && self.launch == 0 && self.balance == 0 && above_baseline {
            self.throttled = true;
            Transition::Exhausted
        } else if self.throttled && self.balance >= self.spec.restore_units() {
            self.throttled = false;
            Transition::Restored
        } else {
            Transition::None
        }
    }

    /// The instance stops or terminates: its outstanding surplus is charged (unlimited).
    pub fn settle(&mut self) {
        self.meter.charged += std::mem::take(&mut self.surplus);
    }

    /// What the credits did since the previous call.
    pub fn take_meter(&mut self) -> CreditMeter {
        std::mem::take(&mut self.meter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::SimTime;

    fn spec(mode: CreditMode, vcpus: u32, bm: u32) -> CreditSpec {
        CreditSpec {
            family: Family::T3,
            vcpus,
            baseline_per_mille: bm,
            mode,
            initial_credits: None,
        }
    }

    #[test]
    fn the_table_follows_from_the_baseline() {
        // t3.micro: 2 vCPUs at 10% earn 12 credits an hour, at most 288.
        let s = spec(CreditMode::Unlimited, 2, 100);
        assert_eq!(s.credits_per_hour(), 12.0);
        assert_eq!(s.max_credits(), 288.0);
        // t2.2xlarge: 8 vCPUs at 17%: 81.6 an hour, 1958.4 at most.
        let s = spec(CreditMode::Standard, 8, 170);
        assert!((s.credits_per_hour() - 81.6).abs() < 1e-9);
        assert!((s.max_credits() - 1958.4).abs() < 1e-9);
    }

    #[test]
    fn one_busy_core_drains_at_spend_minus_earn() {
        // 10 credits, one core busy on a t3.micro: 1 - 0.2 = 0.8 credits a minute, so the
        // balance is empty after 12.5 minutes.
        let mut s = spec(CreditMode::Standard, 2, 100);
        s.initial_credits = Some(10.0);
        let mut c = Credits::new(s, SimTime::ZERO, true);
        assert_eq!(c.next_change(1), Some(750_000_000_000));
        c.integrate(SimTime::from_secs(750), 1);
        assert_eq!(c.balance, 0);
        assert_eq!(c.on_change(1), Transition::Exhausted);
        assert_eq!(c.speed_per_mille(), 100);
        // Throttled with one core busy: earns 0.2, spends 0.1 a minute: 2 credits in 20 min.
        assert_eq!(c.next_change(1), Some(1_200_000_000_000));
        c.integrate(SimTime::from_secs(750 + 1200), 1);
        assert_eq!(c.on_change(1), Transition::Restored);
        assert_eq!(c.meter.throttled_ns, 1_200_000_000_000);
    }

    #[test]
    fn unlimited_borrows_then_charges_beyond_the_cap() {
        // t3.nano (2 vCPUs, 5%): 6 credits an hour, cap 144. Two busy cores spend 2 a
        // minute, net 1.9: the surplus reaches 144 after 144 / 1.9 min, then the rest is
        // charged. After 120 min: 1.9 x 120 - 144 = 84 charged.
        let s = spec(CreditMode::Unlimited, 2, 50);
        let mut c = Credits::new(s, SimTime::ZERO, false);
        c.integrate(SimTime::from_secs(7200), 2);
        assert_eq!(c.surplus, s.max_units());
        assert_eq!(c.meter.charged, 84 * UNITS_PER_CREDIT);
        // Idle: earning pays the surplus back first.
        c.integrate(SimTime::from_secs(7200 + 3600), 0);
        assert_eq!(c.surplus, s.max_units() - 6 * UNITS_PER_CREDIT);
        assert_eq!(c.balance, 0);
        c.settle();
        assert_eq!(c.take_meter().charged, (84 + 138) * UNITS_PER_CREDIT);
    }

    #[test]
    fn the_balance_stops_at_the_cap_and_its_mean_is_exact() {
        // t3.micro idle from 280 credits: +0.2 a minute reaches 288 after 40 min; over an
        // hour the mean is (280 + 288) / 2 x 40/60 + 288 x 20/60.
        let mut s = spec(CreditMode::Standard, 2, 100);
        s.initial_credits = Some(280.0);
        let mut c = Credits::new(s, SimTime::ZERO, true);
        c.integrate(SimTime::from_secs(3600), 0);
        assert_eq!(c.balance, s.max_units());
        let m = c.take_meter();
        let mean = m.balance_s / m.alive_s;
        let expected = 284.0 * 40.0 / 60.0 + 288.0 * 20.0 / 60.0;
        assert!((mean - expected).abs() < 1e-9, "{mean} vs {expected}");
    }

    #[test]
    fn t2_standard_spends_launch_credits_first() {
        // t2.micro: 1 vCPU, 10%: 30 launch credits; one busy core spends them in 30 min
        // while earning 0.1 a minute into its own balance.
        let s = CreditSpec {
            family: Family::T2,
            vcpus: 1,
            baseline_per_mille: 100,
            mode: CreditMode::Standard,
            initial_credits: None,
        };
        let mut c = Credits::new(s, SimTime::ZERO, false);
        assert_eq!(c.next_change(1), Some(1_800_000_000_000));
        c.integrate(SimTime::from_secs(1800), 1);
        assert_eq!(c.on_change(1), Transition::None);
        assert_eq!(c.balance, 3 * UNITS_PER_CREDIT);
        // Then the earned 3 credits at 0.9 a minute.
        assert_eq!(c.next_change(1), Some(ceil_div(3 * UNITS_PER_CREDIT, 900)));
    }
}
