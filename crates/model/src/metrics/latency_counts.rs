//! Latencies counted on the request path: the counters of [`Latency`]'s HDR histogram (the
//! same buckets, index for index) in a plain array, with the smallest and largest latency
//! recorded, so that a record is an index and an increment, and a metric period's close reads,
//! adds and clears the recorded range only instead of every one of the 27,648 counters. Its
//! quantiles are the histogram's, bit for bit, and it merges into a [`Latency`] as if each
//! value had been recorded there. It touches nothing but itself and the [`Latency`] it merges
//! into.

use super::latency::{Latency, MAX_US};

/// The histogram's layout for `Latency`'s bounds (lowest 1 µs, so no unit shift; 3
/// significant digits, so 2,048 sub-buckets): checked against `hdrhistogram` by the tests.
const SUB_BUCKET_HALF_MAGNITUDE: u32 = 10;
const SUB_BUCKET_HALF: usize = 1 << SUB_BUCKET_HALF_MAGNITUDE;
const SUB_BUCKET_MASK: u64 = 2 * SUB_BUCKET_HALF as u64 - 1;
const LEADING_ZERO_BASE: u32 = 64 - (SUB_BUCKET_HALF_MAGNITUDE + 1);

/// The counter a value (microseconds) falls in, as `hdrhistogram` indexes it.
#[inline(always)]
fn index_for(value: u64) -> usize {
    let bucket = LEADING_ZERO_BASE - (value | SUB_BUCKET_MASK).leading_zeros();
    let sub_bucket = (value >> bucket) as usize;
    ((bucket as usize + 1) << SUB_BUCKET_HALF_MAGNITUDE) + sub_bucket - SUB_BUCKET_HALF
}

/// The lowest value (microseconds) of a counter.
fn value_for(index: usize) -> u64 {
    let bucket = (index >> SUB_BUCKET_HALF_MAGNITUDE) as i64 - 1;
    let sub_bucket = (index & (SUB_BUCKET_HALF - 1)) as u64 + SUB_BUCKET_HALF as u64;
    if bucket < 0 {
        sub_bucket - SUB_BUCKET_HALF as u64
    } else {
        sub_bucket << bucket
    }
}

/// The highest value equivalent to the counter's lowest `value`.
fn highest_equivalent(value: u64) -> u64 {
    let bucket = LEADING_ZERO_BASE - (value | SUB_BUCKET_MASK).leading_zeros();
    value.saturating_add(1 << bucket) - 1
}

/// The first counter from `from` on at which the running count reaches `target`, `seen`
/// being the count of the counters before `from`; with the count through it. `None` if none
/// does. Sums eight counters at a time (vectorized) until a block reaches the target, as
/// `hdrhistogram`'s quantile does.
fn reach(counts: &[u64], from: usize, mut seen: u64, target: u64) -> Option<(usize, u64)> {
    let mut i = from;
    while i + 8 <= counts.len() {
        let block: u64 = counts[i..i + 8].iter().sum();
        if seen + block >= target {
            break;
        }
        seen += block;
        i += 8;
    }
    while i < counts.len() {
        seen += counts[i];
        if seen >= target {
            return Some((i, seen));
        }
        i += 1;
    }
    None
}

pub struct LatencyCounts {
    counts: Box<[u64]>,
    /// The counter of values past the histogram's highest trackable value (they saturate).
    top: usize,
    total: u64,
    sum_ns: u128,
    /// The smallest and largest latencies recorded (`u64::MAX` and 0 when none): the range
    /// of counters that may be other than zero.
    min_ns: u64,
    max_ns: u64,
}

impl Default for LatencyCounts {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyCounts {
    pub fn new() -> Self {
        let len = Latency::new().histogram().distinct_values();
        LatencyCounts {
            counts: vec![0; len].into_boxed_slice(),
            top: index_for(MAX_US),
            total: 0,
            sum_ns: 0,
            min_ns: u64::MAX,
            max_ns: 0,
        }
    }

    /// Records a latency, as [`Latency::record`] does.
    #[inline(always)]
    pub fn record(&mut self, ns: u64) {
        let i = self.index(ns);
        self.counts[i] += 1;
        self.total += 1;
        self.sum_ns += ns as u128;
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// The counter of a latency: [`Latency::record`]'s microseconds (at least 1), saturated
    /// at the histogram's top as `hdrhistogram`'s `saturating_record` does.
    #[inline(always)]
    fn index(&self, ns: u64) -> usize {
        let i = index_for((ns / 1_000).max(1));
        if i < self.counts.len() { i } else { self.top }
    }

    pub fn count(&self) -> u64 {
        self.total
    }

    /// The range of counters that may be other than zero: from the smallest latency's to the
    /// largest's, or to the last when the largest saturated (values past the top go to the
    /// top's counter, below the last buckets' of values just past it).
    fn range(&self) -> std::ops::Range<usize> {
        if self.total == 0 {
            return 0..0;
        }
        let last = index_for((self.max_ns / 1_000).max(1)).min(self.counts.len() - 1);
        self.index(self.min_ns)..last + 1
    }

    /// The counters recorded, lowest first: (index, count), zeros included.
    fn recorded(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        let range = self.range();
        range.clone().zip(self.counts[range].iter().copied())
    }

    /// The `q`-quantile (0..=1) in milliseconds: [`Latency::quantile_ms`] of the same values,
    /// bit for bit.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        self.quantiles_ms([q])[0]
    }

