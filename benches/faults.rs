//! Faults at scale: `scenarios/az-outage.yaml` (a three-AZ web tier with a cache and a
//! Multi-AZ database, about 600 requests/s, losing AZ a at the peak), the two hours around the
//! outage: routing around dead targets and nodes, database calls, failovers, replacement and
//! rebalancing, in events per second of the whole simulator.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use std::sync::Arc;
use stratus::scenario::Scenario;
use stratus::sim::World;

fn az_outage(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/az-outage.yaml");
    let scenario = Arc::new(Scenario::from_file(&path, &[]).expect("valid"));
    let events = {
        let mut w = World::new(scenario.clone());
        w.run(|_, _| {}).expect("runs");
        w.events()
    };
    let mut group = c.benchmark_group("faults");
    group.throughput(Throughput::Elements(events));
    group.sample_size(10);
    group.bench_function("az_outage_two_hours", |b| {
        b.iter(|| {
            let mut w = World::new(scenario.clone());
            w.run(|_, _| {}).expect("runs");
            w.into_result(0.0).overall.total
        })
    });
    group.finish();
}

criterion_group!(benches, az_outage);
criterion_main!(benches);
