//! Compared figures as bars: one panel per figure (each has its own unit), one bar per
//! variant with its 95% confidence interval as an error bar.

use super::{Figure, OrPlotError, PlotError, TitledGrid, color, font, short_number, value_range};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One bar: a variant's mean and ci95 half-width.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub mean: f64,
    pub ci95: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BarPanel {
    pub title: String,
    pub bars: Vec<Bar>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct BarsFigure {
    pub title: String,
    pub panels: Vec<BarPanel>,
}

impl BarsFigure {
    fn grid(&self) -> TitledGrid {
        TitledGrid::new(self.panels.len(), 3, (400, 260))
    }
}

impl Figure for BarsFigure {
    fn name(&self) -> &str {
        "compare-figures"
    }

    fn size(&self) -> (u32, u32) {
        self.grid().size()
    }

    fn draw<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> Result<(), PlotError> {
        let cells = self.grid().cells(area, &self.title, self.name())?;
        for (panel, cell) in self.panels.iter().zip(cells) {
            draw_panel(&cell, panel).or_plot(self.name())?;
        }
        Ok(())
    }
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &BarPanel,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let n = panel.bars.len().max(1) as i32;
    let (lo, hi) = value_range(
        panel
            .bars
            .iter()
            .flat_map(|b| [b.mean - b.ci95, b.mean + b.ci95]),
    );
    let labels: Vec<String> = panel.bars.iter().map(|b| b.label.clone()).collect();
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .caption(&panel.title, font(14))
        .x_label_area_size(30)
        .y_label_area_size(50)
        .build_cartesian_2d((0..(n - 1).max(1)).into_segmented(), lo..hi)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n as usize + 1)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => labels.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_label_formatter(&|y| short_number(*y))
        .label_style(font(11))
        .light_line_style(RGBColor(238, 238, 238))
        .draw()?;
    for (i, b) in panel.bars.iter().enumerate() {
        let i = i as i32;
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(i), 0.0),
                (SegmentValue::Exact(i + 1), b.mean),
            ],
            color(i as usize).mix(0.75).filled(),
        );
        bar.set_margin(0, 0, 12, 12);
        chart.draw_series(std::iter::once(bar))?;
        if b.ci95 > 0.0 {
            chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                SegmentValue::CenterOf(i),
                b.mean - b.ci95,
                b.mean,
                b.mean + b.ci95,
                BLACK.stroke_width(2),
                14,
            )))?;
        }
    }
    Ok(())
}
