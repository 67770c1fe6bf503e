//! `run --replications`, `compare`, `sweep` and `merge`: build the grid, run it in parallel
//! (or one shard of it), and write or print the results. Variant names are made unique
//! (`experiment::names`); the output folder is checked before the grid runs and swapped in
//! whole at the end (`folders`).

use super::memory_watch::MemoryWatch;
use super::{Common, Failure, folders, parse_shard, progress};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use stratus::experiment::compare::{Experiment, compare_table};
use stratus::experiment::floor::WorkMixture;
use stratus::experiment::names;
use stratus::experiment::output::{finish, read_shards, write_shard};
use stratus::experiment::slo::{Figure, Objective, parse_slo};
use stratus::experiment::sweep::sweep_table;
use stratus::experiment::vary::{grid, parse_vary};
use stratus::experiment::{Plan, Variant, shard_cells};
use stratus::report::OutputFolder;
use stratus::scenario::Scenario;
use stratus::scenario::output_name::name_problem;

pub fn replicate(
    scenario: Scenario,
    path: &Path,
    common: &Common,
    json: bool,
) -> Result<(), Failure> {
    let name = scenario.name.clone();
    let variants = vec![Variant {
        name: name.clone(),
        values: vec![],
        scenario: Arc::new(scenario),
    }];
    let document = execute("run", variants, None, common, &[path])?;
    if let Some(doc) = document {
        if json {
            println!("{}", serde_json::to_string_pretty(&doc).expect("JSON"));
        } else if !common.quiet {
            print_replicated(&doc);
        }
    }
    Ok(())
}

pub fn compare(paths: &[PathBuf], vary: &[String], common: &Common) -> Result<(), Failure> {
    let variants = match (paths, vary.is_empty()) {
        ([one], false) => varied(one, vary, common)?,
        (_, false) => return Err(Failure::Usage("--vary takes exactly one scenario".into())),
        ([_], true) => {
            return Err(Failure::Usage(
                "compare needs --vary PATH=V1,V2,... or two or more scenario files".into(),
            ));
        }
        (many, true) => {
            let refs: Vec<&Path> = many.iter().map(PathBuf::as_path).collect();
            let labels = names::file_labels(&refs);
            many.iter()
                .zip(labels)
                .map(|(p, label)| {
                    let s = common.load(p, &[])?;
                    Ok(Variant {
                        name: label,
                        values: vec![("file".into(), p.display().to_string())],
                        scenario: Arc::new(s),
                    })
                })
                .collect::<Result<Vec<_>, Failure>>()?
        }
    };
    let inputs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    if let Some(doc) = execute("compare", variants, None, common, &inputs)?
        && !common.quiet
    {
        print!("{}", compare_table(&doc));
    }
    Ok(())
}

pub fn sweep(
    path: &Path,
    vary: &[String],
    slo: Option<&str>,
    common: &Common,
) -> Result<(), Failure> {
    let objectives = match slo {
        Some(s) => parse_slo(s).map_err(Failure::Usage)?,
        None => Vec::new(),
    };
    let variants = varied(path, vary, common)?;
    for line in slo_floor_warnings(&objectives, &variants) {
        eprintln!("{line}");
    }
    if let Some(doc) = execute("sweep", variants, slo.map(String::from), common, &[path])?
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
    let (mut exp, cells) = read_shards(&refs).map_err(Failure::Usage)?;
    if let Some(problem) = name_problem(&exp.scenario) {
        return Err(Failure::Usage(format!(
            "{}: `scenario` in experiment.json: {problem}",
            refs[0].display()
        )));
    }
    let mut names = exp.variant_names();
    for note in names::make_unique(&mut names) {
        eprintln!("note: {note}");
    }
    for ((name, _), unique) in exp.variants.iter_mut().zip(names) {
        *name = unique;
    }
    let folder = folders::begin(
        out.as_deref(),
        folders::default_out(&exp.scenario, &exp.kind, None),
        &refs,
    )?;
    let finished = finish(&exp, &cells, folder.path())
        .map_err(|m| folders::write_failure("the merged outputs", m, &folder))?;
    write_report(&folder, &exp, &finished, plots)?;
    let shown = folder.shown().display().to_string();
    folders::commit(folder)?;
    if !quiet {
        print_document(&exp.kind, &finished.document);
        println!("\nmerged {} cells into {shown}", cells.len());
    }
    Ok(())
}

