//! The latency distribution from HDR histograms (µs): on the left the CDF (fraction of
//! successful requests at or below a latency, log latency axis), on the right the percentile
//! spectrum (latency against 1/(1-q), HdrHistogram's usual view of the tail). One line per
//! histogram: one run, or one per variant.

use super::{Figure, OrPlotError, PlotError, color, font, short_number};
use hdrhistogram::Histogram;
use plotters::coord::Shift;
use plotters::prelude::*;

#[derive(Clone)]
pub struct LatencyFigure<'a> {
    pub title: String,
    /// `(label, histogram of latencies in µs)`.
    pub curves: Vec<(String, &'a Histogram<u64>)>,
}

/// A histogram (µs) back from `latency.hgrm`'s rows (value in ms, percentile, cumulative
/// `TotalCount`): each row's new count recorded at its value. The result has the file's
/// resolution: its percentiles at the rows' quantiles are the file's values.
pub fn histogram_from_hgrm(text: &str) -> Result<Histogram<u64>, String> {
    let mut h = Histogram::<u64>::new(3).map_err(|e| e.to_string())?;
    let mut seen = 0u64;
    for (i, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 3 || line.starts_with('#') || f[0] == "Value" {
            continue;
        }
        let bad = || format!("line {}: expected Value Percentile TotalCount", i + 1);
        let value_ms: f64 = f[0].parse().map_err(|_| bad())?;
        let total: u64 = f[2].parse().map_err(|_| bad())?;
        if value_ms.is_nan() || value_ms < 0.0 {
            return Err(format!("line {}: a latency is never negative", i + 1));
        }
        if total < seen {
            return Err(format!("line {}: TotalCount must not decrease", i + 1));
        }
        if total > seen {
            h.record_n((value_ms * 1e3).round() as u64, total - seen)
                .map_err(|e| format!("line {}: {e}", i + 1))?;
        }
        seen = total;
    }
    Ok(h)
}

/// `(latency_ms, cumulative percent)` at every recorded value.
pub fn cdf_points(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    h.iter_recorded()
        .map(|v| {
            (
                v.value_iterated_to() as f64 / 1e3,
                100.0 * v.quantile_iterated_to(),
            )
        })
        .collect()
}

/// `(1/(1-q), latency_ms)` for quantiles below 1, ever finer toward the tail.
pub fn spectrum_points(h: &Histogram<u64>) -> Vec<(f64, f64)> {
    h.iter_quantiles(4)
        .map(|v| (v.quantile_iterated_to(), v.value_iterated_to()))
        .filter(|(q, _)| *q < 1.0)
        .map(|(q, v)| (1.0 / (1.0 - q), v as f64 / 1e3))
        .collect()
}

/// The percentile a point of the spectrum axis stands for (`10` -> `90%`).
fn percentile_label(x: f64) -> String {
    let p = 100.0 * (1.0 - 1.0 / x.max(1.0));
    let s = format!("{p:.4}");
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

impl Figure for LatencyFigure<'_> {
    fn name(&self) -> &str {
        "latency-cdf"
    }

    fn size(&self) -> (u32, u32) {
        (1000, 420)
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (header, body) = area.split_vertically(40);
        header
            .draw(&Text::new(self.title.clone(), (14, 8), font(20)))
            .or_plot(self.name())?;
        let curves: Vec<_> = self.curves.iter().filter(|(_, h)| !h.is_empty()).collect();
        if curves.is_empty() {
            return body
                .draw(&Text::new("no successful requests", (14, 20), font(14)))
                .or_plot(self.name());
        }
        let (left, right) = body.split_horizontally(500);
        let lo = curves
            .iter()
            .map(|(_, h)| h.min() as f64 / 1e3)
            .fold(f64::INFINITY, f64::min)
            .max(0.001);
        let hi = curves
            .iter()
            .map(|(_, h)| h.max() as f64 / 1e3)
            .fold(0.0, f64::max)
            .max(lo * 10.0);
        draw_cdf(&left, &curves, lo, hi).or_plot(self.name())?;
        draw_spectrum(&right, &curves, hi).or_plot(self.name())
    }
}

fn draw_cdf<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curves: &[&(String, &Histogram<u64>)],
    lo: f64,
    hi: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .caption("CDF", font(14))
        .x_label_area_size(34)
        .y_label_area_size(44)
        .build_cartesian_2d((lo * 0.9..hi * 1.1).log_scale(), 0.0..100.0)?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log)")
        .y_desc("% of requests")
        .x_label_formatter(&|x| short_number(*x))
        .label_style(font(11))
        .axis_desc_style(font(11))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    for (i, (label, h)) in curves.iter().enumerate() {
        chart
            .draw_series(LineSeries::new(cdf_points(h), color(i).stroke_width(2)))?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color(i).stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .label_font(font(11))
        .background_style(WHITE.mix(0.8))
        .border_style(RGBColor(200, 200, 200))
        .draw()
}

fn draw_spectrum<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curves: &[&(String, &Histogram<u64>)],
    hi: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let series: Vec<Vec<(f64, f64)>> = curves.iter().map(|(_, h)| spectrum_points(h)).collect();
    let x_hi = series
        .iter()
        .flatten()
        .map(|p| p.0)
        .fold(10.0, f64::max)
        .min(1e7);
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .caption("percentile spectrum", font(14))
        .x_label_area_size(34)
        .y_label_area_size(50)
        .build_cartesian_2d((1.0..x_hi * 1.5).log_scale(), 0.0..hi * 1.08)?;
    chart
        .configure_mesh()
        .x_desc("percentile")
        .y_desc("latency (ms)")
        .x_label_formatter(&|x| percentile_label(*x))
        .y_label_formatter(&|y| short_number(*y))
        .label_style(font(11))
        .axis_desc_style(font(11))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    for (i, points) in series.into_iter().enumerate() {
        chart.draw_series(LineSeries::new(points, color(i).stroke_width(2)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_comes_back_from_its_hgrm_text() {
        let mut h = Histogram::<u64>::new(3).unwrap();
        for k in 1..=10_000u64 {
            h.record(k * k % 977 * 100 + 50).unwrap();
        }
        let back = histogram_from_hgrm(&crate::report::hgrm(&h)).unwrap();
        assert_eq!(back.len(), h.len());
        assert_eq!(back.max(), h.max());
        for q in [0.1, 0.5, 0.9, 0.99] {
            let (a, b) = (h.value_at_quantile(q), back.value_at_quantile(q));
            assert!(a.abs_diff(b) <= a / 100 + 1, "q {q}: {a} vs {b}");
        }
        assert!(histogram_from_hgrm("1.0 0.5 10\n2.0 0.9 5\n").is_err());
    }

    #[test]
    fn cdf_ends_at_one_hundred_percent() {
        let mut h = Histogram::<u64>::new_with_bounds(1, 1_000_000, 3).unwrap();
        for v in 1..=1000u64 {
            h.record(v * 10).unwrap();
        }
        let c = cdf_points(&h);
        assert!(c.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 <= w[1].1));
        assert_eq!(c.last().unwrap().1, 100.0);
        let s = spectrum_points(&h);
        assert!(s.iter().all(|p| p.0 >= 1.0));
        assert_eq!(percentile_label(10.0), "90%");
        assert_eq!(percentile_label(1000.0), "99.9%");
        assert_eq!(percentile_label(1.0), "0%");
    }
}
