//! A sweep's curves: each figure against the varied parameter, the means joined by a line
//! with their 95% confidence intervals as error bars, the SLO threshold as a dashed line,
//! points that meet the whole SLO in green and the others in red, the chosen point ringed.

use super::{
    Figure, MARKER, OrPlotError, PlotError, TitledGrid, color, font, short_number, value_range,
};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One point of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepPoint {
    /// The parameter value as shown.
    pub label: String,
    pub mean: f64,
    pub ci95: f64,
    /// Whether the point meets the SLO (`None` without an SLO).
    pub meets: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SweepPanel {
    pub title: String,
    pub points: Vec<SweepPoint>,
    /// `(value, label)` of this figure's objective.
    pub threshold: Option<(f64, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SweepFigure {
    pub title: String,
    /// The varied parameter's path.
    pub parameter: String,
    pub panels: Vec<SweepPanel>,
    /// The index of the cheapest point meeting the SLO.
    pub best: Option<usize>,
}

impl SweepFigure {
    fn grid(&self) -> TitledGrid {
        TitledGrid::new(self.panels.len(), 2, (500, 300))
    }

    /// The x position of each point: the value when every label is a number, else its index.
    fn xs(&self) -> Vec<f64> {
        let labels: Vec<&str> = self
            .panels
            .first()
            .map(|p| p.points.iter().map(|x| x.label.as_str()).collect())
            .unwrap_or_default();
        let numbers: Option<Vec<f64>> = labels.iter().map(|l| l.parse::<f64>().ok()).collect();
        numbers.unwrap_or_else(|| (0..labels.len()).map(|i| i as f64).collect())
    }
}

impl Figure for SweepFigure {
    fn name(&self) -> &str {
        "sweep"
    }

    fn size(&self) -> (u32, u32) {
        self.grid().size()
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let cells = self.grid().cells(area, &self.title, self.name())?;
        let xs = self.xs();
        for (k, (panel, cell)) in self.panels.iter().zip(cells).enumerate() {
            self.draw_panel(&cell, panel, &xs, k).or_plot(self.name())?;
        }
        Ok(())
    }
}

impl SweepFigure {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        panel: &SweepPanel,
        xs: &[f64],
        k: usize,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (x_lo, x_hi) = match (
            xs.iter().copied().reduce(f64::min),
            xs.iter().copied().reduce(f64::max),
        ) {
            (Some(a), Some(b)) => {
                let pad = ((b - a) * 0.08).max(0.5);
                (a - pad, b + pad)
            }
            _ => (0.0, 1.0),
        };
        let (y_lo, y_hi) = value_range(
            panel
                .points
                .iter()
                .flat_map(|p| [p.mean - p.ci95, p.mean + p.ci95])
                .chain(panel.threshold.iter().map(|t| t.0)),
        );
        let numeric = panel.points.iter().all(|p| p.label.parse::<f64>().is_ok());
        let integral = xs.iter().all(|x| x.fract() == 0.0);
        let labels: Vec<String> = panel.points.iter().map(|p| p.label.clone()).collect();
        let mut chart = ChartBuilder::on(area)
            .margin(10)
            .caption(&panel.title, font(14))
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(x_lo..x_hi, y_lo..y_hi)?;
        chart
            .configure_mesh()
            .x_desc(self.parameter.as_str())
            .x_labels(if numeric { 10 } else { labels.len() + 1 })
            .x_label_formatter(&|x| {
                if numeric && integral && x.fract().abs() > 1e-9 {
                    String::new()
                } else if numeric {
                    short_number(*x)
                } else {
                    let i = x.round();
                    if (x - i).abs() < 1e-6 && i >= 0.0 {
                        labels.get(i as usize).cloned().unwrap_or_default()
                    } else {
                        String::new()
                    }
                }
            })
            .y_label_formatter(&|y| short_number(*y))
            .label_style(font(11))
            .axis_desc_style(font(11))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()?;
        if let Some((t, label)) = &panel.threshold {
            chart.draw_series(DashedLineSeries::new(
                [(x_lo, *t), (x_hi, *t)],
                6,
                4,
                MARKER.stroke_width(2),
            ))?;
            chart.draw_series(std::iter::once(Text::new(
                format!("SLO {label}"),
                (x_lo, *t),
                font(11).color(&MARKER),
            )))?;
        }
        let line = color(k);
        chart.draw_series(LineSeries::new(
            xs.iter().zip(&panel.points).map(|(x, p)| (*x, p.mean)),
            line.stroke_width(2),
        ))?;
        for (i, (x, p)) in xs.iter().zip(&panel.points).enumerate() {
            if p.ci95 > 0.0 {
                chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                    *x,
                    p.mean - p.ci95,
                    p.mean,
                    p.mean + p.ci95,
                    BLACK.stroke_width(1),
                    10,
                )))?;
            }
            let fill = match p.meets {
                Some(true) => RGBColor(30, 150, 60),
                Some(false) => MARKER,
                None => line,
            };
            chart.draw_series(std::iter::once(Circle::new((*x, p.mean), 5, fill.filled())))?;
            if self.best == Some(i) {
                chart.draw_series(std::iter::once(Circle::new(
                    (*x, p.mean),
                    10,
                    BLACK.stroke_width(2),
                )))?;
            }
        }
        Ok(())
    }
}
