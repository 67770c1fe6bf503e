//! `scenarios/mmc.yaml` (M/M/8 at load 0.9) end to end: events per second of the whole
//! simulator, ALB routing and metrics included.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use std::sync::Arc;
use stratus::scenario::Scenario;
use stratus::sim::World;
use stratus::trace::{Filter, Tracer};

fn mmc(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/mmc.yaml");
    // 90 requests/s for 20,000 s: 1.8 million requests, about 3.6 million events.
    let scenario =
        Arc::new(Scenario::from_file(&path, &["duration=20000s".into()]).expect("valid"));
    let events = {
        let mut w = World::new(scenario.clone());
        w.run(|_, _| {}).expect("runs");
        w.events()
    };
    let mut group = c.benchmark_group("mmc");
    group.throughput(Throughput::Elements(events));
    group.sample_size(10);
    group.bench_function("m_m_8_load_0.9", |b| {
        b.iter(|| {
            let mut w = World::new(scenario.clone());
            w.run(|_, _| {}).expect("runs");
            w.into_result(0.0).overall.total
        })
    });
    // Tracing on, but filtered to a kind this model never emits: the cost of the checks.
    group.bench_function("m_m_8_load_0.9_tracer_filtering_everything", |b| {
        b.iter(|| {
            let mut w = World::new(scenario.clone());
            let filter = Filter::parse("kind=fault", 1.0).expect("valid filter");
            w.set_tracer(Tracer::new(filter, 1, Box::new(std::io::sink())));
            w.run(|_, _| {}).expect("runs");
            w.into_result(0.0).overall.total
        })
    });
    group.finish();
}

criterion_group!(benches, mmc);
criterion_main!(benches);