/// One variant per point of the `--vary` grid, each validated up front; a failing variant
/// is named in the error.
fn varied(path: &Path, vary: &[String], common: &Common) -> Result<Vec<Variant>, Failure> {
    let varies = vary
        .iter()
        .map(|v| parse_vary(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(Failure::Usage)?;
    let base = common.load(path, &[])?;
    grid(&varies)
        .into_iter()
        .map(|values| {
            let name = values
                .iter()
                .map(|(p, v)| format!("{}={v}", p.rsplit('.').next().unwrap_or(p)))
                .collect::<Vec<_>>()
                .join(" ");
            let overrides: Vec<String> = values
                .iter()
                .flat_map(|(p, v)| fixed_fleet_overrides(&base, p, v))
                .collect();
            let s = common.load(path, &overrides).map_err(|mut e| {
                e.file = format!("{} (variant {name})", e.file);
                e
            })?;
            Ok(Variant {
                name,
                values,
                scenario: Arc::new(s),
            })
        })
        .collect()
}

/// The overrides a varied value stands for. Varying the size of a fixed fleet (a group
/// without policies whose min = max = desired) moves all three: otherwise every value outside
/// the original bounds would be rejected.
fn fixed_fleet_overrides(base: &Scenario, path: &str, value: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split('.').collect();
    if let ["auto_scaling_groups", group, "desired" | "min" | "max"] = parts[..]
        && let Some(g) = base.groups.iter().find(|g| g.name == group)
        && g.policies.is_empty()
        && g.min == g.max
        && g.max == g.desired
    {
        return ["min", "max", "desired"]
            .iter()
            .map(|f| format!("auto_scaling_groups.{group}.{f}={value}"))
            .collect();
    }
    vec![format!("{path}={value}")]
}

/// Latency objectives no capacity can meet: the work alone (each request on its own core)
/// already exceeds the threshold at the objective's percentile.
fn slo_floor_warnings(objectives: &[Objective], variants: &[Variant]) -> Vec<String> {
    let mut out = Vec::new();
    for o in objectives {
        let Figure::Latency(stat) = &o.figure else {
            continue;
        };
        let q = match stat.as_str() {
            "p50" => 0.5,
            "p90" => 0.9,
            "p99" => 0.99,
            "p999" => 0.999,
            _ => continue,
        };
        // (floor, the variants it holds for), in first-seen order.
        let mut floors: Vec<(f64, Vec<&str>)> = Vec::new();
        for v in variants {
            let Some(mix) = WorkMixture::of(&v.scenario) else {
                continue;
            };
            let floor_ms = mix.quantile(q) * 1e3;
            if floor_ms < o.threshold {
                continue;
            }
            match floors.iter_mut().find(|(f, _)| (f - floor_ms).abs() < 1e-9) {
                Some((_, names)) => names.push(&v.name),
                None => floors.push((floor_ms, vec![&v.name])),
            }
        }
        for (floor_ms, names) in floors {
            let at = if names.len() == variants.len() {
                String::new()
            } else {
                format!(" at {}", names.join(", "))
            };
            out.push(format!(
                "warning: `{}` is below what the work allows{at}: with unlimited capacity (every request alone on a core) the best {stat} is {floor_ms:.1} ms",
                o.text
            ));
        }
    }
    out
}

/// Runs the grid (or a shard of it). Returns the result document, or `None` for a shard.
/// `inputs` are the files read, which the output folder must not hold.
fn execute(
    kind: &str,
    mut variants: Vec<Variant>,
    slo: Option<String>,
    common: &Common,
    inputs: &[&Path],
) -> Result<Option<serde_json::Value>, Failure> {
    let shard = parse_shard(&common.shard)?;
    let cells = variants.len() * common.replications as usize;
    if let Some(v) = variants.iter().max_by_key(|v| v.scenario.duration) {
        common.check_budget(&v.scenario, cells)?;
    }
    let mut unique: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
    for note in names::make_unique(&mut unique) {
        if !common.quiet {
            eprintln!("note: {note}");
        }
    }
    for (v, name) in variants.iter_mut().zip(unique) {
        v.name = name;
    }
    let scenario = variants[0].scenario.name.clone();
    let folder = folders::begin(
        common.out.as_deref(),
        folders::default_out(&scenario, kind, shard),
        &common.inputs(inputs),
    )?;
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
    let watch = MemoryWatch::start(common.max_memory());
    let results = plan.run_fed(&cells, !common.no_feed, || {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if let Some(b) = &bar {
            b.set_position(n);
        }
    });
    let over_budget = watch.stop();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(message) = over_budget {
        // Every cell stopped; the staging folder is removed when `folder` drops.
        return Err(Failure::Run(anyhow::anyhow!(
            "{message}; {}",
            folder.left_behind()
        )));
    }
    let results = results.map_err(|e| folders::run_failure(e, &folder))?;
    let shown = folder.shown().display().to_string();
    if shard.is_some() {
        write_shard(&exp, &results, folder.path())
            .map_err(|e| folders::write_failure("the shard", e, &folder))?;
        folders::commit(folder)?;
        if !common.quiet {
            println!(
                "wrote {} of {} cells to {shown}",
                results.len(),
                exp.variants.len() * exp.replications,
            );
        }
        return Ok(None);
    }
    let finished = finish(&exp, &results, folder.path())
        .map_err(|m| folders::write_failure("the outputs", m, &folder))?;
    write_report(&folder, &exp, &finished, !common.no_plots)?;
    folders::commit(folder)?;
    if !common.quiet {
        eprintln!("outputs in {shown}");
    }
    Ok(Some(finished.document))
}

/// The plots and report.html of a finished experiment, into the staging folder.
fn write_report(
    folder: &OutputFolder,
    exp: &stratus::experiment::compare::Experiment,
    finished: &stratus::experiment::output::Finished,
    plots: bool,
) -> Result<(), Failure> {
    stratus::html::write_experiment_report(folder.path(), exp, finished, plots)
        .map_err(|e| folders::write_failure("report.html", e, folder))
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
