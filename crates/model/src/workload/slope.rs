//! Where a diurnal profile's computed rate is provably monotone, and a proven lower bound of it
//! near a time where it is known: thinning's shortcuts that change no sample.
//!
//! A diurnal window's bound is the larger of the computed rates at its two ends (unless a peak
//! is inside), and a candidate is accepted when its uniform times the bound is at most the
//! computed rate there: two cosines per candidate. Both can often be spared, with the very
//! same answers:
//! - On a stretch where the rate rises (or falls) throughout the window, by more than the
//!   rounding of the computed rates at its ends can hide, the larger computed rate is the one
//!   at the end (or the start): [`DiurnalSlope::stretch`]. The other end is not computed.
//! - The rate moves at most `mean * |amplitude| * 2π / period` per second (its Lipschitz
//!   constant), so near a time `x` whose computed rate is known, the computed rate at `t` is at
//!   least the known one, less that slope times `|t - x|`, less both roundings:
//!   [`DiurnalSlope::lower_bound`]. A candidate whose threshold is below it is accepted as the
//!   exact test would accept it; the others are tested exactly.
//!
//! On a rising stretch the window's start is then never needed (its bound is the end's rate,
//! which anchors the acceptance); on a falling stretch the window's end is never needed (the
//! bound is the start's rate, which the previous candidate's acceptance computed). Either way a
//! candidate costs one cosine instead of two. Near an extremum (a thousandth of the period on
//! either side) and in windows too short for the proof, everything is computed as before.
//!
//! The rounding bound. The rate is computed (`RateProfile::rate_at`) as
//! `mean * (1 + amplitude * cos(TAU * (t - peak_at) / period))`, in that order of operations.
//! With `u = 2^-53` and `θ` the phase `TAU * (t - peak_at) / period`: the three operations of
//! the phase put it within `3.01 u |θ|` of the exact one; the cosine is within one ulp (glibc's
//! documented bound for `cos` on x86-64, at most `2u` here) and moves by at most the phase's
//! error; the product, sum and final product add `u` each relative to values at most `|a|`,
//! `1 + |a|` and `mean (1 + |a|)`. So the computed rate is within
//! `mean (1 + |a|) u (3.01 |θ| + 5)` of the exact curve, which [`DiurnalSlope::error`] bounds
//! by four times as much: `16 u mean (1 + |a|) (|θ| + 2)`. The exact curve (of the float
//! constants: `TAU` is 2π within 2.5e-16 relative, which moves its extrema by less than 1e-15
//! of a period per period) falls at least `mean |a| (2π / period) sin(2π / 1000)` per second
//! at a thousandth of a period or more from an extremum. Thinning's windows are 10 s wide; on
//! `diurnal-5k` (mean 3,000, amplitude 0.6667, period 24 h) the rates at a window's two ends
//! then differ by at least 8.7e-6 per second of window against errors of at most 1e-9.

use super::profile::RateProfile;
use std::f64::consts::TAU;

/// `u`, the unit roundoff of `f64`.
const UNIT: f64 = f64::EPSILON / 2.0;

/// A lower bound of `sin(2π / 1000)` (0.0062831...): the least slope, relative to the
/// steepest, at a thousandth of a period or more from an extremum.
const LEAST_SIN: f64 = 0.0062;

/// How a window lies on a diurnal curve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stretch {
    /// The computed rate at the window's end is at least the one at its start.
    Rising,
    /// The computed rate at the window's start is at least the one at its end.
    Falling,
    /// Near an extremum, or a window too short to tell: compute both ends.
    Unknown,
}

/// A diurnal profile's constants for [`DiurnalSlope::stretch`] and
/// [`DiurnalSlope::lower_bound`].
#[derive(Clone, Copy, Debug)]
pub struct DiurnalSlope {
    /// A time where the rate peaks: `peak_at`, or half a period on with a negative amplitude.
    peak: f64,
    /// The profile's `peak_at` (the phase's origin in `rate_at`).
    peak_at: f64,
    period: f64,
    inverse_period: f64,
    /// How far from an extremum a window must stay: a thousandth of the period.
    margin: f64,
    /// `TAU / period`: the phase per second.
    omega: f64,
    /// The rate's steepest slope (per second), rounded up.
    lipschitz: f64,
    /// The rate's least slope (per second) at `margin` or more from an extremum, rounded down.
    least_slope: f64,
    /// [`DiurnalSlope::error`] per unit of `|θ| + 2`.
    error_per_phase: f64,
    /// Twice the error per second of distance from `peak_at`, and twice the error at it: the
    /// two ends' errors in [`DiurnalSlope::stretch`] are at most `twice_per_s * d + twice_at`.
    twice_per_s: f64,
    twice_at: f64,
}

