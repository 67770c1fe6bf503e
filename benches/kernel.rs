//! The hold model: a pending set of 10,000 events; each pop schedules one new event a random
//! (exponential) time later. Measures the event queue alone.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use stratus::kernel::{EventQueue, RngExt, SimTime, stream};

const PENDING: usize = 10_000;
const POPS: u64 = 1_000_000;

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernel");
    group.throughput(Throughput::Elements(POPS));
    group.sample_size(10);
    group.bench_function("hold_10k_pending", |b| {
        b.iter(|| {
            let mut rng = stream(1, "bench/hold");
            let mut q: EventQueue<u32> = EventQueue::new();
            for i in 0..PENDING {
                q.schedule(SimTime((-1e6 * rng.open01().ln()) as u64), i as u32);
            }
            for _ in 0..POPS {
                let (t, e) = q.pop().expect("pending");
                q.schedule(t + SimTime((-1e6 * rng.open01().ln()) as u64), e);
            }
            black_box(q.len())
        })
    });
    group.finish();
}

criterion_group!(benches, hold);
criterion_main!(benches);
