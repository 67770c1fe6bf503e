//! `stratus lab list` and `stratus lab run NAME`: the teaching labs of `scenarios/labs/`, whose
//! guides give the commands (see `stratus::lab`). `run` executes them one after another with
//! this same binary, printing each before it runs. Labs are found from any directory. A guide
//! that runs `lab` itself is refused, and so is `lab run` inside a lab's command (an environment
//! variable marks them).

use super::Failure;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the labs are: `--dir`, else `$STRATUS_LABS`, else `scenarios/labs` under the current
/// directory, else under the source tree the binary was built from (so `cargo install --path .`
/// gives a `stratus` whose labs work from anywhere while the clone exists).
pub fn labs_dir(given: Option<PathBuf>) -> PathBuf {
    if let Some(d) = given {
        return d;
    }
    if let Some(d) = std::env::var_os("STRATUS_LABS") {
        return PathBuf::from(d);
    }
    let local = PathBuf::from("scenarios/labs");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/labs")
}

/// The folder the guides' commands are written relative to: the one holding `scenarios/`.
fn commands_root(labs: &Path) -> Option<PathBuf> {
    let abs = std::fs::canonicalize(labs).ok()?;
    let scenarios = abs.parent()?;
    (scenarios.file_name()? == "scenarios").then(|| scenarios.parent().map(Path::to_path_buf))?
}

pub fn list(dir: &Path) -> Result<(), Failure> {
    let labs = stratus::lab::labs(dir).map_err(Failure::Usage)?;
    for lab in labs {
        println!("{:<28} {}", lab.id, lab.title);
    }
    Ok(())
}

/// Set in the environment of a lab's commands, so a nested `lab run` is refused.
const RUNNING_LAB: &str = "STRATUS_RUNNING_LAB";

pub fn run(dir: &Path, name: &str) -> Result<(), Failure> {
    if let Some(outer) = std::env::var_os(RUNNING_LAB) {
        return Err(Failure::Usage(format!(
            "`stratus lab run` inside the commands of lab {} is refused (a lab may not run labs)",
            outer.to_string_lossy()
        )));
    }
    let lab = stratus::lab::find(dir, name).map_err(Failure::Usage)?;
    if let Some(args) = lab
        .commands
        .iter()
        .find(|a| a.first().is_some_and(|w| w == "lab"))
    {
        return Err(Failure::Usage(format!(
            "{}: the guide runs `stratus {}`; a lab may not run labs",
            lab.guide.display(),
            args.join(" ")
        )));
    }
    println!("# {}  (guide: {})", lab.title, lab.guide.display());
    let exe = std::env::current_exe().map_err(|e| Failure::Run(e.into()))?;
    let root = commands_root(dir);
    if let Some(r) = &root
        && std::env::current_dir()
            .ok()
            .and_then(|c| std::fs::canonicalize(c).ok())
            .as_ref()
            != Some(r)
    {
        println!(
            "(the commands run in {}, as the guide expects)",
            r.display()
        );
    }
    for args in &lab.commands {
        println!("\n$ stratus {}", args.join(" "));
        let mut cmd = Command::new(&exe);
        if let Some(r) = &root {
            cmd.current_dir(r);
        }
        let status = cmd
            .args(args)
            .env(RUNNING_LAB, &lab.id)
            .status()
            .map_err(|e| Failure::Run(e.into()))?;
        if stratus::interrupt::requested() {
            return Err(Failure::Interrupted(format!(
                "stopped after `stratus {}`",
                args.join(" ")
            )));
        }
        if !status.success() {
            return Err(Failure::Run(anyhow::anyhow!(
                "`stratus {}` failed ({status})",
                args.join(" ")
            )));
        }
    }
    println!("\nNow read the guide's exercises: {}", lab.guide.display());
    Ok(())
}
