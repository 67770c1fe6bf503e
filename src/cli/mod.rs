//! Command-line parsing (clap) and dispatch to the commands. Exit codes: 0 ok, 1 the run
//! failed, 2 bad usage or a bad scenario, 130 interrupted (SIGINT or SIGTERM).

mod experiment;
mod fit;
mod folders;
mod import;
mod lab;
mod memory_watch;
mod plot;
mod progress;
mod run;

use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use stratus::scenario::ScenarioError;

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

/// Options shared by every command that simulates.
#[derive(Args, Clone)]
pub struct Common {
    /// Overrides the scenario's seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output folder, replaced as a whole when the command ends (default outputs/<name>/ for
    /// run, outputs/<name>-compare/ and outputs/<name>-sweep/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Overrides a scenario value: PATH=VALUE, e.g. auto_scaling_groups.api.max=30.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Overrides the runaway guard (the scenario's max_events).
    #[arg(long)]
    pub max_events: Option<u64>,
    /// Independent replications (different seeds), run in parallel.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub replications: u64,
    /// Runs only slice K of N of the variant x replication grid (then `stratus merge`).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// A price table (the shape of crates/model/prices/us-east-1.yaml) replacing the shipped one.
    #[arg(long, value_name = "FILE")]
    pub prices: Option<PathBuf>,
    /// The memory a run may hold, e.g. 2GB (default: half of the machine's memory, or of
    /// the address-space limit). Runs estimated or found to need more stop with exit 1.
    #[arg(long, value_name = "SIZE", value_parser = parse_memory)]
    pub max_memory: Option<u64>,
    /// No progress bar and no table.
    #[arg(long)]
    pub quiet: bool,
    /// Skip the plots (SVG/PNG); report.html then has the tables only.
    #[arg(long)]
    pub no_plots: bool,
    /// Let the scenario read data files (traces, samples) outside its own folder.
    #[arg(long)]
    pub allow_outside_files: bool,
    /// Produce every workload's arrivals and request draws on the simulation thread. By
    /// default a single run whose workloads expect many arrivals produces them ahead on a
    /// second thread; the outputs are the same either way.
    #[arg(long)]
    pub no_feed: bool,
}

impl Common {
    /// The `--set` overrides plus the ones `--seed` and `--max-events` stand for.
    pub fn overrides(&self) -> Vec<String> {
        let mut o = self.set.clone();
        if let Some(s) = self.seed {
            o.push(format!("seed={s}"));
        }
        if let Some(m) = self.max_events {
            o.push(format!("max_events={m}"));
        }
        o
    }

    /// Loads and validates a scenario with these options.
    pub fn load(
        &self,
        path: &std::path::Path,
        extra: &[String],
    ) -> Result<stratus::scenario::Scenario, ScenarioError> {
        let mut overrides = self.overrides();
        overrides.extend_from_slice(extra);
        stratus::scenario::Scenario::from_file_with(
            path,
            &overrides,
            self.prices.as_deref(),
            self.allow_outside_files,
        )
    }

