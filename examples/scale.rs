//! The scale suite: big fleets, big crowds and long horizons, each measured in events per second
//! and peak memory, with the reference loops the targets compare against.
//!
//! ```text
//! cargo run --release --example scale              # every case, a markdown table
//! cargo run --release --example scale -- --quick   # a tenth of each horizon
//! cargo run --release --example scale -- fleet-lor-2000 mm8
//! cargo run --release --example scale -- --no-feed mm8   # every stream on the run's thread
//! ```
//!
//! Each case runs in a child process of this program, so its peak resident memory (VmHWM on
//! Linux) is its own. The figures go in ARCHITECTURE.md's scale table. These are benchmarks,
//! not tests: nothing here passes or fails on a time.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use stratus::kernel::{EventQueue, RngExt, SimTime, stream};
use stratus::scenario::Scenario;
use stratus::sim::{FeedMode, World};

/// `--no-feed`: the simulator's runs keep their workloads' streams on their own thread
/// (`sim::FeedMode::Off`; by default `Auto`, as `stratus run`).
static NO_FEED: AtomicBool = AtomicBool::new(false);

/// One case: a name, what it is, and how to build its scenario (`quick` shortens it).
struct Case {
    name: &'static str,
    about: &'static str,
    run: fn(bool) -> Measured,
}

