//! Arrival processes: when a workload's next request arrives.
//!
//! Poisson arrivals follow a time-varying profile exactly by thinning (Lewis & Shedler) against
//! a bound computed per window, so a spike far above the base rate costs no extra candidates
//! outside its window. Uniform arrivals are evenly spaced at the current rate. Traces replay
//! recorded counts or timestamps.
//!
//! A one-part piecewise profile is not thinned inside a flat run (a spike's base and plateau):
//! there the process is homogeneous, so its gaps are exponential at the run's rate, one draw
//! each (the ziggurat's `RngExt::exp1` over the rate, no acceptance draw), and a gap that passes the run's end is dropped
//! and the process restarts at the end (memorylessness: the same Poisson process, exactly).
//! Thinning windows start only on ramps, so the base's last window before a step to the peak
//! no longer draws candidates at the peak's rate to reject them (about 200,000 in the flash
//! crowd's 10 s before its step). This changed the arrival streams of piecewise profiles
//! (2026-11-30, issue 17): the same process in distribution, other samples. Diurnal, constant,
//! summed and trace profiles draw as before.

use super::bound::{Bound, ThinningBound};
use super::profile::RateProfile;
use crate::kernel::{Rng, RngExt, SimTime};

/// How arrivals are spread in time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrivalKind {
    Poisson,
    Uniform,
}

/// Width of a thinning window, in seconds.
const WINDOW_S: f64 = 10.0;

/// The most thinning candidates one window may expect (about 10 ms of work). Windows of
/// shipped scenarios stay far below it, so their arrival streams do not depend on it.
const MAX_CANDIDATES: f64 = 1e6;

/// The state of one workload's arrival stream. All randomness comes from its own stream.
pub struct ArrivalProcess {
    profile: RateProfile,
    kind: ArrivalKind,
    rng: Rng,
    /// The thinning bound, reused while windows stay in one flat run of the profile.
    bound: ThinningBound,
    /// The time of the last arrival, in seconds (kept as a float to avoid rounding drift).
    t: f64,
    /// Trace replay: the current second, how many arrivals remain in it, the last position.
    second: usize,
    started: bool,
    remaining: u32,
    in_second: u32,
    position: f64,
    /// Timestamp replay: the next index.
    next_index: usize,
}

impl ArrivalProcess {
    pub fn new(profile: RateProfile, kind: ArrivalKind, rng: Rng) -> Self {
        ArrivalProcess {
            bound: ThinningBound::new(&profile),
            profile,
            kind,
            rng,
            t: 0.0,
            second: 0,
            started: false,
            remaining: 0,
            in_second: 0,
            position: 0.0,
            next_index: 0,
        }
    }

    pub fn profile(&self) -> &RateProfile {
        &self.profile
    }

    /// The next arrival strictly before `end`, or `None` when the stream is exhausted.
    ///
    /// Inlined into the caller is the common case of a flat run (`next_thinned`'s first
    /// branch, the same draw and result); every other case goes through `next_from`.
    #[inline]
    pub fn next(&mut self, end: SimTime) -> Option<SimTime> {
        let end_s = end.as_secs_f64();
        let mut t = self.t;
        if self.kind == ArrivalKind::Poisson
            && t < end_s
            && let Some((rate, until)) = self.bound.flat_run(&self.profile, t)
            && rate > 0.0
        {
            let candidate = t + self.rng.exp1() / rate;
            let stop = until.min(end_s);
            if candidate < stop {
                let t = if candidate > t {
                    candidate
                } else {
                    t.next_up()
                };
                if t >= end_s {
                    return None;
                }
                self.t = t;
                return Some(SimTime::from_secs_f64(t));
            }
            // The gap passed the run's end: the process restarts there.
            t = stop;
        }
        self.next_from(end_s, t)
    }

