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

use crate::sim::RunResult;
use std::path::Path;

/// Writes every output file of one run into `dir` (created if needed).
pub fn write_run(dir: &Path, result: &RunResult) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let summary = serde_json::to_string_pretty(&summary_json(result)).expect("summary is JSON");
    write_atomic(&dir.join("summary.json"), format!("{summary}\n").as_bytes())?;
    write_atomic(
        &dir.join("timeseries.csv"),
        timeseries_csv(&result.series).as_bytes(),
    )?;
    write_atomic(
        &dir.join("latency.hgrm"),
        hgrm(&result.overall.latency).as_bytes(),
    )?;
    Ok(())
}