/// What a case reports: simulator (or loop) events and wall seconds.
struct Measured {
    events: u64,
    seconds: f64,
    unit: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "fleet-lor-2000",
        about: "2,000 instances behind one ALB, least outstanding requests, 50,000 requests/s",
        run: |quick| fleet("least_outstanding_requests", quick),
    },
    Case {
        name: "fleet-rr-2000",
        about: "the same fleet and traffic with round robin",
        run: |quick| fleet("round_robin", quick),
    },
    Case {
        name: "diurnal-5k-day",
        about: "scenarios/diurnal-5k.yaml, a whole day",
        run: |quick| {
            shipped(
                "diurnal-5k.yaml",
                if quick { &["duration=2h24m"] } else { &[] },
            )
        },
    },
    Case {
        name: "lambda-flash-crowd",
        about: "scenarios/lambda-burst.yaml: 200 then 20,000 requests/s on one function",
        run: |quick| {
            shipped(
                "lambda-burst.yaml",
                if quick { &["duration=7m"] } else { &[] },
            )
        },
    },
    Case {
        name: "sqs-workers-10m",
        about: "10 million SQS messages at 5,000/s through 20 workers (4 long-poll loops each)",
        run: sqs_workers,
    },
    Case {
        name: "sqs-lambda-10m",
        about: "10 million SQS messages at 20,000/s through a Lambda event source mapping",
        run: sqs_lambda,
    },
    Case {
        name: "mm8",
        about: "scenarios/mmc.yaml (M/M/8 at load 0.9), the whole model",
        run: |quick| {
            shipped(
                "mmc.yaml",
                &[if quick {
                    "duration=2000s"
                } else {
                    "duration=20000s"
                }],
            )
        },
    },
    Case {
        name: "mm8-bare-heap",
        about: "the same M/M/8 as a bare loop on std's BinaryHeap (the reference)",
        run: |quick| bare_mm8(if quick { 180_000 } else { 1_800_000 }),
    },
    Case {
        name: "kernel-hold-10k",
        about: "the kernel's queue alone: 10,000 pending, pop one and schedule one",
        run: |quick| hold(if quick { 1_000_000 } else { 10_000_000 }),
    },
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    NO_FEED.store(args.iter().any(|a| a == "--no-feed"), Ordering::Relaxed);
    if let Some(i) = args.iter().position(|a| a == "--case") {
        let name = args.get(i + 1).expect("--case NAME");
        let case = CASES.iter().find(|c| c.name == name).expect("a known case");
        let m = (case.run)(quick);
        println!("{} {} {} {}", m.events, m.seconds, m.unit, peak_rss_kb());
        return;
    }
    let wanted: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let exe = std::env::current_exe().expect("this program");
    println!("| case | what | events | wall s | M/s | peak RSS MB |");
    println!("|---|---|---|---|---|---|");
    for case in CASES {
        if !wanted.is_empty() && !wanted.iter().any(|w| *w == case.name) {
            continue;
        }
        let mut cmd = Command::new(&exe);
        cmd.args(["--case", case.name]);
        if quick {
            cmd.arg("--quick");
        }
        if NO_FEED.load(Ordering::Relaxed) {
            cmd.arg("--no-feed");
        }
        let out = cmd.output().expect("the case runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let fields: Vec<&str> = text.split_whitespace().collect();
        if !out.status.success() || fields.len() != 4 {
            println!(
                "| {} | {} | failed: {} | | | |",
                case.name,
                case.about,
                String::from_utf8_lossy(&out.stderr).trim()
            );
            continue;
        }
        let events: f64 = fields[0].parse().expect("events");
        let seconds: f64 = fields[1].parse().expect("seconds");
        let rss_mb = fields[3].parse::<f64>().unwrap_or(0.0) / 1024.0;
        println!(
            "| {} | {} | {:.0} {} | {:.2} | {:.2} | {:.1} |",
            case.name,
            case.about,
            events,
            fields[2],
            seconds,
            events / seconds / 1e6,
            rss_mb
        );
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs a scenario to its end and times it.
fn simulate(s: Scenario) -> Measured {
    let s = Arc::new(s);
    let start = Instant::now();
    let feed = if NO_FEED.load(Ordering::Relaxed) {
        FeedMode::Off
    } else {
        FeedMode::Auto
    };
    let mut w = World::with_feed(s, feed);
    w.run(|_, _| {}).expect("runs");
    let seconds = start.elapsed().as_secs_f64();
    Measured {
        events: w.events(),
        seconds,
        unit: "events",
    }
}

fn shipped(file: &str, set: &[&str]) -> Measured {
    let path = root().join("scenarios").join(file);
    let set: Vec<String> = set.iter().map(|s| s.to_string()).collect();
    simulate(Scenario::from_file(&path, &set).expect("a shipped scenario"))
}

fn from_text(text: &str, name: &str) -> Measured {
    simulate(Scenario::from_text(text, name, root(), &[]).expect("valid"))
}

/// 2,000 two-vCPU instances in three AZs, 25 requests/s each at 40 ms of work (half busy).
fn fleet(algorithm: &str, quick: bool) -> Measured {
    let duration = if quick { "6s" } else { "60s" };
    from_text(
        &format!(
            r#"
name: fleet-2000
duration: {duration}
azs: [a, b, c]
workloads:
  web: {{target: alb/front, rate: 50000, work: {{dist: exponential, mean: 40ms}}}}
load_balancers:
  front: {{azs: [a, b, c], algorithm: {algorithm}, rules: [{{default: fleet}}]}}
target_groups:
  fleet: {{group: fleet}}
auto_scaling_groups:
  fleet:
    instance: {{vcpus: 2}}
    discipline: fcfs
    max_concurrent: 1000
    azs: [a, b, c]
    min: 2000
    max: 2000
    desired: 2000
"#
        ),
        "fleet-2000",
    )
}

fn sqs_workers(quick: bool) -> Measured {
    let duration = if quick { "200s" } else { "2000s" };
    from_text(
        &format!(
            r#"
name: sqs-workers-10m
duration: {duration}
azs: [a, b]
workloads:
  send: {{target: sqs/jobs, rate: 5000, work: {{dist: exponential, mean: 10ms}}}}
queues:
  jobs:
    consumers: [{{group: workers, pollers: 4, wait_time: 20s, max_messages: 10}}]
auto_scaling_groups:
  workers: {{instance: {{type: c5.xlarge}}, discipline: fcfs, azs: [a, b], desired: 20}}
"#
        ),
        "sqs-workers-10m",
    )
}

fn sqs_lambda(quick: bool) -> Measured {
    let duration = if quick { "50s" } else { "500s" };
    from_text(
        &format!(
            r#"
name: sqs-lambda-10m
duration: {duration}
workloads:
  send: {{target: sqs/jobs, rate: 20000, work: {{dist: constant, value: 0s}}}}
lambda_functions:
  f: {{duration: {{dist: exponential, mean: 20ms}}, timeout: 30s}}
queues:
  jobs:
    visibility_timeout: 3m
    consumers: [{{lambda: f, batch_size: 10, poller_scaling: {{initial: 600}}}}]
account: {{lambda_concurrency: 2000}}
"#
        ),
        "sqs-lambda-10m",
    )
}

/// M/M/8 at load 0.9 (90/s, 80 ms mean work) on std's binary heap: arrivals and completions
/// only, no routing or metrics. `requests` arrivals.
fn bare_mm8(requests: u64) -> Measured {
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
    enum Ev {
        Arrival,
        Departure,
    }
    let mut rng = stream(42, "bench/bare-mm8");
    let mut heap: BinaryHeap<Reverse<(u64, u64, Ev)>> = BinaryHeap::new();
    let exp = |rng: &mut stratus::kernel::Rng, mean_ns: f64| (-mean_ns * rng.open01().ln()) as u64;
    let (arrival_ns, work_ns) = (1e9 / 90.0, 80e6);
    let start = Instant::now();
    let (mut seq, mut busy, mut waiting, mut arrived, mut events) = (0u64, 0u32, 0u64, 0u64, 0u64);
    heap.push(Reverse((exp(&mut rng, arrival_ns), seq, Ev::Arrival)));
    while let Some(Reverse((now, _, ev))) = heap.pop() {
        events += 1;
        seq += 1;
        match ev {
            Ev::Arrival => {
                arrived += 1;
                if arrived < requests {
                    heap.push(Reverse((now + exp(&mut rng, arrival_ns), seq, Ev::Arrival)));
                }
                if busy < 8 {
                    busy += 1;
                    heap.push(Reverse((now + exp(&mut rng, work_ns), seq, Ev::Departure)));
                } else {
                    waiting += 1;
                }
            }
            Ev::Departure => {
                if waiting > 0 {
                    waiting -= 1;
                    heap.push(Reverse((now + exp(&mut rng, work_ns), seq, Ev::Departure)));
                } else {
                    busy -= 1;
                }
            }
        }
    }
    Measured {
        events,
        seconds: start.elapsed().as_secs_f64(),
        unit: "events",
    }
}

/// The hold model: 10,000 pending events; each pop schedules one a random time later.
fn hold(pops: u64) -> Measured {
    let mut rng = stream(1, "bench/hold");
    let mut q: EventQueue<u32> = EventQueue::new();
    for i in 0..10_000u32 {
        q.schedule(SimTime((-1e6 * rng.open01().ln()) as u64), i);
    }
    let start = Instant::now();
    for _ in 0..pops {
        let (t, e) = q.pop().expect("pending");
        q.schedule(t + SimTime((-1e6 * rng.open01().ln()) as u64), e);
    }
    Measured {
        events: pops,
        seconds: start.elapsed().as_secs_f64(),
        unit: "pops",
    }
}

/// Peak resident memory of this process in KB (VmHWM), 0 where /proc is absent.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next()?.parse().ok())
        })
        .unwrap_or(0)
}
