//! `stratus lab list` and `stratus lab run NAME`: the teaching labs of `scenarios/labs/`, whose
//! guides give the commands (see `stratus::lab`). `run` executes them one after another with
//! this same binary, printing each before it runs.

use super::Failure;
use std::path::Path;
use std::process::Command;

pub fn list(dir: &Path) -> Result<(), Failure> {
    let labs = stratus::lab::labs(dir).map_err(Failure::Usage)?;
    for lab in labs {
        println!("{:<28} {}", lab.id, lab.title);
    }
    Ok(())
}

pub fn run(dir: &Path, name: &str) -> Result<(), Failure> {
    let lab = stratus::lab::find(dir, name).map_err(Failure::Usage)?;
    println!("# {}  (guide: {})", lab.title, lab.guide.display());
    let exe = std::env::current_exe().map_err(|e| Failure::Run(e.into()))?;
    for args in &lab.commands {
        println!("\n$ stratus {}", args.join(" "));
        let status = Command::new(&exe)
            .args(args)
            .status()
            .map_err(|e| Failure::Run(e.into()))?;
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
