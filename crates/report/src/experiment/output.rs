//! Writing an experiment's results: per-variant outputs, `compare.json`/`.csv`,
//! `sweep.json`/`.csv`, and the shard files (`experiment.json` and `cells/`) that `merge`
//! reads back.

use super::Cell;
use super::aggregate::Aggregate;
use super::compare::{Experiment, aggregates, compare_json, figures_csv};
use super::names::variant_folders;
use super::slo::parse_slo;
use super::sweep::sweep_json;
use crate::report::{write_atomic, write_json, write_outputs};
use serde_json::Value;
use std::path::Path;

/// What `finish` produced, for the command line to print.
pub struct Finished {
    /// `summary.json` (run), `compare.json` or `sweep.json` content.
    pub document: Value,
    pub aggregates: Vec<Aggregate>,
}

/// Aggregates complete cells and writes the experiment's files into `dir`.
pub fn finish(exp: &Experiment, cells: &[Cell], dir: &Path) -> Result<Finished, String> {
    let groups = exp.group(cells)?;
    let aggs = aggregates(&groups);
    let io = |e: std::io::Error| format!("writing {}: {e}", dir.display());
    let document = match exp.kind.as_str() {
        "run" => {
            let a = &aggs[0];
            write_outputs(dir, &a.summary, &a.series, &a.histogram).map_err(io)?;
            write_event_files(dir, groups[0][0]).map_err(io)?;
            a.summary.clone()
        }
        "compare" | "sweep" => {
            let folders = variant_folders(&exp.variant_names());
            for ((folder, a), cells) in folders.iter().zip(&aggs).zip(&groups) {
                let folder = dir.join("variants").join(folder);
                write_outputs(&folder, &a.summary, &a.series, &a.histogram).map_err(io)?;
                write_event_files(&folder, cells[0]).map_err(io)?;
            }
            let compare = compare_json(exp, &groups, &aggs);
            if exp.kind == "compare" {
                write_json(&dir.join("compare.json"), &compare).map_err(io)?;
                write_atomic(&dir.join("compare.csv"), figures_csv(&compare).as_bytes())
                    .map_err(io)?;
                compare
            } else {
                let objectives = match &exp.slo {
                    Some(s) => parse_slo(s)?,
                    None => Vec::new(),
                };
                let sweep = sweep_json(exp, &groups, &aggs, &objectives);
                write_json(&dir.join("sweep.json"), &sweep).map_err(io)?;
                write_atomic(&dir.join("sweep.csv"), figures_csv(&compare).as_bytes())
                    .map_err(io)?;
                sweep
            }
        }
        other => return Err(format!("unknown experiment kind `{other}`")),
    };
    Ok(Finished {
        document,
        aggregates: aggs,
    })
}

/// `scaling_activities.csv` and `faults.csv`, as a run writes them (of the first replication:
/// events do not average).
fn write_event_files(dir: &Path, first: &Cell) -> std::io::Result<()> {
    write_atomic(
        &dir.join("scaling_activities.csv"),
        first.activities_csv.as_bytes(),
    )?;
    write_atomic(&dir.join("faults.csv"), first.faults_csv.as_bytes())
}

/// Writes a shard's cells and the manifest into `dir`.
pub fn write_shard(exp: &Experiment, cells: &[Cell], dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir.join("cells"))?;
    write_json(&dir.join("experiment.json"), &exp.to_json())?;
    for c in cells {
        let name = format!("cell-{:04}-{:04}.json", c.variant, c.replication);
        let text = serde_json::to_string(&c.to_json()).expect("a cell serializes");
        write_atomic(&dir.join("cells").join(name), text.as_bytes())?;
    }
    Ok(())
}

/// Reads the manifests and cells of shard folders; the manifests must agree.
pub fn read_shards(dirs: &[&Path]) -> Result<(Experiment, Vec<Cell>), String> {
    let mut exp: Option<Experiment> = None;
    let mut cells = Vec::new();
    for dir in dirs {
        if !dir.join("experiment.json").is_file() || !dir.join("cells").is_dir() {
            return Err(format!(
                "{}: not a shard folder (it needs experiment.json and cells/, as written by \
                 `--shard K/N`)",
                dir.display()
            ));
        }
        let manifest = read_json(&dir.join("experiment.json"))?;
        let e = Experiment::from_json(&manifest).map_err(|m| format!("{}: {m}", dir.display()))?;
        match &exp {
            Some(x) if *x != e => {
                return Err(format!(
                    "{}: a shard of a different experiment",
                    dir.display()
                ));
            }
            _ => exp = Some(e),
        }
        let mut names: Vec<_> = std::fs::read_dir(dir.join("cells"))
            .map_err(|e| format!("{}: {e}", dir.join("cells").display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        for p in names {
            let v = read_json(&p)?;
            cells.push(Cell::from_json(&v).map_err(|m| format!("{}: {m}", p.display()))?);
        }
    }
    let exp = exp.ok_or("no shard folders given")?;
    cells.sort_by_key(|c| (c.variant, c.replication));
    // A missing, duplicate or out-of-grid cell is bad input, found before anything is built.
    exp.group(&cells)?;
    Ok((exp, cells))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = crate::scenario::input_guard::read_text_limited(
        path,
        crate::scenario::input_guard::MAX_DATA_BYTES,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
