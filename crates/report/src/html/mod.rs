//! The pictures of a run or an experiment: the plot files (`dashboard.svg`/`.png`,
//! `latency-cdf.svg`; for comparisons and sweeps `compare-timeseries.svg`,
//! `compare-figures.svg`, `sweep.svg`, and each variant's `variants/NAME/dashboard.svg`) and
//! `report.html`, one self-contained page with the
//! scenario's description, the summary or comparison tables and the plots inline.
//!
//! Reads only finished results (summaries as JSON, time series, histograms) and writes files
//! atomically; every user-provided string on the page is escaped (`page::escape`).

pub mod page;
pub mod tables;

use crate::experiment::compare::Experiment;
use crate::experiment::names::variant_folders;
use crate::experiment::output::Finished;
use crate::experiment::slo::{Figure as SloFigure, parse_slo};
use crate::metrics::TimeSeries;
use crate::plot::bars::{Bar, BarPanel, BarsFigure};
use crate::plot::cdf::LatencyFigure;
use crate::plot::sweep::{SweepFigure, SweepPanel, SweepPoint};
use crate::plot::timeseries::Timeline;
use crate::plot::{self, Figure, PlotError, dashboard, overlay};
use crate::report::write_atomic;
use hdrhistogram::Histogram;
use page::Page;
use serde_json::Value;
use std::io;
use std::path::Path;

/// What the report of one run (or of the mean of its replications) is made of.
pub struct RunReport<'a> {
    pub description: &'a str,
    /// `summary.json` (with `ci95` when replicated).
    pub summary: &'a Value,
    pub series: &'a TimeSeries,
    /// Latencies of successful requests, µs.
    pub histogram: &'a Histogram<u64>,
    pub markers: &'a [(f64, String)],
}

fn plot_io(e: PlotError) -> io::Error {
    io::Error::other(e)
}

fn write_svg(dir: &Path, file: &str, fig: &impl Figure) -> io::Result<String> {
    let svg = plot::svg(fig).map_err(plot_io)?;
    write_atomic(&dir.join(file), svg.as_bytes())?;
    Ok(svg)
}

fn timeline(summary: &Value, markers: &[(f64, String)]) -> Timeline {
    Timeline {
        start_s: 0.0,
        duration_s: summary["sim_duration_s"].as_f64().unwrap_or(0.0),
        warmup_s: summary["warmup_s"].as_f64().unwrap_or(0.0),
        markers: markers.to_vec(),
    }
}

fn meta_line(summary: &Value) -> String {
    let n = |k: &str| summary[k].as_f64().unwrap_or(0.0);
    format!(
        "seed {}, {} replication(s), {} s simulated (warm-up {} s), {} events",
        summary["seed"],
        summary["replications"],
        tables::number(n("sim_duration_s")),
        tables::number(n("warmup_s")),
        tables::number(n("events"))
    )
}

/// Writes `dashboard.svg`, `dashboard.png`, `latency-cdf.svg` (unless `plots` is false) and
/// `report.html` into `dir`.
pub fn write_run_report(dir: &Path, r: &RunReport, plots: bool) -> io::Result<()> {
    let name = r.summary["scenario"].as_str().unwrap_or("");
    let mut page = Page::new(&format!("Stratus run: {name}"));
    if !r.description.trim().is_empty() {
        page.paragraph("description", r.description.trim());
    }
    page.paragraph("meta", &meta_line(r.summary));
    if plots {
        let dash = dashboard::dashboard(
            name,
            &meta_line(r.summary),
            r.series,
            timeline(r.summary, r.markers),
        );
        let svg = write_svg(dir, "dashboard.svg", &dash)?;
        write_atomic(
            &dir.join("dashboard.png"),
            &plot::png(&dash).map_err(plot_io)?,
        )?;
        page.heading("Dashboard");
        page.svg(
            "dashboard",
            &svg,
            "Per metric period; the warm-up is shaded, dashed red lines mark faults and events.",
        );
        let cdf = LatencyFigure {
            title: format!("{name}: latency of successful requests"),
            curves: vec![("all requests".into(), r.histogram)],
        };
        let svg = write_svg(dir, "latency-cdf.svg", &cdf)?;
        page.heading("Latency distribution");
        page.svg(
            "latency-cdf",
            &svg,
            "From the HDR histogram after the warm-up.",
        );
    }
    tables::summary_tables(&mut page, r.summary);
    write_atomic(&dir.join("report.html"), page.render().as_bytes())
}

