//! Writing an experiment's results: per-variant outputs, `compare.json`/`.csv`,
//! `sweep.json`/`.csv`, and the shard files (`experiment.json` and `cells/`) that `merge`
//! reads back.

use super::Cell;
use super::aggregate::Aggregate;
use super::compare::{Experiment, aggregates, compare_json, figures_csv};
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
            for (((name, _), a), cells) in exp.variants.iter().zip(&aggs).zip(&groups) {
                let folder = dir.join("variants").join(folder_name(name));
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

/// A variant's name as a folder name.
pub fn folder_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.=".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
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
    Ok((exp, cells))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
