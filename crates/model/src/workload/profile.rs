//! Rate profiles: how a workload's request rate (per second) varies over simulated time.

use crate::kernel::SimTime;
use std::f64::consts::TAU;
use std::sync::Arc;

/// The highest request rate a workload may reach, per second. Higher rates are refused at
/// validation: a million requests per second already makes a minute of simulated time about
/// 6e7 arrivals (about ten seconds of CPU per minute simulated).
pub const MAX_RATE: f64 = 1e6;

#[derive(Clone, Debug)]
pub enum RateProfile {
    Constant(f64),
    /// `(time s, rate)` points, linear in between, flat before the first and after the last.
    Piecewise(Arc<[(f64, f64)]>),
    /// `mean * (1 + amplitude * cos(2π (t - peak_at) / period))`.
    Diurnal {
        mean: f64,
        amplitude: f64,
        period_s: f64,
        peak_at_s: f64,
    },
    /// A replayed trace: exactly `counts[k]` arrivals during second `k`.
    Counts(Arc<[u32]>),
    /// A replayed trace: one arrival at each time (seconds from the start, sorted).
    Timestamps(Arc<[SimTime]>),
    /// The sum of analytic profiles (a diurnal curve plus a flash crowd): one Poisson process
    /// of the summed rate, thinned against the sum of the parts' bounds.
    Sum(Arc<[RateProfile]>),
}

impl RateProfile {
    /// A spike is a piecewise profile: base, a linear ramp to peak, a plateau, a ramp back.
    pub fn spike(base: f64, peak: f64, at_s: f64, hold_s: f64, ramp_s: f64) -> RateProfile {
        let mut points = vec![(0.0, base)];
        if at_s > 0.0 {
            points.push((at_s, base));
        }
        points.push((at_s + ramp_s, peak));
        points.push((at_s + ramp_s + hold_s, peak));
        points.push((at_s + 2.0 * ramp_s + hold_s, base));
        RateProfile::Piecewise(points.into())
    }

    /// The rate at time `t` seconds (for traces: the count of the second containing `t`).
    pub fn rate_at(&self, t: f64) -> f64 {
        match self {
            RateProfile::Constant(r) => *r,
            RateProfile::Piecewise(points) => piecewise_at(points, t),
            RateProfile::Diurnal {
                mean,
                amplitude,
                period_s,
                peak_at_s,
            } => mean * (1.0 + amplitude * (TAU * (t - peak_at_s) / period_s).cos()),
            RateProfile::Counts(counts) => {
                let k = t.floor();
                if k < 0.0 {
                    0.0
                } else {
                    counts.get(k as usize).copied().unwrap_or(0) as f64
                }
            }
            RateProfile::Timestamps(_) => 0.0,
            RateProfile::Sum(parts) => parts.iter().map(|p| p.rate_at(t)).sum(),
        }
    }

    /// The highest rate the profile ever reaches (per second).
    pub fn peak_rate(&self) -> f64 {
        match self {
            RateProfile::Constant(r) => *r,
            RateProfile::Piecewise(points) => points.iter().map(|p| p.1).fold(0.0, f64::max),
            RateProfile::Diurnal {
                mean, amplitude, ..
            } => mean * (1.0 + amplitude.abs()),
            RateProfile::Counts(counts) => counts.iter().copied().max().unwrap_or(0) as f64,
            RateProfile::Timestamps(_) => 0.0,
            // An upper bound: the parts may peak at different times.
            RateProfile::Sum(parts) => parts.iter().map(RateProfile::peak_rate).sum(),
        }
    }

    /// An upper bound of the rate over `[t0, t1]`, exact for every analytic profile.
    pub fn max_rate(&self, t0: f64, t1: f64) -> f64 {
        match self {
            RateProfile::Constant(r) => *r,
            RateProfile::Piecewise(points) => {
                let mut m = piecewise_at(points, t0).max(piecewise_at(points, t1));
                for &(t, r) in points.iter() {
                    if t > t0 && t < t1 {
                        m = m.max(r);
                    }
                }
                m
            }
            RateProfile::Diurnal { .. } => self.diurnal_max_rate(t0, t1, |t| self.rate_at(t)),
            RateProfile::Counts(_) | RateProfile::Timestamps(_) => f64::INFINITY,
            // The sum of the parts' maxima bounds the maximum of the sum (the parts may peak
            // at different times, so it need not be reached; thinning only needs a bound).
            RateProfile::Sum(parts) => parts.iter().map(|p| p.max_rate(t0, t1)).sum(),
        }
    }

