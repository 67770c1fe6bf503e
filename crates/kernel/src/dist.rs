//! Probability distributions of durations (service work, boot times, cold starts, expiry).
//!
//! A [`Dist`] is resolved once from the scenario and then sampled on the hot path without
//! allocating. Samples are [`SimTime`] spans; every distribution is non-negative.

use crate::kernel::{Rng, RngExt, SimTime};
use rand_distr::{Distribution, Gamma, StandardNormal};
use std::sync::Arc;

/// The standard normal quantile at 0.99, used to fit a lognormal from its mean and p99.
pub const Z99: f64 = 2.326_347_874_040_841;

#[derive(Clone, Debug)]
pub enum Dist {
    Constant(SimTime),
    /// Mean in nanoseconds.
    Exponential {
        mean_ns: f64,
    },
    Uniform {
        min_ns: f64,
        span_ns: f64,
    },
    /// Parameters of the underlying normal, for a value in nanoseconds.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// A gamma (Erlang for integer shape), in nanoseconds.
    Gamma {
        gamma: Gamma<f64>,
        shape: f64,
        mean_ns: f64,
    },
    /// Normal truncated at zero (resampled when negative).
    Normal {
        mean_ns: f64,
        sd_ns: f64,
    },
    /// Resampling of observed values.
    Empirical(Arc<[SimTime]>),
}

impl Dist {
    /// A lognormal with the given mean and 99th percentile (both in seconds), or why not.
    pub fn lognormal_mean_p99(mean_s: f64, p99_s: f64) -> Result<Dist, String> {
        if !(mean_s > 0.0 && p99_s > mean_s) {
            return Err("a lognormal needs 0 < mean < p99".into());
        }
        let d = (p99_s / mean_s).ln();
        let disc = Z99 * Z99 - 2.0 * d;
        if disc < 0.0 {
            return Err(format!(
                "no lognormal has p99/mean = {:.1} (at most {:.1}); give median and sigma instead",
                p99_s / mean_s,
                (Z99 * Z99 / 2.0).exp()
            ));
        }
        let sigma = Z99 - disc.sqrt();
        let mu = (mean_s * 1e9).ln() - sigma * sigma / 2.0;
        Ok(Dist::LogNormal { mu, sigma })
    }

    pub fn lognormal_median_sigma(median_s: f64, sigma: f64) -> Result<Dist, String> {
        if !(median_s > 0.0 && sigma >= 0.0 && sigma.is_finite()) {
            return Err("a lognormal needs median > 0 and sigma >= 0".into());
        }
        Ok(Dist::LogNormal {
            mu: (median_s * 1e9).ln(),
            sigma,
        })
    }

    pub fn gamma(shape: f64, mean_s: f64) -> Result<Dist, String> {
        if !(shape > 0.0 && shape.is_finite() && mean_s > 0.0) {
            return Err("a gamma distribution needs shape > 0 and mean > 0".into());
        }
        let scale = mean_s * 1e9 / shape;
        Gamma::new(shape, scale)
            .map(|gamma| Dist::Gamma {
                gamma,
                shape,
                mean_ns: shape * scale,
            })
            .map_err(|e| e.to_string())
    }

    /// Draws one sample.
    #[inline]
    pub fn sample(&self, rng: &mut Rng) -> SimTime {
        let ns = match self {
            Dist::Constant(t) => return *t,
            Dist::Exponential { mean_ns } => -mean_ns * rng.open01().ln(),
            Dist::Uniform { min_ns, span_ns } => min_ns + span_ns * rng.open01(),
            Dist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
            Dist::Gamma { gamma, .. } => gamma.sample(rng),
            Dist::Normal { mean_ns, sd_ns } => {
                // Truncation at zero by rejection; give up after many tries (mean far below 0).
                let mut v = 0.0;
                for _ in 0..64 {
                    let z: f64 = StandardNormal.sample(rng);
                    v = mean_ns + sd_ns * z;
                    if v >= 0.0 {
                        break;
                    }
                }
                v.max(0.0)
            }
            Dist::Empirical(values) => {
                let i = rng.uniform_u64(0, values.len() as u64) as usize;
                return values[i];
            }
        };
        SimTime::round_nanos(ns)
    }

    /// The mean in seconds (of the untruncated distribution for `Normal`).
    pub fn mean_s(&self) -> f64 {
        let ns = match self {
            Dist::Constant(t) => t.as_nanos() as f64,
            Dist::Exponential { mean_ns } => *mean_ns,
            Dist::Uniform { min_ns, span_ns } => min_ns + span_ns / 2.0,
            Dist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Dist::Gamma { mean_ns, .. } => *mean_ns,
            Dist::Normal { mean_ns, .. } => *mean_ns,
            Dist::Empirical(v) => {
                v.iter().map(|t| t.as_nanos() as f64).sum::<f64>() / v.len() as f64
            }
        };
        ns / 1e9
    }