/// Writes the plots and `report.html` of a finished experiment into `dir`.
pub fn write_experiment_report(
    dir: &Path,
    exp: &Experiment,
    finished: &Finished,
    plots: bool,
) -> io::Result<()> {
    if exp.kind == "run" {
        let a = &finished.aggregates[0];
        return write_run_report(
            dir,
            &RunReport {
                description: &exp.description,
                summary: &a.summary,
                series: &a.series,
                histogram: &a.histogram,
                markers: &a.markers,
            },
            plots,
        );
    }
    let title = format!("Stratus {}: {}", exp.kind, exp.scenario);
    let mut page = Page::new(&title);
    if !exp.description.trim().is_empty() {
        page.paragraph("description", exp.description.trim());
    }
    page.paragraph(
        "meta",
        &format!(
            "{} variants, {} replication(s) each on common random numbers; each variant's own outputs are in variants/NAME/ ({})",
            exp.variants.len(),
            exp.replications,
            variant_folders(&exp.variant_names()).join(", ")
        ),
    );
    let doc = &finished.document;
    if exp.kind == "sweep" {
        if let Some(slo) = &exp.slo {
            page.paragraph("meta", &format!("SLO: {slo}"));
        }
        page.paragraph("meta", &best_text(doc));
        page.heading("Points");
        tables::sweep_table(&mut page, doc);
    } else {
        page.heading("Comparison (mean ± ci95; differences paired on common random numbers)");
        tables::compare_table(&mut page, doc);
    }
    if plots {
        let names = exp.variant_names();
        let folders = variant_folders(&names);
        let first = &finished.aggregates[0];
        for ((name, folder), a) in names.iter().zip(&folders).zip(&finished.aggregates) {
            let fig = dashboard::dashboard(
                &format!("{} / {name}", exp.scenario),
                &meta_line(&a.summary),
                &a.series,
                timeline(&a.summary, &a.markers),
            );
            let folder = dir.join("variants").join(folder);
            write_svg(&folder, "dashboard.svg", &fig)?;
            write_atomic(
                &folder.join("dashboard.png"),
                &plot::png(&fig).map_err(plot_io)?,
            )?;
        }
        if exp.kind == "sweep" {
            let fig = sweep_figure(exp, doc);
            let svg = write_svg(dir, "sweep.svg", &fig)?;
            page.heading("Figures against the parameter");
            page.svg(
                "sweep",
                &svg,
                "Means with 95% confidence intervals; green points meet the SLO, the ringed one is the cheapest that does.",
            );
        } else {
            let fig = bars_figure(exp, doc);
            let svg = write_svg(dir, "compare-figures.svg", &fig)?;
            page.heading("Compared figures");
            page.svg(
                "compare-figures",
                &svg,
                "Means with 95% confidence intervals.",
            );
        }
        let series: Vec<(String, &TimeSeries)> = names
            .iter()
            .cloned()
            .zip(finished.aggregates.iter().map(|a| &a.series))
            .collect();
        let fig = overlay::overlay(
            &format!("{}: time series by variant", exp.scenario),
            "mean over replications, per metric period",
            &series,
            timeline(&first.summary, &first.markers),
        );
        let svg = write_svg(dir, "compare-timeseries.svg", &fig)?;
        page.heading("Time series by variant");
        page.svg("compare-timeseries", &svg, "One line per variant.");
        let cdf = LatencyFigure {
            title: format!("{}: latency by variant", exp.scenario),
            curves: names
                .iter()
                .cloned()
                .zip(finished.aggregates.iter().map(|a| &a.histogram))
                .collect(),
        };
        let svg = write_svg(dir, "latency-cdf.svg", &cdf)?;
        page.heading("Latency distribution by variant");
        page.svg(
            "latency-cdf",
            &svg,
            "All replications' histograms merged, per variant.",
        );
    }
    write_atomic(&dir.join("report.html"), page.render().as_bytes())
}

