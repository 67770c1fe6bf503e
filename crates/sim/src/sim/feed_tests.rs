//! The feed's lanes give exactly what their streams give, in order and to the end, across
//! batch boundaries; a world dropped early stops its producer.

use super::World;
use super::feed::{Arrivals, BATCH, Draws, FeedBuilder, FeedMode};
use crate::dist::Dist;
use crate::kernel::{SimTime, stream};
use crate::workload::{ArrivalKind, ArrivalProcess, ClassPicker, ClassSpec, RateProfile};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// Every arrival of `profile` before `end` from its process, and from a lane fed by the same
/// process on the producer's thread; the lane's `None` repeats.
fn both(profile: RateProfile, kind: ArrivalKind, end: SimTime) -> (Vec<SimTime>, Vec<SimTime>) {
    let process = || ArrivalProcess::new(profile.clone(), kind, stream(21, "test/feed"));
    let mut local = Arrivals::Local(process());
    let direct: Vec<SimTime> = std::iter::from_fn(|| local.next(end)).collect();
    let mut builder = FeedBuilder::spawn().expect("a thread");
    let mut lane = Arrivals::Fed(builder.arrivals(process(), end));
    let feed = builder.start();
    let fed: Vec<SimTime> = std::iter::from_fn(|| lane.next(end)).collect();
    assert_eq!(lane.next(end), None, "None again after the end");
    assert_eq!(lane.next(end), None);
    drop(lane);
    drop(feed);
    (direct, fed)
}

#[test]
fn lanes_give_the_process_sequence_for_every_profile() {
    let end = SimTime::from_secs(200);
    let profiles = [
        (RateProfile::Constant(90.0), ArrivalKind::Poisson),
        (RateProfile::Constant(71.0), ArrivalKind::Uniform),
        (
            RateProfile::Diurnal {
                mean: 80.0,
                amplitude: 0.6,
                period_s: 150.0,
                peak_at_s: 40.0,
            },
            ArrivalKind::Poisson,
        ),
        (
            RateProfile::spike(20.0, 300.0, 50.0, 60.0, 5.0),
            ArrivalKind::Poisson,
        ),
        (
            RateProfile::Piecewise(
                [
                    (0.0, 10.0),
                    (30.0, 200.0),
                    (90.0, 200.0),
                    (90.0, 0.0),
                    (120.0, 50.0),
                ]
                .into(),
            ),
            ArrivalKind::Poisson,
        ),
        (
            RateProfile::Counts((0..150).map(|k| (k * 37 % 200) as u32).collect()),
            ArrivalKind::Poisson,
        ),
        (
            RateProfile::Counts((0..150).map(|k| (k * 37 % 200) as u32).collect()),
            ArrivalKind::Uniform,
        ),
    ];
    for (profile, kind) in profiles {
        let (direct, fed) = both(profile.clone(), kind, end);
        assert!(direct.len() > 3 * BATCH, "{profile:?}: {}", direct.len());
        assert!(direct == fed, "{profile:?} {kind:?}");
    }
}

/// Streams that end just before, at and just after a batch boundary, and after every
/// buffer of the lane has been used once (3 of them) and recycled.
#[test]
fn lanes_end_where_their_streams_end_at_every_batch_boundary() {
    for n in [
        0,
        1,
        BATCH - 1,
        BATCH,
        BATCH + 1,
        2 * BATCH,
        3 * BATCH,
        3 * BATCH + 1,
        7 * BATCH - 1,
    ] {
        // Replayed timestamps: exactly n arrivals, then the end.
        let ts: Vec<SimTime> = (0..n as u64)
            .map(|k| SimTime::from_nanos(10_000 * k + 3_000))
            .collect();
        let (direct, fed) = both(
            RateProfile::Timestamps(ts.clone().into()),
            ArrivalKind::Poisson,
            SimTime::from_secs(3600),
        );
        assert_eq!(direct, ts, "{n}");
        assert_eq!(fed, ts, "{n}");
        // Uniform arrivals at 1 ms steps, the end just after the n-th.
        let end = SimTime::from_nanos(1_000_000 * n as u64 + 500_000);
        let (direct, fed) = both(RateProfile::Constant(1_000.0), ArrivalKind::Uniform, end);
        assert_eq!(direct.len(), n, "{n}");
        assert!(direct == fed, "{n}");
    }
}

