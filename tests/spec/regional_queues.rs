//! A queue in a region under an outage (`docs/models/regions.md`, "Region outage"): its
//! endpoint cannot be reached, so SendMessage is refused (the message is not stored),
//! receives get nothing (pollers call again a second later) and deletes fail (the message
//! reappears after its visibility timeout); messages already stored stay, and everything
//! resumes when the region returns. AWS documents no behavior for an unreachable Region:
//! our choice, as for its functions and APIs.

use crate::support::*;
use stratus::sim::RunResult;

/// Producers at 10 messages/s, evenly spaced, to a queue in eu-west-1 whose messages are
/// delayed 30 s; workers in us-east-1 long-poll it (20 s) and take 10 ms a message;
/// eu-west-1 fails from 60.05 s to 120.05 s.
const QUEUE_OUTAGE: &str = r#"
name: queue-outage
duration: 4m
regions:
  us-east-1: {azs: [use1-a]}
  eu-west-1: {azs: [euw1-a]}
workloads:
  producers: {target: sqs/jobs, rate: 10, arrivals: uniform, work: {dist: constant, value: 10ms}}
auto_scaling_groups:
  workers: {instance: {vcpus: 4}, azs: [use1-a], desired: 1, discipline: fcfs}
queues:
  jobs:
    region: eu-west-1
    delay: 30s
    visibility_timeout: 30s
    consumers:
      - {group: workers, pollers: 4, wait_time: 20s, max_messages: 10}
faults:
  - {at: 60050ms, region_outage: eu-west-1, duration: 60s}
"#;

fn queue(r: &RunResult) -> &stratus::model::sqs::QueueStats {
    &r.queues[0].stats
}

#[test]
fn sends_to_a_failed_regions_queue_are_refused_and_its_messages_wait_for_its_return() {
    let r = simulate(parse(QUEUE_OUTAGE, &[]));
    let q = queue(&r);
    // Sends at k/10 s, k = 1 .. 2399: those at 60.1 .. 120.0 s (600) find eu-west-1 down.
    assert_eq!(q.refused_sends, 600);
    assert_eq!(q.sent, 2399 - 600);
    // Messages sent at 30.1 .. 60.0 s become visible during the outage (60.1 .. 90.0 s):
    // none is received before the region returns at 120.05 s, so the one sent at 30.1 s
    // waits at least 89.95 s, and at most a second more (the pollers call again every
    // second while the queue cannot be reached) plus the worker's 10 ms and the API's
    // latency.
    let max_s = q.latency.max_ms() / 1000.0;
    assert!(max_s >= 89.95 * 0.999, "max send-to-delete {max_s} s");
    assert!(max_s <= 91.1, "max send-to-delete {max_s} s");
    // Without the outage, a message waits its 30 s delay and little more.
    let calm = simulate(parse(QUEUE_OUTAGE, &["faults=[]"]));
    let c = queue(&calm);
    assert_eq!((c.refused_sends, c.unreachable_calls, c.sent), (0, 0, 2399));
    let calm_max = c.latency.max_ms() / 1000.0;
    assert!(calm_max < 31.0, "{calm_max}");
    // The conservation laws held (checked at the end of every run); what was stored and
    // visible before the end was deleted.
    assert_eq!(q.deleted + r.queues[0].remaining, q.sent);
}

#[test]
fn a_queue_in_another_region_is_untouched() {
    let r = simulate(parse(QUEUE_OUTAGE, &["queues.jobs.region=us-east-1"]));
    let q = queue(&r);
    assert_eq!((q.refused_sends, q.unreachable_calls, q.sent), (0, 0, 2399));
}
