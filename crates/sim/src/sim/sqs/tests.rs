//! SQS on its own: the service's code runs on a queue of its own events and a stand-in for
//! the instances, with no world, and what EC2 must do comes back as values.

use super::{Ask, Ctx, Hosts, RunJob, SqsWorld};
use crate::ids::{GroupId, InstanceId, PollerId, QueueId, WorkloadId};
use crate::kernel::{EventQueue, SimTime};
use crate::metrics::TimeSeries;
use crate::model::sqs::SqsEvent;
use crate::scenario::Scenario;

/// One queue drained by one long-polling receive loop per worker instance.
const SCENARIO: &str = "
name: sqs-alone
duration: 1h
azs: [a]
workloads:
  to-q: {target: sqs/q, rate: 1, work: {dist: constant, value: 50ms}}
queues:
  q:
    consumers:
      - {group: workers, pollers: 1, wait_time: 20s, max_messages: 10, api_latency: 20ms}
auto_scaling_groups:
  workers: {instance: {type: t3.micro}, azs: [a], desired: 1}
";

fn scenario() -> Scenario {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Scenario::from_text(SCENARIO, "sqs-alone.yaml", &root, &[]).expect("valid")
}

/// Instance 0, in service or not.
struct OneHost {
    in_service: bool,
}

impl Hosts for OneHost {
    fn in_service(&self, _: InstanceId) -> bool {
        self.in_service
    }
    fn serial(&self, _: InstanceId) -> u64 {
        0
    }
}

fn ctx<'a>(
    s: &'a Scenario,
    queue: &'a mut EventQueue<SqsEvent>,
    hosts: &'a OneHost,
) -> Ctx<'a, EventQueue<SqsEvent>, OneHost> {
    Ctx {
        specs: &s.queues,
        prices: &s.prices,
        warmup: s.warmup,
        duration: s.duration,
        queue,
        hosts,
        tracer: None,
        regions: (&[], &[]),
    }
}

/// A message sent while a worker's long poll waits is answered at once (AWS: a long poll
/// "returns as soon as a message is available"), reaches the poller after the API latency,
/// and is asked of EC2 as a job of the message's work on the poller's instance; its success
/// deletes it, and the poller waits again. Each of the three calls is one billed request (a
/// payload under 64 KB).
#[test]
fn a_long_poll_answers_a_sent_message_and_asks_ec2_for_its_job() {
    let s = scenario();
    let mut sqs = SqsWorld::new(&s, &mut TimeSeries::default());
    let mut queue = EventQueue::<SqsEvent>::new();
    let host = OneHost { in_service: true };
    let (i, p, w) = (InstanceId(0), PollerId(0), WorkloadId(0));
    let q = QueueId(0);
    let spec = s.workloads[0].classes[0]
        .message
        .as_ref()
        .expect("a message");
    let work = SimTime::from_millis(50);

    sqs.start_pollers(i, GroupId(0), &mut ctx(&s, &mut queue, &host));
    assert_eq!(
        queue.peek_time(),
        Some(SimTime::from_secs(20)),
        "the wait's end"
    );
    sqs.send_from_workload(w, spec, work, &mut ctx(&s, &mut queue, &host));
    let answer = SimTime::from_millis(20);
    assert_eq!(queue.pop(), Some((answer, SqsEvent::ReceiveAnswered(p))));
    let ask = sqs.on_receive_answered(p, &mut ctx(&s, &mut queue, &host));
    let Some(Ask::RunJob(RunJob {
        instance,
        poller,
        work: job,
    })) = ask
    else {
        panic!("a worker's answer asks EC2 for a job");
    };
    assert_eq!((instance, poller, job), (i, p, work));

    let (on, next) = sqs.on_message_processed(p, &mut ctx(&s, &mut queue, &host));
    assert_eq!(on, i);
    assert!(next.is_none(), "a batch of one message");
    let stats = &sqs.queues[q.index()].stats;
    assert_eq!((stats.sent, stats.received, stats.deleted), (1, 1, 1));
    assert_eq!(stats.billed_requests, 3, "send, receive, delete");
    assert!(sqs.pollers.has_waiting(q), "the poller waits again");
}

/// A poller whose instance left service stops at its next receive: nothing more is
/// scheduled for it, and it asks EC2 for nothing.
#[test]
fn a_poller_stops_when_its_instance_left_service() {
    let s = scenario();
    let mut sqs = SqsWorld::new(&s, &mut TimeSeries::default());
    let mut queue = EventQueue::<SqsEvent>::new();
    let spec = s.workloads[0].classes[0]
        .message
        .as_ref()
        .expect("a message");
    let work = SimTime::from_millis(50);
    let gone = OneHost { in_service: false };
    sqs.send_from_workload(WorkloadId(0), spec, work, &mut ctx(&s, &mut queue, &gone));
    sqs.start_pollers(InstanceId(0), GroupId(0), &mut ctx(&s, &mut queue, &gone));
    // Only the queue's own timer (the message's retention) is pending.
    let pending: Vec<SqsEvent> = queue.pending().collect();
    assert_eq!(
        pending,
        [SqsEvent::TimerDue(QueueId(0))],
        "no receive was made"
    );
    assert!(!sqs.pollers.has_waiting(QueueId(0)));
    assert_eq!(sqs.queues[0].stats.received, 0);
}