    /// `next`'s general case: thinning resumes at `from` (the last arrival, or the end of the
    /// flat run `next` left); the other kinds and profiles keep their own state.
    #[inline(never)]
    fn next_from(&mut self, end_s: f64, from: f64) -> Option<SimTime> {
        let t = match &self.profile {
            RateProfile::Counts(_) => self.next_from_counts(end_s)?,
            RateProfile::Timestamps(ts) => {
                let t = *ts.get(self.next_index)?;
                self.next_index += 1;
                t.as_secs_f64()
            }
            RateProfile::Constant(r) => {
                let r = *r;
                match self.kind {
                    ArrivalKind::Poisson => self.t - self.rng.open01().ln() / r,
                    ArrivalKind::Uniform => self.t + 1.0 / r,
                }
            }
            _ => match self.kind {
                ArrivalKind::Poisson => self.next_thinned(end_s, from)?,
                ArrivalKind::Uniform => self.next_uniform(end_s)?,
            },
        };
        if t >= end_s {
            return None;
        }
        self.t = t;
        Some(SimTime::from_secs_f64(t))
    }

    fn next_thinned(&mut self, end_s: f64, from: f64) -> Option<f64> {
        let mut t = from;
        loop {
            if t >= end_s {
                return None;
            }
            // Inside a flat run of a one-part piecewise profile (a spike's base or plateau) the
            // process is homogeneous up to the run's end: its gaps are drawn at the run's rate,
            // and a gap past the end restarts there (memorylessness), with no thinning.
            if let Some((rate, until)) = self.bound.flat_run(&self.profile, t) {
                let stop = until.min(end_s);
                if rate > 0.0 {
                    let candidate = t + self.rng.exp1() / rate;
                    if candidate < stop {
                        // Time always advances (a gap below the float spacing of `t`).
                        return Some(if candidate > t {
                            candidate
                        } else {
                            t.next_up()
                        });
                    }
                }
                t = stop;
                continue;
            }
            let up = t.next_up();
            let window_end = (t + WINDOW_S).min(end_s).max(up);
            let (window_end, Bound { rate: bound, flat }) = self.window(t, end_s, window_end, up);
            if bound <= 0.0 {
                t = window_end;
                continue;
            }
            let candidate = t - self.rng.open01().ln() / bound;
            if candidate >= window_end {
                // Memorylessness: restarting at the window's end keeps the process exact.
                t = window_end;
                continue;
            }
            // When `1/bound` is below the float spacing of `t`, step to the next float so
            // that time always advances (the window then ends within a few steps).
            t = if candidate > t {
                candidate
            } else {
                t.next_up()
            };
            // In a flat window the rate is `bound`: the draw (below 1) always accepts.
            let u = self.rng.open01();
            if flat || self.bound.accepts(&self.profile, t, u * bound) {
                return Some(t);
            }
        }
    }

    /// The thinning window starting at `t` (`window_end`: its end at full width; `up`:
    /// `t.next_up()`) and the rate bound over it. The window is halved while it would cost more than `MAX_CANDIDATES`
    /// candidates, so a steep spike far above the current rate costs candidates only near the
    /// spike, never a whole 10 s of its peak.
    fn window(&mut self, t: f64, end_s: f64, mut window_end: f64, up: f64) -> (f64, Bound) {
        let mut width = WINDOW_S;
        loop {
            let bound = self.bound.max_rate(&self.profile, t, window_end);
            if bound.rate * (window_end - t) <= MAX_CANDIDATES || window_end <= up {
                return (window_end, bound);
            }
            width /= 2.0;
            window_end = (t + width).min(end_s).max(up);
        }
    }

    fn next_uniform(&mut self, end_s: f64) -> Option<f64> {
        let mut t = self.t;
        loop {
            if t >= end_s {
                return None;
            }
            let r = self.profile.rate_at(t);
            if r > 0.0 {
                return Some(t + 1.0 / r);
            }
            t = (t.floor() + 1.0).max(t + 1e-3);
        }
    }

