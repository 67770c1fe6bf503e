//! Latency distributions: an HDR histogram (microsecond resolution, 3 significant digits)
//! plus an exact sum for the mean.

use hdrhistogram::Histogram;

/// Highest trackable latency: one day, in microseconds. Larger values saturate.
pub(super) const MAX_US: u64 = 86_400_000_000;

#[derive(Clone)]
pub struct Latency {
    hist: Histogram<u64>,
    sum_ns: u128,
    max_ns: u64,
}

impl Default for Latency {
    fn default() -> Self {
        Self::new()
    }
}

impl Latency {
    pub fn new() -> Self {
        Latency {
            hist: Histogram::new_with_bounds(1, MAX_US, 3).expect("valid histogram bounds"),
            sum_ns: 0,
            max_ns: 0,
        }
    }

    #[inline]
    pub fn record(&mut self, ns: u64) {
        self.hist.saturating_record((ns / 1_000).max(1));
        self.sum_ns += ns as u128;
        self.max_ns = self.max_ns.max(ns);
    }

    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// The exact mean, in milliseconds (0 when empty).
    pub fn mean_ms(&self) -> f64 {
        let n = self.count();
        if n == 0 {
            0.0
        } else {
            self.sum_ns as f64 / n as f64 / 1e6
        }
    }

    /// The `q`-quantile (0..=1) in milliseconds, to the histogram's precision (0 when empty).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count() == 0 {
            return 0.0;
        }
        self.hist.value_at_quantile(q) as f64 / 1e3
    }

    /// The exact maximum, in milliseconds.
    pub fn max_ms(&self) -> f64 {
        self.max_ns as f64 / 1e6
    }

    pub fn histogram(&self) -> &Histogram<u64> {
        &self.hist
    }

    pub fn merge(&mut self, other: &Latency) {
        self.hist.add(&other.hist).expect("histograms share bounds");
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Records `count` values equivalent to `value_us` (a counter's lowest value) into the
    /// histogram alone: the sum and maximum come with [`Latency::add_exact`].
    pub(super) fn record_counted(&mut self, value_us: u64, count: u64) {
        self.hist.saturating_record_n(value_us, count);
    }

    /// Adds the exact sum and maximum of values recorded with [`Latency::record_counted`].
    pub(super) fn add_exact(&mut self, sum_ns: u128, max_ns: u64) {
        self.sum_ns += sum_ns;
        self.max_ns = self.max_ns.max(max_ns);
    }

    pub fn reset(&mut self) {
        self.hist.reset();
        self.sum_ns = 0;
        self.max_ns = 0;
    }
}
