//! Simulated time: an integer count of nanoseconds since the start of the run.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in (or a span of) simulated time, in nanoseconds.
///
/// Integer time makes event ordering exact and runs reproducible; conversions to and from
/// seconds happen only at the edges (scenario parsing, reports).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);
    pub const NANOS_PER_SEC: u64 = 1_000_000_000;

    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }

    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms * 1_000_000)
    }

    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * Self::NANOS_PER_SEC)
    }

    /// Seconds as a float, rounded to the nearest nanosecond (halves away from zero, as
    /// `f64::round`); negative and NaN become zero, beyond `u64::MAX` ns saturates.
    ///
    /// On the hot path (every arrival), so it rounds without `f64::round`, a library call on
    /// x86-64's baseline: below 2^64 the truncation `n` is exact, and so is `y - n` (for
    /// `n >= 1`, `y / 2 < n <= y`, Sterbenz's lemma; at or above 2^53 `y` is an integer).
    #[inline]
    pub fn from_secs_f64(s: f64) -> Self {
        if s.is_nan() || s <= 0.0 {
            return SimTime(0);
        }
        SimTime::round_nanos(s * 1e9)
    }

    /// Nanoseconds as a float, rounded as `f64::round` then converted with `as u64` (halves
    /// away from zero; negative and NaN become zero, beyond `u64::MAX` saturates), bit for bit,
    /// without `f64::round`'s library call on x86-64's baseline (every sampled duration): the
    /// truncation `n` and `ns - n` are exact (see `from_secs_f64`).
    #[inline]
    pub fn round_nanos(ns: f64) -> Self {
        if ns >= u64::MAX as f64 {
            return SimTime(u64::MAX);
        }
        let (n, nf) = trunc(ns);
        SimTime(if ns - nf >= 0.5 { n + 1 } else { n })
    }

    /// Nanoseconds as a float, rounded up as `f64::ceil` then converted with `as u64`
    /// (negative and NaN become zero, beyond `u64::MAX` saturates), bit for bit, without the
    /// library call (every processor-sharing completion): below 2^64 the truncation `n` is
    /// exact, and `ns` is above it exactly when it has a fraction (then `ns < 2^53`).
    #[inline]
    pub fn ceil_nanos(ns: f64) -> Self {
        if ns >= u64::MAX as f64 {
            return SimTime(u64::MAX);
        }
        let (n, nf) = trunc(ns);
        SimTime(if nf < ns { n + 1 } else { n })
    }

    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    #[inline]
    pub fn as_secs_f64(self) -> f64 {
        to_f64(self.0) / 1e9
    }

    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    pub const fn saturating_sub(self, other: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(other.0))
    }
}

/// 2^63: below it, the conversions between `f64` and `u64` can go through `i64`, one machine
/// instruction each on x86-64's baseline where the unsigned ones take several.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// `x as u64` and that back as `f64`, bit for bit (below 2^63 through `i64`: the same integer,
/// and the same value, exactly representable, converted back).
#[inline]
fn trunc(x: f64) -> (u64, f64) {
    if (0.0..TWO_63).contains(&x) {
        let i = x as i64;
        (i as u64, i as f64)
    } else {
        let n = x as u64;
        (n, n as f64)
    }
}

