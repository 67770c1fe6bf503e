//! SQS drained by a Lambda event source mapping: one million messages sent in ten seconds,
//! drained by a mapping whose pollers ramp from 5 by 300 a minute (batches of 10, 20 ms per
//! message). Reported per simulator event and per message deleted.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use std::sync::Arc;
use stratus::scenario::Scenario;
use stratus::sim::World;

fn scenario() -> Arc<Scenario> {
    let text = r#"
name: sqs-lambda-bench
duration: 8m
workloads:
  send:
    target: sqs/jobs
    rate: {profile: piecewise, points: [[0s, 100000], [10s, 100000], [10001ms, 0]]}
    work: {dist: constant, value: 0s}
lambda_functions:
  f: {duration: {dist: exponential, mean: 20ms}, timeout: 30s}
queues:
  jobs:
    visibility_timeout: 3m
    consumers: [{lambda: f, batch_size: 10}]
account: {lambda_concurrency: 2000}
"#;
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    Arc::new(Scenario::from_text(text, "sqs-lambda-bench", base, &[]).expect("valid"))
}

/// Events and messages deleted of one run.
fn run(s: &Arc<Scenario>) -> (u64, u64) {
    let mut w = World::new(s.clone());
    w.run(|_, _| {}).expect("runs");
    let events = w.events();
    let r = w.into_result(0.0);
    (events, r.queues[0].stats.deleted)
}

fn sqs_lambda(c: &mut Criterion) {
    let s = scenario();
    let (events, messages) = run(&s);
    assert_eq!(messages, run(&s).1);
    let mut group = c.benchmark_group("sqs_lambda");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    group.bench_function("drain_1m/events", |b| b.iter(|| run(&s)));
    group.throughput(Throughput::Elements(messages));
    group.bench_function("drain_1m/messages", |b| b.iter(|| run(&s)));
    group.finish();
}

criterion_group!(benches, sqs_lambda);
criterion_main!(benches);
