//! `stratus plot DIR [--window FROM..TO]`: redraws a finished run's dashboard from its files
//! (`summary.json`, `timeseries.csv`, `faults.csv`), zoomed to a window of simulated time,
//! as `dashboard[-FROM-TO].svg` and `.png` in the same folder. Without a window it also
//! redraws `latency-cdf.svg` from `latency.hgrm` (the histogram covers the whole accounted
//! run, so a window does not apply to it).

use super::Failure;
use std::path::Path;
use stratus::metrics::{Statistic, TimeSeries};
use stratus::plot::{self, dashboard::dashboard, timeseries::Timeline};
use stratus::report::write_atomic;
use stratus::scenario::units::parse_duration;

pub fn plot(dir: &Path, window: Option<&str>, quiet: bool) -> Result<(), Failure> {
    let read = |f: &str| {
        std::fs::read_to_string(dir.join(f)).map_err(|e| {
            Failure::Usage(format!(
                "{}: {e} (expected the folder of a finished run)",
                dir.join(f).display()
            ))
        })
    };
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")?)
        .map_err(|e| Failure::Usage(format!("{}: {e}", dir.join("summary.json").display())))?;
    let series = parse_series(&read("timeseries.csv")?)
        .map_err(|m| Failure::Usage(format!("{}: {m}", dir.join("timeseries.csv").display())))?;
    let markers = read("faults.csv").map(|t| markers(&t)).unwrap_or_default();
    let duration = summary["sim_duration_s"].as_f64().unwrap_or(0.0);
    let (start, end, suffix) = match window {
        None => (0.0, duration, String::new()),
        Some(w) => {
            let (a, b) = w.split_once("..").ok_or_else(|| {
                Failure::Usage(format!(
                    "--window expects FROM..TO (e.g. 10h..12h), got `{w}`"
                ))
            })?;
            let d = |s: &str| {
                parse_duration(s.trim())
                    .map(|t| t.as_secs_f64())
                    .map_err(|m| Failure::Usage(format!("--window `{w}`: {m}")))
            };
            let (a_s, b_s) = (d(a)?, d(b)?);
            if !(a_s < b_s && b_s <= duration) {
                return Err(Failure::Usage(format!(
                    "--window `{w}`: expected FROM < TO <= the run's {duration} s"
                )));
            }
            (a_s, b_s, format!("-{}-{}", a.trim(), b.trim()))
        }
    };
    let name = summary["scenario"].as_str().unwrap_or("");
    let fig = dashboard(
        name,
        &format!("{start} s to {end} s of simulated time"),
        &series,
        Timeline {
            start_s: start,
            duration_s: end,
            warmup_s: summary["warmup_s"].as_f64().unwrap_or(0.0),
            markers,
        },
    );
    let run_err = |e: String| Failure::Run(anyhow::anyhow!(e));
    let svg = plot::svg(&fig).map_err(|e| run_err(e.to_string()))?;
    let png = plot::png(&fig).map_err(|e| run_err(e.to_string()))?;
    let mut files = vec![
        (format!("dashboard{suffix}.svg"), svg.into_bytes()),
        (format!("dashboard{suffix}.png"), png),
    ];
    if let (None, Ok(text)) = (window, read("latency.hgrm")) {
        let h = plot::cdf::histogram_from_hgrm(&text)
            .map_err(|m| Failure::Usage(format!("{}: {m}", dir.join("latency.hgrm").display())))?;
        let cdf = plot::cdf::LatencyFigure {
            title: format!("{name}: latency of successful requests"),
            curves: vec![("all requests".into(), &h)],
        };
        let svg = plot::svg(&cdf).map_err(|e| run_err(e.to_string()))?;
        files.push(("latency-cdf.svg".into(), svg.into_bytes()));
    }
    for (file, bytes) in files {
        write_atomic(&dir.join(&file), &bytes).map_err(|e| run_err(format!("{file}: {e}")))?;
        if !quiet {
            println!("wrote {}", dir.join(&file).display());
        }
    }
    Ok(())
}

/// `timeseries.csv` (`time_s,series,statistic,value`) back into series.
fn parse_series(text: &str) -> Result<TimeSeries, String> {
    let mut series = TimeSeries::default();
    for (i, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let bad = || format!("line {}: expected time_s,series,statistic,value", i + 1);
        if f.len() != 4 {
            return Err(bad());
        }
        let stat = Statistic::from_name(f[2]).ok_or_else(bad)?;
        let (t, v) = (
            f[0].parse::<f64>().map_err(|_| bad())?,
            f[3].parse::<f64>().map_err(|_| bad())?,
        );
        let id = series.series(f[1], stat);
        series.push(t, id, v);
    }
    Ok(series)
}

/// Dashboard markers from `faults.csv`: each fault's start and end, and the events not tied
/// to one fault.
fn markers(text: &str) -> Vec<(f64, String)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.splitn(4, ',');
            let (t, fault, event, detail) = (f.next()?, f.next()?, f.next()?, f.next()?);
            let t: f64 = t.parse().ok()?;
            let fault = fault.trim_matches('"');
            match (fault.is_empty(), event) {
                (false, "started" | "ended") => Some((t, format!("{fault} {event}"))),
                (true, _) => Some((t, format!("{event}: {}", detail.trim_matches('"')))),
                _ => None,
            }
        })
        .collect()
}