    /// Per-second counts: `n` arrivals inside second `k`, as sorted uniform points (Poisson,
    /// conditioned on the count) or evenly spaced (uniform).
    fn next_from_counts(&mut self, end_s: f64) -> Option<f64> {
        let RateProfile::Counts(counts) = &self.profile else {
            unreachable!("next_from_counts on a non-count profile")
        };
        while self.remaining == 0 {
            if self.started {
                self.second += 1;
            }
            self.started = true;
            if self.second >= counts.len() || self.second as f64 >= end_s {
                return None;
            }
            self.remaining = counts[self.second];
            self.in_second = self.remaining;
            self.position = 0.0;
        }
        let remaining = self.remaining as f64;
        self.position = match self.kind {
            // The smallest of `remaining` uniforms on the rest of the second: 1 - U^(1/n).
            ArrivalKind::Poisson => {
                let p = self.position;
                p + (1.0 - p) * (1.0 - self.rng.open01().powf(1.0 / remaining))
            }
            // Evenly spaced: the i-th of n arrivals at (i + 1/2) / n.
            ArrivalKind::Uniform => {
                let i = (self.in_second - self.remaining) as f64;
                (i + 0.5) / self.in_second as f64
            }
        };
        self.remaining -= 1;
        Some(self.second as f64 + self.position.min(0.999_999_999))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::stream;

    fn count(profile: RateProfile, kind: ArrivalKind, end_s: u64) -> Vec<SimTime> {
        let mut p = ArrivalProcess::new(profile, kind, stream(5, "test/arrivals"));
        std::iter::from_fn(|| p.next(SimTime::from_secs(end_s))).collect()
    }

    #[test]
    fn constant_poisson_has_the_right_count() {
        let n = count(RateProfile::Constant(100.0), ArrivalKind::Poisson, 1000).len() as f64;
        // Poisson(100,000): sd = 316; allow 5 sd.
        assert!((n - 100_000.0).abs() < 5.0 * 316.3, "{n}");
    }

    #[test]
    fn a_steep_spike_far_above_the_base_costs_little_and_keeps_its_count() {
        // base 1/s, a 1e6/s step for 2 s at t = 5 s: 2e6 arrivals in the plateau, and the
        // ramp windows are narrowed instead of drawing 10 s of candidates at the peak.
        let spike = RateProfile::spike(1.0, 1e6, 5.0, 2.0, 0.0);
        let start = std::time::Instant::now();
        let n = count(spike.clone(), ArrivalKind::Poisson, 20).len() as f64;
        let expected = spike.expected_arrivals(0.0, 20.0);
        assert!(
            (n - expected).abs() < 3.3 * expected.sqrt(),
            "{n} vs {expected}"
        );
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }

    #[test]
    fn uniform_arrivals_are_evenly_spaced() {
        let ts = count(RateProfile::Constant(4.0), ArrivalKind::Uniform, 10);
        assert_eq!(ts.len(), 39);
        assert_eq!(ts[0], SimTime::from_millis(250));
        assert_eq!(ts[1], SimTime::from_millis(500));
    }

    #[test]
    fn count_traces_replay_exact_counts_per_second() {
        let counts: Vec<u32> = vec![3, 0, 5, 1];
        for kind in [ArrivalKind::Poisson, ArrivalKind::Uniform] {
            let ts = count(RateProfile::Counts(counts.clone().into()), kind, 100);
            let mut per_second = [0u32; 4];
            for t in &ts {
                per_second[t.as_secs_f64().floor() as usize] += 1;
            }
            assert_eq!(per_second.to_vec(), counts, "{kind:?}");
            assert!(ts.windows(2).all(|w| w[0] <= w[1]));
        }
    }

    #[test]
    fn timestamp_traces_replay_each_timestamp() {
        let ts: Vec<SimTime> = vec![
            SimTime::from_millis(10),
            SimTime::from_secs(2),
            SimTime::from_secs(50),
        ];
        assert_eq!(
            count(
                RateProfile::Timestamps(ts.clone().into()),
                ArrivalKind::Poisson,
                10
            ),
            ts[..2]
        );
    }
}
