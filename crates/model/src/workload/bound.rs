//! The thinning bound of a profile, cached across the windows where it cannot change, and the
//! profile's rate at the last times asked.
//!
//! Thinning asks for `max_rate(t, t + 10 s)` at every candidate, and a window slides with
//! every candidate. A piecewise profile (a spike is one) is flat most of the time: base rate
//! before and after, the peak on the plateau. While a window lies inside one flat run, the
//! bound is that run's rate, the very value `RateProfile::max_rate` computes there, so the
//! cache changes no sample; and the rate anywhere in the window is that value too, so a
//! candidate there is accepted without computing it (`Bound::flat`). A one-part piecewise
//! profile does not thin inside a flat run at all: [`ThinningBound::flat_run`] gives the run's
//! rate and end, and the arrival process draws its gaps at that rate up to the run's end
//! (`super::arrivals`: a spike's base and plateau, most arrivals of a flash crowd). Windows
//! starting on a ramp, and the other profiles, thin against the window's bound.
//!
//! A diurnal window's bound is the larger of the rates at its two ends (unless a peak is
//! inside), and its start is the previous candidate, whose rate the acceptance test just
//! computed: each part remembers the rate at the last time asked, so a candidate costs one
//! cosine fewer. On a stretch where the curve provably rises or falls through the window, one
//! end's rate is not computed at all, and an acceptance on a rising stretch is decided by a
//! proven lower bound of the rate (`super::slope`): one cosine per candidate instead of two.
//! Every value is the profile's own, bit for bit.

use super::profile::RateProfile;
use super::slope::{DiurnalSlope, Stretch};

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

/// A window's bound, and whether the rate is that value throughout the window (every part
/// inside a flat run), so a candidate in it is accepted whatever its uniform draw (below 1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub rate: f64,
    pub flat: bool,
}

/// What one part of the profile remembers: its flat run, and its rate at the last time asked.
#[derive(Clone, Copy, Debug)]
struct Part {
    run: Flat,
    /// The bits of the last time asked (NaN at first: never equal to a time's).
    asked: u64,
    rate: f64,
    /// A diurnal part's slope constants.
    slope: Option<DiurnalSlope>,
    /// The last window was on a rising stretch: its end's rate (the last asked) anchors a
    /// lower bound for the acceptance.
    rising: bool,
}

impl Part {
    fn new(profile: &RateProfile) -> Part {
        Part {
            run: Flat::UNKNOWN,
            asked: f64::NAN.to_bits(),
            rate: 0.0,
            slope: DiurnalSlope::of(profile),
            rising: false,
        }
    }

    /// `profile.rate_at(t)`, from memory when `t` was the last time asked.
    #[inline]
    fn rate_at(&mut self, profile: &RateProfile, t: f64) -> f64 {
        if t.to_bits() != self.asked {
            self.asked = t.to_bits();
            self.rate = profile.rate_at(t);
        }
        self.rate
    }
}

/// One cached run and rate per part of the profile (one part unless it is a sum).
#[derive(Clone, Debug)]
pub struct ThinningBound {
    parts: Vec<Part>,
}

impl ThinningBound {
    pub fn new(profile: &RateProfile) -> Self {
        let parts = match profile {
            RateProfile::Sum(parts) => parts.iter().map(Part::new).collect(),
            _ => vec![Part::new(profile)],
        };
        ThinningBound { parts }
    }

    /// `profile.max_rate(t0, t1)`, bit for bit, reusing the flat run it last found.
    pub fn max_rate(&mut self, profile: &RateProfile, t0: f64, t1: f64) -> Bound {
        match profile {
            RateProfile::Sum(parts) => {
                let mut flat = true;
                let rate = parts
                    .iter()
                    .zip(self.parts.iter_mut())
                    .map(|(p, part)| {
                        let b = part_max_rate(p, part, t0, t1);
                        flat &= b.flat;
                        b.rate
                    })
                    .sum();
                Bound { rate, flat }
            }
            _ => part_max_rate(profile, &mut self.parts[0], t0, t1),
        }
    }