    /// A short human description, used by `explain` and reports.
    pub fn describe(&self) -> String {
        match self {
            Dist::Constant(t) => format!("constant {t}"),
            Dist::Exponential { mean_ns } => format!("exponential, mean {}", ns(*mean_ns)),
            Dist::Uniform { min_ns, span_ns } => {
                format!("uniform {}..{}", ns(*min_ns), ns(min_ns + span_ns))
            }
            Dist::LogNormal { mu, sigma } => format!(
                "lognormal, median {}, sigma {sigma:.3}, mean {}",
                ns(mu.exp()),
                ns((mu + sigma * sigma / 2.0).exp())
            ),
            Dist::Gamma { shape, mean_ns, .. } => {
                format!("gamma, shape {shape}, mean {}", ns(*mean_ns))
            }
            Dist::Normal { mean_ns, sd_ns } => {
                format!(
                    "normal truncated at 0, mean {}, sd {}",
                    ns(*mean_ns),
                    ns(*sd_ns)
                )
            }
            Dist::Empirical(v) => format!("empirical, {} samples", v.len()),
        }
    }
}

fn ns(v: f64) -> SimTime {
    SimTime::round_nanos(v)
}

/// The standard normal distribution function, from the complementary error function of
/// Numerical Recipes (`erfcc`, W. J. Cody's rational Chebyshev fit: |error| < 1.2e-7
/// everywhere). Used where a figure is compared with a normal or lognormal law (the floor
/// of an experiment's latency, a fitted lognormal's distance to its data).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_normal_distribution_function_matches_its_tables() {
        // Abramowitz and Stegun, table 26.1 (and erfc's table 7.1 through it).
        for (z, p) in [
            (0.0, 0.5),
            (1.0, 0.841_344_746),
            (1.959_963_985, 0.975),
            (-2.0, 0.022_750_132),
        ] {
            assert!((normal_cdf(z) - p).abs() < 2e-7, "{z}");
        }
    }

    use super::*;
    use crate::kernel::stream;

    fn sample_mean(d: &Dist, n: usize) -> f64 {
        let mut rng = stream(11, "test/dist");
        (0..n)
            .map(|_| d.sample(&mut rng).as_secs_f64())
            .sum::<f64>()
            / n as f64
    }

    #[test]
    fn lognormal_fit_reproduces_mean_and_p99() {
        let d = Dist::lognormal_mean_p99(0.040, 0.200).unwrap();
        let Dist::LogNormal { mu, sigma } = d else {
            unreachable!()
        };
        let mean = (mu + sigma * sigma / 2.0).exp() / 1e9;
        let p99 = (mu + Z99 * sigma).exp() / 1e9;
        assert!((mean - 0.040).abs() < 1e-12);
        assert!((p99 - 0.200).abs() < 1e-12);
        assert!(Dist::lognormal_mean_p99(0.1, 0.05).is_err());
        assert!(Dist::lognormal_mean_p99(0.001, 1.0).is_err());
    }

    #[test]
    fn sample_means_match_within_five_standard_errors() {
        let n = 200_000;
        // (distribution, mean s, standard deviation s)
        let cases = [
            (Dist::Exponential { mean_ns: 80e6 }, 0.080, 0.080),
            (
                Dist::Uniform {
                    min_ns: 60e9,
                    span_ns: 60e9,
                },
                90.0,
                60.0 / 12f64.sqrt(),
            ),
            (Dist::gamma(4.0, 0.1).unwrap(), 0.1, 0.05),
            (
                Dist::lognormal_median_sigma(0.1, 0.5).unwrap(),
                0.1 * (0.125f64).exp(),
                0.1 * ((0.25f64).exp() * ((0.25f64).exp() - 1.0)).sqrt(),
            ),
        ];
        for (d, mean, sd) in cases {
            let m = sample_mean(&d, n);
            let tol = 5.0 * sd / (n as f64).sqrt();
            assert!(
                (m - mean).abs() < tol,
                "{}: sample mean {m}, expected {mean} ± {tol}",
                d.describe()
            );
            assert!((d.mean_s() - mean).abs() < 1e-9 * mean.max(1.0));
        }
    }

    #[test]
    fn truncated_normal_never_goes_negative() {
        // Clamping instead of resampling would put about 42% of the mass exactly at zero.
        let d = Dist::Normal {
            mean_ns: 1e6,
            sd_ns: 5e6,
        };
        let mut rng = stream(1, "t");
        let zeros = (0..10_000)
            .filter(|_| d.sample(&mut rng) == SimTime::ZERO)
            .count();
        assert!(zeros < 10, "{zeros} samples at exactly zero");
    }
}
