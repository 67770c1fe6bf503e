//! An EC2 instance as a server: vCPUs, a scheduling discipline, and exact CPU accounting.
//!
//! `Fcfs`: the vCPUs are `c` servers in front of one FIFO queue (an M/M/c station).
//! `ProcessorSharing`: the vCPUs are shared equally among the running requests, each getting
//! `min(1, c/n)` of a core. It is simulated with virtual time: every job gets a finish tag
//! `V(arrival) + work`, `V` advancing at the per-job rate, and only the earliest tag has a
//! pending completion event, so each arrival or departure costs O(log n). That one event is
//! keyed: an arrival or a departure moves it in the kernel's queue (`Schedule::reschedule`)
//! instead of leaving a stale one behind.
//!
//! Every pending completion is keyed (under FCFS one per busy server, under processor sharing
//! the one), and the instance cancels them all when it stops or terminates (`stop`): a
//! completion that fires is never stale.
//!
//! The instance schedules only its own events (`InstanceEvent`) through `kernel::Schedule`.
//!
//! It runs `Job`s: web requests, and queue messages that a poller took. It knows a message job
//! only by its poller's id, so it needs no knowledge of SQS.
//!
//! CPU utilization is integrated exactly: busy core-nanoseconds accumulate at every change.

use crate::ids::{AzId, GroupId, InstanceId, PollerId, RequestId};
use crate::kernel::{Key, Schedule, SimTime};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discipline {
    Fcfs,
    ProcessorSharing,
}

impl Discipline {
    pub fn name(self) -> &'static str {
        match self {
            Discipline::Fcfs => "fcfs",
            Discipline::ProcessorSharing => "processor_sharing",
        }
    }
}

/// The `pending` part of a booting instance's `boot_time` (launch request to in service):
/// uniform from `PENDING_MIN` to `PENDING_MAX`, and never longer than the boot time. AWS
/// bills an instance from `running`, which it reaches "in about 15-25 s" after the launch
/// request (measured, AWS-BEHAVIOR.md); the rest of the boot (OS, application) is billed.
/// Our choice: a fixed range, not a scenario key.
pub const PENDING_MIN: SimTime = SimTime::from_secs(15);
pub const PENDING_MAX: SimTime = SimTime::from_secs(25);

/// Draws the pending time of a launch whose boot takes `boot`.
pub fn pending_time(boot: SimTime, rng: &mut crate::kernel::Rng) -> SimTime {
    use crate::kernel::RngExt;
    let span = (PENDING_MAX - PENDING_MIN).as_nanos() as f64;
    let pending = PENDING_MIN + SimTime::from_nanos((rng.open01() * span) as u64);
    pending.min(boot)
}

/// Work an instance runs: a request, or the message a queue poller is processing (each poller
/// runs at most one job at a time, so its id names the job). Ordered requests first, then
/// messages, each by id: the tie-break of equal processor-sharing finish tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Job {
    Request(RequestId),
    Message(PollerId),
}

/// Where an instance is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceState {
    Pending,
    InService,
    Draining,
    Terminated,
}