    /// The flat run of a one-part piecewise profile holding `t`: its rate and the time it ends
    /// (`f64::INFINITY` for the last), the rate at every time in `[t, until)`. `None` when `t`
    /// is on a ramp or the profile is not one piecewise part. The run is remembered, so calls
    /// inside it only compare.
    #[inline]
    pub fn flat_run(&mut self, profile: &RateProfile, t: f64) -> Option<(f64, f64)> {
        let (RateProfile::Piecewise(points), [part]) = (profile, &mut self.parts[..]) else {
            return None;
        };
        let run = &mut part.run;
        if !(run.from <= t && t < run.until) {
            *run = Flat::around(points, t);
        }
        Some((run.rate?, run.until))
    }

    /// `threshold <= profile.rate_at(t)`: thinning's acceptance of a candidate at `t`. A
    /// one-part diurnal profile whose last window rose answers from the rate at that window's
    /// end when a proven lower bound of the rate at `t` is at least `threshold` (the exact test
    /// would accept too); every other case computes the rate.
    #[inline]
    pub fn accepts(&mut self, profile: &RateProfile, t: f64, threshold: f64) -> bool {
        if let [part] = &self.parts[..]
            && part.rising
            && let Some(slope) = &part.slope
            && threshold <= slope.lower_bound(f64::from_bits(part.asked), part.rate, t)
        {
            return true;
        }
        threshold <= self.rate_at(profile, t)
    }

    /// `profile.rate_at(t)`, bit for bit (a sum adds its parts' rates as it does).
    pub fn rate_at(&mut self, profile: &RateProfile, t: f64) -> f64 {
        match profile {
            RateProfile::Sum(parts) => parts
                .iter()
                .zip(self.parts.iter_mut())
                .map(|(p, part)| part.rate_at(p, t))
                .sum(),
            _ => self.parts[0].rate_at(profile, t),
        }
    }
}

