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
//! A completion whose time does not change keeps its place. Below the vCPUs every job runs at
//! full speed, so an arrival whose job ends after the earliest one leaves the earliest one's
//! time as it is: the instance remembers when its completion is due, computes the new time
//! with the same arithmetic, and moves the event only when the two differ. The kernel orders a
//! moved event after everything already scheduled at its new time; an event that is not moved
//! keeps its sequence, so it stays ahead of events scheduled since in the same nanosecond.
//! Both orders are valid (nothing in AWS or in processor sharing orders two things that happen
//! in the same nanosecond); this one is our choice, because it saves the move (see
//! ARCHITECTURE.md, "Processor sharing's unchanged completions"). A departure has no event to
//! keep: its completion just fired, so the next tag's completion is always a new event.
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
//!
//! A burstable instance (`model::credits`) also integrates its CPU credits there, and runs
//! its cores at a speed (per mille) that its credits set: a throttled core serves at the
//! baseline fraction of its speed, so its jobs' remaining times stretch when the throttle
//! starts and shrink when it ends (`on_credit_change`). The moment the balance runs out (or
//! returns) is one keyed event of the instance, moved when its busy count changes. An
//! instance without credits runs at full speed with the arithmetic it always had.

use super::credits::{CreditMeter, CreditSpec, Credits, Transition};
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

/// A finish tag in processor-sharing virtual time and its job, as two integers ordered as the
/// pair `(tag, job)`: a tag is a float at or above +0 (virtual time starts at 0 and only
/// grows, work is not negative), whose bits order as its value does (`f64::total_cmp` on
/// such floats), and a job's key orders as `Job` (requests first, then messages, each by
/// id). Integer comparisons keep the heap's sifts short.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Tagged(u64, u64);

impl Tagged {
    #[inline]
    fn new(tag: f64, job: Job) -> Tagged {
        debug_assert!(
            tag >= 0.0 && tag.is_sign_positive(),
            "a finish tag is at or above +0"
        );
        let key = match job {
            Job::Request(r) => u64::from(r.0),
            Job::Message(m) => 1 << 32 | u64::from(m.0),
        };
        Tagged(tag.to_bits(), key)
    }

    #[inline]
    fn tag(self) -> f64 {
        f64::from_bits(self.0)
    }