/// A finish tag in processor-sharing virtual time, ordered as a float.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Tag(f64);
impl Eq for Tag {}
impl PartialOrd for Tag {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Tag {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

pub struct Instance {
    /// Its launch number in the run (0, 1, 2, ...; never reused): what outputs call it.
    pub serial: u64,
    pub group: GroupId,
    pub az: AzId,
    pub vcpus: u32,
    /// The speed of each core: 1 for an instance; an ECS task of a fraction of a vCPU is one
    /// core at that fraction (`model::ecs::size::server_of`), so its work takes longer.
    pub speed: f64,
    pub discipline: Discipline,
    pub state: InstanceState,
    pub launched_at: SimTime,
    /// When it left `pending` for `running`: EC2 bills from here (`pending_time`).
    pub running_at: SimTime,
    pub in_service_since: Option<SimTime>,
    pub terminated_at: Option<SimTime>,
    /// Protected from scale-in.
    pub protected: bool,
    /// Requests admitted and not yet finished (running plus queued).
    pub outstanding: u32,
    /// Fcfs: busy servers, the pending completion of each (at most `vcpus`), and the FIFO of
    /// waiting `(job, work)`.
    busy: u32,
    serving: Vec<(Job, Key)>,
    fifo: VecDeque<(Job, SimTime)>,
    /// Processor sharing: virtual time (ns of service per job), finish tags, and the pending
    /// completion of the earliest tag.
    virtual_ns: f64,
    virtual_at: SimTime,
    tags: BinaryHeap<Reverse<(Tag, Job)>>,
    completion: Option<Key>,
    /// CPU accounting: busy core-ns since the last `take_busy_core_ns`.
    busy_core_ns: u128,
    accounted_at: SimTime,
}

impl Instance {
    pub fn new(group: GroupId, az: AzId, vcpus: u32, discipline: Discipline, now: SimTime) -> Self {
        Instance {
            serial: 0,
            group,
            az,
            vcpus,
            speed: 1.0,
            discipline,
            state: InstanceState::Pending,
            launched_at: now,
            running_at: now,
            in_service_since: None,
            terminated_at: None,
            protected: false,
            outstanding: 0,
            busy: 0,
            serving: Vec::new(),
            fifo: VecDeque::new(),
            virtual_ns: 0.0,
            virtual_at: now,
            tags: BinaryHeap::new(),
            completion: None,
            busy_core_ns: 0,
            accounted_at: now,
        }
    }

    /// Cores in use right now.
    #[inline]
    pub fn busy_cores(&self) -> u32 {
        match self.discipline {
            Discipline::Fcfs => self.busy,
            Discipline::ProcessorSharing => (self.tags.len() as u32).min(self.vcpus),
        }
    }

    #[inline]
    fn account(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.accounted_at).as_nanos() as u128;
        self.busy_core_ns += dt * self.busy_cores() as u128;
        self.accounted_at = now;
    }

    /// Busy core-nanoseconds accumulated since the previous call (up to `now`).
    pub fn take_busy_core_ns(&mut self, now: SimTime) -> u128 {
        self.account(now);
        std::mem::take(&mut self.busy_core_ns)
    }

    /// Starts (or queues) a job needing `work` of one core's time; true if it started.
    #[inline]
    pub fn admit(
        &mut self,
        id: InstanceId,
        job: Job,
        work: SimTime,
        queue: &mut impl Schedule<InstanceEvent>,
    ) -> bool {
        let now = queue.now();
        self.account(now);
        self.outstanding += 1;
        let work = self.stretched(work);
        match self.discipline {
            Discipline::Fcfs => {
                if self.busy < self.vcpus {
                    self.busy += 1;
                    self.serve(id, job, now + work, queue);
                    true
                } else {
                    self.fifo.push_back((job, work));
                    false
                }
            }
            Discipline::ProcessorSharing => {
                self.advance_virtual(now);
                let tag = self.virtual_ns + work.as_nanos() as f64;
                self.tags.push(Reverse((Tag(tag), job)));
                self.reschedule(id, queue);
                true
            }
        }
    }

    /// A server starts `job`, which completes at `at`.
    fn serve(
        &mut self,
        id: InstanceId,
        job: Job,
        at: SimTime,
        queue: &mut impl Schedule<InstanceEvent>,
    ) {
        let key = queue.keyed(at, InstanceEvent::ServiceCompleted { instance: id, job });
        self.serving.push((job, key));
    }

