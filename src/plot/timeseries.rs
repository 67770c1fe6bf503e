//! A CloudWatch-like grid of time-series panels: a title, then panels of lines over simulated
//! time, with the warm-up shaded and fault/event markers drawn as vertical lines. The
//! dashboard and the comparison overlay are both this figure, with different panels.

use super::{Figure, MARKER, OrPlotError, PlotError, color, font, short_number, value_range};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One line of a panel: a label and `(time_s, value)` points in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub label: String,
    pub points: Vec<(f64, f64)>,
}

/// One panel: a title and its lines (the legend shows when there are several).
#[derive(Clone, Debug, PartialEq)]
pub struct Panel {
    pub title: String,
    pub lines: Vec<Line>,
}

/// What every panel shares: the run's length, its warm-up and its markers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    pub duration_s: f64,
    pub warmup_s: f64,
    /// `(time_s, label)`: faults and other events, drawn as vertical lines.
    pub markers: Vec<(f64, String)>,
}

impl Timeline {
    /// The axis unit: minutes up to three hours, hours beyond.
    fn unit(&self) -> (f64, &'static str) {
        if self.duration_s <= 3.0 * 3600.0 {
            (60.0, "time (min)")
        } else {
            (3600.0, "time (h)")
        }
    }
}

/// The grid figure.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelGrid {
    /// `dashboard`, `overlay`: names the plot in errors.
    pub kind: String,
    pub title: String,
    pub subtitle: String,
    pub timeline: Timeline,
    pub panels: Vec<Panel>,
    /// Panels per row.
    pub columns: usize,
    /// One legend in the header instead of one per panel: for grids whose panels all have
    /// the same lines (one per variant).
    pub shared_legend: Option<Vec<String>>,
}

const PANEL_W: u32 = 470;
const PANEL_H: u32 = 250;
const HEADER_H: u32 = 56;

impl PanelGrid {
    /// Columns for `n` panels: one or two for few, three for more, four for many.
    pub fn columns_for(n: usize) -> usize {
        match n {
            0 | 1 => 1,
            2..=4 => 2,
            5..=12 => 3,
            _ => 4,
        }
    }

    fn rows(&self) -> usize {
        self.panels.len().div_ceil(self.columns.max(1)).max(1)
    }
}

impl Figure for PanelGrid {
    fn name(&self) -> &str {
        &self.kind
    }

    fn size(&self) -> (u32, u32) {
        (
            PANEL_W * self.columns.max(1) as u32,
            HEADER_H + PANEL_H * self.rows() as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let (header, body) = area.split_vertically(HEADER_H);
        header
            .draw(&Text::new(self.title.clone(), (14, 8), font(22)))
            .or_plot(&self.kind)?;
        header
            .draw(&Text::new(
                self.subtitle.clone(),
                (14, 34),
                font(13).color(&RGBColor(90, 90, 90)),
            ))
            .or_plot(&self.kind)?;
        if let Some(labels) = &self.shared_legend {
            let (w, _) = self.size();
            let mut x = w as i32 / 3;
            for (i, label) in labels.iter().enumerate() {
                let y = 14 + 18 * (i as i32 % 2);
                header
                    .draw(&PathElement::new(
                        vec![(x, y + 6), (x + 18, y + 6)],
                        color(i).stroke_width(3),
                    ))
                    .or_plot(&self.kind)?;
                header
                    .draw(&Text::new(label.clone(), (x + 24, y), font(12)))
                    .or_plot(&self.kind)?;
                if i % 2 == 1 {
                    x += 30 + 8 * labels[i - 1].len().max(label.len()) as i32;
                }
            }
        }
        if self.panels.is_empty() {
            return body
                .draw(&Text::new("no time series", (14, 20), font(14)))
                .or_plot(&self.kind);
        }
        let cells = body.split_evenly((self.rows(), self.columns.max(1)));
        for (panel, cell) in self.panels.iter().zip(&cells) {
            draw_panel(cell, panel, &self.timeline, self.shared_legend.is_none())
                .or_plot(&self.kind)?;
        }
        Ok(())
    }
}

/// Draws one panel: axes, lines, the shaded warm-up, markers, and a legend for several lines.
fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    timeline: &Timeline,
    legend: bool,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let legend = legend && panel.lines.len() > 1;
    let (scale, x_desc) = timeline.unit();
    let x_end = (timeline.duration_s / scale).max(1e-9);
    let (y_lo, y_hi) = value_range(
        panel
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.1)),
    );
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .caption(&panel.title, font(14))
        .x_label_area_size(32)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..x_end, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .x_labels(7)
        .y_labels(6)
        .x_label_formatter(&|x| short_number(*x))
        .y_label_formatter(&|y| short_number(*y))
        .label_style(font(11))
        .axis_desc_style(font(11))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    if timeline.warmup_s > 0.0 {
        let w = (timeline.warmup_s / scale).min(x_end);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(0.0, y_lo), (w, y_hi)],
            RGBColor(120, 120, 120).mix(0.12).filled(),
        )))?;
    }
    for (i, line) in panel.lines.iter().enumerate() {
        // Wide strokes are polygons whose mitred joins spike on dense, noisy lines: a line
        // with more points than about half the panel's pixels is drawn one pixel wide.
        let width = if line.points.len() > 200 { 1 } else { 2 };
        let style = color(i).stroke_width(width);
        let series = chart.draw_series(LineSeries::new(
            line.points.iter().map(|&(t, v)| (t / scale, v)),
            style,
        ))?;
        if legend {
            series.label(line.label.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 16, y)], color(i).stroke_width(2))
            });
        }
    }
    for (t, label) in &timeline.markers {
        let x = t / scale;
        if !(0.0..=x_end).contains(&x) {
            continue;
        }
        chart.draw_series(DashedLineSeries::new(
            [(x, y_lo), (x, y_hi)],
            5,
            4,
            MARKER.stroke_width(1),
        ))?;
        chart.draw_series(std::iter::once(Text::new(
            label.clone(),
            (x, y_hi),
            font(10)
                .color(&MARKER)
                .pos(plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Left,
                    plotters::style::text_anchor::VPos::Top,
                )),
        )))?;
    }
    if legend {
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(font(10))
            .background_style(WHITE.mix(0.8))
            .border_style(RGBColor(200, 200, 200))
            .draw()?;
    }
    Ok(())
}