    /// `max_rate` of a diurnal profile, with the rate at a time from `rate_at` (the profile's
    /// own, or a cached copy of it: the thinning bound's).
    pub(crate) fn diurnal_max_rate(
        &self,
        t0: f64,
        t1: f64,
        mut rate_at: impl FnMut(f64) -> f64,
    ) -> f64 {
        let RateProfile::Diurnal {
            mean,
            amplitude,
            period_s,
            peak_at_s,
        } = *self
        else {
            unreachable!("diurnal_max_rate of a profile that is not diurnal")
        };
        let peak = mean * (1.0 + amplitude.abs());
        // Is a peak (t ≡ peak_at mod period, or the trough when amplitude < 0) inside?
        let offset = if amplitude >= 0.0 {
            0.0
        } else {
            period_s / 2.0
        };
        let k = ((t0 - peak_at_s - offset) / period_s).ceil();
        let next_peak = peak_at_s + offset + k * period_s;
        if next_peak <= t1 {
            peak
        } else {
            rate_at(t0).max(rate_at(t1))
        }
    }

    /// The expected number of arrivals in `[t0, t1]` (numerical for the analytic profiles).
    pub fn expected_arrivals(&self, t0: f64, t1: f64) -> f64 {
        match self {
            RateProfile::Constant(r) => r * (t1 - t0),
            RateProfile::Timestamps(ts) => ts
                .iter()
                .filter(|t| t.as_secs_f64() >= t0 && t.as_secs_f64() < t1)
                .count() as f64,
            _ => {
                let steps = (((t1 - t0) * 10.0).ceil() as usize).clamp(16, 1_000_000);
                let h = (t1 - t0) / steps as f64;
                (0..steps)
                    .map(|i| self.rate_at(t0 + (i as f64 + 0.5) * h) * h)
                    .sum()
            }
        }
    }
}

fn piecewise_at(points: &[(f64, f64)], t: f64) -> f64 {
    let i = points.partition_point(|&(pt, _)| pt <= t);
    if i == 0 {
        return points[0].1;
    }
    if i == points.len() {
        return points[i - 1].1;
    }
    let (t0, r0) = points[i - 1];
    let (t1, r1) = points[i];
    if t1 <= t0 {
        return r1;
    }
    r0 + (r1 - r0) * (t - t0) / (t1 - t0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn piecewise_interpolates_linearly_and_is_flat_outside() {
        let p = RateProfile::Piecewise(vec![(0.0, 100.0), (60.0, 300.0), (120.0, 100.0)].into());
        assert_eq!(p.rate_at(-5.0), 100.0);
        assert_eq!(p.rate_at(30.0), 200.0);
        assert_eq!(p.rate_at(60.0), 300.0);
        assert_eq!(p.rate_at(500.0), 100.0);
        assert_eq!(p.max_rate(10.0, 20.0), p.rate_at(20.0));
        assert_eq!(p.max_rate(50.0, 70.0), 300.0);
    }

    #[test]
    fn diurnal_bound_covers_the_peak() {
        let p = RateProfile::Diurnal {
            mean: 100.0,
            amplitude: 0.5,
            period_s: 86400.0,
            peak_at_s: 50400.0,
        };
        assert!((p.rate_at(50400.0) - 150.0).abs() < 1e-9);
        assert!((p.max_rate(50000.0, 50500.0) - 150.0).abs() < 1e-9);
        let b = p.max_rate(0.0, 60.0);
        for i in 0..=60 {
            assert!(p.rate_at(i as f64) <= b + 1e-9);
        }
    }

    #[test]
    fn a_sum_adds_rates_and_bounds() {
        let diurnal = RateProfile::Diurnal {
            mean: 100.0,
            amplitude: 0.5,
            period_s: 3600.0,
            peak_at_s: 0.0,
        };
        let spike = RateProfile::spike(0.0, 400.0, 1800.0, 300.0, 60.0);
        let sum = RateProfile::Sum(vec![diurnal.clone(), spike.clone()].into());
        for t in [0.0, 900.0, 1900.0, 2000.0, 3000.0] {
            assert_eq!(sum.rate_at(t), diurnal.rate_at(t) + spike.rate_at(t));
        }
        // The bound is never below the rate anywhere in the window.
        for (t0, t1) in [
            (0.0, 60.0),
            (1790.0, 1900.0),
            (1850.0, 2300.0),
            (3500.0, 3700.0),
        ] {
            let b = sum.max_rate(t0, t1);
            for i in 0..=100 {
                let t = t0 + (t1 - t0) * i as f64 / 100.0;
                assert!(sum.rate_at(t) <= b + 1e-9, "{t}: {} > {b}", sum.rate_at(t));
            }
        }
    }

    #[test]
    fn spike_ramps_up_holds_and_returns() {
        let p = RateProfile::spike(100.0, 1000.0, 600.0, 300.0, 60.0);
        assert_eq!(p.rate_at(0.0), 100.0);
        assert_eq!(p.rate_at(630.0), 550.0);
        assert_eq!(p.rate_at(800.0), 1000.0);
        assert_eq!(p.rate_at(2000.0), 100.0);
    }
}
