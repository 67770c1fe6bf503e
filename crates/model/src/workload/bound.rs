//! The thinning bound of a profile, cached across the windows where it cannot change.
//!
//! Thinning asks for `max_rate(t, t + 10 s)` at every candidate, and a window slides with
//! every candidate. A piecewise profile (a spike is one) is flat most of the time: base rate
//! before and after, the peak on the plateau. While a window lies inside one flat run, the
//! bound is that run's rate, the very value `RateProfile::max_rate` computes there, so the
//! cache changes no sample. Windows touching a ramp, and the other profiles, compute it as
//! before.

use super::profile::RateProfile;

/// A run of a piecewise profile where the rate is one value: `[from, until)`.
#[derive(Clone, Copy, Debug)]
struct Flat {
    from: f64,
    until: f64,
    /// The rate on the run; `None`: `[from, until)` is inside a ramp (no run to reuse).
    rate: Option<f64>,
}

impl Flat {
    const UNKNOWN: Flat = Flat {
        from: f64::INFINITY,
        until: f64::NEG_INFINITY,
        rate: None,
    };

    /// The run containing `t`: from the segment holding `t` on, while the points keep the
    /// rate at `t`.
    fn around(points: &[(f64, f64)], t: f64) -> Flat {
        let i = points.partition_point(|&(pt, _)| pt <= t);
        let rate = match i {
            0 => points[0].1,
            _ if i == points.len() => {
                return Flat {
                    from: t,
                    until: f64::INFINITY,
                    rate: Some(points[i - 1].1),
                };
            }
            _ if points[i - 1].1 == points[i].1 => points[i].1,
            // A ramp up to the next point.
            _ => {
                return Flat {
                    from: t,
                    until: points[i].0,
                    rate: None,
                };
            }
        };
        // Points `i..=m` carry `rate`; the run ends where the segment after `m` ramps.
        let mut m = i;
        while m + 1 < points.len() && points[m + 1].1 == rate {
            m += 1;
        }
        let until = if m + 1 == points.len() {
            f64::INFINITY
        } else {
            points[m].0
        };
        Flat {
            from: t,
            until,
            rate: Some(rate),
        }
    }
}

/// One cached run per part of the profile (one part unless it is a sum).
#[derive(Clone, Debug)]
pub struct ThinningBound {
    runs: Vec<Flat>,
}

impl ThinningBound {
    pub fn new(profile: &RateProfile) -> Self {
        let parts = match profile {
            RateProfile::Sum(parts) => parts.len(),
            _ => 1,
        };
        ThinningBound {
            runs: vec![Flat::UNKNOWN; parts],
        }
    }

    /// `profile.max_rate(t0, t1)`, bit for bit, reusing the flat run it last found.
    pub fn max_rate(&mut self, profile: &RateProfile, t0: f64, t1: f64) -> f64 {
        match profile {
            RateProfile::Sum(parts) => parts
                .iter()
                .zip(self.runs.iter_mut())
                .map(|(p, run)| part_max_rate(p, run, t0, t1))
                .sum(),
            _ => part_max_rate(profile, &mut self.runs[0], t0, t1),
        }
    }
}

fn part_max_rate(profile: &RateProfile, run: &mut Flat, t0: f64, t1: f64) -> f64 {
    let RateProfile::Piecewise(points) = profile else {
        return profile.max_rate(t0, t1);
    };
    if !(run.from <= t0 && t0 < run.until) {
        *run = Flat::around(points, t0);
    }
    match run.rate {
        Some(rate) if t1 < run.until => rate,
        _ => profile.max_rate(t0, t1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    /// Windows sliding over a profile in small random steps, as thinning moves them: the cached
    /// bound is `max_rate`'s, bit for bit.
    fn check(profile: RateProfile, end: f64) {
        let mut rng = stream(3, "test/bound");
        let mut bound = ThinningBound::new(&profile);
        let mut t = -1.0;
        let mut cached = 0;
        while t < end {
            let width = [10.0, 5.0, 0.01][rng.uniform_u64(0, 3) as usize];
            let t1 = t + width;
            let want = profile.max_rate(t, t1);
            let got = bound.max_rate(&profile, t, t1);
            assert_eq!(got.to_bits(), want.to_bits(), "[{t}, {t1}]");
            cached += 1;
            t += rng.open01() * 0.7;
        }
        assert!(cached > 100);
    }

    #[test]
    fn spikes_with_and_without_ramps_give_max_rates_bound() {
        check(
            RateProfile::spike(200.0, 20_000.0, 300.0, 600.0, 0.0),
            1500.0,
        );
        check(
            RateProfile::spike(100.0, 1000.0, 600.0, 300.0, 60.0),
            1500.0,
        );
        check(RateProfile::spike(0.0, 400.0, 0.0, 30.0, 5.0), 200.0);
    }

    #[test]
    fn piecewise_profiles_with_flat_runs_ramps_and_jumps() {
        let points = vec![
            (0.0, 50.0),
            (20.0, 50.0),
            (30.0, 50.0),
            (40.0, 80.0),
            (40.0, 10.0),
            (55.0, 10.0),
            (60.0, 0.0),
            (100.0, 0.0),
            (100.0, 300.0),
        ];
        check(RateProfile::Piecewise(points.into()), 200.0);
        check(RateProfile::Piecewise(vec![(5.0, 7.0)].into()), 50.0);
    }

    #[test]
    fn sums_cache_each_piecewise_part() {
        let diurnal = RateProfile::Diurnal {
            mean: 100.0,
            amplitude: 0.5,
            period_s: 600.0,
            peak_at_s: 0.0,
        };
        let spike = RateProfile::spike(0.0, 400.0, 300.0, 120.0, 30.0);
        check(RateProfile::Sum(vec![diurnal, spike].into()), 900.0);
    }
}