fn part_max_rate(profile: &RateProfile, part: &mut Part, t0: f64, t1: f64) -> Bound {
    let sloped = |rate| Bound { rate, flat: false };
    match profile {
        RateProfile::Piecewise(points) => {
            let run = &mut part.run;
            if !(run.from <= t0 && t0 < run.until) {
                *run = Flat::around(points, t0);
            }
            match run.rate {
                // The rate on `[t0, t1]` is the run's (`piecewise_at` adds `0 * …` to it).
                Some(rate) if t1 < run.until => Bound { rate, flat: true },
                _ => sloped(profile.max_rate(t0, t1)),
            }
        }
        RateProfile::Diurnal { .. } => {
            let stretch = part
                .slope
                .as_ref()
                .map_or(Stretch::Unknown, |slope| slope.stretch(t0, t1));
            part.rising = stretch == Stretch::Rising;
            // On a proven stretch no peak is inside (it is a thousandth of a period or more
            // away, far beyond the roundings of `max_rate`'s peak test), so `max_rate` answers
            // the larger of the ends' rates: the end's when rising, the start's when falling.
            sloped(match stretch {
                Stretch::Rising => part.rate_at(profile, t1),
                Stretch::Falling => part.rate_at(profile, t0),
                Stretch::Unknown => profile.diurnal_max_rate(t0, t1, |t| part.rate_at(profile, t)),
            })
        }
        _ => sloped(profile.max_rate(t0, t1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    /// Windows sliding over a profile in small random steps, as thinning moves them: the cached
    /// bound is `max_rate`'s and the remembered rates `rate_at`'s, bit for bit, and a window
    /// called flat has the bound's rate throughout. Returns how many windows were flat.
    fn check(profile: RateProfile, end: f64) -> usize {
        let mut rng = stream(3, "test/bound");
        let mut bound = ThinningBound::new(&profile);
        let mut t = -1.0;
        let mut cached = 0;
        let mut flat = 0;
        let mut answered_from_memory = 0;
        while t < end {
            let width = [10.0, 5.0, 0.01][rng.uniform_u64(0, 3) as usize];
            let t1 = t + width;
            let want = profile.max_rate(t, t1);
            let run = bound.flat_run(&profile, t);
            let got = bound.max_rate(&profile, t, t1);
            assert_eq!(got.rate.to_bits(), want.to_bits(), "[{t}, {t1}]");
            if let Some((rate, until)) = run {
                // The run's rate is the profile's from `t` up to the run's end.
                let last = if until.is_finite() {
                    until.next_down()
                } else {
                    t + 1e4
                };
                for k in 0..=16 {
                    // Rounding may carry `t + (last - t)` up to `until`: clamp to `last`.
                    let at = (t + (last - t) * k as f64 / 16.0).min(last);
                    assert_eq!(
                        profile.rate_at(at).to_bits(),
                        rate.to_bits(),
                        "{at} in {t}..{until}"
                    );
                }
                // Inside the run, the window's bound is the run's rate (flat) or, when the
                // window passes its end, at least that rate.
                if t1 < until {
                    assert!(
                        got.flat && got.rate.to_bits() == rate.to_bits(),
                        "[{t}, {t1}]"
                    );
                } else {
                    assert!(got.rate >= rate, "[{t}, {t1}]");
                }
                answered_from_memory += 1;
            }
            if got.flat {
                // The rate is the bound's throughout the window.
                for k in 0..=16 {
                    let at = t + (t1 - t) * k as f64 / 16.0;
                    let at = if at < t1 { at } else { t1.next_down() };
                    assert_eq!(profile.rate_at(at).to_bits(), got.rate.to_bits(), "{at}");
                }
                flat += 1;
            }
            // The acceptance at a time inside answers as the exact test, for thresholds at and
            // around the rate there (a rising diurnal window's lower bound decides some).
            let inside = t + (t1 - t) * rng.open01();
            let rate = profile.rate_at(inside);
            for f in [0.5, 0.9999, 0.999_999_9, 1.0, 1.000_000_1] {
                let threshold = rate * f;
                let accepted = bound.accepts(&profile, inside, threshold);
                assert_eq!(accepted, threshold <= rate, "{inside} {threshold}");
            }
            // The rate at a time inside, then at the window's start (the cached value).
            for at in [inside, t, inside] {
                let want = profile.rate_at(at);
                assert_eq!(
                    bound.rate_at(&profile, at).to_bits(),
                    want.to_bits(),
                    "{at}"
                );
            }
            cached += 1;
            t += rng.open01() * 0.7;
        }
        assert!(cached > 100);
        // A piecewise profile's flat windows start inside a run `flat_run` finds.
        assert!(flat == 0 || answered_from_memory > 0, "{flat} flat windows");
        flat
    }

    #[test]
    fn spikes_with_and_without_ramps_give_max_rates_bound() {
        let flat = check(
            RateProfile::spike(200.0, 20_000.0, 300.0, 600.0, 0.0),
            1500.0,
        );
        assert!(flat > 100, "{flat} flat windows");
        check(
            RateProfile::spike(100.0, 1000.0, 600.0, 300.0, 60.0),
            1500.0,
        );
        check(RateProfile::spike(0.0, 400.0, 0.0, 30.0, 5.0), 200.0);
    }

    #[test]
    fn diurnal_bounds_and_rates_are_the_profiles() {
        for amplitude in [0.6667, -0.3] {
            let diurnal = RateProfile::Diurnal {
                mean: 3000.0,
                amplitude,
                period_s: 600.0,
                peak_at_s: 140.0,
            };
            assert_eq!(check(diurnal, 1300.0), 0, "a diurnal window is never flat");
        }
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