    #[inline]
    fn job(self) -> Job {
        let id = self.1 as u32;
        if self.1 >> 32 == 0 {
            Job::Request(RequestId(id))
        } else {
            Job::Message(PollerId(id))
        }
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
    /// Fcfs: busy servers, the pending completion of each (at most `vcpus`) with its due
    /// time, and the FIFO of waiting `(job, work)`.
    busy: u32,
    serving: Vec<(Job, Key, SimTime)>,
    fifo: VecDeque<(Job, SimTime)>,
    /// Processor sharing: virtual time (ns of service per job), finish tags, and the pending
    /// completion of the earliest tag.
    virtual_ns: f64,
    virtual_at: SimTime,
    tags: BinaryHeap<Reverse<Tagged>>,
    completion: Option<Key>,
    /// When that completion is due (meaningful while `completion` is `Some`).
    completion_at: SimTime,
    /// CPU accounting: busy core-ns since the last `take_busy_core_ns`.
    busy_core_ns: u128,
    accounted_at: SimTime,
    /// A burstable instance's credits; `None` for fixed-performance types.
    credits: Option<Box<Credits>>,
    /// The pending credit event, and the busy count it was computed for.
    credit_key: Option<Key>,
    credit_busy: u32,
    /// Busy milli-core-ns below one core-ns not yet in `busy_core_ns` (throttled cores).
    busy_milli_rem: u32,
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
            completion_at: SimTime::ZERO,
            busy_core_ns: 0,
            accounted_at: now,
            credits: None,
            credit_key: None,
            credit_busy: 0,
            busy_milli_rem: 0,
        }
    }

    /// Gives a new instance CPU credits (a burstable type); `initial`: it is one of the
    /// instances its group starts with.
    pub fn set_credits(&mut self, spec: CreditSpec, initial: bool) {
        self.credits = Some(Box::new(Credits::new(spec, self.accounted_at, initial)));
    }

    /// Its credits, if burstable.
    pub fn credits(&self) -> Option<&Credits> {
        self.credits.as_deref()
    }

    /// The speed of its busy cores, per mille (1000 unless throttled).
    #[inline]
    fn speed_per_mille(&self) -> u32 {
        self.credits.as_ref().map_or(1000, |c| c.speed_per_mille())
    }

    /// The time `work` (of a full-speed core) takes at the current speed.
    #[inline]
    fn wall(&self, work: SimTime) -> SimTime {
        match self.speed_per_mille() {
            1000 => work,
            speed => SimTime::from_nanos(
                ((work.as_nanos() as u128 * 1000).div_ceil(speed as u128)) as u64,
            ),
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
        let busy = self.busy_cores();
        match &mut self.credits {
            None => self.busy_core_ns += dt * busy as u128,
            Some(c) => {
                // A throttled core uses only its share of the CPU (what CloudWatch reports).
                let milli =
                    dt * busy as u128 * c.speed_per_mille() as u128 + self.busy_milli_rem as u128;
                self.busy_core_ns += milli / 1000;
                self.busy_milli_rem = (milli % 1000) as u32;
                c.integrate(now, busy);
            }
        }
        self.accounted_at = now;
    }

    /// What its credits did since the previous call (up to `now`); `None` if not burstable.
    pub fn take_credit_meter(&mut self, now: SimTime) -> Option<CreditMeter> {
        self.account(now);
        self.credits.as_mut().map(|c| c.take_meter())
    }

    /// After a change of the busy count: the credit event moves to when the balance runs
    /// out or returns at the new rates (or is cancelled). An instance without credits has
    /// nothing to move: one test, in line in every caller (admissions and completions).
    #[inline(always)]
    fn credits_changed(&mut self, id: InstanceId, queue: &mut impl Schedule<InstanceEvent>) {
        if self.credits.is_some() {
            self.move_credit_event(id, queue);
        }
    }

    /// `credits_changed` for a burstable instance.
    #[inline(never)]
    fn move_credit_event(&mut self, id: InstanceId, queue: &mut impl Schedule<InstanceEvent>) {
        let Some(c) = &self.credits else { return };
        let busy = self.busy_cores();
        if busy == self.credit_busy && self.credit_key.is_some() {
            return;
        }
        self.credit_busy = busy;
        match c.next_change(busy) {
            Some(dt) => {
                let at = queue.now() + SimTime::from_nanos(dt);
                match self.credit_key {
                    Some(key) if queue.reschedule(key, at) => {}
                    _ => {
                        let e = InstanceEvent::CreditsChanged { instance: id };
                        self.credit_key = Some(queue.keyed(at, e));
                    }
                }
            }
            None => {
                if let Some(key) = self.credit_key.take() {
                    queue.cancel(key);
                }
            }
        }
    }

    /// Its credit event fired: the throttle starts or ends (the jobs in service speed up or
    /// slow down from now on), and the next credit event is scheduled.
    pub fn on_credit_change(
        &mut self,
        id: InstanceId,
        queue: &mut impl Schedule<InstanceEvent>,
    ) -> Transition {
        self.credit_key = None; // it just fired
        let now = queue.now();
        self.account(now);
        self.advance_virtual(now);
        let before = self.speed_per_mille();
        let busy = self.busy_cores();
        let t = self
            .credits
            .as_mut()
            .map_or(Transition::None, |c| c.on_change(busy));
        let after = self.speed_per_mille();
        if after != before {
            match self.discipline {
                Discipline::Fcfs => {
                    for (_, key, due) in &mut self.serving {
                        let left = due.saturating_sub(now).as_nanos() as u128;
                        let wall = (left * before as u128).div_ceil(after as u128);
                        *due = now + SimTime::from_nanos(wall as u64);
                        let moved = queue.reschedule(*key, *due);
                        debug_assert!(moved, "a job in service has a pending completion");
                    }
                }
                Discipline::ProcessorSharing => self.reschedule(id, queue),
            }
        }
        self.credits_changed(id, queue);
        t
    }

    /// Busy core-nanoseconds accumulated since the previous call (up to `now`).
    pub fn take_busy_core_ns(&mut self, now: SimTime) -> u128 {
        self.account(now);
        std::mem::take(&mut self.busy_core_ns)
    }

    /// Starts (or queues) a job needing `work` of one core's time; true if it started.
    #[inline(always)]
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
                    self.serve(id, job, now + self.wall(work), queue);
                    self.credits_changed(id, queue);
                    true
                } else {
                    self.fifo.push_back((job, work));
                    false
                }
            }
            Discipline::ProcessorSharing => {
                self.advance_virtual(now);
                let tag = self.virtual_ns + work.as_nanos() as f64;
                self.tags.push(Reverse(Tagged::new(tag, job)));
                self.reschedule(id, queue);
                self.credits_changed(id, queue);
                true
            }
        }
    }

    /// A server starts `job`, which completes at `at`. In line always: once an admission
    /// below the vCPUs and once a completion with jobs waiting.
    #[inline(always)]
    fn serve(
        &mut self,
        id: InstanceId,
        job: Job,
        at: SimTime,
        queue: &mut impl Schedule<InstanceEvent>,
    ) {
        let key = queue.keyed(at, InstanceEvent::ServiceCompleted { instance: id, job });
        self.serving.push((job, key, at));
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
        let served = self.serving.iter().position(|&(j, _, _)| j == done);
        debug_assert!(
            served.is_some(),
            "a completion fires only for a job in service"
        );
        if let Some(i) = served {
            self.serving.swap_remove(i);
        }
        if let Some((job, work)) = self.fifo.pop_front() {
            // `work` was stretched by the core's speed when admitted (an ECS task's fraction
            // of a vCPU); a throttled burstable core's speed applies now.
            self.serve(id, job, now + self.wall(work), queue);
            Some(job)
        } else {
            self.busy -= 1;
            self.credits_changed(id, queue);
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
        let Reverse(done) = self.tags.pop()?;
        let (tag, job) = (done.tag(), done.job());
        // Rounding to whole nanoseconds may leave virtual time a hair short of the tag.
        self.virtual_ns = self.virtual_ns.max(tag);
        self.outstanding -= 1;
        self.reschedule(id, queue);
        self.credits_changed(id, queue);
        Some(job)
    }

    /// `work` at this instance's core speed: unchanged at full speed, longer on a slower core
    /// (an ECS task of a fraction of a vCPU; a burstable instance's throttle is `wall`'s).
    #[inline]
    fn stretched(&self, work: SimTime) -> SimTime {
        if self.speed == 1.0 {
            work
        } else {
            SimTime::ceil_nanos(work.as_nanos() as f64 / self.speed)
        }
    }

    /// Per-job service rate under processor sharing with `n` jobs (times the throttled
    /// speed of a burstable instance out of credits).
    #[inline]
    fn rate(&self, n: usize) -> f64 {
        let rate = if n as u32 <= self.vcpus {
            1.0
        } else {
            self.vcpus as f64 / n as f64
        };
        match self.speed_per_mille() {
            1000 => rate,
            speed => rate * speed as f64 / 1000.0,
        }
    }

    #[inline]
    fn advance_virtual(&mut self, now: SimTime) {
        let dt = now.saturating_sub(self.virtual_at).as_nanos() as f64;
        self.virtual_ns += dt * self.rate(self.tags.len());
        self.virtual_at = now;
    }

    /// Moves the one pending completion to the earliest tag's finish time (or cancels it when
    /// nothing is left to run); a completion already due then is left where it is, keeping
    /// its place among the events of its nanosecond. In line: once an admission and once a
    /// completion.
    #[inline(always)]
    fn reschedule(&mut self, id: InstanceId, queue: &mut impl Schedule<InstanceEvent>) {
        let Some(&Reverse(first)) = self.tags.peek() else {
            if let Some(key) = self.completion.take() {
                queue.cancel(key);
            }
            return;
        };
        let remaining = (first.tag() - self.virtual_ns).max(0.0) / self.rate(self.tags.len());
        let at = queue.now() + SimTime::ceil_nanos(remaining);
        match self.completion {
            // Already due then (an admission below the vCPUs whose job ends after the
            // earliest one): not moved to itself.
            Some(key) if at == self.completion_at => {
                debug_assert_eq!(queue.due(key), Some(at), "the completion is pending");
            }
            Some(key) if queue.reschedule(key, at) => self.completion_at = at,
            _ => {
                let key = queue.keyed(at, InstanceEvent::SharingCompleted { instance: id });
                self.completion = Some(key);
                self.completion_at = at;
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
        for (_, key, _) in self.serving.drain(..) {
            queue.cancel(key);
        }
        if let Some(key) = self.completion.take() {
            queue.cancel(key);
        }
        if let Some(key) = self.credit_key.take() {
            queue.cancel(key);
        }
        // A stopped or terminated instance pays its outstanding surplus credits.
        if let Some(c) = &mut self.credits {
            c.settle();
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
    /// A burstable instance's balance ran out, its launch credits ran out, or a throttled
    /// balance regained the restore level (`model::credits`).
    CreditsChanged { instance: InstanceId },
}

/// Every instance event names its instance.
impl crate::model::NamesInstance for InstanceEvent {
    fn instance(&self) -> Option<InstanceId> {
        match *self {
            InstanceEvent::ServiceCompleted { instance, .. }
            | InstanceEvent::SharingCompleted { instance }
            | InstanceEvent::CreditsChanged { instance } => Some(instance),
        }
    }
}

#[cfg(test)]
mod tests;
