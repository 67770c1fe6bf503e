//! `stratus import`: a CloudFormation template into a scenario (the `stratus-import` crate
//! reads, resolves and writes the text); this module parses the command, writes the file
//! atomically and says what is left to fill.

use super::Failure;
use clap::Subcommand;
use std::path::PathBuf;
use stratus::import::cfn::{intrinsics, scenario, template};

#[derive(Subcommand)]
pub enum Source {
    /// A CloudFormation template (YAML with its short-form tags, or JSON).
    Cfn {
        template: PathBuf,
        /// A parameter's value: NAME=VALUE (repeatable; others take their Default).
        #[arg(long = "params", value_name = "NAME=VALUE", num_args = 1..)]
        params: Vec<String>,
        /// The stack's name (for AWS::StackName).
        #[arg(long, default_value = "stack")]
        stack_name: String,
        /// The scenario file to write.
        #[arg(long, required = true)]
        out: PathBuf,
    },
}

pub fn import(source: Source) -> Result<(), Failure> {
    let Source::Cfn {
        template: path,
        params,
        stack_name,
        out,
    } = source;
    let mut given = Vec::new();
    for p in &params {
        match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => given.push((k.to_string(), v.to_string())),
            _ => {
                return Err(Failure::Usage(format!(
                    "--params expects NAME=VALUE, got `{p}`"
                )));
            }
        }
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
    let t = template::parse(&text)
        .map_err(|e| Failure::Usage(format!("{}: not a template: {e}", path.display())))?;
    let stack = intrinsics::Stack {
        name: stack_name,
        ..Default::default()
    };
    let resolved = intrinsics::resolve(&t, &given, &stack);
    let name = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into());
    let imported = scenario::to_scenario(&resolved, &name, &path.display().to_string());
    let problems: Vec<&String> = resolved.problems.iter().chain(&imported.problems).collect();
    if !problems.is_empty() {
        eprintln!(
            "{}: {} problem(s) resolving the template:",
            path.display(),
            problems.len()
        );
        for p in &problems {
            eprintln!("  {p}");
        }
    }
    if resolved.problems.iter().any(|p| p.contains("no Default")) {
        return Err(Failure::Usage(
            "pass the missing parameters with --params".into(),
        ));
    }
    stratus::files::write_atomic(&out, imported.scenario.as_bytes())
        .map_err(|e| Failure::Usage(format!("{}: {e}", out.display())))?;
    eprintln!(
        "wrote {} ({} resources not modeled, listed in its header); `stratus validate {}` lists the FILL values to set",
        out.display(),
        imported.not_modeled.len(),
        out.display()
    );
    Ok(())
}