    /// The quantiles `qs` (ascending) in milliseconds, in one pass over the recorded range:
    /// each [`Latency::quantile_ms`] of the same values, bit for bit (`hdrhistogram`'s
    /// `value_at_quantile`: the first counter at which the running count reaches
    /// `ceil(q * total)`, at least 1; its highest equivalent value, its lowest for 0).
    pub fn quantiles_ms<const N: usize>(&self, qs: [f64; N]) -> [f64; N] {
        debug_assert!(qs.is_sorted(), "quantiles in ascending order");
        let mut out = [0.0; N];
        if self.total == 0 {
            return out;
        }
        let range = self.range();
        let counts = &self.counts[..range.end];
        // The counter of the last quantile and the count through it.
        let mut last: Option<(usize, u64)> = None;
        for (q, out) in qs.into_iter().zip(&mut out) {
            let q = if q > 1.0 { 1.0 } else { q };
            let target = ((q * self.total as f64).ceil() as u64).max(1);
            let found = match last {
                Some((i, through)) if through >= target => Some((i, through)),
                Some((i, through)) => reach(counts, i + 1, through, target),
                None => reach(counts, range.start, 0, target),
            };
            let Some((i, through)) = found else {
                break;
            };
            last = Some((i, through));
            let v = value_for(i);
            *out = if q == 0.0 { v } else { highest_equivalent(v) } as f64 / 1e3;
        }
        out
    }