fn class(name: &str, weight: f64, work: Dist) -> ClassSpec {
    ClassSpec {
        name: name.into(),
        path: "/".into(),
        host: None,
        method: "GET".into(),
        headers: Vec::new(),
        query: Vec::new(),
        source_ip: None,
        weight,
        work,
        action: None,
        rule: 0,
        request_bytes: 0,
        response_bytes: 0,
        processed_bytes: 0.0,
        nat_bytes: 0,
        billable_rule_evaluations: 0,
        message: None,
    }
}

#[test]
fn lanes_of_draws_give_the_streams_classes_and_works() {
    let classes = [
        class("a", 3.0, Dist::Exponential { mean_ns: 2e7 }),
        class(
            "b",
            1.0,
            Dist::LogNormal {
                mu: 16.0,
                sigma: 0.8,
            },
        ),
        class("c", 0.5, Dist::Constant(SimTime::from_millis(7))),
    ];
    for classes in [&classes[..], &classes[..1]] {
        let rng = || stream(23, "test/feed/work");
        let picker = || ClassPicker::new(classes);
        let mut local = Draws::Local {
            rng: rng(),
            picker: picker(),
        };
        let mut builder = FeedBuilder::spawn().expect("a thread");
        let mut fed = Draws::Fed(builder.draws(rng(), picker(), classes));
        let _feed = builder.start();
        let n = 5 * BATCH + 17;
        let direct: Vec<_> = (0..n).map(|_| local.next(classes)).collect();
        let from_lane: Vec<_> = (0..n).map(|_| fed.next(classes)).collect();
        assert!(direct == from_lane, "{} classes", classes.len());
        if classes.len() > 1 {
            assert!(
                (0..3).all(|c| direct.iter().any(|d| d.0 == c)),
                "every class drawn"
            );
        }
    }
}

/// A shipped scenario's world with every workload fed, run for at most `events` events.
fn fed_world(file: &str, overrides: &[String]) -> World {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(file);
    let s = crate::scenario::Scenario::from_file_with(&path, overrides, None, false)
        .expect("shipped scenario");
    World::with_feed(Arc::new(s), FeedMode::Always)
}

/// Drops `world` on another thread and waits at most 30 s: its producer's thread must have
/// ended (joined) by the time the drop returns.
fn dropped_stops_its_producer(world: World) {
    let done = Arc::clone(&world.traffic.feed.as_ref().expect("a fed world").done);
    assert!(
        !done.load(Ordering::SeqCst),
        "the producer runs while the world lives"
    );
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        drop(world);
        let _ = tx.send(());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("dropping the world returns (no deadlock)");
    assert!(done.load(Ordering::SeqCst), "the producer's thread ended");
}

#[test]
fn a_world_stopped_mid_run_stops_its_producer() {
    // Stopped by its event limit after 20,000 events: a run that errors.
    let mut world = fed_world("scenarios/mmc.yaml", &["max_events=20000".into()]);
    assert!(world.run(|_, _| {}).is_err());
    dropped_stops_its_producer(world);
    // Never run at all: its buffers are full and the producer waits.
    let world = fed_world("scenarios/diurnal-5k.yaml", &[]);
    std::thread::sleep(Duration::from_millis(50));
    dropped_stops_its_producer(world);
    // Run to its end.
    let mut world = fed_world("scenarios/mmc.yaml", &["duration=10m".into()]);
    world.run(|_, _| {}).expect("runs");
    dropped_stops_its_producer(world);
}

#[test]
fn auto_feeds_only_workloads_with_many_arrivals() {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(!FeedMode::Auto.feeds(super::feed::MIN_ARRIVALS - 1.0));
    assert_eq!(FeedMode::Auto.feeds(super::feed::MIN_ARRIVALS), cores > 1);
    assert!(FeedMode::Always.feeds(0.0));
    assert!(!FeedMode::Off.feeds(1e12));
}
