//! What one function did: totals after the warm-up (the summary), the current metric
//! period's figures (the time series), and its bill per period (the cost model). Histograms
//! and counters only: memory never grows with the number of invocations.

use crate::cost::billing::LambdaUsage;
use crate::kernel::SimTime;
use crate::metrics::Latency;

/// Totals after the warm-up.
#[derive(Clone, Default)]
pub struct FunctionTotals {
    /// Invocations that ran (errors included, throttles not).
    pub invocations: u64,
    pub throttles: u64,
    pub cold_starts: u64,
    /// Function errors and timeouts.
    pub errors: u64,
    pub timeouts: u64,
    pub max_concurrency: u32,
    /// Handler time of each invocation (cut at the timeout).
    pub duration: Latency,
    /// Init time of each cold start.
    pub init: Latency,
    /// Billed time (rounded up per invocation, init of cold starts included), in ms.
    pub billed_ms: f64,
    /// Asynchronous events: queued, and how they ended.
    pub async_events: u64,
    pub async_succeeded: u64,
    pub async_failed: u64,
    pub async_expired: u64,
    /// Retries of asynchronous events (after throttles and after errors).
    pub async_retries: u64,
}

/// The current metric period.
#[derive(Clone, Default)]
pub struct PeriodFigures {
    pub invocations: u64,
    pub throttles: u64,
    pub cold_starts: u64,
    pub errors: u64,
    pub max_concurrency: u32,
    /// Busy provisioned environment time, in ns.
    pub provisioned_busy_ns: u128,
}

#[derive(Clone, Default)]
pub struct FunctionMeters {
    pub totals: FunctionTotals,
    pub period: PeriodFigures,
    /// This period's bill, and every closed period's.
    pub bill: LambdaUsage,
    pub bills: Vec<LambdaUsage>,
    /// When busy provisioned time was last accounted.
    pub provisioned_at: SimTime,
}

impl FunctionMeters {
    /// Accounts busy provisioned time up to `now` (call before the busy count changes).
    #[inline]
    pub fn account_provisioned(&mut self, now: SimTime, busy: u32) {
        let dt = now.saturating_sub(self.provisioned_at).as_nanos() as u128;
        self.period.provisioned_busy_ns += dt * busy as u128;
        self.provisioned_at = now;
    }

    /// Closes the period's figures; concurrency carries over as the next period's start.
    pub fn take_period(&mut self, concurrency: u32) -> PeriodFigures {
        let p = std::mem::take(&mut self.period);
        self.period.max_concurrency = concurrency;
        p
    }

    /// Closes the period's bill, `seconds` long, with `provisioned` environments configured.
    pub fn close_bill(&mut self, seconds: f64, provisioned: u32) {
        let mut b = std::mem::take(&mut self.bill);
        b.provisioned_environment_seconds = provisioned as f64 * seconds;
        self.bill.arm64 = b.arm64;
        self.bill.memory_gb = b.memory_gb;
        self.bills.push(b);
    }
}
