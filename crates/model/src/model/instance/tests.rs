//! Processor sharing's one completion among the events of its nanosecond: kept in its place
//! when an admission leaves its time unchanged, ordered after the events already at its new
//! time when the admission moves it (the rule in `model::instance`'s docs); and the finish
//! tags' integer form, which must order as the pair (tag, job) it replaced.

use super::*;
use crate::kernel::EventQueue;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ev {
    Instance(InstanceEvent),
    Other,
}

impl From<InstanceEvent> for Ev {
    fn from(e: InstanceEvent) -> Self {
        Ev::Instance(e)
    }
}

const ID: InstanceId = InstanceId(0);
const COMPLETED: Ev = Ev::Instance(InstanceEvent::SharingCompleted { instance: ID });

fn sharing(vcpus: u32) -> Instance {
    Instance::new(
        GroupId(0),
        AzId(0),
        vcpus,
        Discipline::ProcessorSharing,
        SimTime::ZERO,
    )
}

fn us(n: u64) -> SimTime {
    SimTime::from_nanos(n * 1_000)
}

#[test]
fn an_unchanged_completion_keeps_its_place_among_later_events_of_its_nanosecond() {
    // Two vCPUs: the second job runs at full speed beside the first, whose end stays at 10 us.
    let mut q: EventQueue<Ev> = EventQueue::new();
    let mut i = sharing(2);
    i.admit(ID, Job::Request(RequestId(0)), us(10), &mut q);
    q.schedule(us(10), Ev::Other);
    i.admit(ID, Job::Request(RequestId(1)), us(20), &mut q);
    assert_eq!(
        q.pop(),
        Some((us(10), COMPLETED)),
        "kept ahead of the later event"
    );
    assert_eq!(q.pop(), Some((us(10), Ev::Other)));
    assert_eq!(
        i.on_sharing_completed(ID, &mut q),
        Some(Job::Request(RequestId(0)))
    );
    // The departure schedules the second job's completion anew: 10 us left at full speed.
    assert_eq!(q.pop(), Some((us(20), COMPLETED)));
    assert_eq!(
        i.on_sharing_completed(ID, &mut q),
        Some(Job::Request(RequestId(1)))
    );
    assert_eq!(q.pop(), None);
}

#[test]
fn a_changed_completion_moves_after_the_events_already_at_its_new_time() {
    // One vCPU: the second job halves the first one's speed, so its end moves to 20 us.
    let mut q: EventQueue<Ev> = EventQueue::new();
    let mut i = sharing(1);
    i.admit(ID, Job::Request(RequestId(0)), us(10), &mut q);
    q.schedule(us(20), Ev::Other);
    i.admit(ID, Job::Request(RequestId(1)), us(20), &mut q);
    assert_eq!(q.pop(), Some((us(20), Ev::Other)));
    assert_eq!(
        q.pop(),
        Some((us(20), COMPLETED)),
        "moved after the event at 20 us"
    );
    assert_eq!(
        i.on_sharing_completed(ID, &mut q),
        Some(Job::Request(RequestId(0)))
    );
    assert_eq!(q.pop(), Some((us(30), COMPLETED)));
}

/// A job from a generated (kind, id): requests and messages over the whole id range.
fn job_of(message: bool, id: u32) -> Job {
    if message {
        Job::Message(PollerId(id))
    } else {
        Job::Request(RequestId(id))
    }
}

/// Tags a run can hold: +0, whole and fractional nanoseconds from subnormals to a year's,
/// with ties made likely by drawing from a few values half the time.
fn tag_strategy() -> impl proptest::strategy::Strategy<Value = f64> {
    use proptest::prelude::*;
    prop_oneof![
        Just(0.0),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(1.0),
        Just(1e9),
        0.0..1.0f64,
        0.0..3.2e16f64,
    ]
}

proptest::proptest! {
    /// `Tagged` orders as `(tag by total_cmp, job)` did, ties included, and gives both back.
    #[test]
    fn integer_tags_order_as_the_float_and_job_pair(
        a in tag_strategy(), b in tag_strategy(),
        ma: bool, mb: bool, ia: u32, ib: u32, same_id: bool,
    ) {
        let ib = if same_id { ia } else { ib };
        let (ja, jb) = (job_of(ma, ia), job_of(mb, ib));
        let (ta, tb) = (Tagged::new(a, ja), Tagged::new(b, jb));
        let expected = a.total_cmp(&b).then(ja.cmp(&jb));
        proptest::prop_assert_eq!(ta.cmp(&tb), expected);
        proptest::prop_assert_eq!((ta.tag().to_bits(), ta.job()), (a.to_bits(), ja));
        proptest::prop_assert_eq!((tb.tag().to_bits(), tb.job()), (b.to_bits(), jb));
    }
}