fn best_text(sweep: &Value) -> String {
    let c = crate::experiment::sweep::conclusion(sweep);
    if c.is_empty() {
        "No SLO given.".into()
    } else {
        let mut c = c;
        c[..1].make_ascii_uppercase();
        format!("{c}.")
    }
}

/// The headline figures of a comparison, one bar panel each.
fn bars_figure(exp: &Experiment, compare: &Value) -> BarsFigure {
    let variants = compare["variants"].as_array().cloned().unwrap_or_default();
    let figures = crate::experiment::compare::headline_figures_of(&variants);
    let panels = figures
        .into_iter()
        .map(|(label, path)| BarPanel {
            title: label,
            bars: variants
                .iter()
                .map(|v| Bar {
                    label: v["name"].as_str().unwrap_or("").to_string(),
                    mean: crate::experiment::compare::figure(&v["summary"], &path),
                    ci95: crate::experiment::compare::figure(&v["summary"]["ci95"], &path),
                })
                .collect(),
        })
        .filter(|p: &BarPanel| p.bars.iter().any(|b| b.mean != 0.0 || b.ci95 != 0.0))
        .collect();
    BarsFigure {
        title: format!("{}: compared figures (mean ± ci95)", exp.scenario),
        panels,
    }
}

/// One panel per objective of the SLO (error rates in percent), plus cost; p99 and cost
/// without an SLO.
fn sweep_figure(exp: &Experiment, sweep: &Value) -> SweepFigure {
    let points = sweep["points"].as_array().cloned().unwrap_or_default();
    let objectives = exp
        .slo
        .as_deref()
        .and_then(|s| parse_slo(s).ok())
        .unwrap_or_default();
    let mut figures: Vec<(SloFigure, Option<(f64, String)>)> = objectives
        .iter()
        .map(|o| (o.figure.clone(), Some((o.threshold, o.text.clone()))))
        .collect();
    if figures.is_empty() {
        figures.push((SloFigure::Latency("p99".into()), None));
    }
    if !figures.iter().any(|(f, _)| *f == SloFigure::Cost) {
        figures.push((SloFigure::Cost, None));
    }
    let parameter = exp
        .variants
        .first()
        .and_then(|(_, v)| v.first())
        .map(|(p, _)| p.clone())
        .unwrap_or_default();
    let grid = exp.variants.first().is_some_and(|(_, v)| v.len() > 1);
    let panels = figures
        .into_iter()
        .map(|(f, threshold)| {
            let (title, scale) = match &f {
                SloFigure::Latency(s) => (format!("latency {s} (ms)"), 1.0),
                SloFigure::ErrorRate => ("failed requests (%)".to_string(), 100.0),
                SloFigure::Throttles => ("throttled requests".to_string(), 1.0),
                SloFigure::Cost => ("cost (USD)".to_string(), 1.0),
            };
            SweepPanel {
                title,
                points: points
                    .iter()
                    .map(|p| SweepPoint {
                        label: if grid {
                            crate::experiment::sweep::point_name(p)
                        } else {
                            p["values"][&parameter]
                                .to_string()
                                .trim_matches('"')
                                .to_string()
                        },
                        mean: f.value(&p["summary"]) * scale,
                        ci95: f.half_width(&p["summary"]) * scale,
                        meets: exp.slo.as_ref().and(p["meets_slo"].as_bool()),
                    })
                    .collect(),
                threshold: threshold.map(|(t, text)| (t * scale, text)),
            }
        })
        .collect();
    SweepFigure {
        title: if grid {
            format!("{}: sweep of a grid", exp.scenario)
        } else {
            format!("{}: sweep of {parameter}", exp.scenario)
        },
        best: points
            .iter()
            .position(|p| !sweep["best"].is_null() && p["values"] == sweep["best"]["values"]),
        parameter,
        panels,
    }
}
