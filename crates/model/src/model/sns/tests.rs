//! The delivery policy's schedule against AWS's documented phases, and the billed chunks.

use super::retry::{MAX_POLICY_TIME, RetryPolicy};
use super::spec::{BILLED_CHUNK_BYTES, TopicSpec, publish_quota};
use crate::dist::Dist;
use crate::ids::RegionId;
use crate::kernel::SimTime;

fn s(n: u64) -> SimTime {
    SimTime::from_secs(n)
}

/// The default HTTP/S policy: "up to three retries with a delay between failed attempts set
/// at 20 seconds", and no fourth.
#[test]
fn the_default_policy_retries_three_times_20_seconds_apart() {
    let p = RetryPolicy::DEFAULT;
    assert_eq!(p.delay(0), None);
    for k in 1..=3 {
        assert_eq!(p.delay(k), Some(s(20)), "retry {k}");
    }
    assert_eq!(p.delay(4), None);
    assert_eq!(p.total_delay(), s(60));
}

/// The four phases in order: immediate retries, `min` apart, the linear backoff from `min`
/// to `max`, then `max` apart; `numRetries` counts them all.
#[test]
fn a_custom_policy_runs_its_four_phases_in_order() {
    let p = RetryPolicy {
        retries: 10,
        no_delay: 2,
        min_delay_retries: 2,
        max_delay_retries: 2,
        min_delay: s(1),
        max_delay: s(9),
    };
    assert_eq!(p.backoff_retries(), 4);
    let delays: Vec<u64> = (1..=10).map(|k| p.delay(k).unwrap().as_nanos()).collect();
    // Backoff j of 4: 1 + 8 j / 4 = 3, 5, 7, 9 s.
    let expected: Vec<u64> = [0, 0, 1, 1, 3, 5, 7, 9, 9, 9]
        .iter()
        .map(|&x| x * 1_000_000_000)
        .collect();
    assert_eq!(delays, expected);
    assert_eq!(p.delay(11), None);
    assert!(p.total_delay() <= MAX_POLICY_TIME);
}

#[test]
fn a_message_is_billed_per_started_64_kb_chunk() {
    let mut t = TopicSpec {
        name: "t".into(),
        region: RegionId(0),
        region_name: "us-east-1".into(),
        message_bytes: 1,
        latency: Dist::Constant(SimTime::ZERO),
        subscriptions: Vec::new(),
    };
    for (bytes, chunks) in [
        (1, 1),
        (BILLED_CHUNK_BYTES, 1),
        (BILLED_CHUNK_BYTES + 1, 2),
        (256 * 1024, 4),
    ] {
        t.message_bytes = bytes;
        assert_eq!(t.billed_requests(), chunks, "{bytes} bytes");
    }
}

#[test]
fn the_publish_quota_follows_the_region() {
    assert_eq!(publish_quota("us-east-1"), 30_000);
    assert_eq!(publish_quota("eu-west-1"), 9_000);
    assert_eq!(publish_quota("ap-south-1"), 1_500);
}
