//! Comparison overlays: one panel per time series (name and statistic), one line per variant,
//! so variants read against each other period by period. Breakdowns of a series
//! (`asg.api.in_service.a`, four or more name parts) are left to each variant's dashboard.

use super::dashboard::{SeriesPoints, series_points};
use super::timeseries::{Line, Panel, PanelGrid, Timeline};
use crate::metrics::{Statistic, TimeSeries};

/// The overlay panels of several variants' series, in the order series first appear.
pub fn panels(variants: &[(String, &TimeSeries)]) -> Vec<Panel> {
    let mut keys: Vec<(String, Statistic)> = Vec::new();
    let per_variant: Vec<Vec<SeriesPoints>> =
        variants.iter().map(|(_, s)| series_points(s)).collect();
    for points in &per_variant {
        for (key, _) in points {
            if key.0.split('.').count() <= 3 && !keys.contains(key) {
                keys.push(key.clone());
            }
        }
    }
    keys.into_iter()
        .map(|key| Panel {
            title: format!("{} ({})", key.0.replace('.', " · "), key.1.name()),
            lines: variants
                .iter()
                .zip(&per_variant)
                .map(|((name, _), points)| Line {
                    label: name.clone(),
                    points: points
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, p)| p.clone())
                        .unwrap_or_default(),
                })
                .collect(),
        })
        .collect()
}

/// The overlay figure.
pub fn overlay(
    title: &str,
    subtitle: &str,
    variants: &[(String, &TimeSeries)],
    timeline: Timeline,
) -> PanelGrid {
    let panels = panels(variants);
    PanelGrid {
        kind: "overlay".into(),
        title: title.to_string(),
        subtitle: subtitle.to_string(),
        columns: PanelGrid::columns_for(panels.len()),
        timeline,
        panels,
        shared_legend: Some(variants.iter().map(|(n, _)| n.clone()).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_panel_per_series_one_line_per_variant() {
        let mk = |v: f64| {
            let mut s = TimeSeries::default();
            let a = s.series("latency_ms", Statistic::P99);
            let b = s.series("asg.api.in_service", Statistic::Value);
            let c = s.series("asg.api.in_service.a", Statistic::Value);
            s.push(0.0, a, v);
            s.push(0.0, b, v);
            s.push(0.0, c, v);
            s
        };
        let (x, y) = (mk(1.0), mk(2.0));
        let p = panels(&[("x".into(), &x), ("y".into(), &y)]);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].title, "latency_ms (p99)");
        assert_eq!(p[0].lines[1].label, "y");
        assert_eq!(p[0].lines[1].points, vec![(0.0, 2.0)]);
    }
}
