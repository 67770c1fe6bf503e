//! The dashboard of one run: every time series it has, grouped into panels by name, so that
//! series a new model adds appear without changes here.
//!
//! Series names read `kind.entity.metric[.breakdown]` (`asg.api.in_service`,
//! `asg.api.in_service.a`, `lambda.resize.concurrency`, `sqs.jobs.age_s`) or are a single
//! metric (`requests`, `latency_ms`). A panel is one `kind.metric`, with a line per entity;
//! the per-AZ breakdowns of a metric (`asg.api.in_service.a`) have a panel of their own
//! (`asg · in_service per AZ`), apart from the group totals they add up to; a single metric
//! is its own panel, with a line per statistic (`latency_ms` p50, p90, p99). Panels appear in
//! the order their first series was recorded.

use super::timeseries::{Line, Panel, PanelGrid, Timeline};
use crate::metrics::{Statistic, TimeSeries};

/// The panel a series belongs to and its line's label: `(panel key, line label)`. A
/// breakdown (the fourth part of a name: an AZ) goes to the metric's `per AZ` panel.
pub fn panel_of(name: &str) -> (String, String) {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() >= 4 {
        (
            format!("{}.{} per AZ", parts[0], parts[2]),
            parts[1..2]
                .iter()
                .chain(&parts[3..])
                .copied()
                .collect::<Vec<_>>()
                .join("."),
        )
    } else if parts.len() == 3 {
        let entity = std::iter::once(parts[1])
            .chain(parts[3..].iter().copied())
            .collect::<Vec<_>>()
            .join(".");
        (format!("{}.{}", parts[0], parts[2]), entity)
    } else {
        (name.to_string(), String::new())
    }
}

/// A series' key and its `(time_s, value)` points.
pub type SeriesPoints = ((String, Statistic), Vec<(f64, f64)>);

/// Every `(name, statistic)` series with its points, in the order they first appear.
pub fn series_points(series: &TimeSeries) -> Vec<SeriesPoints> {
    let mut out: Vec<SeriesPoints> = Vec::new();
    let mut index: std::collections::HashMap<(String, Statistic), usize> = Default::default();
    for (t, name, stat, v) in series.rows() {
        let key = (name.to_string(), stat);
        let i = *index.entry(key.clone()).or_insert_with(|| {
            out.push((key, Vec::new()));
            out.len() - 1
        });
        out[i].1.push((t, v));
    }
    for (_, points) in &mut out {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}

/// A panel's title from its key and its statistics (`asg.in_service` -> `asg · in_service`).
pub fn panel_title(key: &str, stats: &[Statistic]) -> String {
    let base = key.replace('.', " · ");
    match stats {
        [one] => format!("{base} ({})", one.name()),
        _ => base,
    }
}

/// The panels of one run's series.
pub fn panels(series: &TimeSeries) -> Vec<Panel> {
    // (panel key, its statistics, its lines as (entity, statistic, points)).
    type Lines = Vec<(String, Statistic, Vec<(f64, f64)>)>;
    let mut groups: Vec<(String, Vec<Statistic>, Lines)> = Vec::new();
    for ((name, stat), points) in series_points(series) {
        let (key, entity) = panel_of(&name);
        let g = match groups.iter().position(|g| g.0 == key) {
            Some(i) => i,
            None => {
                groups.push((key, Vec::new(), Vec::new()));
                groups.len() - 1
            }
        };
        if !groups[g].1.contains(&stat) {
            groups[g].1.push(stat);
        }
        groups[g].2.push((entity, stat, points));
    }
    groups
        .into_iter()
        .map(|(key, stats, lines)| Panel {
            title: panel_title(&key, &stats),
            lines: lines
                .into_iter()
                .map(|(entity, stat, points)| Line {
                    label: match (entity.is_empty(), stats.len() > 1) {
                        (true, _) => stat.name().to_string(),
                        (false, true) => format!("{entity} {}", stat.name()),
                        (false, false) => entity,
                    },
                    points,
                })
                .collect(),
        })
        .collect()
}

/// The dashboard figure of one run (or of the mean of replications).
pub fn dashboard(
    title: &str,
    subtitle: &str,
    series: &TimeSeries,
    timeline: Timeline,
) -> PanelGrid {
    let panels = panels(series);
    PanelGrid {
        kind: "dashboard".into(),
        title: title.to_string(),
        subtitle: subtitle.to_string(),
        columns: PanelGrid::columns_for(panels.len()),
        timeline,
        panels,
        shared_legend: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_group_by_kind_and_metric() {
        assert_eq!(panel_of("requests"), ("requests".into(), "".into()));
        assert_eq!(
            panel_of("asg.api.in_service"),
            ("asg.in_service".into(), "api".into())
        );
        assert_eq!(
            panel_of("asg.api.in_service.a"),
            ("asg.in_service per AZ".into(), "api.a".into())
        );
        assert_eq!(
            panel_of("sqs.jobs.age_s"),
            ("sqs.age_s".into(), "jobs".into())
        );
    }

    #[test]
    fn a_new_series_kind_gets_its_own_panel() {
        let mut s = TimeSeries::default();
        for (name, stat) in [
            ("requests", Statistic::Sum),
            ("latency_ms", Statistic::P50),
            ("latency_ms", Statistic::P99),
            ("asg.api.in_service", Statistic::Value),
            ("asg.api.in_service.a", Statistic::Value),
            ("asg.web.in_service", Statistic::Value),
            ("asg.api.in_service.b", Statistic::Value),
            ("lambda.resize.throttles", Statistic::Sum),
        ] {
            let id = s.series(name, stat);
            s.push(0.0, id, 1.0);
            s.push(60.0, id, 2.0);
        }
        let p = panels(&s);
        let titles: Vec<&str> = p.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "requests (sum)",
                "latency_ms",
                "asg · in_service (value)",
                "asg · in_service per AZ (value)",
                "lambda · throttles (sum)"
            ]
        );
        let labels: Vec<&str> = p[1].lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["p50", "p99"]);
        let labels: Vec<&str> = p[2].lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["api", "web"]);
        let labels: Vec<&str> = p[3].lines.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["api.a", "api.b"]);
        assert_eq!(p[4].lines[0].points, vec![(0.0, 1.0), (60.0, 2.0)]);
    }
}
