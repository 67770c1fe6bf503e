//! `run --replications`, `compare`, `sweep` and `merge`: build the grid, run it in parallel
//! (or one shard of it), and write or print the results.

use super::{Common, Failure, parse_shard, progress};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use stratus::experiment::compare::{Experiment, compare_table};
use stratus::experiment::output::{finish, read_shards, write_shard};
use stratus::experiment::slo::parse_slo;
use stratus::experiment::sweep::sweep_table;
use stratus::experiment::vary::parse_vary;
use stratus::experiment::{Plan, Variant, shard_cells};
use stratus::scenario::Scenario;

pub fn replicate(scenario: Scenario, common: &Common, json: bool) -> Result<(), Failure> {
    let name = scenario.name.clone();
    let variants = vec![Variant {
        name: name.clone(),
        values: vec![],
        scenario: Arc::new(scenario),
    }];
    let document = execute("run", variants, None, common)?;
    if let Some(doc) = document {
        if json {
            println!("{}", serde_json::to_string_pretty(&doc).expect("JSON"));
        } else if !common.quiet {
            print_replicated(&doc);
        }
    }
    Ok(())
}

pub fn compare(paths: &[PathBuf], vary: Option<&str>, common: &Common) -> Result<(), Failure> {
    let variants = match (paths, vary) {
        ([one], Some(v)) => varied(one, v, common)?,
        (_, Some(_)) => return Err(Failure::Usage("--vary takes exactly one scenario".into())),
        ([_], None) => {
            return Err(Failure::Usage(
                "compare needs --vary PATH=V1,V2,... or two or more scenario files".into(),
            ));
        }
        (many, None) => many
            .iter()
            .map(|p| {
                let s = common.load(p, &[])?;
                let stem = p
                    .file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_else(|| s.name.clone());
                Ok(Variant {
                    name: stem,
                    values: vec![("file".into(), p.display().to_string())],
                    scenario: Arc::new(s),
                })
            })
            .collect::<Result<Vec<_>, Failure>>()?,
    };
    if let Some(doc) = execute("compare", variants, None, common)?
        && !common.quiet
    {
        print!("{}", compare_table(&doc));
    }
    Ok(())
}

pub fn sweep(path: &Path, vary: &str, slo: Option<&str>, common: &Common) -> Result<(), Failure> {
    if let Some(s) = slo {
        parse_slo(s).map_err(Failure::Usage)?;
    }
    let variants = varied(path, vary, common)?;
    if let Some(doc) = execute("sweep", variants, slo.map(String::from), common)?
        && !common.quiet
    {
        print!("{}", sweep_table(&doc));
    }
    Ok(())
}

pub fn merge(
    dirs: &[PathBuf],
    out: Option<PathBuf>,
    quiet: bool,
    plots: bool,
) -> Result<(), Failure> {
    let refs: Vec<&Path> = dirs.iter().map(PathBuf::as_path).collect();
    let (exp, cells) = read_shards(&refs).map_err(Failure::Usage)?;
    let out = out.unwrap_or_else(|| PathBuf::from("outputs").join(&exp.scenario));
    let finished = finish(&exp, &cells, &out).map_err(|m| Failure::Run(anyhow::anyhow!(m)))?;
    write_report(&out, &exp, &finished, plots)?;
    if !quiet {
        print_document(&exp.kind, &finished.document);
        println!("\nmerged {} cells into {}", cells.len(), out.display());
    }
    Ok(())
}

/// One variant per value of `--vary PATH=VALUES`, each validated up front.
fn varied(path: &Path, vary: &str, common: &Common) -> Result<Vec<Variant>, Failure> {
    let v = parse_vary(vary).map_err(Failure::Usage)?;
    let short = v.path.rsplit('.').next().unwrap_or(&v.path).to_string();
    v.values
        .iter()
        .map(|value| {
            let s = common.load(path, &[format!("{}={value}", v.path)])?;
            Ok(Variant {
                name: format!("{short}={value}"),
                values: vec![(v.path.clone(), value.clone())],
                scenario: Arc::new(s),
            })
        })
        .collect()
}