    /// A first-come-first-served completion of `done`: frees a server and starts the next
    /// waiting job, which it returns.
    #[inline]
    pub fn on_service_completed(
        &mut self,
        id: InstanceId,
        done: Job,
        queue: &mut impl Schedule<InstanceEvent>,
    ) -> Option<Job> {
        let now = queue.now();
        self.account(now);
        self.outstanding -= 1;
        let served = self.serving.iter().position(|&(j, _)| j == done);
        debug_assert!(
            served.is_some(),
            "a completion fires only for a job in service"
        );
        if let Some(i) = served {
            self.serving.swap_remove(i);
        }
        if let Some((job, work)) = self.fifo.pop_front() {
            // `work` was stretched by the core's speed when admitted.
            self.serve(id, job, now + work, queue);
            Some(job)
        } else {
            self.busy -= 1;
            None
        }
    }

    /// A processor-sharing completion: returns the finished job.
    #[inline]
    pub fn on_sharing_completed(
        &mut self,
        id: InstanceId,
        queue: &mut impl Schedule<InstanceEvent>,
    ) -> Option<Job> {
        self.completion = None; // it just fired
        let now = queue.now();
        self.account(now);
        self.advance_virtual(now);
        let Reverse((Tag(tag), job)) = self.tags.pop()?;
        // Rounding to whole nanoseconds may leave virtual time a hair short of the tag.
        self.virtual_ns = self.virtual_ns.max(tag);
        self.outstanding -= 1;
        self.reschedule(id, queue);
        Some(job)
    }

    /// `work` at this instance's core speed: unchanged at full speed, longer on a slower core.
    #[inline]
    fn stretched(&self, work: SimTime) -> SimTime {
        if self.speed == 1.0 {
            work
        } else {
            SimTime::ceil_nanos(work.as_nanos() as f64 / self.speed)
        }
    }

    /// Per-job service rate under processor sharing with `n` jobs.
    #[inline]
    fn rate(&self, n: usize) -> f64 {
        if n as u32 <= self.vcpus {
            1.0
        } else {
            self.vcpus as f64 / n as f64
        }
    }

    #[inline]
    fn advance_virtual(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.virtual_at).as_nanos() as f64;
        self.virtual_ns += dt * self.rate(self.tags.len());
        self.virtual_at = now;
    }

    /// Moves the one pending completion to the earliest tag's finish time (or cancels it when
    /// nothing is left to run).
    fn reschedule(&mut self, id: InstanceId, queue: &mut impl Schedule<InstanceEvent>) {
        let Some(Reverse((Tag(tag), _))) = self.tags.peek() else {
            if let Some(key) = self.completion.take() {
                queue.cancel(key);
            }
            return;
        };
        let remaining = (tag - self.virtual_ns).max(0.0) / self.rate(self.tags.len());
        let at = queue.now() + SimTime::ceil_nanos(remaining);
        match self.completion {
            Some(key) if queue.reschedule(key, at) => {}
            _ => {
                let key = queue.keyed(at, InstanceEvent::SharingCompleted { instance: id });
                self.completion = Some(key);
            }
        }
    }

    /// The instance stops (an AZ outage or an instance failure) or terminates: everything it
    /// was doing is dropped at once, its CPU goes idle, and its pending completions are
    /// cancelled (a stopped instance never restarts). The world ends the requests.
    pub fn stop(&mut self, queue: &mut impl Schedule<InstanceEvent>) {
        self.account(queue.now());
        self.outstanding = 0;
        self.busy = 0;
        self.fifo.clear();
        self.tags.clear();
        for (_, key) in self.serving.drain(..) {
            queue.cancel(key);
        }
        if let Some(key) = self.completion.take() {
            queue.cancel(key);
        }
    }

    /// A terminated instance gives back its queues' memory (a FIFO that once held a long
    /// backlog keeps its capacity otherwise). It has no pending completion: `stop` cancelled
    /// them.
    pub fn release_queues(&mut self) {
        self.fifo = VecDeque::new();
        self.serving = Vec::new();
        self.tags = BinaryHeap::new();
    }
}

/// An instance finishing work on its own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceEvent {
    /// A first-come-first-served instance finished a job.
    ServiceCompleted { instance: InstanceId, job: Job },
    /// The job with the earliest finish tag on a processor-sharing instance completed.
    SharingCompleted { instance: InstanceId },
}
