//! The floor of a latency objective: the best figure a scenario could reach with unlimited
//! capacity, when every request runs alone on its own core and its latency is its work.
//!
//! The work of all requests is a mixture: each load-balanced workload's classes, weighted by
//! the class weight and the workload's expected arrivals after the warm-up. A quantile of the
//! mixture is found by bisection on its distribution function, which is exact for every
//! distribution the scenario format has (the incomplete gamma and the normal distribution
//! function are computed to about 1e-7).

use crate::dist::{Dist, normal_cdf};
use crate::scenario::Scenario;
use crate::workload::Target;

/// The mixture of work distributions of a scenario's load-balanced requests.
pub struct WorkMixture {
    /// `(weight, distribution)`, weights summing to 1.
    parts: Vec<(f64, Dist)>,
}

impl WorkMixture {
    /// The work of the requests that go through a load balancer, or `None` when there are
    /// none (queue and Lambda workloads have latencies of their own).
    pub fn of(scenario: &Scenario) -> Option<WorkMixture> {
        let (t0, t1) = (
            scenario.warmup.as_secs_f64(),
            scenario.duration.as_secs_f64(),
        );
        let mut parts = Vec::new();
        for w in &scenario.workloads {
            if !matches!(w.target, Target::Alb(_)) {
                continue;
            }
            let arrivals = w.rate.expected_arrivals(t0, t1).max(0.0);
            let total: f64 = w.classes.iter().map(|c| c.weight).sum();
            for c in &w.classes {
                if total > 0.0 {
                    parts.push((arrivals * c.weight / total, c.work.clone()));
                }
            }
        }
        WorkMixture::new(parts)
    }

    /// A mixture of the given weighted parts (weights are normalized).
    pub fn new(parts: Vec<(f64, Dist)>) -> Option<WorkMixture> {
        let sum: f64 = parts.iter().map(|(w, _)| w).sum();
        if sum.is_nan() || sum <= 0.0 {
            return None;
        }
        Some(WorkMixture {
            parts: parts.into_iter().map(|(w, d)| (w / sum, d)).collect(),
        })
    }

    /// P(work <= x seconds).
    pub fn cdf(&self, x: f64) -> f64 {
        self.parts.iter().map(|(w, d)| w * cdf(d, x)).sum()
    }

    /// The `q`-quantile in seconds (the smallest x with cdf(x) >= q, to 1e-9 relative).
    pub fn quantile(&self, q: f64) -> f64 {
        let mut hi = 1e-3;
        while self.cdf(hi) < q && hi < 1e9 {
            hi *= 2.0;
        }
        let mut lo = 0.0;
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.cdf(mid) >= q {
                hi = mid;
            } else {
                lo = mid;
            }
            if hi - lo <= 1e-12 * hi {
                break;
            }
        }
        hi
    }

    /// The mean in seconds.
    pub fn mean(&self) -> f64 {
        self.parts.iter().map(|(w, d)| w * d.mean_s()).sum()
    }
}

/// P(X <= x seconds) of one distribution.
pub fn cdf(d: &Dist, x: f64) -> f64 {
    if x < 0.0 {
        return 0.0;
    }
    let ns = x * 1e9;
    match d {
        Dist::Constant(t) => f64::from(u8::from(t.as_nanos() as f64 <= ns)),
        Dist::Exponential { mean_ns } => 1.0 - (-ns / mean_ns).exp(),
        Dist::Uniform { min_ns, span_ns } => {
            if *span_ns <= 0.0 {
                f64::from(u8::from(*min_ns <= ns))
            } else {
                ((ns - min_ns) / span_ns).clamp(0.0, 1.0)
            }
        }
        Dist::LogNormal { mu, sigma } => {
            if ns <= 0.0 {
                0.0
            } else if *sigma == 0.0 {
                f64::from(u8::from(mu.exp() <= ns))
            } else {
                normal_cdf((ns.ln() - mu) / sigma)
            }
        }
        Dist::Gamma { shape, mean_ns, .. } => gamma_p(*shape, ns / (mean_ns / shape)),
        Dist::Normal { mean_ns, sd_ns } => {
            if *sd_ns <= 0.0 {
                return f64::from(u8::from(*mean_ns <= ns));
            }
            let below_zero = normal_cdf(-mean_ns / sd_ns);
            ((normal_cdf((ns - mean_ns) / sd_ns) - below_zero) / (1.0 - below_zero)).max(0.0)
        }
        Dist::Empirical(values) => {
            values.iter().filter(|v| v.as_nanos() as f64 <= ns).count() as f64 / values.len() as f64
        }
    }
}

/// ln Γ(x) (Lanczos, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// The regularized lower incomplete gamma function P(a, x): a series below a + 1, a
/// continued fraction above (Numerical Recipes' gammp).
fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let log_prefix = -x + a * x.ln() - ln_gamma(a);
    if x < a + 1.0 {
        let (mut sum, mut term, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-15 {
                break;
            }
        }
        (sum.ln() + log_prefix).exp().min(1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-15 {
                break;
            }
        }
        (1.0 - (log_prefix.exp() * h)).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_p99_is_mean_times_ln_100() {
        let m = WorkMixture::new(vec![(1.0, Dist::Exponential { mean_ns: 40e6 })]).unwrap();
        assert!((m.quantile(0.99) - 0.040 * 100f64.ln()).abs() < 1e-9);
    }

    #[test]
    fn lognormal_fit_has_its_p99() {
        let d = Dist::lognormal_mean_p99(0.040, 0.200).unwrap();
        let m = WorkMixture::new(vec![(1.0, d)]).unwrap();
        assert!((m.quantile(0.99) - 0.200).abs() < 1e-5);
    }

    #[test]
    fn erlang_cdf_is_the_poisson_tail() {
        // Erlang(k=3, rate 1): P(X <= x) = 1 - e^-x (1 + x + x²/2).
        let d = Dist::gamma(3.0, 3.0).unwrap();
        for x in [0.5f64, 2.0, 3.0, 7.0] {
            let exact = 1.0 - (-x).exp() * (1.0 + x + x * x / 2.0);
            assert!((cdf(&d, x) - exact).abs() < 1e-9, "{x}");
        }
    }

    #[test]
    fn mixture_quantile_weighs_its_parts() {
        // Half constant 10 ms, half constant 100 ms: the p75 is 100 ms, the p40 10 ms.
        let c = |ms: u64| Dist::Constant(crate::kernel::SimTime::from_nanos(ms * 1_000_000));
        let m = WorkMixture::new(vec![(1.0, c(10)), (1.0, c(100))]).unwrap();
        assert!((m.quantile(0.75) - 0.100).abs() < 1e-9);
        assert!((m.quantile(0.40) - 0.010).abs() < 1e-9);
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 2e-7);
    }
}
