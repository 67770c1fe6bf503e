//! Writing what a run produced: `summary.json`, `timeseries.csv`, `latency.hgrm`, and the
//! human summary table. Every file is written atomically (a temporary file, then a rename),
//! into a staging copy of the output folder that is swapped in whole (`folder`).

pub mod folder;
mod hgrm;
mod queues;
pub(crate) mod resilience;
pub(crate) mod scaling;
mod summary;
mod table;
mod timeseries;

pub use crate::files::write_atomic;
pub use folder::OutputFolder;
pub use hgrm::hgrm;
pub use queues::{queues_json, queues_table};
pub use resilience::faults_csv;
pub use scaling::alarms_csv;
pub use summary::{latency_json, requests_json, summary_json};
pub use table::summary_table;
pub use timeseries::timeseries_csv;

use crate::metrics::TimeSeries;
use crate::sections::SECTIONS;
use crate::sim::RunResult;
use hdrhistogram::Histogram;
use serde_json::Value;
use std::path::Path;

/// Writes every output file of one run into `dir` (created if needed).
pub fn write_run(dir: &Path, result: &RunResult) -> std::io::Result<()> {
    write_outputs(
        dir,
        &summary_json(result),
        &result.series,
        result.overall.latency.histogram(),
    )?;
    let mut files = Vec::new();
    for section in SECTIONS {
        section.files(result, &mut files);
    }
    for (name, contents) in files {
        write_atomic(&dir.join(name), contents.as_bytes())?;
    }
    Ok(())
}

/// `scaling_activities.csv`: `time_s,group,from,to,cause`, in time order.
pub fn scaling_activities_csv(result: &RunResult) -> String {
    let mut rows: Vec<(f64, &str, u32, u32, &str)> = result
        .groups
        .iter()
        .flat_map(|g| {
            g.activities.iter().map(move |a| {
                (
                    a.time.as_secs_f64(),
                    g.name.as_str(),
                    a.from,
                    a.to,
                    a.cause.as_str(),
                )
            })
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
    let mut out = String::from("time_s,group,from,to,cause\n");
    for (t, g, from, to, cause) in rows {
        out.push_str(&format!(
            "{t},{g},{from},{to},\"{}\"\n",
            cause.replace('"', "\"\"")
        ));
    }
    out
}

/// Writes a summary, its time series and its latency histogram (one run, or the aggregate of
/// replications) into `dir`.
pub fn write_outputs(
    dir: &Path,
    summary: &Value,
    series: &TimeSeries,
    latency_us: &Histogram<u64>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    write_json(&dir.join("summary.json"), summary)?;
    write_atomic(
        &dir.join("timeseries.csv"),
        timeseries_csv(series).as_bytes(),
    )?;
    write_atomic(&dir.join("latency.hgrm"), hgrm(latency_us).as_bytes())?;
    Ok(())
}

/// Pretty JSON with a final newline, written atomically.
pub fn write_json(path: &Path, value: &Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).expect("a JSON value serializes");
    write_atomic(path, format!("{text}\n").as_bytes())
}
