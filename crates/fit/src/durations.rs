//! A stream of durations (a target's processing times) summarised in constant memory: the
//! moments of their logarithms (the lognormal's maximum-likelihood fit: `mu` and `sigma` are
//! the mean and standard deviation of `ln t`) and an HDR histogram (microseconds, 3
//! significant digits) for quantiles and the Kolmogorov-Smirnov distance of the fit.

use hdrhistogram::Histogram;

/// The smallest and largest durations kept, in microseconds (1 µs to 1 hour; longer ones
/// are clamped: an ALB's idle timeout is at most 4,000 s).
const LOWEST_US: u64 = 1;
const HIGHEST_US: u64 = 3_600_000_000;

#[derive(Clone, Debug)]
pub struct Durations {
    n: u64,
    mean_ln: f64,
    m2_ln: f64,
    histogram: Histogram<u64>,
}

/// A lognormal fitted to durations, with how far it is from them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LognormalFit {
    /// The median, `exp(mu)`, in seconds.
    pub median_s: f64,
    pub sigma: f64,
    /// The largest distance between the data's distribution function and the fit's, read at
    /// the histogram's bucket edges (the Kolmogorov-Smirnov statistic D).
    pub ks_distance: f64,
    /// The distance at which the Kolmogorov-Smirnov test rejects at the 1% level for this
    /// many samples, 1.628 / sqrt(n) (the asymptotic critical value). With millions of log
    /// lines any real workload is rejected; D itself says how close the fit is.
    pub ks_critical_1pct: f64,
}

impl Default for Durations {
    fn default() -> Self {
        Durations {
            n: 0,
            mean_ln: 0.0,
            m2_ln: 0.0,
            histogram: Histogram::new_with_bounds(LOWEST_US, HIGHEST_US, 3).expect("valid bounds"),
        }
    }
}

impl Durations {
    /// Adds one duration in seconds; zero is counted as 1 µs, the log's resolution.
    pub fn record(&mut self, seconds: f64) {
        let us = (seconds * 1e6)
            .round()
            .clamp(LOWEST_US as f64, HIGHEST_US as f64);
        self.n += 1;
        let x = (us * 1e-6).ln();
        let d = x - self.mean_ln;
        self.mean_ln += d / self.n as f64;
        self.m2_ln += d * (x - self.mean_ln);
        self.histogram.saturating_record(us as u64);
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    /// Adds another summary (Chan et al.'s pairwise update of the moments).
    pub fn merge(&mut self, o: &Durations) {
        if o.n == 0 {
            return;
        }
        let n = self.n + o.n;
        let d = o.mean_ln - self.mean_ln;
        self.m2_ln += o.m2_ln + d * d * (self.n as f64) * (o.n as f64) / n as f64;
        self.mean_ln += d * o.n as f64 / n as f64;
        self.n = n;
        self.histogram.add(&o.histogram).expect("same bounds");
    }

    /// The mean in seconds (from the histogram, within its 0.1% resolution).
    pub fn mean_s(&self) -> f64 {
        self.histogram.mean() * 1e-6
    }

    /// The `q` quantile in seconds.
    pub fn quantile_s(&self, q: f64) -> f64 {
        self.histogram.value_at_quantile(q) as f64 * 1e-6
    }

    /// The maximum-likelihood lognormal, or `None` with fewer than two durations.
    pub fn lognormal(&self) -> Option<LognormalFit> {
        if self.n < 2 {
            return None;
        }
        let (mu, sigma) = (self.mean_ln, (self.m2_ln / (self.n - 1) as f64).sqrt());
        let mut below = 0u64;
        let mut d: f64 = 0.0;
        for v in self.histogram.iter_recorded() {
            let lo = self.histogram.lowest_equivalent(v.value_iterated_to());
            let hi = self.histogram.highest_equivalent(v.value_iterated_to()) + 1;
            // Before the bucket and after it: the data's steps against the fit's curve.
            let f_lo = lognormal_cdf(lo as f64 * 1e-6, mu, sigma);
            d = d.max((below as f64 / self.n as f64 - f_lo).abs());
            below += v.count_at_value();
            let f_hi = lognormal_cdf(hi as f64 * 1e-6, mu, sigma);
            d = d.max((below as f64 / self.n as f64 - f_hi).abs());
        }
        Some(LognormalFit {
            median_s: mu.exp(),
            sigma,
            ks_distance: d,
            ks_critical_1pct: 1.628 / (self.n as f64).sqrt(),
        })
    }

    /// `k` evenly spaced quantiles (the midpoints of `k` equal slices), in seconds: a sample
    /// file for an `empirical` distribution that follows the data.
    pub fn quantiles_s(&self, k: usize) -> Vec<f64> {
        (0..k)
            .map(|i| self.quantile_s((i as f64 + 0.5) / k as f64))
            .collect()
    }
}

/// The lognormal distribution function.
pub fn lognormal_cdf(x: f64, mu: f64, sigma: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if sigma <= 0.0 {
        return if x.ln() >= mu { 1.0 } else { 0.0 };
    }
    stratus_kernel::dist::normal_cdf((x.ln() - mu) / sigma)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_summaries_equal_one_summary() {
        let xs: Vec<f64> = (1..=1000).map(|i| 0.001 * i as f64).collect();
        let (mut all, mut a, mut b) = (
            Durations::default(),
            Durations::default(),
            Durations::default(),
        );
        for (i, &x) in xs.iter().enumerate() {
            all.record(x);
            if i % 3 == 0 { a.record(x) } else { b.record(x) }
        }
        a.merge(&b);
        let (fa, fb) = (all.lognormal().unwrap(), a.lognormal().unwrap());
        assert!((fa.median_s - fb.median_s).abs() < 1e-12 && (fa.sigma - fb.sigma).abs() < 1e-12);
        assert_eq!(a.count(), 1000);
    }
}