    /// The files a command reads besides its scenarios (the output folder must not hold them).
    pub fn inputs<'a>(&'a self, scenarios: &[&'a Path]) -> Vec<&'a Path> {
        let mut v = scenarios.to_vec();
        v.extend(self.prices.as_deref());
        v
    }

    /// The memory budget in force (`--max-memory` or the machine's default).
    pub fn max_memory(&self) -> u64 {
        self.max_memory
            .unwrap_or_else(stratus::scenario::budget::default_max_memory)
    }

    /// Refuses a run (exit 1) whose estimated size passes its event or memory budget,
    /// before anything runs; says when a run that fits will still take long.
    pub fn check_budget(
        &self,
        s: &stratus::scenario::Scenario,
        cells: usize,
    ) -> Result<(), Failure> {
        use stratus::scenario::budget;
        let e = budget::estimate(s, cells);
        budget::check(&e, s.max_events, self.max_memory())
            .map_err(|m| Failure::Run(anyhow::anyhow!(m)))?;
        let total = e.events * cells as f64;
        if total > 1e9 && !self.quiet {
            eprintln!(
                "stratus: this will process about {total:.1e} events (about {:.0} min of CPU); \
                 shorten `duration` or lower the rates for a quicker answer",
                total / budget::EVENTS_PER_SECOND / 60.0
            );
        }
        Ok(())
    }
}

/// `--max-memory`: a size such as `2GB` or `512MB`.
fn parse_memory(text: &str) -> Result<u64, String> {
    stratus::scenario::units::parse_bytes(text).and_then(|b| {
        if b == 0 {
            Err("expected a positive size, e.g. 2GB".into())
        } else {
            Ok(b)
        }
    })
}

/// Event tracing of a single run.
#[derive(Args, Clone)]
pub struct TraceArgs {
    /// Write one JSON line per event of interest to FILE.
    #[arg(long, value_name = "FILE.jsonl")]
    pub trace: Option<PathBuf>,
    /// Keep only matching events: kind=K1|K2, component=NAME, request=ID, time=FROM..TO
    /// (comma means and).
    #[arg(long, value_name = "EXPR", default_value = "")]
    pub trace_filter: String,
    /// Trace this fraction of requests (each sampled request end to end).
    #[arg(long, value_name = "P", default_value_t = 1.0)]
    pub trace_sample: f64,
    /// Follow one request end to end (its arrival number, from 0).
    #[arg(long, value_name = "ID")]
    pub trace_request: Option<u64>,
    /// The largest trace written; later lines are dropped, with a warning (e.g. 200MB).
    #[arg(long, value_name = "SIZE", default_value = "1GB", value_parser = parse_memory)]
    pub trace_max_bytes: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario and write summary.json, timeseries.csv, latency.hgrm, the plots
    /// and report.html.
    Run {
        scenario: PathBuf,
        #[command(flatten)]
        common: Common,
        #[command(flatten)]
        trace: TraceArgs,
        /// Print summary.json to stdout instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Run variants on common random numbers, side by side with paired differences:
    /// one scenario with --vary, or several scenario files.
    Compare {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// PATH=V1,V2,... (one scenario only); several --vary run every combination.
        #[arg(long)]
        vary: Vec<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Run a parameter over a range and find the cheapest point meeting an SLO.
    Sweep {
        scenario: PathBuf,
        /// PATH=RANGE: a list `2,4,8`, `2..10`, `2..10 step 2`, or a YAML flow list
        /// `[{...}, {...}]`; several --vary run every combination.
        #[arg(long, required = true)]
        vary: Vec<String>,
        /// Objectives, e.g. 'p99<200ms,errors<0.1%' (figures: mean p50 p90 p99 p999 max,
        /// errors, throttles, cost).
        #[arg(long)]
        slo: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// Combine the folders written by --shard runs into the files one run would have written.
    Merge {
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output folder, replaced as a whole (default outputs/<scenario>/,
        /// outputs/<scenario>-compare/ or outputs/<scenario>-sweep/).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        quiet: bool,
        /// Skip the plots (SVG/PNG); report.html then has the tables only.
        #[arg(long)]
        no_plots: bool,
    },
    /// Redraw a finished run's dashboard from its files, optionally zoomed to a window.
    Plot {
        dir: PathBuf,
        /// FROM..TO of simulated time, e.g. 10h..12h (writes dashboard-10h-12h.svg/.png).
        #[arg(long)]
        window: Option<String>,
        #[arg(long)]
        quiet: bool,
    },
    /// Check scenario files; exit 0 if all are valid, 2 with every problem listed.
    Validate {
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Let scenarios read data files outside their own folder.
        #[arg(long)]
        allow_outside_files: bool,
        /// Override a value before validating (as `run --set`).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// Print the JSON Schema of scenario files.
    Schema,
    /// Describe a scenario's architecture in words and as a diagram, with its defaults.
    Explain {
        scenario: PathBuf,
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Let the scenario read data files outside its own folder.
        #[arg(long)]
        allow_outside_files: bool,
    },
    /// Fit a workload from what a system recorded: `fit alb-logs FILES...` (ALB access
    /// logs, plain or gzip) or `fit cloudwatch FILE.csv` (a metric export); writes a scenario
    /// that validates, with comments saying where each value came from.
    Fit {
        #[command(subcommand)]
        source: fit::Source,
    },
    /// Read an architecture from infrastructure code: `import cfn TEMPLATE` (CloudFormation,
    /// YAML or JSON); writes a scenario whose unknowns (traffic, work) are FILL placeholders
    /// that `validate` lists until they are replaced.
    Import {
        #[command(subcommand)]
        source: import::Source,
    },
    /// Teaching labs: `lab list`, `lab run NAME` (runs the commands of the lab's guide).
    Lab {
        #[command(subcommand)]
        action: LabAction,
        /// The folder of the labs (default: $STRATUS_LABS, else ./scenarios/labs, else the
        /// labs of the source tree this binary was built from).
        #[arg(long, global = true)]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum LabAction {
    /// List the labs with their titles.
    List,
    /// Run a lab's commands (NAME: `01` or `01-alb-algorithms`).
    Run { name: String },
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    if matches!(
        cli.command,
        Command::Run { .. }
            | Command::Compare { .. }
            | Command::Sweep { .. }
            | Command::Merge { .. }
            | Command::Lab { .. }
    ) && let Err(e) = stratus::interrupt::install()
    {
        eprintln!("error: cannot install the signal handlers: {e}");
        return ExitCode::from(1);
    }
    let result = match cli.command {
        Command::Run {
            scenario,
            common,
            trace,
            json,
        } => run::run(&scenario, &common, &trace, json),
        Command::Compare {
            scenarios,
            vary,
            common,
        } => experiment::compare(&scenarios, &vary, &common),
        Command::Sweep {
            scenario,
            vary,
            slo,
            common,
        } => experiment::sweep(&scenario, &vary, slo.as_deref(), &common),
        Command::Merge {
            dirs,
            out,
            quiet,
            no_plots,
        } => experiment::merge(&dirs, out, quiet, !no_plots),
        Command::Plot { dir, window, quiet } => plot::plot(&dir, window.as_deref(), quiet),
        Command::Validate {
            scenarios,
            set,
            allow_outside_files,
        } => return validate(&scenarios, &set, allow_outside_files),
        Command::Explain {
            scenario,
            set,
            allow_outside_files,
        } => {
            stratus::scenario::Scenario::from_file_with(&scenario, &set, None, allow_outside_files)
                .map(|s| print!("{}", stratus::explain::explain(&s)))
                .map_err(Failure::from)
        }
        Command::Lab { action, dir } => {
            let dir = lab::labs_dir(dir);
            match action {
                LabAction::List => lab::list(&dir),
                LabAction::Run { name } => lab::run(&dir, &name),
            }
        }
        Command::Fit { source } => fit::fit(source),
        Command::Import { source } => import::import(source),
        Command::Schema => {
            let schema = stratus::scenario::json_schema();
            println!("{}", serde_json::to_string_pretty(&schema).expect("schema"));
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            eprintln!("error: {m}");
            ExitCode::from(2)
        }
        Err(Failure::Scenario(e)) => {
            eprint!("{e}");
            ExitCode::from(2)
        }
        Err(Failure::Run(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
        Err(Failure::Interrupted(m)) => {
            eprintln!("stratus: interrupted (SIGINT or SIGTERM): {m}");
            ExitCode::from(stratus::interrupt::EXIT_CODE)
        }
    }
}

/// Why a command failed, which decides the exit code.
pub enum Failure {
    Usage(String),
    Scenario(ScenarioError),
    Run(anyhow::Error),
    /// A signal stopped the command; the message says what was left behind.
    Interrupted(String),
}

impl From<ScenarioError> for Failure {
    fn from(e: ScenarioError) -> Self {
        Failure::Scenario(e)
    }
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Run(e)
    }
}

fn validate(paths: &[PathBuf], set: &[String], allow_outside_files: bool) -> ExitCode {
    let mut failed = false;
    for path in paths {
        match stratus::scenario::Scenario::from_file_with(path, set, None, allow_outside_files) {
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

/// Parses `--shard K/N` (1 <= K <= N).
pub fn parse_shard(s: &Option<String>) -> Result<Option<(usize, usize)>, Failure> {
    let Some(s) = s else { return Ok(None) };
    let parsed = s
        .split_once('/')
        .and_then(|(k, n)| Some((k.trim().parse().ok()?, n.trim().parse().ok()?)));
    match parsed {
        Some((k, n)) if k >= 1 && k <= n => Ok(Some((k, n))),
        _ => Err(Failure::Usage(format!(
            "--shard expects K/N with 1 <= K <= N, got `{s}`"
        ))),
    }
}
