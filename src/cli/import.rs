//! `stratus import`: a CloudFormation or SAM template, or a Terraform plan or state, into a
//! scenario (the `stratus-import` crate reads, resolves and writes the text); this module
//! parses the command, writes the file atomically and says what is left to fill.

use super::Failure;
use clap::Subcommand;
use std::path::{Path, PathBuf};
use stratus::import::cfn::{intrinsics, sam, template};
use stratus::import::model::Resolved;
use stratus::import::{terraform, write};

#[derive(Subcommand)]
pub enum Source {
    /// A CloudFormation template (YAML with its short-form tags, or JSON), SAM included.
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
    /// The JSON of `terraform show -json` (a plan or a state).
    Terraform {
        plan: PathBuf,
        /// The scenario file to write.
        #[arg(long, required = true)]
        out: PathBuf,
    },
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))
}

fn cfn(path: &Path, params: &[String], stack_name: String) -> Result<Resolved, Failure> {
    let mut given = Vec::new();
    for p in params {
        match p.split_once('=') {
            Some((k, v)) if !k.is_empty() => given.push((k.to_string(), v.to_string())),
            _ => {
                return Err(Failure::Usage(format!(
                    "--params expects NAME=VALUE, got `{p}`"
                )));
            }
        }
    }
    let mut t = template::parse(&read(path)?)
        .map_err(|e| Failure::Usage(format!("{}: not a template: {e}", path.display())))?;
    sam::expand(&mut t);
    let stack = intrinsics::Stack {
        name: stack_name,
        ..Default::default()
    };
    Ok(intrinsics::resolve(&t, &given, &stack))
}

pub fn import(source: Source) -> Result<(), Failure> {
    let (resolved, path, out, reader) = match source {
        Source::Cfn {
            template,
            params,
            stack_name,
            out,
        } => (cfn(&template, &params, stack_name)?, template, out, "cfn"),
        Source::Terraform { plan, out } => {
            let json: serde_json::Value = serde_json::from_str(&read(&plan)?)
                .map_err(|e| Failure::Usage(format!("{}: not JSON: {e}", plan.display())))?;
            let r = terraform::read(&json)
                .map_err(|e| Failure::Usage(format!("{}: {e}", plan.display())))?;
            (r, plan, out, "terraform")
        }
    };
    let name = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "imported".into());
    let imported = write::to_scenario(&resolved, &name, &path.display().to_string(), reader);
    let problems: Vec<&String> = resolved.problems.iter().chain(&imported.problems).collect();
    if !problems.is_empty() {
        eprintln!(
            "{}: {} problem(s) reading it:",
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
