//! Arrivals per second, and a diurnal curve fitted to them.
//!
//! Memory follows the time the logs span (one counter per second that saw a request), not
//! the number of requests.

use std::collections::BTreeMap;

const NS: i64 = 1_000_000_000;
const DAY_S: f64 = 86_400.0;

/// Requests counted per second of their arrival.
#[derive(Clone, Debug, Default)]
pub struct PerSecond {
    counts: BTreeMap<i64, u32>,
}

/// `mean x (1 + amplitude x cos(2 pi (t - peak_at) / 24 h))`, the scenario's `diurnal` profile,
/// fitted by least squares to the counts (time 0 is the first second of the logs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiurnalFit {
    pub mean: f64,
    /// Relative to the mean, 0 to 1.
    pub amplitude: f64,
    /// Seconds after time 0, in [0, 24 h).
    pub peak_at_s: f64,
    /// The share of the per-minute rates' variance the curve explains.
    pub r_squared: f64,
}

impl PerSecond {
    pub fn add(&mut self, arrival_ns: i64) {
        *self.counts.entry(arrival_ns.div_euclid(NS)).or_insert(0) += 1;
    }

    pub fn merge(&mut self, o: &PerSecond) {
        for (s, c) in &o.counts {
            *self.counts.entry(*s).or_insert(0) += c;
        }
    }

    /// The first second (Unix epoch seconds), if any request was counted.
    pub fn first_second(&self) -> Option<i64> {
        self.counts.keys().next().copied()
    }

    /// Seconds from the first to the last counted, inclusive.
    pub fn span_s(&self) -> u64 {
        match (self.counts.keys().next(), self.counts.keys().next_back()) {
            (Some(a), Some(b)) => (b - a + 1) as u64,
            _ => 0,
        }
    }

    pub fn total(&self) -> u64 {
        self.counts.values().map(|&c| u64::from(c)).sum()
    }

    /// Every second of the span, zeros included: a `format: counts` trace.
    pub fn series(&self) -> Vec<u32> {
        let Some(first) = self.first_second() else {
            return Vec::new();
        };
        let mut out = vec![0; self.span_s() as usize];
        for (s, c) in &self.counts {
            out[(s - first) as usize] = *c;
        }
        out
    }

    /// The largest count in any one second.
    pub fn peak(&self) -> u32 {
        self.counts.values().copied().max().unwrap_or(0)
    }

    /// The diurnal curve closest to the per-minute rates (least squares on `1, cos, sin` of the
    /// time of day), or `None` for less than an hour of logs.
    pub fn diurnal(&self) -> Option<DiurnalFit> {
        let series = self.series();
        if series.len() < 3600 {
            return None;
        }
        let w = 2.0 * std::f64::consts::PI / DAY_S;
        // Normal equations of y = b0 + b1 cos(wt) + b2 sin(wt), one point per whole minute.
        let mut a = [[0.0f64; 3]; 3];
        let mut b = [0.0f64; 3];
        let mut ys = Vec::with_capacity(series.len() / 60);
        for (m, chunk) in series.chunks_exact(60).enumerate() {
            let t = m as f64 * 60.0 + 30.0;
            let y = chunk.iter().map(|&c| f64::from(c)).sum::<f64>() / 60.0;
            let x = [1.0, (w * t).cos(), (w * t).sin()];
            for i in 0..3 {
                for j in 0..3 {
                    a[i][j] += x[i] * x[j];
                }
                b[i] += x[i] * y;
            }
            ys.push((t, y));
        }
        let [b0, b1, b2] = solve3(a, b)?;
        let amp = (b1 * b1 + b2 * b2).sqrt();
        let peak = (b2.atan2(b1) / w).rem_euclid(DAY_S);
        let mean_y = ys.iter().map(|p| p.1).sum::<f64>() / ys.len() as f64;
        let (mut ss_res, mut ss_tot) = (0.0, 0.0);
        for &(t, y) in &ys {
            let f = b0 + b1 * (w * t).cos() + b2 * (w * t).sin();
            ss_res += (y - f).powi(2);
            ss_tot += (y - mean_y).powi(2);
        }
        (b0 > 0.0).then(|| DiurnalFit {
            mean: b0,
            amplitude: (amp / b0).min(1.0),
            peak_at_s: peak,
            r_squared: if ss_tot > 0.0 {
                1.0 - ss_res / ss_tot
            } else {
                1.0
            },
        })
    }
}

/// Solves a 3x3 system by Gaussian elimination with partial pivoting.
fn solve3(mut a: [[f64; 3]; 3], mut b: [f64; 3]) -> Option<[f64; 3]> {
    for c in 0..3 {
        let p = (c..3).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let pivot = a[c];
        for r in c + 1..3 {
            let f = a[r][c] / pivot[c];
            for (x, p) in a[r].iter_mut().zip(pivot).skip(c) {
                *x -= f * p;
            }
            b[r] -= f * b[c];
        }
    }
    let mut x = [0.0; 3];
    for r in (0..3).rev() {
        let s: f64 = (r + 1..3).map(|k| a[r][k] * x[k]).sum();
        x[r] = (b[r] - s) / a[r][r];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_exact_cosine_is_recovered() {
        // Two days of counts following 100 x (1 + 0.5 cos(2 pi (t - 15 h) / 24 h)), rounded.
        let mut r = PerSecond::default();
        for s in 0..2 * 86_400i64 {
            let rate = 100.0
                * (1.0 + 0.5 * (2.0 * std::f64::consts::PI * (s as f64 - 54_000.0) / DAY_S).cos());
            for _ in 0..rate.round() as u32 {
                r.add(s * NS);
            }
        }
        let d = r.diurnal().unwrap();
        assert!((d.mean - 100.0).abs() < 0.1, "{d:?}");
        assert!((d.amplitude - 0.5).abs() < 0.002, "{d:?}");
        assert!((d.peak_at_s - 54_000.0).abs() < 120.0, "{d:?}");
        assert!(d.r_squared > 0.999);
        assert_eq!((r.span_s(), r.series().len()), (172_800, 172_800));
    }
}