impl DiurnalSlope {
    /// The constants of a diurnal profile whose rate moves (`None` for every other profile, and
    /// for a flat or degenerate curve: the thinning then computes every rate).
    pub fn of(profile: &RateProfile) -> Option<DiurnalSlope> {
        let RateProfile::Diurnal {
            mean,
            amplitude,
            period_s,
            peak_at_s,
        } = *profile
        else {
            return None;
        };
        let a = amplitude.abs();
        let usable = mean > 0.0
            && mean.is_finite()
            && a > 0.0
            && a.is_finite()
            && period_s > 0.0
            && period_s.is_finite()
            && peak_at_s.is_finite();
        if !usable {
            return None;
        }
        let omega = TAU / period_s;
        let error_per_phase = 16.0 * UNIT * mean * (1.0 + a);
        Some(DiurnalSlope {
            peak: peak_at_s
                + if amplitude >= 0.0 {
                    0.0
                } else {
                    period_s / 2.0
                },
            peak_at: peak_at_s,
            period: period_s,
            inverse_period: 1.0 / period_s,
            margin: period_s / 1000.0,
            omega,
            lipschitz: mean * a * omega * (1.0 + 1e-6),
            least_slope: mean * a * omega * LEAST_SIN * (1.0 - 1e-6),
            error_per_phase,
            twice_per_s: 2.0 * error_per_phase * omega * (1.0 + 1e-9),
            twice_at: 4.0 * error_per_phase * (1.0 + 1e-9),
        })
    }

    /// A bound of the computed rate's distance to the exact curve at any time whose phase is at
    /// most `distance` (seconds from `peak_at`) times `omega`.
    #[inline]
    fn error(&self, distance: f64) -> f64 {
        self.error_per_phase * (distance * self.omega + 2.0)
    }

    /// How `[t0, t1]` lies on the curve: rising or falling throughout, at a thousandth of a
    /// period or more from an extremum, and by more than both ends' rounding; else unknown.
    #[inline]
    pub fn stretch(&self, t0: f64, t1: f64) -> Stretch {
        let width = t1 - t0;
        // Both ends are within `|t0 - peak_at| + width` of `peak_at`.
        let distance = (t0 - self.peak_at).abs() + width;
        // The exact rates differ by at least `least_slope * width`; the computed ones keep
        // that order when it exceeds both errors (a NaN proves nothing).
        let proven = width * self.least_slope > self.twice_per_s * distance + self.twice_at;
        if !proven {
            return Stretch::Unknown;
        }
        // The phase of `t0` past the last peak, in [0, period) up to roundings of about
        // `u |t0 - peak|`. Passing the test above needs `width <= period / 2` (or the stretch
        // tests below fail) and so a distance below about 4e11 periods, where those roundings
        // are below a tenth of `margin`; the truncation (`as i64`, exact below 2^53, one
        // instruction where `floor` is a library call) may be one off next to a peak, which
        // puts `s` next to 0 or `period`, outside both stretches.
        let x = t0 - self.peak;
        let mut s = x - (x * self.inverse_period) as i64 as f64 * self.period;
        if s < 0.0 {
            s += self.period;
        }
        let half = self.period / 2.0;
        if s >= self.margin && s + width <= half - self.margin {
            Stretch::Falling
        } else if s >= half + self.margin && s + width <= self.period - self.margin {
            Stretch::Rising
        } else {
            Stretch::Unknown
        }
    }

