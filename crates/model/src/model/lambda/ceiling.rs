//! The scaling ceiling of the older model (`regional_burst`, until Nov 2023): how far the
//! account's on-demand concurrency may grow right now. (The current per-function model limits
//! new environments instead: `scaling_rate`.) A ceiling is a small state machine driven by two facts: a request was refused at it,
//! and one of its windows ended. It schedules nothing itself; the caller schedules the window
//! ends it asks for. Pure and deterministic, so the curves are testable exactly.
//!
//! The rule, for a ceiling with an `initial` level, a `step` and a `window`:
//! - on-demand concurrency may grow up to the level (it starts at `initial`);
//! - the first refusal at the level opens a window; when a window ends, the level rises by
//!   `step` (up to `cap`) if some request was refused at it during the window, and a new window
//!   opens;
//! - a window without refusals lets the level fall back to `step` above the window's highest
//!   on-demand concurrency (never below `initial`), and windows stop once it is back there.
//!
//! Under a flash crowd that starts at `t1` (the first refusal) the level is therefore
//! `min(cap, initial + step * floor((t - t1) / window))`: a 3,000 burst then 500 more a minute
//! for the account (`regional_burst`).

use crate::kernel::SimTime;

#[derive(Clone, Debug)]
pub struct Ceiling {
    level: u32,
    initial: u32,
    step: u32,
    window: SimTime,
    cap: u32,
    /// When the open window ends (`None`: no window open).
    window_end: Option<SimTime>,
    /// Whether a request was refused at the level in the open window.
    refused: bool,
    /// The highest on-demand concurrency seen in the open window.
    peak: u32,
}

impl Ceiling {
    pub fn new(initial: u32, step: u32, window: SimTime, cap: u32) -> Ceiling {
        Ceiling {
            level: initial.min(cap),
            initial: initial.min(cap),
            step,
            window,
            cap,
            window_end: None,
            refused: false,
            peak: 0,
        }
    }

    /// The current level.
    #[inline]
    pub fn level(&self) -> u32 {
        self.level
    }

    /// Whether one more on-demand execution fits under the level.
    #[inline]
    pub fn allows(&self, on_demand: u32) -> bool {
        on_demand < self.level
    }

    /// On-demand concurrency rose to `on_demand`.
    #[inline]
    pub fn observe(&mut self, on_demand: u32) {
        self.peak = self.peak.max(on_demand);
    }

    /// A request was refused at the level: returns the end of a window to schedule, if this
    /// refusal opened one.
    pub fn refused(&mut self, now: SimTime) -> Option<SimTime> {
        self.refused = true;
        if self.window_end.is_some() {
            return None;
        }
        let end = now + self.window;
        self.window_end = Some(end);
        Some(end)
    }

    /// A window ended (`now` must be the end the ceiling asked for): rises or falls back;
    /// returns the end of the next window to schedule, if one opens.
    pub fn window_ended(&mut self, now: SimTime, on_demand: u32) -> Option<SimTime> {
        if self.window_end != Some(now) {
            return None; // stale
        }
        if self.refused {
            self.level = (self.level + self.step).min(self.cap);
        } else {
            let floor = self.peak.saturating_add(self.step).max(self.initial);
            self.level = self.level.min(floor);
        }
        self.refused = false;
        self.peak = on_demand;
        if self.level > self.initial {
            let end = now + self.window;
            self.window_end = Some(end);
            Some(end)
        } else {
            self.window_end = None;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: u64) -> SimTime {
        SimTime::from_secs(x)
    }

    #[test]
    fn rises_one_step_per_window_while_refusing() {
        let mut c = Ceiling::new(1000, 1000, s(10), 3500);
        assert!(c.allows(999) && !c.allows(1000));
        assert_eq!(c.refused(s(1)), Some(s(11)));
        assert_eq!(c.refused(s(2)), None);
        assert_eq!(c.window_ended(s(11), 1000), Some(s(21)));
        assert_eq!(c.level(), 2000);
        c.refused(s(12));
        assert_eq!(c.window_ended(s(21), 2000), Some(s(31)));
        assert_eq!(c.level(), 3000);
        c.refused(s(22));
        c.window_ended(s(31), 3000);
        assert_eq!(c.level(), 3500, "capped");
    }

    #[test]
    fn falls_back_to_a_step_above_the_peak_then_stops() {
        let mut c = Ceiling::new(1000, 1000, s(10), 10_000);
        c.refused(s(0));
        c.window_ended(s(10), 1000);
        c.refused(s(10));
        c.window_ended(s(20), 1200);
        assert_eq!(c.level(), 3000);
        // A quiet window whose peak was 1500: back to 2500.
        c.observe(1500);
        assert_eq!(c.window_ended(s(30), 200), Some(s(40)));
        assert_eq!(c.level(), 2500);
        // Peak 200 in the next window: 1200; then 0: the initial level, and windows stop.
        assert_eq!(c.window_ended(s(40), 0), Some(s(50)));
        assert_eq!(c.level(), 1200);
        assert_eq!(c.window_ended(s(50), 0), None);
        assert_eq!(c.level(), 1000);
        assert_eq!(c.window_ended(s(60), 0), None, "stale window end");
    }
}
