//! `stratus run`: one simulation (with a progress bar, the summary table and an optional
//! event trace), or replications. The output folder and the trace file are checked before the
//! simulation and put in place only when every output is written (see `folders`).

use super::{Common, Failure, TraceArgs, folders, progress};
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;
use stratus::sim::{FeedMode, World};
use stratus::trace::{Filter, TraceFile, Tracer};

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
        return super::experiment::replicate(scenario, path, common, json);
    }
    let folder = folders::begin(
        common.out.as_deref(),
        folders::default_out(&scenario.name, "run", None),
        &common.inputs(&[path]),
    )?;
    let out = folder.shown().to_path_buf();
    let filter = trace_filter(trace, &scenario)?;
    let mut trace_file = None;
    let mut trace_sink = None;
    if let Some(dest) = &trace.trace {
        let staged = folder.place(dest);
        let (file, sink) = TraceFile::open(dest, staged.as_deref())
            .map_err(|m| Failure::Usage(format!("--trace {m}")))?;
        trace_file = Some((file, dest));
        trace_sink = Some(sink);
    }
    if !common.quiet && !json {
        eprintln!(
            "stratus: running `{}` with seed {}",
            scenario.name, scenario.seed
        );
    }
    let description = scenario.description.clone();
    let bar = progress::bar(
        scenario.duration.as_nanos() / 1_000_000_000,
        "{bar:40} {pos}/{len} simulated s  {msg}  eta {eta}",
        common.quiet,
    );
    let started = std::time::Instant::now();
    let seed = scenario.seed;
    let feed = if common.no_feed {
        FeedMode::Off
    } else {
        FeedMode::Auto
    };
    let mut world = World::with_feed(Arc::new(scenario), feed);
    if let (Some(sink), Some(filter)) = (trace_sink, filter) {
        world.set_tracer(
            Tracer::new(filter, seed, Box::new(BufWriter::new(sink)))
                .with_max_bytes(trace.trace_max_bytes),
        );
    }
    let max_memory = common.max_memory();
    let mut over_budget = None;
    let ran = world.run(|now, events| {
        if over_budget.is_none()
            && let Some(message) = stratus::scenario::budget::rss_over_budget(max_memory)
        {
            // Stop at the next event check, as an interrupt would, and report the cause.
            over_budget = Some(message);
            stratus::interrupt::request();
        }
        if let Some(bar) = &bar {
            bar.set_position(now.as_nanos() / 1_000_000_000);
            let rate = events as f64 / started.elapsed().as_secs_f64().max(1e-9) / 1e6;
            bar.set_message(format!("{rate:.1} M events/s"));
        }
    });
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    if let Some(message) = over_budget {
        return Err(Failure::Run(anyhow::anyhow!(
            "{message}; {}",
            folder.left_behind()
        )));
    }
    ran.map_err(|e| folders::run_failure(e, &folder))?;
    if let Some(mut tracer) = world.take_tracer() {
        tracer
            .flush()
            .map_err(|e| folders::write_failure("the trace", e, &folder))?;
        if tracer.truncated {
            eprintln!(
                "warning: the trace stopped at {} bytes (--trace-max-bytes); narrow it with \
                 --trace-filter or --trace-sample, or raise the cap",
                tracer.bytes
            );
        }
        if !common.quiet
            && !json
            && let Some((_, dest)) = &trace_file
        {
            eprintln!("trace: {} lines in {}", tracer.lines, dest.display());
        }
    }
    let result = world.into_result(started.elapsed().as_secs_f64());
    let dir = folder.path();
    stratus::report::write_run(dir, &result)
        .map_err(|e| folders::write_failure("the outputs", e, &folder))?;
    let summary = stratus::report::summary_json(&result);
    let report = stratus::html::RunReport {
        description: &description,
        summary: &summary,
        series: &result.series,
        histogram: result.overall.latency.histogram(),
        markers: &result.markers,
    };
    stratus::html::write_run_report(dir, &report, !common.no_plots)
        .map_err(|e| folders::write_failure("report.html", e, &folder))?;
    folders::commit(folder)?;
    if let Some((file, dest)) = &mut trace_file {
        file.commit().map_err(|e| {
            Failure::Run(anyhow::anyhow!(
                "writing the trace {} failed: {e} (the outputs in {} are complete)",
                dest.display(),
                out.display()
            ))
        })?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&summary).expect("JSON"));
    } else if !common.quiet {
        print!("{}", stratus::report::summary_table(&result));
        println!("\noutputs in {}", out.display());
    }
    Ok(())
}

/// The trace filter of `--trace-filter`, `--trace-sample` and `--trace-request`, checked
/// against the scenario's component names.
fn trace_filter(
    args: &TraceArgs,
    scenario: &stratus::scenario::Scenario,
) -> Result<Option<Filter>, Failure> {
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
    Ok(args.trace.as_ref().map(|_| filter))
}

/// Every name a trace event's `component` can carry, from every service's section.
fn trace_components(s: &stratus::scenario::Scenario) -> Vec<String> {
    let mut names = Vec::new();
    for section in stratus::sections::SECTIONS {
        section.names(s, &mut names);
    }
    names
}
