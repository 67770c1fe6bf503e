//! Arrival processes: when a workload's next request arrives.
//!
//! Poisson arrivals follow a time-varying profile exactly by thinning (Lewis & Shedler) against
//! a bound computed per window, so a spike far above the base rate costs no extra candidates
//! outside its window. Uniform arrivals are evenly spaced at the current rate. Traces replay
//! recorded counts or timestamps.
//!
//! A one-part piecewise profile is not thinned inside a flat run (a spike's base and plateau,
//! or any stretch between two points of one rate): there the rate is one value `r` up to the
//! run's end, so the process there is homogeneous Poisson of rate `r`, whose gaps are
//! independent exponentials of mean `1/r`. Each gap is one draw (the ziggurat's
//! `RngExt::exp1` over `r`; no acceptance draw, no candidates at a bound). A gap that passes
//! the run's end is dropped and the process restarts at the end: a Poisson process has
//! independent increments, so what happens after a fixed time (the run's end) or after an
//! arrival does not depend on what came before, and switching between exact samplers at those
//! times (drawing gaps in a run, thinning on a ramp) gives the same process in distribution as
//! thinning throughout. Thinning windows start only on ramps, so the base's last window
//! before a step to the peak no longer draws candidates at the peak's rate to reject them
//! (about 200,000 in the flash crowd's 10 s before its step). `next` remembers the run the
//! last arrival fell in (`FlatRun`) and draws the next gap there with one comparison.
//!
//! This changed the samples of every piecewise and spike profile (2026-11-30, issue 17; the
//! same process, other draws: the shipped scenarios' and labs' figures were rerun). Constant,
//! diurnal, summed and trace profiles draw exactly as before.

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

/// The flat run of a one-part piecewise profile the last Poisson arrival fell in: its rate
/// (above zero) and where the stream leaves it (the run's end, or `end` if sooner), computed
/// for the stream's end `end`. Arrival times only grow, so a time below `stop` is in the run.
#[derive(Clone, Copy, Debug)]
struct FlatRun {
    rate: f64,
    stop: f64,
    end: SimTime,
}

impl FlatRun {
    /// No run: every time is at or past `stop`.
    const NONE: FlatRun = FlatRun {
        rate: 0.0,
        stop: f64::NEG_INFINITY,
        end: SimTime(0),
    };
}