/// Runs the grid (or a shard of it). Returns the result document, or `None` for a shard.
fn execute(
    kind: &str,
    variants: Vec<Variant>,
    slo: Option<String>,
    common: &Common,
) -> Result<Option<serde_json::Value>, Failure> {
    let shard = parse_shard(&common.shard)?;
    let cells = variants.len() * common.replications as usize;
    if let Some(v) = variants.iter().max_by_key(|v| v.scenario.duration) {
        common.check_budget(&v.scenario, cells)?;
    }
    let scenario = variants[0].scenario.name.clone();
    let exp = Experiment {
        kind: kind.into(),
        scenario: scenario.clone(),
        variants: variants
            .iter()
            .map(|v| (v.name.clone(), v.values.clone()))
            .collect(),
        replications: common.replications as usize,
        slo,
        description: variants[0].scenario.description.clone(),
    };
    let plan = Plan {
        variants,
        replications: common.replications as usize,
    };
    let cells = shard_cells(&plan, shard);
    let bar = progress::bar(
        cells.len() as u64,
        "{bar:40} {pos}/{len} runs  eta {eta}",
        common.quiet,
    );
    let done = AtomicU64::new(0);
    let results = plan
        .run(&cells, || {
            let n = done.fetch_add(1, Ordering::Relaxed) + 1;
            if let Some(b) = &bar {
                b.set_position(n);
            }
        })
        .map_err(anyhow::Error::from)?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let out = common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("outputs").join(&scenario));
    if shard.is_some() {
        write_shard(&exp, &results, &out)
            .map_err(|e| Failure::Run(anyhow::anyhow!("writing {}: {e}", out.display())))?;
        if !common.quiet {
            println!(
                "wrote {} of {} cells to {}",
                results.len(),
                exp.variants.len() * exp.replications,
                out.display()
            );
        }
        return Ok(None);
    }
    let finished = finish(&exp, &results, &out).map_err(|m| Failure::Run(anyhow::anyhow!(m)))?;
    write_report(&out, &exp, &finished, !common.no_plots)?;
    if !common.quiet {
        eprintln!("outputs in {}", out.display());
    }
    Ok(Some(finished.document))
}

/// The plots and report.html of a finished experiment.
fn write_report(
    out: &Path,
    exp: &stratus::experiment::compare::Experiment,
    finished: &stratus::experiment::output::Finished,
    plots: bool,
) -> Result<(), Failure> {
    stratus::html::write_experiment_report(out, exp, finished, plots).map_err(|e| {
        Failure::Run(anyhow::anyhow!(
            "writing the report in {}: {e}",
            out.display()
        ))
    })
}

fn print_document(kind: &str, doc: &serde_json::Value) {
    match kind {
        "compare" => print!("{}", compare_table(doc)),
        "sweep" => print!("{}", sweep_table(doc)),
        _ => print_replicated(doc),
    }
}

fn print_replicated(doc: &serde_json::Value) {
    let l = &doc["latency_ms"];
    let ci = &doc["ci95"]["latency_ms"];
    let f = |v: &serde_json::Value| v.as_f64().unwrap_or(0.0);
    println!(
        "scenario {}  replications {}",
        doc["scenario"].as_str().unwrap_or(""),
        doc["replications"]
    );
    for k in ["mean", "p50", "p90", "p99", "p999"] {
        println!("  latency {k:<5} {:>10.2} ms ± {:.2}", f(&l[k]), f(&ci[k]));
    }
    println!(
        "  requests {:.0} ± {:.0}, failed {:.1} ± {:.1}",
        f(&doc["requests"]["total"]),
        f(&doc["ci95"]["requests"]["total"]),
        f(&doc["requests"]["failed"]),
        f(&doc["ci95"]["requests"]["failed"])
    );
}