/// `n as f64`, bit for bit (both conversions round the same integer to nearest).
#[inline]
fn to_f64(n: u64) -> f64 {
    if n < 1 << 63 {
        n as i64 as f64
    } else {
        n as f64
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimTime {
    fn add_assign(&mut self, rhs: SimTime) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    fn sub(self, rhs: SimTime) -> SimTime {
        SimTime(self.0 - rhs.0)
    }
}

impl fmt::Display for SimTime {
    /// Human form: the largest unit that keeps the value readable (`1.5s`, `250ms`, `2h`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns == 0 {
            return write!(f, "0s");
        }
        let units: [(u64, &str); 6] = [
            (86_400 * Self::NANOS_PER_SEC, "d"),
            (3_600 * Self::NANOS_PER_SEC, "h"),
            (60 * Self::NANOS_PER_SEC, "m"),
            (Self::NANOS_PER_SEC, "s"),
            (1_000_000, "ms"),
            (1_000, "us"),
        ];
        for (size, name) in units {
            if ns >= size {
                let v = ns as f64 / size as f64;
                return if ns.is_multiple_of(size) {
                    write!(f, "{}{}", ns / size, name)
                } else {
                    write!(f, "{}{}", trim_float(v), name)
                };
            }
        }
        write!(f, "{ns}ns")
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition `from_secs_f64` must equal bit for bit: `f64::round`, then saturation.
    fn by_definition(s: f64) -> u64 {
        if s.is_nan() || s <= 0.0 {
            0
        } else {
            (s * 1e9).round().min(u64::MAX as f64) as u64
        }
    }

    #[test]
    fn rounding_matches_the_definition_at_the_edges() {
        let mut cases = vec![
            0.0,
            -0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::MIN_POSITIVE,
            0.5e-9,
            1.5e-9,
            2.5e-9,
            f64::from_bits(0.5f64.to_bits() - 1) / 1e9,
            (1u64 << 53) as f64 / 1e9,
            (1u64 << 63) as f64 / 1e9,
            u64::MAX as f64 / 1e9,
            1e30,
        ];
        // Exact halves and their neighbours, over many magnitudes.
        for k in 0..60 {
            let y = (1u64 << k) as f64 + 0.5;
            for v in [
                y,
                f64::from_bits(y.to_bits() - 1),
                f64::from_bits(y.to_bits() + 1),
            ] {
                cases.push(v / 1e9);
            }
        }
        for s in cases {
            assert_eq!(
                SimTime::from_secs_f64(s).as_nanos(),
                by_definition(s),
                "{s:e}"
            );
        }
    }

    proptest! {
        #[test]
        fn rounding_matches_the_definition(bits in any::<u64>()) {
            let s = f64::from_bits(bits);
            prop_assert_eq!(SimTime::from_secs_f64(s).as_nanos(), by_definition(s));
        }

        #[test]
        fn rounding_matches_the_definition_for_simulated_times(s in 0.0f64..1e7) {
            prop_assert_eq!(SimTime::from_secs_f64(s).as_nanos(), by_definition(s));
        }
    }

    /// Floats around every power of two and half, signs, zeros, infinities and NaN.
    fn edge_floats() -> Vec<f64> {
        let mut cases = vec![0.0, -0.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e30];
        cases.extend([f64::MIN_POSITIVE, u64::MAX as f64, (1u64 << 63) as f64]);
        for k in 0..66 {
            let y = 2f64.powi(k);
            for v in [y, y + 0.5, y - 0.5, y * 1.5] {
                for w in [
                    v,
                    f64::from_bits(v.to_bits() - 1),
                    f64::from_bits(v.to_bits() + 1),
                ] {
                    cases.extend([w, -w]);
                }
            }
        }
        cases
    }

    #[test]
    fn seconds_as_floats_match_the_unsigned_conversion() {
        let mut cases = vec![0, 1, u64::MAX, (1 << 63) - 1, 1 << 63, (1 << 63) + 1];
        cases.extend((0..64).flat_map(|k| [(1u64 << k) - 1, 1 << k, (1 << k) + 1]));
        cases.extend((0..64).map(|k| u64::MAX >> k));
        for n in cases {
            assert_eq!(
                SimTime(n).as_secs_f64().to_bits(),
                (n as f64 / 1e9).to_bits(),
                "{n}"
            );
        }
    }

    #[test]
    fn round_and_ceil_nanos_match_the_library_at_the_edges() {
        for ns in edge_floats() {
            assert_eq!(SimTime::round_nanos(ns).0, ns.round() as u64, "{ns:e}");
            assert_eq!(SimTime::ceil_nanos(ns).0, ns.ceil() as u64, "{ns:e}");
        }
    }

    proptest! {
        #[test]
        fn round_and_ceil_nanos_match_the_library(bits in any::<u64>()) {
            let ns = f64::from_bits(bits);
            prop_assert_eq!(SimTime::round_nanos(ns).0, ns.round() as u64);
            prop_assert_eq!(SimTime::ceil_nanos(ns).0, ns.ceil() as u64);
        }

        #[test]
        fn seconds_as_floats_match_the_unsigned_conversion_anywhere(n in any::<u64>()) {
            prop_assert_eq!(SimTime(n).as_secs_f64().to_bits(), (n as f64 / 1e9).to_bits());
        }

        #[test]
        fn round_and_ceil_nanos_match_the_library_for_durations(ns in 0.0f64..1e13) {
            prop_assert_eq!(SimTime::round_nanos(ns).0, ns.round() as u64);
            prop_assert_eq!(SimTime::ceil_nanos(ns).0, ns.ceil() as u64);
        }
    }

    #[test]
    fn displays_in_the_largest_readable_unit() {
        assert_eq!(SimTime::from_millis(250).to_string(), "250ms");
        assert_eq!(SimTime::from_secs(7200).to_string(), "2h");
        assert_eq!(SimTime::from_millis(1500).to_string(), "1.5s");
        assert_eq!(SimTime::ZERO.to_string(), "0s");
    }

    #[test]
    fn seconds_round_to_the_nearest_nanosecond() {
        assert_eq!(SimTime::from_secs_f64(0.25), SimTime::from_millis(250));
        assert_eq!(SimTime::from_secs_f64(-1.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), SimTime::ZERO);
    }
}
