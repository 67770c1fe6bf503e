//! `stratus run`: one simulation (with a progress bar, the summary table and an optional
//! event trace), or replications.

use super::{Common, Failure, TraceArgs, progress};
use anyhow::Context;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stratus::sim::World;
use stratus::trace::{Filter, Tracer};

pub fn run(path: &Path, common: &Common, trace: &TraceArgs, json: bool) -> Result<(), Failure> {
    let scenario = common.load(path, &[])?;
    if trace.trace.is_none()
        && (!trace.trace_filter.is_empty()
            || trace.trace_request.is_some()
            || trace.trace_sample != 1.0)
    {
        return Err(Failure::Usage(
            "--trace-filter, --trace-sample and --trace-request do nothing without --trace FILE"
                .into(),
        ));
    }
    common.check_budget(&scenario, common.replications as usize)?;
    if common.replications > 1 || common.shard.is_some() {
        if trace.trace.is_some() {
            return Err(Failure::Usage(
                "--trace traces a single run: drop --replications and --shard".into(),
            ));
        }
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
    let trace_file = open_trace(trace, &scenario)?;
    let description = scenario.description.clone();
    let bar = progress::bar(
        scenario.duration.as_nanos() / 1_000_000_000,
        "{bar:40} {pos}/{len} simulated s  {msg}  eta {eta}",
        common.quiet,
    );
    let started = std::time::Instant::now();
    let mut world = World::new(Arc::new(scenario));
    let trace_tmp = trace_file.map(|(tracer, tmp)| {
        world.set_tracer(tracer);
        tmp
    });
    let max_memory = common.max_memory();
    world
        .run(|now, events| {
            if let Some(message) = stratus::scenario::budget::rss_over_budget(max_memory) {
                eprintln!("error: {message}");
                std::process::exit(1);
            }
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
    if let (Some(tmp), Some(mut tracer), Some(dest)) =
        (trace_tmp, world.take_tracer(), trace.trace.as_ref())
    {
        tracer
            .flush()
            .and_then(|_| std::fs::rename(&tmp, dest))
            .with_context(|| format!("writing the trace {}", dest.display()))?;
        if tracer.truncated {
            eprintln!(
                "warning: the trace stopped at {} bytes (--trace-max-bytes); narrow it with \
                 --trace-filter or --trace-sample, or raise the cap",
                tracer.bytes
            );
        }
        if !common.quiet && !json {
            eprintln!("trace: {} lines in {}", tracer.lines, dest.display());
        }
    }
    let result = world.into_result(started.elapsed().as_secs_f64());
    stratus::report::write_run(&out, &result)
        .with_context(|| format!("writing outputs to {}", out.display()))?;
    let summary = stratus::report::summary_json(&result);
    let report = stratus::html::RunReport {
        description: &description,
        summary: &summary,
        series: &result.series,
        histogram: result.overall.latency.histogram(),
        markers: &result.markers,
    };
    stratus::html::write_run_report(&out, &report, !common.no_plots)
        .with_context(|| format!("writing the report in {}", out.display()))?;
    if json {
        let summary = stratus::report::summary_json(&result);
        println!("{}", serde_json::to_string_pretty(&summary).expect("JSON"));
    } else if !common.quiet {
        print!("{}", stratus::report::summary_table(&result));
        println!("\noutputs in {}", out.display());
    }
    Ok(())
}

/// The tracer writing to a temporary sibling of the trace file (renamed when the run ends).
fn open_trace(
    args: &TraceArgs,
    scenario: &stratus::scenario::Scenario,
) -> Result<Option<(Tracer, PathBuf)>, Failure> {
    let seed = scenario.seed;
    let Some(dest) = &args.trace else {
        return Ok(None);
    };
    let mut expr = args.trace_filter.clone();
    if let Some(id) = args.trace_request {
        expr = if expr.is_empty() {
            format!("request={id}")
        } else {
            format!("{expr},request={id}")
        };
    }
    let filter = Filter::parse(&expr, args.trace_sample).map_err(Failure::Usage)?;
    filter
        .check_components(
            &trace_components(scenario)
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
        .map_err(Failure::Usage)?;
    let name = dest
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("trace.jsonl");
    let tmp = dest.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure::Usage(format!("--trace {}: {e}", dest.display())))?;
    }
    let file = std::fs::File::create(&tmp)
        .map_err(|e| Failure::Usage(format!("--trace {}: {e}", dest.display())))?;
    Ok(Some((
        Tracer::new(filter, seed, Box::new(BufWriter::new(file)))
            .with_max_bytes(args.trace_max_bytes),
        tmp,
    )))
}

/// Every name a trace event's `component` can carry.
fn trace_components(s: &stratus::scenario::Scenario) -> Vec<String> {
    let names = s.workloads.iter().map(|x| x.name.clone());
    let names = names.chain(s.load_balancers.iter().map(|x| x.name.clone()));
    let names = names.chain(s.target_groups.iter().map(|x| x.name.clone()));
    let names = names.chain(s.groups.iter().map(|x| x.name.clone()));
    let names = names.chain(s.lambda_functions.iter().map(|x| x.name.clone()));
    let names = names.chain(s.queues.iter().map(|x| x.name.clone()));
    let r = &s.resilience;
    let names = names.chain(r.databases.iter().map(|x| x.name.clone()));
    let names = names.chain(r.dns.iter().map(|x| x.name.clone()));
    let names = names.chain(r.faults.iter().map(|f| f.label()));
    names.chain(["faults".to_string()]).collect()
}
