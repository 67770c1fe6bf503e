//! Rendering cost of the plots of a day-long run: the dashboard of
//! `scenarios/diurnal-5k.yaml` (24 h at 1-minute periods: 1,440 points per series, three AZs
//! of breakdowns) as SVG and as PNG, and the latency CDF. The traffic is scaled down so the
//! set-up simulation is quick; the series and their lengths are those of the full run.

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::Path;
use std::sync::Arc;
use stratus::plot::{self, cdf::LatencyFigure, dashboard::dashboard, timeseries::Timeline};
use stratus::scenario::Scenario;
use stratus::sim::World;

fn day_dashboard(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/diurnal-5k.yaml");
    let overrides = ["workloads.api.rate.mean=60".to_string()];
    let scenario = Arc::new(Scenario::from_file(&path, &overrides).expect("valid"));
    let mut w = World::new(scenario);
    w.run(|_, _| {}).expect("runs");
    let r = w.into_result(0.0);
    let timeline = Timeline {
        start_s: 0.0,
        duration_s: r.sim_duration_s,
        warmup_s: r.warmup_s,
        markers: vec![(8.0 * 3600.0, "fault".into())],
    };
    let fig = dashboard("diurnal-5k", "24 h", &r.series, timeline);
    let cdf = LatencyFigure {
        title: "latency".into(),
        curves: vec![("all".into(), r.overall.latency.histogram())],
    };
    let mut group = c.benchmark_group("plots");
    group.sample_size(10);
    group.bench_function("dashboard_24h_1min_svg", |b| {
        b.iter(|| plot::svg(&fig).expect("renders").len())
    });
    group.bench_function("dashboard_24h_1min_png", |b| {
        b.iter(|| plot::png(&fig).expect("renders").len())
    });
    group.bench_function("latency_cdf_svg", |b| {
        b.iter(|| plot::svg(&cdf).expect("renders").len())
    });
    group.finish();
}

criterion_group!(benches, day_dashboard);
criterion_main!(benches);
