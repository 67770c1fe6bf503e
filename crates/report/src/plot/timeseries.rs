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
    /// The window drawn: from `start_s` (0 for the whole run) to `duration_s`.
    pub start_s: f64,
    pub duration_s: f64,
    pub warmup_s: f64,
    /// `(time_s, label)`: faults and other events, drawn as vertical lines.
    pub markers: Vec<(f64, String)>,
}

impl Timeline {
    /// The axis unit: minutes up to three hours, hours beyond.
    fn unit(&self) -> (f64, &'static str) {
        if self.duration_s - self.start_s <= 3.0 * 3600.0 {
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

/// How the `i`-th line of a panel is told apart from the others when their values coincide:
/// the first is solid, each later one dashed with its own pattern `(dash, gap)` in pixels, so
/// a line drawn over an identical one leaves it showing through its gaps; and each line
/// carries its own marker shape (a polygon with `sides` corners) at points no other line
/// marks.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineLook {
    pub dash: Option<(u32, u32)>,
    pub sides: u32,
}

/// The look of the `i`-th line of a panel (see [`LineLook`]).
pub fn line_look(i: usize) -> LineLook {
    const DASHES: [(u32, u32); 5] = [(9, 5), (3, 4), (14, 4), (6, 3), (2, 7)];
    const SIDES: [u32; 5] = [8, 3, 4, 5, 6];
    LineLook {
        dash: (i > 0).then(|| DASHES[(i - 1) % DASHES.len()]),
        sides: SIDES[i % SIDES.len()],
    }
}

/// Marker corners around `(0, 0)`, in pixels: a regular polygon of `sides` corners.
fn marker_shape(sides: u32) -> Vec<(i32, i32)> {
    let r = 4.0;
    // Squares stand on a side, the other shapes on a corner.
    let phase = if sides == 4 { 0.25 } else { 0.0 };
    (0..sides)
        .map(|k| {
            let a = std::f64::consts::TAU * (k as f64 + phase) / sides as f64;
            ((r * a.sin()).round() as i32, (-r * a.cos()).round() as i32)
        })
        .collect()
}

/// Markers per line: the indices of the points of line `i` (of `lines`) that carry its marker:
/// about eight per line, staggered so that no two lines of a panel mark the same point.
pub fn marker_indices(points: usize, i: usize, lines: usize) -> Vec<usize> {
    let lines = lines.max(1);
    let step = (points / 8).max(lines).div_ceil(lines) * lines;
    let offset = (step / lines) * (i % lines) + step / (2 * lines);
    (0..points).skip(offset).step_by(step.max(1)).collect()
}

/// The y axis of a panel: linear, or logarithmic (base 10) for a latency panel whose positive
/// values span more than two decades (max / min > 100), where a linear axis would flatten
/// everything but the largest spike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YAxis {
    Linear,
    Log,
}

/// The y axis for a panel titled `title` showing `values`.
pub fn y_axis(title: &str, values: impl Iterator<Item = f64>) -> YAxis {
    if !title.contains("latency") {
        return YAxis::Linear;
    }
    let (lo, hi) = values
        .filter(|v| v.is_finite() && *v > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if lo.is_finite() && hi / lo > 100.0 {
        YAxis::Log
    } else {
        YAxis::Linear
    }
}

/// Labels the markers inside the plotting area, never overlapping and never leaving it: a
/// label starts right of its line, or ends left of it when it would pass the right edge; a
/// label that would overlap one already placed goes one row lower; a label with no room left
/// (more rows than the panel holds) is not drawn (its dashed line still is).
fn draw_marker_labels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    markers: &[(f64, &String)],
    x_start: f64,
    x_end: f64,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let (w, h) = area.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let style = font(10).color(&MARKER);
    const ROW: i32 = 12;
    // The right end of the last label of each row.
    let mut rows: Vec<i32> = Vec::new();
    for &(x, label) in markers {
        let px = ((x - x_start) / (x_end - x_start) * w as f64).round() as i32;
        let (tw, _) = area.estimate_text_size(label, &style)?;
        let tw = tw as i32;
        if tw + 6 > w {
            continue;
        }
        let left = if px + 3 + tw <= w {
            px + 3
        } else {
            (px - 3 - tw).max(0)
        };
        let row = match rows.iter().position(|&end| end + 4 <= left) {
            Some(r) => r,
            None => {
                rows.push(i32::MIN);
                rows.len() - 1
            }
        };
        let y = 2 + row as i32 * ROW;
        if y + ROW > h {
            continue;
        }
        rows[row] = left + tw;
        area.draw(&Text::new(
            label.clone(),
            (left, y),
            style.pos(Pos::new(HPos::Left, VPos::Top)),
        ))?;
    }
    Ok(())
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
    let x_start = timeline.start_s / scale;
    let x_end = (timeline.duration_s / scale).max(x_start + 1e-9);
    let in_window = |t: f64| (timeline.start_s..=timeline.duration_s).contains(&t);
    let values = || {
        panel
            .lines
            .iter()
            .flat_map(|l| l.points.iter().filter(|p| in_window(p.0)).map(|p| p.1))
    };
    let axis = y_axis(&panel.title, values());
    // On a log axis the chart's y is log10 of the value; values <= 0 have no place on it.
    let to_y = move |v: f64| match axis {
        YAxis::Linear => Some(v),
        YAxis::Log => (v > 0.0).then(|| v.log10()),
    };
    let (y_lo, y_hi) = match axis {
        YAxis::Linear => value_range(values()),
        YAxis::Log => {
            let (lo, hi) = values()
                .filter_map(to_y)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), y| {
                    (lo.min(y), hi.max(y))
                });
            (lo.floor(), hi + 0.08 * (hi - lo.floor()))
        }
    };
    let mut chart = ChartBuilder::on(area)
        .margin(8)
        .caption(&panel.title, font(14))
        .x_label_area_size(32)
        .y_label_area_size(48)
        .build_cartesian_2d(x_start..x_end, y_lo..y_hi)?;
    let y_label = |y: &f64| match axis {
        YAxis::Linear => short_number(*y),
        YAxis::Log => short_number(10f64.powf(*y)),
    };
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(if axis == YAxis::Log { "log scale" } else { "" })
        .x_labels(7)
        .y_labels(6)
        .x_label_formatter(&|x| short_number(*x))
        .y_label_formatter(&y_label)
        .label_style(font(11))
        .axis_desc_style(font(11))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()?;
    if timeline.warmup_s > timeline.start_s {
        let w = (timeline.warmup_s / scale).min(x_end);
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x_start, y_lo), (w, y_hi)],
            RGBColor(120, 120, 120).mix(0.12).filled(),
        )))?;
    }
    for (i, line) in panel.lines.iter().enumerate() {
        let points: Vec<(f64, f64)> = line
            .points
            .iter()
            .filter(|p| in_window(p.0))
            .filter_map(|&(t, v)| Some((t / scale, to_y(v)?)))
            .collect();
        // Wide strokes are polygons whose mitred joins spike on dense, noisy lines: a line
        // with more points than about half the panel's pixels is drawn one pixel wide.
        let width = if points.len() > 200 { 1 } else { 2 };
        let style = color(i).stroke_width(width);
        let look = line_look(i);
        let series = match look.dash {
            None => chart.draw_series(LineSeries::new(points.iter().copied(), style))?,
            Some((dash, gap)) => chart.draw_series(DashedLineSeries::new(
                points.iter().copied(),
                dash,
                gap,
                style,
            ))?,
        };
        if legend {
            let (dash, gap) = look.dash.unwrap_or((16, 0));
            let (a, b) = (dash.min(16) as i32, (dash + gap).min(16) as i32);
            series.label(line.label.clone()).legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (a, 0)], color(i).stroke_width(2))
                    + PathElement::new(vec![(b, 0), (16, 0)], color(i).stroke_width(2))
                    + Polygon::new(
                        marker_shape(look.sides)
                            .into_iter()
                            .map(|(dx, dy)| (dx + 8, dy))
                            .collect::<Vec<_>>(),
                        color(i).filled(),
                    )
            });
        }
        if panel.lines.len() < 2 {
            continue;
        }
        let shape = marker_shape(look.sides);
        chart.draw_series(
            marker_indices(points.len(), i, panel.lines.len())
                .into_iter()
                .map(|k| {
                    EmptyElement::at(points[k]) + Polygon::new(shape.clone(), color(i).filled())
                }),
        )?;
    }
    let visible: Vec<(f64, &String)> = timeline
        .markers
        .iter()
        .map(|(t, label)| (t / scale, label))
        .filter(|(x, _)| (x_start..=x_end).contains(x))
        .collect();
    for &(x, _) in &visible {
        chart.draw_series(DashedLineSeries::new(
            [(x, y_lo), (x, y_hi)],
            5,
            4,
            MARKER.stroke_width(1),
        ))?;
    }
    draw_marker_labels(
        &chart.plotting_area().strip_coord_spec(),
        &visible,
        x_start,
        x_end,
    )?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_of_a_panel_has_its_own_dash_and_marker() {
        let looks: Vec<LineLook> = (0..5).map(line_look).collect();
        assert_eq!(looks[0].dash, None, "the first line is solid");
        for (i, a) in looks.iter().enumerate() {
            for b in &looks[i + 1..] {
                assert_ne!(a.dash, b.dash);
                assert_ne!(a.sides, b.sides);
            }
        }
    }

    #[test]
    fn no_two_lines_mark_the_same_point() {
        for (points, lines) in [(120, 2), (120, 3), (5, 3), (1000, 7), (7, 7)] {
            let marked: Vec<Vec<usize>> = (0..lines)
                .map(|i| marker_indices(points, i, lines))
                .collect();
            for (i, m) in marked.iter().enumerate() {
                assert!(!m.is_empty(), "{points} points, line {i}: no marker");
                assert!(m.iter().all(|&k| k < points));
                for other in &marked[i + 1..] {
                    assert!(m.iter().all(|k| !other.contains(k)), "{m:?} {other:?}");
                }
            }
        }
    }

    #[test]
    fn latency_spanning_more_than_two_decades_gets_a_log_axis() {
        let axis = |title: &str, v: &[f64]| y_axis(title, v.iter().copied());
        assert_eq!(axis("latency_ms", &[2.0, 150.0]), YAxis::Linear);
        assert_eq!(axis("latency_ms", &[2.0, 200.0]), YAxis::Linear);
        assert_eq!(axis("latency_ms", &[2.0, 201.0]), YAxis::Log);
        // Zeros (periods without requests) have no place on a log axis and do not count.
        assert_eq!(axis("latency_ms", &[0.0, 5.0, 400.0]), YAxis::Linear);
        assert_eq!(axis("latency_ms", &[0.0, 3.0, 400.0]), YAxis::Log);
        assert_eq!(axis("requests (sum)", &[1.0, 1e6]), YAxis::Linear);
        assert_eq!(axis("latency_ms", &[]), YAxis::Linear);
    }
}