    /// A lower bound of the computed rate at `t`, given the computed rate `rate` at `x`:
    /// `rate - lipschitz |t - x| - error(x) - error(t)`, every rounding of this computation
    /// taken against it. Negative (or NaN, when `x` is not a time) where it says nothing.
    #[inline]
    pub fn lower_bound(&self, x: f64, rate: f64, t: f64) -> f64 {
        let d = (t - x).abs();
        // |t - peak_at| <= |x - peak_at| + d bounds the error at `t` as well.
        let slack = self.lipschitz * d + 2.0 * self.error((x - self.peak_at).abs() + d);
        // The slack's roundings (a few operations of relative error `u`) are inside the 1e-9,
        // and the subtraction's rounding up inside the final `1 - 4u`.
        (rate - slack * (1.0 + 1e-9)) * (1.0 - 4.0 * UNIT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    fn diurnals() -> Vec<RateProfile> {
        let d = |mean, amplitude, period_s, peak_at_s| RateProfile::Diurnal {
            mean,
            amplitude,
            period_s,
            peak_at_s,
        };
        vec![
            d(3000.0, 0.6667, 86400.0, 50400.0),
            d(3000.0, -0.3, 600.0, 140.0),
            d(1e6, 1.0, 3600.0, 0.0),
            d(0.5, 0.01, 86400.0, -7.0),
            d(200.0, 0.9, 40.0, 3.0),
        ]
    }

    /// Windows of random widths at random times, many next to an extremum: a stretch called
    /// rising or falling orders the computed rates at the window's ends as it says.
    #[test]
    fn a_stretch_orders_the_computed_rates_at_the_ends() {
        let mut rng = stream(7, "test/slope/stretch");
        for profile in diurnals() {
            let slope = DiurnalSlope::of(&profile).expect("a moving diurnal curve");
            let (mut rising, mut falling) = (0, 0);
            for i in 0..200_000 {
                let t0 = if i % 2 == 0 {
                    // Anywhere over three days.
                    rng.open01() * 3.0 * 86400.0
                } else {
                    // Within two margins of an extremum (peak or trough), of a later period.
                    let k = rng.uniform_u64(0, 200) as f64 / 2.0;
                    slope.peak + k * slope.period + (rng.open01() - 0.5) * 4.0 * slope.margin
                };
                let width = [10.0, 5.0, 1e-3, 1e-9][rng.uniform_u64(0, 4) as usize];
                let t1 = t0 + width;
                let (r0, r1) = (profile.rate_at(t0), profile.rate_at(t1));
                match slope.stretch(t0, t1) {
                    Stretch::Rising => {
                        assert!(r1 >= r0, "{profile:?} [{t0}, {t1}]: {r0} > {r1}");
                        rising += 1;
                    }
                    Stretch::Falling => {
                        assert!(r0 >= r1, "{profile:?} [{t0}, {t1}]: {r0} < {r1}");
                        falling += 1;
                    }
                    Stretch::Unknown => {}
                }
            }
            assert!(rising > 10_000 && falling > 10_000, "{rising} {falling}");
        }
    }

    /// The lower bound is never above the computed rate, and close to it near the anchor.
    #[test]
    fn the_lower_bound_is_below_the_computed_rate() {
        let mut rng = stream(7, "test/slope/lower");
        for profile in diurnals() {
            let slope = DiurnalSlope::of(&profile).expect("a moving diurnal curve");
            let mut tight = 0;
            for _ in 0..200_000 {
                let x = rng.open01() * 3.0 * 86400.0;
                let d = [10.0, 1.0, 1e-6][rng.uniform_u64(0, 3) as usize] * rng.open01();
                let t = if rng.open01() < 0.5 { x - d } else { x + d };
                let rate = profile.rate_at(t);
                let lower = slope.lower_bound(x, profile.rate_at(x), t);
                assert!(lower <= rate, "{profile:?} x {x} t {t}: {lower} > {rate}");
                tight += usize::from(lower >= rate * (1.0 - 1e-3));
            }
            // A third of the distances are a microsecond: those bounds at least are tight.
            assert!(tight > 50_000, "{tight}");
        }
    }

    #[test]
    fn flat_and_other_profiles_have_no_slope() {
        let flat = RateProfile::Diurnal {
            mean: 100.0,
            amplitude: 0.0,
            period_s: 600.0,
            peak_at_s: 0.0,
        };
        assert!(DiurnalSlope::of(&flat).is_none());
        assert!(DiurnalSlope::of(&RateProfile::Constant(5.0)).is_none());
    }
}
