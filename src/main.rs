//! The `stratus` command line: parse arguments, load scenarios, run, write outputs.
//! No model logic lives here.

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use stratus::scenario::{Scenario, ScenarioError};
use stratus::sim::World;

#[derive(Parser)]
#[command(
    name = "stratus",
    version,
    about = "Discrete-event simulation of AWS-style cloud architectures"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario and write summary.json, timeseries.csv and latency.hgrm.
    Run {
        scenario: PathBuf,
        /// Overrides the scenario's seed.
        #[arg(long)]
        seed: Option<u64>,
        /// Output folder (default outputs/<name>/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Overrides a scenario value: PATH=VALUE, e.g. auto_scaling_groups.api.max=30.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Overrides the runaway guard (the scenario's max_events).
        #[arg(long)]
        max_events: Option<u64>,
        /// No progress bar and no summary table.
        #[arg(long)]
        quiet: bool,
        /// Print summary.json to stdout instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Check scenario files; exit 0 if all are valid, 2 with every problem listed.
    Validate {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Print the JSON Schema of scenario files.
    Schema,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run {
            scenario,
            seed,
            out,
            set,
            max_events,
            quiet,
            json,
        } => {
            let mut overrides = set;
            if let Some(s) = seed {
                overrides.push(format!("seed={s}"));
            }
            if let Some(m) = max_events {
                overrides.push(format!("max_events={m}"));
            }
            let scenario = match Scenario::from_file(&scenario, &overrides) {
                Ok(s) => s,
                Err(e) => return bad_scenario(&e),
            };
            match run(scenario, out, quiet, json) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Validate { scenarios } => {
            let mut failed = false;
            for path in scenarios {
                match Scenario::from_file(&path, &[]) {
                    Ok(s) => println!("{}: ok ({})", path.display(), s.name),
                    Err(e) => {
                        eprint!("{e}");
                        failed = true;
                    }
                }
            }
            if failed {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&stratus::scenario::json_schema()).expect("schema")
            );
            ExitCode::SUCCESS
        }
    }
}

fn bad_scenario(e: &ScenarioError) -> ExitCode {
    eprint!("{e}");
    ExitCode::from(2)
}

fn run(scenario: Scenario, out: Option<PathBuf>, quiet: bool, json: bool) -> anyhow::Result<()> {
    let out = out.unwrap_or_else(|| PathBuf::from("outputs").join(&scenario.name));
    let duration = scenario.duration;
    if !quiet && !json {
        eprintln!(
            "stratus: running `{}` with seed {}",
            scenario.name, scenario.seed
        );
    }
    let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(duration.as_nanos() / 1_000_000_000);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} simulated s  {msg}  eta {eta}",
            )
            .expect("valid template"),
        );
        bar
    });
    let started = std::time::Instant::now();
    let mut world = World::new(Arc::new(scenario));
    world.run(|now, events| {
        if let Some(bar) = &bar {
            bar.set_position(now.as_nanos() / 1_000_000_000);
            let rate = events as f64 / started.elapsed().as_secs_f64().max(1e-9) / 1e6;
            bar.set_message(format!("{rate:.1} M events/s"));
        }
    })?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let result = world.into_result(started.elapsed().as_secs_f64());
    stratus::report::write_run(&out, &result)
        .with_context(|| format!("writing outputs to {}", out.display()))?;
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&stratus::report::summary_json(&result))?
        );
    } else if !quiet {
        print!("{}", stratus::report::summary_table(&result));
        println!("\noutputs in {}", out.display());
    }
    Ok(())
}
