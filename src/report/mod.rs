//! Writing what a run produced: `summary.json`, `timeseries.csv`, `latency.hgrm`, and the
//! human summary table. Every file is written atomically (a temporary file, then a rename).

mod hgrm;
mod output;
mod summary;
mod table;
mod timeseries;

pub use hgrm::hgrm;
pub use output::write_atomic;
pub use summary::summary_json;
pub use table::summary_table;
pub use timeseries::timeseries_csv;

use crate::metrics::TimeSeries;
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
    )
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
