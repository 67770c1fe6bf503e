//! SQS end to end: a worker fleet (20 c5.xlarge, 4 long-polling receive loops each, batches
//! of 10) keeping up with 5,000 messages/s, and the same fleet draining a backlog of 300,000
//! messages sent in a one-minute burst. Each is reported twice: per simulator event and per
//! message delivered (sent, received, processed, deleted).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::path::Path;
use std::sync::Arc;
use stratus::scenario::Scenario;
use stratus::sim::World;

fn scenario(duration: &str, rate: &str) -> Arc<Scenario> {
    let text = format!(
        r#"
name: sqs-bench
duration: {duration}
azs: [a, b]
workloads:
  send: {{target: sqs/jobs, rate: {rate}, work: {{dist: exponential, mean: 10ms}}}}
queues:
  jobs:
    consumers: [{{group: workers, pollers: 4, wait_time: 20s, max_messages: 10}}]
auto_scaling_groups:
  workers: {{instance: {{type: c5.xlarge}}, discipline: fcfs, azs: [a, b], desired: 20}}
"#
    );
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    Arc::new(Scenario::from_text(&text, "sqs-bench", base, &[]).expect("valid"))
}

/// Events and messages of one run.
fn measure(s: &Arc<Scenario>) -> (u64, u64) {
    let mut w = World::new(s.clone());
    w.run(|_, _| {}).expect("runs");
    let events = w.events();
    let r = w.into_result(0.0);
    (events, r.queues[0].stats.deleted)
}

fn run(s: &Arc<Scenario>) -> u64 {
    let mut w = World::new(s.clone());
    w.run(|_, _| {}).expect("runs");
    w.into_result(0.0).queues[0].stats.deleted
}

fn sqs(c: &mut Criterion) {
    let cases = [
        // 5,000 messages/s for 200 s: one million messages through a fleet that keeps up.
        ("steady_5k_per_s", scenario("200s", "5000")),
        // 5,000 messages/s for one minute, then nothing: the fleet (about 8,000/s) drains it.
        (
            "burst_300k_drained",
            scenario(
                "400s",
                "{profile: piecewise, points: [[0s, 5000], [60s, 5000], [60s, 0]]}",
            ),
        ),
    ];
    let mut group = c.benchmark_group("sqs");
    group.sample_size(10);
    for (name, s) in &cases {
        let (events, messages) = measure(s);
        group.throughput(Throughput::Elements(events));
        group.bench_function(format!("{name}/events"), |b| b.iter(|| run(s)));
        group.throughput(Throughput::Elements(messages));
        group.bench_function(format!("{name}/messages"), |b| b.iter(|| run(s)));
    }
    group.finish();
}

criterion_group!(benches, sqs);
criterion_main!(benches);
