//! The hold model: a pending set of events; each pop schedules one new event a random
//! (exponential) time later. Measures the event queue alone, at three sizes: 10,000 pending
//! (the ladder's buckets), 2,000 (a fleet's or a crowd's completions) and 12 (M/M/8's queue:
//! ten events an exponential time ahead and two far ahead, like a period's end and the run's).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use stratus::kernel::{EventQueue, RngExt, SimTime, stream};

const POPS: u64 = 1_000_000;

/// Events below `far` are scheduled a fixed minute ahead; the others an exponential
/// millisecond on average.
fn hold(pending: u32, far: u32) -> usize {
    let mut rng = stream(1, "bench/hold");
    let mut next = move |e: u32| {
        if e < far {
            SimTime(60_000_000_000)
        } else {
            SimTime((-1e6 * rng.open01().ln()) as u64)
        }
    };
    let mut q: EventQueue<u32> = EventQueue::new();
    for e in 0..pending {
        q.schedule(next(e), e);
    }
    for _ in 0..POPS {
        let (t, e) = q.pop().expect("pending");
        q.schedule(t + next(e), e);
    }
    q.len()
}

fn benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("kernel");
    group.throughput(Throughput::Elements(POPS));
    group.sample_size(10);
    group.bench_function("hold_10k_pending", |b| {
        b.iter(|| black_box(hold(10_000, 0)))
    });
    group.bench_function("hold_2k_pending", |b| b.iter(|| black_box(hold(2_000, 0))));
    group.bench_function("hold_12_pending", |b| b.iter(|| black_box(hold(12, 2))));
    group.finish();
}

criterion_group!(kernel, benches);
criterion_main!(kernel);
