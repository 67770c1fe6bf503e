//! Autoscaling at scale: `scenarios/diurnal-5k.yaml` shifted so that its 5,000 requests/s
//! peak falls in the first hour, under target tracking. The full 24-hour run is measured with
//! `/usr/bin/time -v stratus run scenarios/diurnal-5k.yaml` (figures in ARCHITECTURE.md).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use std::sync::Arc;
use stratus::scenario::Scenario;
use stratus::sim::World;

fn diurnal_peak(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/diurnal-5k.yaml");
    let overrides = [
        "duration=1h".to_string(),
        "warmup=10m".to_string(),
        "workloads.api.rate.peak_at=30m".to_string(),
    ];
    let scenario = Arc::new(Scenario::from_file(&path, &overrides).expect("valid"));
    let events = {
        let mut w = World::new(scenario.clone());
        w.run(|_, _| {}).expect("runs");
        w.events()
    };
    let mut group = c.benchmark_group("autoscaling");
    group.throughput(Throughput::Elements(events));
    group.sample_size(10);
    group.bench_function("diurnal_5k_peak_hour", |b| {
        b.iter(|| {
            let mut w = World::new(scenario.clone());
            w.run(|_, _| {}).expect("runs");
            w.into_result(0.0).overall.total
        })
    });
    group.finish();
}

criterion_group!(benches, diurnal_peak);
criterion_main!(benches);
