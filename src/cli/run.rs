//! `stratus run`: one simulation (with a progress bar and the summary table), or replications.

use super::{Common, Failure, progress};
use anyhow::Context;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stratus::sim::World;

pub fn run(path: &Path, common: &Common, json: bool) -> Result<(), Failure> {
    let scenario = common.load(path, &[])?;
    if common.replications > 1 || common.shard.is_some() {
        return super::experiment::replicate(scenario, common, json);
    }
    let out = common
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("outputs").join(&scenario.name));
    if !common.quiet && !json {
        eprintln!(
            "stratus: running `{}` with seed {}",
            scenario.name, scenario.seed
        );
    }
    let bar = progress::bar(
        scenario.duration.as_nanos() / 1_000_000_000,
        "{bar:40} {pos}/{len} simulated s  {msg}  eta {eta}",
        common.quiet,
    );
    let started = std::time::Instant::now();
    let mut world = World::new(Arc::new(scenario));
    world
        .run(|now, events| {
            if let Some(bar) = &bar {
                bar.set_position(now.as_nanos() / 1_000_000_000);
                let rate = events as f64 / started.elapsed().as_secs_f64().max(1e-9) / 1e6;
                bar.set_message(format!("{rate:.1} M events/s"));
            }
        })
        .map_err(anyhow::Error::from)?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let result = world.into_result(started.elapsed().as_secs_f64());
    stratus::report::write_run(&out, &result)
        .with_context(|| format!("writing outputs to {}", out.display()))?;
    if json {
        let summary = stratus::report::summary_json(&result);
        println!("{}", serde_json::to_string_pretty(&summary).expect("JSON"));
    } else if !common.quiet {
        print!("{}", stratus::report::summary_table(&result));
        println!("\noutputs in {}", out.display());
    }
    Ok(())
}
