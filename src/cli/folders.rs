//! The output folder of a command: its default name, the check before anything runs, and the
//! swap at the end (`stratus::report::folder`), with the messages of a failed or interrupted
//! command saying what was left behind.

use super::Failure;
use std::path::{Path, PathBuf};
use stratus::report::OutputFolder;
use stratus::sim::RunError;

/// `outputs/<name>/` for `run`, `outputs/<name>-compare/` and `outputs/<name>-sweep/`, with
/// `-shard-K-of-N` for a shard. `name` has passed the scenario-name rule.
pub fn default_out(name: &str, kind: &str, shard: Option<(usize, usize)>) -> PathBuf {
    let mut folder = match kind {
        "compare" | "sweep" => format!("{name}-{kind}"),
        _ => name.to_string(),
    };
    if let Some((k, n)) = shard {
        folder.push_str(&format!("-shard-{k}-of-{n}"));
    }
    PathBuf::from("outputs").join(folder)
}

/// Checks the output folder (`--out` or the default) and starts its staging copy, before the
/// command simulates anything.
pub fn begin(
    out: Option<&Path>,
    default: PathBuf,
    inputs: &[&Path],
) -> Result<OutputFolder, Failure> {
    let dest = out.map(Path::to_path_buf).unwrap_or(default);
    OutputFolder::begin(&dest, inputs)
        .map_err(|m| Failure::Usage(format!("cannot use the output folder: {m}")))
}

/// Swaps the finished folder in, unless a signal arrived meanwhile.
pub fn commit(folder: OutputFolder) -> Result<(), Failure> {
    if stratus::interrupt::requested() {
        return Err(Failure::Interrupted(format!(
            "stopped before the outputs were swapped in; removed the temporary files; {}",
            folder.left_behind()
        )));
    }
    let note = folder.left_behind();
    let shown = folder.shown().display().to_string();
    folder
        .commit()
        .map_err(|e| Failure::Run(anyhow::anyhow!("writing outputs to {shown}: {e}; {note}")))
}

/// A failed or interrupted simulation.
pub fn run_failure(e: RunError, folder: &OutputFolder) -> Failure {
    match e {
        RunError::Interrupted { at } => interrupted(&format!("at simulated time {at}"), folder),
        _ if stratus::interrupt::requested() => interrupted("", folder),
        other => Failure::Run(anyhow::anyhow!("{other}; {}", folder.left_behind())),
    }
}

/// Writing into the staging copy failed (a full disk, a plot that could not be drawn).
pub fn write_failure(what: &str, e: impl std::fmt::Display, folder: &OutputFolder) -> Failure {
    if stratus::interrupt::requested() {
        return interrupted("", folder);
    }
    Failure::Run(anyhow::anyhow!(
        "writing {what} failed: {e}; {}",
        folder.left_behind()
    ))
}

fn interrupted(at: &str, folder: &OutputFolder) -> Failure {
    let at = if at.is_empty() {
        String::new()
    } else {
        format!(" {at}")
    };
    Failure::Interrupted(format!(
        "stopped{at}; removed the temporary files; {}",
        folder.left_behind()
    ))
}
