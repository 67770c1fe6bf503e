//! A Lambda flash crowd end to end (`scenarios/lambda-burst.yaml`: 200 requests/s, then
//! 20,000/s for ten minutes on a function that scales 1,000 every 10 s up to 10,000): events
//! per second of the whole simulator with thousands of invocations in flight. Peak memory is
//! measured with `/usr/bin/time -v stratus run scenarios/lambda-burst.yaml` (ARCHITECTURE.md).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use std::sync::Arc;
use stratus::scenario::Scenario;
use stratus::sim::World;

fn flash_crowd(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/lambda-burst.yaml");
    let mut group = c.benchmark_group("lambda");
    group.sample_size(10);
    for (name, scaling) in [
        ("flash_crowd_per_function_10s", "{model: per_function_10s}"),
        ("flash_crowd_regional_burst", "{model: regional_burst}"),
    ] {
        // The crowd runs from 5 to 15 minutes: stop when it ends.
        let overrides = [
            "duration=15m".into(),
            format!("account.lambda_scaling={scaling}"),
        ];
        let scenario = Arc::new(Scenario::from_file(&path, &overrides).expect("valid"));
        let events = {
            let mut w = World::new(scenario.clone());
            w.run(|_, _| {}).expect("runs");
            w.events()
        };
        group.throughput(Throughput::Elements(events));
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut w = World::new(scenario.clone());
                w.run(|_, _| {}).expect("runs");
                w.into_result(0.0).overall.total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, flash_crowd);
criterion_main!(benches);
