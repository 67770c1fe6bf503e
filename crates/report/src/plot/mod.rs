//! Plots of a run or an experiment, drawn with plotters: the dashboard of time series, the
//! latency distribution, comparison overlays and bars, and sweep curves.
//!
//! Every plot is a [`Figure`]: plain data (no model state, no I/O) that draws itself on any
//! plotters backend, so the same code gives SVG ([`svg`]) and PNG ([`png`]). Text is drawn
//! with DejaVu Sans, compiled into the binary and registered with plotters' `ab_glyph` font
//! table ([`register_font`]): rendering needs no system font library and no font files, and
//! gives the same pixels on every machine. SVG text names the family `sans-serif`, which a
//! browser draws with its own sans-serif face.
//!
//! One file per plot kind: `timeseries` (a grid of time-series panels, with fault markers and
//! the warm-up shaded), `dashboard` (one run's series grouped into panels by name),
//! `overlay` (one panel per series, one line per variant), `cdf` (latency CDF and percentile
//! spectrum from HDR histograms), `bars` (compared figures with ci95 error bars), `sweep`
//! (a figure against the varied parameter, with ci95 bars and the SLO line).

pub mod bars;
pub mod cdf;
pub mod dashboard;
pub mod overlay;
pub mod raster;
pub mod sweep;
pub mod timeseries;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::fmt::Display;
use std::sync::Once;

/// The embedded font (DejaVu Sans; license in `assets/fonts/LICENSE-DejaVu.txt`).
pub const FONT_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name text is drawn with (plotters' table key, and the SVG `font-family`).
pub const FONT_FAMILY: &str = "sans-serif";

/// Why a plot could not be drawn.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("plot `{plot}`: {message}")]
pub struct PlotError {
    pub plot: String,
    pub message: String,
}

/// Turns a plotters error into a [`PlotError`] naming the plot.
pub(crate) trait OrPlotError<T> {
    fn or_plot(self, plot: &str) -> Result<T, PlotError>;
}

impl<T, E: Display> OrPlotError<T> for Result<T, E> {
    fn or_plot(self, plot: &str) -> Result<T, PlotError> {
        self.map_err(|e| PlotError {
            plot: plot.to_string(),
            message: e.to_string(),
        })
    }
}

/// A plot: its pixel size and how it draws itself on any backend.
pub trait Figure {
    /// A short name for error messages (e.g. `dashboard`).
    fn name(&self) -> &str;
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws on `area` (already filled white).
    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError>;
}

/// The layout of a figure of equal panels under a one-line title: `rows` x `columns` panels
/// of `panel` pixels each.
pub(crate) struct TitledGrid {
    rows: usize,
    columns: usize,
    panel: (u32, u32),
}

impl TitledGrid {
    const TITLE_H: u32 = 44;

    /// `n` panels, at most `max_columns` side by side.
    pub(crate) fn new(n: usize, max_columns: usize, panel: (u32, u32)) -> Self {
        let columns = n.clamp(1, max_columns);
        TitledGrid {
            rows: n.div_ceil(columns).max(1),
            columns,
            panel,
        }
    }

    pub(crate) fn size(&self) -> (u32, u32) {
        (
            self.panel.0 * self.columns as u32,
            Self::TITLE_H + self.panel.1 * self.rows as u32,
        )
    }

    /// Draws the title and returns the panels' areas, row by row.
    pub(crate) fn cells<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        title: &str,
        name: &str,
    ) -> Result<Vec<DrawingArea<DB, Shift>>, PlotError> {
        let (header, body) = area.split_vertically(Self::TITLE_H);
        header
            .draw(&Text::new(title.to_string(), (14, 10), font(20)))
            .or_plot(name)?;
        Ok(body.split_evenly((self.rows, self.columns)))
    }
}

/// Registers the embedded font with plotters (once per process; later calls do nothing).
pub fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            if plotters::style::register_font(FONT_FAMILY, style, FONT_TTF).is_err() {
                unreachable!("the embedded font parses");
            }
        }
    });
}

/// The figure as an SVG document.
pub fn svg(fig: &impl Figure) -> Result<String, PlotError> {
    register_font();
    let mut out = String::new();
    {
        let area = SVGBackend::with_string(&mut out, fig.size()).into_drawing_area();
        area.fill(&WHITE).or_plot(fig.name())?;
        fig.draw(&area)?;
        area.present().or_plot(fig.name())?;
    }
    Ok(out)
}

/// The figure as a PNG image (8-bit RGB).
pub fn png(fig: &impl Figure) -> Result<Vec<u8>, PlotError> {
    register_font();
    let (w, h) = fig.size();
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let area = raster::TextBitmap::new(&mut rgb, (w, h)).into_drawing_area();
        area.fill(&WHITE).or_plot(fig.name())?;
        fig.draw(&area)?;
        area.present().or_plot(fig.name())?;
    }
    let mut out = Vec::new();
    {
        let mut encoder = ::png::Encoder::new(&mut out, w, h);
        encoder.set_color(::png::ColorType::Rgb);
        encoder.set_depth(::png::BitDepth::Eight);
        encoder.set_compression(::png::Compression::Fast);
        let mut writer = encoder.write_header().or_plot(fig.name())?;
        writer.write_image_data(&rgb).or_plot(fig.name())?;
        writer.finish().or_plot(fig.name())?;
    }
    Ok(out)
}

/// The line colors, in order (a colour-blind-friendly qualitative palette).
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
    RGBColor(214, 39, 40),
];

/// The colour of the `i`-th line.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Fault and event markers, and SLO lines.
pub const MARKER: RGBColor = RGBColor(200, 30, 30);

/// A text style of the embedded font.
pub fn font(size: u32) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&BLACK)
}

/// A number for an axis or a label: short, with k/M suffixes for large values.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    let trim = |s: String| {
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    if a >= 1e6 {
        format!("{}M", trim(format!("{:.2}", v / 1e6)))
    } else if a >= 1e4 {
        format!("{}k", trim(format!("{:.1}", v / 1e3)))
    } else if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 1.0 {
        trim(format!("{v:.2}"))
    } else {
        trim(format!("{v:.4}"))
    }
}

/// A value range that contains `values` (and zero when they are non-negative), with 8%
/// headroom; never empty.
pub fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let lo = lo.min(0.0);
    let span = if hi - lo < 1e-9 {
        hi.abs().max(1.0)
    } else {
        hi - lo
    };
    let hi = hi.max(lo + span);
    (
        if lo < 0.0 { lo - 0.08 * span } else { lo },
        hi + 0.08 * span,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(12.5), "12.5");
        assert_eq!(short_number(250.0), "250");
        assert_eq!(short_number(12_500.0), "12.5k");
        assert_eq!(short_number(2_000_000.0), "2M");
        assert_eq!(short_number(0.0012), "0.0012");
    }

    #[test]
    fn ranges_hold_their_values() {
        assert_eq!(value_range([].into_iter()), (0.0, 1.0));
        let (lo, hi) = value_range([3.0, 5.0].into_iter());
        assert_eq!(lo, 0.0);
        assert!(hi > 5.0);
        let (lo, hi) = value_range([4.0, 4.0].into_iter());
        assert!(lo <= 4.0 && hi > 4.0);
        let (lo, _) = value_range([-2.0, 1.0].into_iter());
        assert!(lo < -2.0);
    }
}