/// The state of one workload's arrival stream. All randomness comes from its own stream.
pub struct ArrivalProcess {
    profile: RateProfile,
    kind: ArrivalKind,
    rng: Rng,
    /// The thinning bound, reused while windows stay in one flat run of the profile.
    bound: ThinningBound,
    /// The flat run `next` draws in without thinning (`FlatRun::NONE` outside one).
    run: FlatRun,
    /// The time of the last arrival, in seconds (kept as a float to avoid rounding drift), or
    /// the end of the flat run a Poisson process restarted at.
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
            run: FlatRun::NONE,
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
    /// A Poisson arrival inside the flat run the last one fell in goes first to `next_in_run`
    /// (one comparison, one gap drawn, no frame of this function's); every other case takes
    /// the path it took before flat runs were sampled exactly, after that one comparison.
    pub fn next(&mut self, end: SimTime) -> Option<SimTime> {
        if self.t < self.run.stop && end == self.run.end {
            return self.next_in_run(end);
        }
        let end_s = end.as_secs_f64();
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
                ArrivalKind::Poisson => self.next_thinned(end)?,
                ArrivalKind::Uniform => self.next_uniform(end_s)?,
            },
        };
        if t >= end_s {
            return None;
        }
        self.t = t;
        Some(SimTime::from_secs_f64(t))
    }

    /// The next Poisson arrival after `self.t`, inside the remembered flat run: one gap drawn
    /// at the run's rate (`draw_in_run`, as `next_thinned` draws the run's first). A gap past
    /// the run's end is dropped and the process restarts there (memorylessness: `self.t`
    /// becomes that end, not an arrival).
    #[inline(never)]
    fn next_in_run(&mut self, end: SimTime) -> Option<SimTime> {
        let Some(t) = self.draw_in_run(self.t) else {
            self.t = self.run.stop;
            self.run = FlatRun::NONE;
            return self.next(end);
        };
        // Below the run's stop the arrival is before `end` (the stop is at most `end`); only
        // a step to the next float may reach it.
        if t >= self.run.stop && t >= end.as_secs_f64() {
            return None;
        }
        self.t = t;
        Some(SimTime::from_secs_f64(t))
    }

    /// The arrival one gap after `t` (in the remembered run, `t` below its stop) at the run's
    /// rate, or `None` when the gap reaches the run's stop. A gap below the float spacing of
    /// `t` steps to the next float, so time always advances.
    #[inline(always)]
    fn draw_in_run(&mut self, t: f64) -> Option<f64> {
        let candidate = t + self.rng.exp1() / self.run.rate;
        if candidate >= self.run.stop {
            return None;
        }
        Some(if candidate > t {
            candidate
        } else {
            t.next_up()
        })
    }

    fn next_thinned(&mut self, end: SimTime) -> Option<f64> {
        let end_s = end.as_secs_f64();
        let mut t = self.t;
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
                    // `next` draws the following gaps itself while they stay in the run.
                    self.run = FlatRun { rate, stop, end };
                    if let Some(arrival) = self.draw_in_run(t) {
                        return Some(arrival);
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

    /// 100/s for 4 s, a ramp to 300/s over 1 s, 300/s for 2 s, a step down to 50/s: flat runs
    /// that end at a ramp and at a step, sampled without thinning.
    fn runs_and_steps() -> RateProfile {
        let points = [
            (0.0, 100.0),
            (4.0, 100.0),
            (5.0, 300.0),
            (7.0, 300.0),
            (7.0, 50.0),
        ];
        RateProfile::Piecewise(points.into())
    }

    /// Counts in windows inside and across the runs' ends, over 4,000 independent streams,
    /// against the integral of the rate computed by hand: each window's count is Poisson of
    /// that mean (the total's z, and the index of dispersion's: variance equal to the mean).
    #[test]
    fn flat_runs_give_poisson_counts_across_their_ends() {
        // (from, to, the rate's integral over [from, to))
        let windows = [
            (1.0, 2.0, 100.0),                     // inside the first run
            (3.5, 4.5, 0.5 * 100.0 + 0.5 * 150.0), // the run's end into the ramp
            (4.5, 5.5, 0.5 * 250.0 + 0.5 * 300.0), // the ramp into the plateau
            (6.5, 7.5, 0.5 * 300.0 + 0.5 * 50.0),  // across the step, run to run
            (8.0, 10.0, 2.0 * 50.0),               // the last run, cut by the stream's end
            (0.0, 10.0, 400.0 + 200.0 + 600.0 + 150.0),
        ];
        let replications = 4_000;
        let mut counts = vec![Vec::with_capacity(replications); windows.len()];
        for k in 0..replications {
            let stream_k = stream(11, &format!("test/flat-runs/{k}"));
            let mut p = ArrivalProcess::new(runs_and_steps(), ArrivalKind::Poisson, stream_k);
            let ts: Vec<f64> = std::iter::from_fn(|| p.next(SimTime::from_secs(10)))
                .map(SimTime::as_secs_f64)
                .collect();
            assert!(ts.windows(2).all(|w| w[0] < w[1]));
            for (c, &(a, b, _)) in counts.iter_mut().zip(&windows) {
                c.push(ts.iter().filter(|&&t| a <= t && t < b).count() as f64);
            }
        }
        let r = replications as f64;
        for (c, &(a, b, mean)) in counts.iter().zip(&windows) {
            let total: f64 = c.iter().sum();
            let z = (total - r * mean) / (r * mean).sqrt();
            assert!(
                z.abs() < 3.3,
                "[{a}, {b}): {total} arrivals, mean {mean}: z = {z}"
            );
            // Σ (n - μ)² / μ has mean r and variance r (2 + 1/μ) for Poisson counts.
            let dispersion: f64 = c.iter().map(|n| (n - mean).powi(2) / mean).sum();
            let z = (dispersion - r) / (r * (2.0 + 1.0 / mean)).sqrt();
            assert!(
                z.abs() < 3.3,
                "[{a}, {b}): dispersion {dispersion}: z = {z}"
            );
        }
    }

    /// Inside a flat run the gap after an arrival is exponential at the run's rate: the
    /// gaps scaled by the rate, in 10 bins of equal exponential probability, pass a
    /// chi-square test (9 degrees of freedom, p = 0.001: 27.88). Arrivals at least 1 s (the
    /// first run) and 0.1 s (the plateau) before their run's end, so that the next arrival is
    /// in the run but with probability e^-100 and e^-30.
    #[test]
    fn flat_runs_have_exponential_gaps() {
        let bins = 10;
        for (from, until, rate) in [(0.0, 3.0, 100.0), (5.0, 6.9, 300.0)] {
            let mut observed = vec![0u64; bins];
            for k in 0..400 {
                let stream_k = stream(13, &format!("test/flat-gaps/{k}"));
                let mut p = ArrivalProcess::new(runs_and_steps(), ArrivalKind::Poisson, stream_k);
                let ts: Vec<f64> = std::iter::from_fn(|| p.next(SimTime::from_secs(10)))
                    .map(SimTime::as_secs_f64)
                    .collect();
                for w in ts.windows(2).filter(|w| from <= w[0] && w[0] < until) {
                    // P(rate · gap <= x) = 1 - e^-x: the bin of equal probability it falls in.
                    let u = 1.0 - (-(w[1] - w[0]) * rate).exp();
                    observed[((u * bins as f64) as usize).min(bins - 1)] += 1;
                }
            }
            let n: u64 = observed.iter().sum();
            let expected = n as f64 / bins as f64;
            let chi2: f64 = observed
                .iter()
                .map(|&o| (o as f64 - expected).powi(2) / expected)
                .sum();
            assert!(n > 100_000, "{n}");
            assert!(
                chi2 < 27.88,
                "[{from}, {until}): {observed:?}, chi2 = {chi2}"
            );
        }
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
