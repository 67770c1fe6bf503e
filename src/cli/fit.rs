//! `stratus fit`: ALB access logs or a CloudWatch export into a scenario (the
//! `stratus-fit` crate does the reading and writing of text); this module parses the
//! command, writes the files atomically and checks that the scenario validates.

use super::Failure;
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use stratus::fit::classes::GroupBy;
use stratus::fit::logs::LogFit;
use stratus::fit::write::{self, Options, RateForm, WorkForm, Written};

#[derive(Subcommand)]
pub enum Source {
    /// ALB access logs (the documented space-separated format, plain or gzip), streamed.
    AlbLogs {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// How requests are grouped into classes.
        #[arg(long, value_enum, default_value_t = By::Path)]
        by: By,
        /// The largest number of classes written; smaller ones are merged into `other`.
        #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u64).range(1..=200))]
        top: u64,
        /// How each class's target time becomes its work.
        #[arg(long, value_enum, default_value_t = Work::Auto)]
        work: Work,
        #[command(flatten)]
        out: OutArgs,
    },
    /// A CloudWatch metric export (time stamp and value columns; the Sum per period).
    Cloudwatch {
        file: PathBuf,
        /// The value column's header (default: the first numeric column).
        #[arg(long)]
        column: Option<String>,
        #[command(flatten)]
        out: OutArgs,
    },
}

#[derive(Args)]
pub struct OutArgs {
    /// The scenario file to write (its data files go beside it).
    #[arg(long, required = true)]
    out: PathBuf,
    /// How the rate is written (alb-logs only: cloudwatch always replays its counts).
    #[arg(long, value_enum, default_value_t = Rate::Auto)]
    rate: Rate,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum By {
    Path,
    Host,
    TargetGroup,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Rate {
    Counts,
    Diurnal,
    Auto,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Work {
    Lognormal,
    Empirical,
    Auto,
}

fn options(out: &Path, sources: Vec<String>, rate: Rate, work: Work, top: u64) -> Options {
    let name = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "fitted".into());
    Options {
        name,
        sources,
        rate: match rate {
            Rate::Counts => RateForm::Counts,
            Rate::Diurnal => RateForm::Diurnal,
            Rate::Auto => RateForm::Auto,
        },
        work: match work {
            Work::Lognormal => WorkForm::Lognormal,
            Work::Empirical => WorkForm::Empirical,
            Work::Auto => WorkForm::Auto,
        },
        top: top as usize,
    }
}

pub fn fit(source: Source) -> Result<(), Failure> {
    let (written, out) = match source {
        Source::AlbLogs {
            files,
            by,
            top,
            work,
            out,
        } => {
            let by = match by {
                By::Path => GroupBy::Path,
                By::Host => GroupBy::Host,
                By::TargetGroup => GroupBy::TargetGroup,
            };
            let mut fit = LogFit::new(by);
            for f in &files {
                fit.add_file(f).map_err(|e| Failure::Usage(e.to_string()))?;
            }
            let read = fit.lines - fit.malformed_lines();
            if read == 0 {
                return Err(Failure::Usage(format!(
                    "no ALB log line could be read in {} ({} lines, all malformed)",
                    files.len(),
                    fit.lines
                )));
            }
            eprintln!(
                "read {read} of {} lines ({} malformed, listed in the scenario's header)",
                fit.lines,
                fit.malformed_lines()
            );
            let sources = files.iter().map(|f| f.display().to_string()).collect();
            let o = options(&out.out, sources, out.rate, work, top);
            (write::alb_scenario(&fit, &o), out.out)
        }
        Source::Cloudwatch { file, column, out } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::Usage(format!("{}: {e}", file.display())))?;
            let fit = stratus::fit::cloudwatch::fit_export(&text, column.as_deref())
                .map_err(|e| Failure::Usage(format!("{}:\n{e}", file.display())))?;
            let o = options(
                &out.out,
                vec![file.display().to_string()],
                out.rate,
                Work::Auto,
                1,
            );
            (write::metric_scenario(&fit, &o), out.out)
        }
    };
    save(&written, &out)?;
    // What was written must validate: a failure here is ours, not the user's.
    stratus::scenario::Scenario::from_file_with(&out, &[], None, false).map_err(|e| {
        Failure::Run(anyhow::anyhow!(
            "the fitted scenario does not validate:\n{e}"
        ))
    })?;
    eprintln!("wrote {} (validates)", out.display());
    Ok(())
}

fn save(w: &Written, out: &Path) -> Result<(), Failure> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let io = |p: &Path, e: std::io::Error| Failure::Usage(format!("{}: {e}", p.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    for (name, text) in &w.files {
        let p = dir.join(name);
        stratus::files::write_atomic(&p, text.as_bytes()).map_err(|e| io(&p, e))?;
    }
    stratus::files::write_atomic(out, w.scenario.as_bytes()).map_err(|e| io(out, e))
}
