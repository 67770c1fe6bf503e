//! The run loop's checks, which wait for the event count at which one is due: the event
//! limit stops a run at the event past it wherever the limit falls among those counts, and
//! `progress` comes every 262,144 events and once at the end.

use super::{RunError, World, next_check};
use std::sync::Arc;

fn mmc(overrides: &[String]) -> World {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/mmc.yaml");
    let s = crate::scenario::Scenario::from_file_with(&path, overrides, None, false)
        .expect("shipped scenario");
    World::new(Arc::new(s))
}

#[test]
fn the_next_check_is_the_next_multiple_of_1024_or_the_count_past_the_limit() {
    assert_eq!(next_check(0, u64::MAX), 1024);
    assert_eq!(next_check(1023, u64::MAX), 1024);
    assert_eq!(next_check(1024, u64::MAX), 2048);
    assert_eq!(next_check(0, 10), 11);
    assert_eq!(next_check(1024, 1500), 1501);
    assert_eq!(next_check(1500, 1500), 1501);
    assert_eq!(next_check(u64::MAX - 5, u64::MAX), u64::MAX);
}

#[test]
fn the_event_limit_stops_the_run_at_the_event_past_it() {
    for limit in [1u64, 1023, 1024, 1025, 2047, 2048, 5_000, 262_144] {
        let mut world = mmc(&[format!("max_events={limit}")]);
        match world.run(|_, _| {}) {
            Err(RunError::MaxEvents { limit: l, at }) => {
                assert_eq!(l, limit);
                assert_eq!(world.events(), limit + 1, "limit {limit}");
                assert_eq!(
                    at,
                    world.queue.now(),
                    "the clock of the event past the limit"
                );
            }
            other => panic!("limit {limit}: {other:?}"),
        }
    }
}

#[test]
fn progress_comes_every_262144_events_and_at_the_end() {
    let mut world = mmc(&["duration=2000s".into()]);
    let mut calls = Vec::new();
    world
        .run(|now, events| calls.push((now, events)))
        .expect("runs");
    let total = world.events();
    assert!(total > 262_144, "{total} events");
    let expected: Vec<u64> = (1..)
        .map(|k| k * 262_144)
        .take_while(|&e| e < total)
        .chain([total])
        .collect();
    assert_eq!(calls.iter().map(|c| c.1).collect::<Vec<_>>(), expected);
    assert!(
        calls.windows(2).all(|p| p[0].0 <= p[1].0),
        "the clock never goes back"
    );
    assert_eq!(calls.last().map(|c| c.0), Some(world.queue.now()));
}