    /// Adds another's values to these: their counts over its recorded range, sum and extremes.
    pub fn add(&mut self, other: &LatencyCounts) {
        let range = other.range();
        for (a, b) in self.counts[range.clone()]
            .iter_mut()
            .zip(&other.counts[range])
        {
            *a += b;
        }
        self.total += other.total;
        self.sum_ns += other.sum_ns;
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Adds these values to `into`: the counts, sum and maximum that recording each
    /// there would have given.
    pub fn merge_into(&self, into: &mut Latency) {
        for (i, c) in self.recorded() {
            if c != 0 {
                into.record_counted(value_for(i), c);
            }
        }
        into.add_exact(self.sum_ns, self.max_ns);
    }

    /// Forgets every value: clears the recorded range only.
    pub fn reset(&mut self) {
        let range = self.range();
        self.counts[range].fill(0);
        self.total = 0;
        self.sum_ns = 0;
        self.min_ns = u64::MAX;
        self.max_ns = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stratus_kernel::kernel::{RngExt, stream};

    /// Latencies from 1 ns to past the histogram's top (log-uniform, so every bucket size is
    /// hit), with runs of equal values.
    fn latencies(seed: u64, n: usize) -> Vec<u64> {
        let mut rng = stream(seed, "metrics/counts");
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let e = rng.uniform_u64(0, 47);
            let ns = rng.uniform_u64(1 << e, 2 << e);
            let repeat = rng.uniform_u64(1, 3);
            for _ in 0..repeat {
                out.push(ns);
            }
        }
        out.truncate(n);
        out
    }

    const QUANTILES: [f64; 12] = [
        0.0, 1e-9, 0.001, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 0.99999, 1.0, 1.5,
    ];

    fn assert_same(p: &LatencyCounts, l: &Latency) {
        assert_eq!(p.count(), l.count());
        for q in QUANTILES {
            assert_eq!(
                p.quantile_ms(q).to_bits(),
                l.quantile_ms(q).to_bits(),
                "q {q}"
            );
        }
        let all = p.quantiles_ms(QUANTILES);
        for (q, v) in QUANTILES.into_iter().zip(all) {
            assert_eq!(v.to_bits(), l.quantile_ms(q).to_bits(), "q {q} in one pass");
        }
    }

    /// Latencies at and past the histogram's top: those in its last buckets keep their
    /// counters, those past them go to the top's, as `hdrhistogram` saturates them.
    #[test]
    fn saturated_latencies_are_the_histograms() {
        let last = Latency::new().histogram().distinct_values() - 1;
        let edges = [
            MAX_US * 1_000,
            (MAX_US + 1) * 1_000,
            value_for(last) * 1_000,
            highest_equivalent(value_for(last)) * 1_000,
            (highest_equivalent(value_for(last)) + 1) * 1_000,
            u64::MAX,
        ];
        for n in 1..=edges.len() {
            for start in 0..=edges.len() - n {
                let mut p = LatencyCounts::new();
                let mut each = Latency::new();
                for ns in [1, 5_000_000]
                    .into_iter()
                    .chain(edges[start..start + n].iter().copied())
                {
                    p.record(ns);
                    each.record(ns);
                }
                assert_same(&p, &each);
                let mut merged = Latency::new();
                p.merge_into(&mut merged);
                assert_same(&p, &merged);
                p.reset();
                assert!(p.counts.iter().all(|&c| c == 0));
            }
        }
    }

    /// Counts added to others give what recording all into one gives.
    #[test]
    fn added_counts_are_recorded_counts() {
        let mut sum = LatencyCounts::new();
        let mut each = Latency::new();
        for (seed, n) in [(11, 5), (12, 3_000), (13, 1)] {
            let mut part = LatencyCounts::new();
            for ns in latencies(seed, n) {
                part.record(ns);
                each.record(ns);
            }
            sum.add(&part);
            assert_same(&sum, &each);
        }
        sum.add(&LatencyCounts::new());
        assert_same(&sum, &each);
        let mut merged = Latency::new();
        sum.merge_into(&mut merged);
        assert_eq!(merged.mean_ms().to_bits(), each.mean_ms().to_bits());
        assert_eq!(merged.max_ms().to_bits(), each.max_ms().to_bits());
    }

    #[test]
    fn the_layout_is_the_histograms() {
        let h = Latency::new();
        let h = h.histogram();
        let mut rng = stream(3, "metrics/layout");
        let mut values: Vec<u64> = (0..20_000)
            .map(|_| {
                let e = rng.uniform_u64(0, 37);
                rng.uniform_u64(1 << e, 2 << e)
            })
            .collect();
        values.extend([1, 2, 1023, 1024, 2047, 2048, 2049, 4095, 4096, MAX_US]);
        for v in values {
            let i = index_for(v);
            assert!(i < h.distinct_values(), "{v}");
            assert_eq!(value_for(i), h.lowest_equivalent(v), "{v}");
            assert_eq!(
                highest_equivalent(value_for(i)),
                h.highest_equivalent(v),
                "{v}"
            );
            assert_eq!(index_for(value_for(i)), i);
        }
        assert_eq!(
            index_for(value_for(h.distinct_values() - 1)),
            h.distinct_values() - 1
        );
    }

    /// Recording into counts gives the quantiles recording into a `Latency` gives, and the
    /// counts merged into a `Latency` are that `Latency`: counts, quantiles, mean, extremes
    /// and every bucket.
    #[test]
    fn counts_are_the_histogram_and_merge_as_records() {
        for (seed, n) in [(1, 1), (2, 7), (3, 1_000), (4, 60_000)] {
            let values = latencies(seed, n);
            let mut p = LatencyCounts::new();
            let mut each = Latency::new();
            for &ns in &values {
                p.record(ns);
                each.record(ns);
            }
            assert_same(&p, &each);
            let mut merged = Latency::new();
            merged.record(5_000_000); // not empty: the merge adds to what is there
            each.record(5_000_000);
            p.merge_into(&mut merged);
            assert_eq!(merged.count(), each.count());
            assert_eq!(merged.mean_ms().to_bits(), each.mean_ms().to_bits());
            assert_eq!(merged.max_ms().to_bits(), each.max_ms().to_bits());
            for q in QUANTILES {
                assert_eq!(
                    merged.quantile_ms(q).to_bits(),
                    each.quantile_ms(q).to_bits()
                );
            }
            let (a, b) = (merged.histogram(), each.histogram());
            assert_eq!((a.min(), a.max(), a.len()), (b.min(), b.max(), b.len()));
            let buckets = |h: &hdrhistogram::Histogram<u64>| -> Vec<(u64, u64)> {
                (h.iter_recorded())
                    .map(|v| (v.value_iterated_to(), v.count_at_value()))
                    .collect()
            };
            assert_eq!(buckets(a), buckets(b));
        }
    }

    /// Reset counts are fresh ones, whatever they held: every counter zero, nothing counted,
    /// and the next values give what they give fresh counts.
    #[test]
    fn reset_counts_are_fresh_ones() {
        let fresh = LatencyCounts::new();
        let mut p = LatencyCounts::new();
        for (seed, n) in [(5, 1), (6, 3), (7, 5_000), (8, 40_000)] {
            for ns in latencies(seed, n) {
                p.record(ns);
            }
            p.reset();
            assert!(p.counts.iter().all(|&c| c == 0));
            assert_eq!(
                (p.total, p.sum_ns, p.min_ns, p.max_ns),
                (fresh.total, fresh.sum_ns, fresh.min_ns, fresh.max_ns)
            );
            assert_same(&p, &Latency::new());
            let mut merged = Latency::new();
            p.merge_into(&mut merged);
            assert_eq!(merged.count(), 0);
            assert_eq!(merged.max_ms(), 0.0);
            let next = latencies(seed + 100, 2_000);
            let mut each = Latency::new();
            for &ns in &next {
                p.record(ns);
                each.record(ns);
            }
            assert_same(&p, &each);
        }
    }
}
