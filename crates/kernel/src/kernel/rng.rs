//! Named random streams: one independent generator per (component, purpose).
//!
//! A stream's seed is a stable hash (FNV-1a, then SplitMix64 finalization) of the scenario
//! seed and the stream's name, so adding, removing or re-parameterizing one component never
//! shifts another component's samples. That is what makes comparisons use common random numbers.

use rand::{Rng as _, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// The generator every model uses: small, fast, and stable across platforms and versions.
pub type Rng = Xoshiro256PlusPlus;

/// The seed of the stream called `name` under the scenario seed `seed`.
pub fn stream_seed(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    splitmix64(h ^ splitmix64(seed))
}

/// A fresh generator for the stream called `name`.
pub fn stream(seed: u64, name: &str) -> Rng {
    Rng::seed_from_u64(stream_seed(seed, name))
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Small helpers used throughout the models.
pub trait RngExt {
    /// A uniform float in the open interval (0, 1): safe to take the logarithm of.
    fn open01(&mut self) -> f64;
    /// A uniform integer in `[lo, hi)`.
    fn uniform_u64(&mut self, lo: u64, hi: u64) -> u64;
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool;
    /// An exponential draw of mean 1 by the ziggurat (`rand_distr::Exp1`): one 64-bit draw
    /// and a table lookup most of the time, where `-ln(open01())` pays a logarithm.
    fn exp1(&mut self) -> f64;
}

impl RngExt for Rng {
    #[inline]
    fn open01(&mut self) -> f64 {
        // 53 random bits, shifted by half an ulp so that 0 is impossible.
        ((self.random::<u64>() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    #[inline]
    fn uniform_u64(&mut self, lo: u64, hi: u64) -> u64 {
        self.random_range(lo..hi)
    }

    #[inline]
    fn chance(&mut self, p: f64) -> bool {
        self.open01() < p
    }

    #[inline]
    fn exp1(&mut self) -> f64 {
        rand_distr::Distribution::sample(&rand_distr::Exp1, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_depend_on_seed_and_name_only() {
        assert_eq!(stream_seed(1, "a"), stream_seed(1, "a"));
        assert_ne!(stream_seed(1, "a"), stream_seed(2, "a"));
        assert_ne!(stream_seed(1, "a"), stream_seed(1, "b"));
        let mut x = stream(3, "workload/browse/arrivals");
        let mut y = stream(3, "workload/browse/arrivals");
        for _ in 0..100 {
            assert_eq!(x.open01(), y.open01());
        }
    }

    #[test]
    fn exp1_has_the_exponential_mean_and_tails() {
        let mut rng = stream(7, "test/exp1");
        let n = 1_000_000;
        let (mut sum, mut above_1, mut above_4) = (0.0, 0u32, 0u32);
        for _ in 0..n {
            let x = rng.exp1();
            assert!(x >= 0.0);
            sum += x;
            above_1 += (x > 1.0) as u32;
            above_4 += (x > 4.0) as u32;
        }
        let n = n as f64;
        // Mean 1, sd 1: the mean of n draws has sd 1/sqrt(n).
        assert!((sum / n - 1.0).abs() < 3.3 / n.sqrt(), "{}", sum / n);
        for (count, x) in [(above_1, 1.0f64), (above_4, 4.0)] {
            let p = (-x).exp();
            let z = (count as f64 - n * p) / (n * p * (1.0 - p)).sqrt();
            assert!(z.abs() < 3.3, "P(X > {x}): z = {z}");
        }
    }

    #[test]
    fn open01_stays_inside_the_interval() {
        let mut r = stream(1, "t");
        for _ in 0..100_000 {
            let u = r.open01();
            assert!(u > 0.0 && u < 1.0);
        }
    }
}
