//! Which object of a cache behavior's key space a request asks for: uniform over `K`
//! objects, or Zipf with exponent `s` (object `i`, counted from 1, has probability
//! proportional to `i^-s`). A request's object is drawn from the distribution's own stream
//! (`cloudfront/NAME/objects`), so adding a distribution never moves another's draws.
//!
//! Memory: a Zipf key space keeps its cumulative probabilities (8 bytes per object); a
//! uniform one keeps nothing. Draws are O(log K) (binary search) and do not allocate.

use crate::kernel::{Rng, RngExt};

/// The popularity law of a key space.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Popularity {
    Uniform,
    /// Zipf with exponent `s` (> 0).
    Zipf(f64),
}

/// Draws object numbers `0..K` by a popularity law.
#[derive(Clone, Debug)]
pub struct KeySampler {
    objects: u32,
    /// Zipf: the cumulative probability of objects `0..=i`; empty for uniform.
    cumulative: Vec<f64>,
}

impl KeySampler {
    pub fn new(objects: u32, law: Popularity) -> KeySampler {
        let cumulative = match law {
            Popularity::Uniform => Vec::new(),
            Popularity::Zipf(s) => {
                let weights = (1..=objects).map(|i| (i as f64).powf(-s));
                let mut acc = 0.0;
                let mut c: Vec<f64> = weights
                    .map(|w| {
                        acc += w;
                        acc
                    })
                    .collect();
                for v in &mut c {
                    *v /= acc;
                }
                c
            }
        };
        KeySampler {
            objects,
            cumulative,
        }
    }

    pub fn objects(&self) -> u32 {
        self.objects
    }

    /// Object `i`'s probability.
    pub fn probability(&self, i: u32) -> f64 {
        if self.cumulative.is_empty() {
            return 1.0 / f64::from(self.objects);
        }
        let i = i as usize;
        let below = if i == 0 { 0.0 } else { self.cumulative[i - 1] };
        self.cumulative[i] - below
    }

    /// One request's object.
    #[inline]
    pub fn draw(&self, rng: &mut Rng) -> u32 {
        if self.cumulative.is_empty() {
            return rng.uniform_u64(0, u64::from(self.objects)) as u32;
        }
        let u = rng.open01();
        let at = self.cumulative.partition_point(|&c| c < u);
        at.min(self.cumulative.len() - 1) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::stream;

    #[test]
    fn zipf_probabilities_follow_the_law_and_sum_to_one() {
        let k = KeySampler::new(100, Popularity::Zipf(1.0));
        let h: f64 = (1..=100).map(|i| 1.0 / i as f64).sum();
        for i in [0u32, 1, 9, 99] {
            let want = 1.0 / ((i + 1) as f64 * h);
            assert!((k.probability(i) - want).abs() < 1e-12);
        }
        let total: f64 = (0..100).map(|i| k.probability(i)).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }

    #[test]
    fn draws_match_the_probabilities() {
        // The share of object 0 under Zipf(1.2) over 1,000 objects, within 4 sigma.
        let k = KeySampler::new(1_000, Popularity::Zipf(1.2));
        let mut rng = stream(7, "test/zipf");
        let n = 200_000;
        let hits = (0..n).filter(|_| k.draw(&mut rng) == 0).count() as f64;
        let p = k.probability(0);
        let sigma = (n as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (hits - n as f64 * p).abs() < 4.0 * sigma,
            "{hits} vs {}",
            n as f64 * p
        );
        let u = KeySampler::new(10, Popularity::Uniform);
        assert!((0..1000).all(|_| u.draw(&mut rng) < 10));
        assert_eq!(u.probability(3), 0.1);
    }
}
