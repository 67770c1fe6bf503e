//! The ALB's idle timeout and its connection timeout, as the client sees them.
//!
//! - A client whose target has not answered within the load balancer's `idle_timeout` gets a
//!   504 at that moment (its latency is the timeout). The target goes on working: the request
//!   keeps its place (CPU, `max_concurrent` slot, database calls) until done, and its late
//!   answer is discarded. AWS: "HTTP 504: Gateway timeout ... The load balancer established a
//!   connection to the target but the target did not respond before the idle timeout period
//!   elapsed" (ALB user guide, "Troubleshoot your Application Load Balancers",
//!   https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html).
//!   An answer at exactly the timeout is a 504 too (our choice for the tie). Whatever else the
//!   target does when done (sending a queue message) still happens: it never learns that the
//!   client left (our choice; AWS is silent).
//! - A connection to a stopped target fails after the ALB's 10 s connection timeout: "the load
//!   balancer failed to establish a connection to the target before the connection timeout
//!   expired (10 seconds)" (same page, HTTP 504). The client waits those 10 s (or the idle
//!   timeout, if shorter: the idle timer ends it first).
//!
//! Cost: the timeout is the same for every request of a load balancer, so deadlines come in
//! arrival order. Each load balancer keeps a FIFO of its open requests and one armed timer for
//! the oldest; requests that ended meanwhile are dropped lazily when the timer fires, and it is
//! re-armed at the oldest request still waiting. While nothing times out it fires about once
//! per idle timeout, not once per request, and the FIFO reuses its buffer (no allocation per
//! request once it has grown to the arrivals of one timeout window).
//!
//! The ALB's decisions are methods of [`Alb`] that take only what they need: the load
//! balancers' specs, the clock and a scheduler of the ALB's own events, the tracer. They
//! return what the world routes to the requests, EC2 and the metrics (a request to answer
//! with its 504, an [`Answer`], a latency); only the `World` methods at the end take the world.

use super::World;
use super::faults::CONNECT_TIMEOUT;
use super::request::Request;
use super::state::Alb;
use crate::ids::{InstanceId, LbId, RequestId};
use crate::kernel::Schedule;
use crate::kernel::SimTime;
use crate::metrics::Outcome;
use crate::model::alb::{AlbEvent, LoadBalancerSpec};
use crate::model::faults::Cause;
use crate::trace::{Field, Kind, Tracer};

#[derive(Clone, Copy)]
struct Open {
    deadline: SimTime,
    request: RequestId,
    /// The request's unique id (its slot may be reused once it ends).
    uid: u64,
}

/// One load balancer's open requests, oldest first, and whether its timer is armed.
#[derive(Default)]
pub(super) struct OpenRequests {
    fifo: Ring,
    armed: bool,
}

/// A FIFO in a ring whose size is a power of two: a place is found with an AND where
/// `VecDeque` compares and subtracts, once a request. It doubles when full (keeping the
/// order, its buffer grown in place as `VecDeque`'s is), so it holds the arrivals of one idle
/// timeout window and allocates no more once it has grown to them.
#[derive(Default)]
struct Ring {
    /// The places written so far: all `size` once the ring has come round, before that the
    /// places up to the newest entry (a place is pushed when first written).
    buf: Vec<Open>,
    /// The number of places: 0, or a power of two.
    size: usize,
    head: usize,
    len: usize,
}

impl Ring {
    #[inline(always)]
    fn push_back(&mut self, o: Open) {
        if self.len == self.size {
            self.grow();
        }
        let at = (self.head + self.len) & (self.size - 1);
        if at < self.buf.len() {
            self.buf[at] = o;
        } else {
            self.buf.push(o); // a place not written yet: the one just past the others
        }
        self.len += 1;
    }

    /// Twice the places (16 at first), the entries kept in order: it is full, so they are
    /// the places from the head to the old end and then those before the head, which move
    /// to follow them.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        debug_assert_eq!(self.buf.len(), self.size);
        let size = (self.size * 2).max(16);
        self.buf.reserve_exact(size - self.buf.len());
        self.buf.extend_from_within(..self.head);
        self.size = size;
    }

    #[cfg(test)]
    fn iter(&self) -> impl Iterator<Item = Open> + '_ {
        (0..self.len).map(move |k| self.buf[(self.head + k) & (self.size - 1)])
    }

    #[inline]
    fn front(&self) -> Option<&Open> {
        (self.len > 0).then(|| &self.buf[self.head])
    }

    /// Drops the oldest entry (there is one: `front` gave it).
    #[inline]
    fn pop_front(&mut self) {
        debug_assert!(self.len > 0);
        self.head = (self.head + 1) & (self.size - 1);
        self.len -= 1;
    }
}

/// `latency.as_secs_f64()`, bit for bit, for a latency below a load balancer's idle timeout
/// (at most 4,000 s, `scenario::resolve_compute`): converted through `i64`, one instruction,
/// where `u64`'s conversion takes six (the two round the same integer to the same `f64`).
#[inline(always)]
fn secs_within_timeout(latency: SimTime) -> f64 {
    let ns = latency.as_nanos();
    debug_assert!(ns < 1 << 63);
    ns as i64 as f64 / 1e9
}

/// What the client of a load-balanced request gets when its target answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Answer {
    /// The client takes the answer, after `latency`.
    Take { latency: SimTime },
    /// The answer came at or after the idle timeout: the client gets its 504 after
    /// `latency` (the timeout).
    TimedOut { latency: SimTime },
}

impl Alb {
    /// The client of `request` (unique id `uid`), just forwarded by `lb`, starts waiting for
    /// its answer; the load balancer's idle timer is armed if it was not. In line (once a
    /// request, in `route`; the compiler's choice moved with unrelated edits).
    #[inline(always)]
    pub(super) fn open_client_request(
        &mut self,
        specs: &[LoadBalancerSpec],
        queue: &mut impl Schedule<AlbEvent>,
        lb: LbId,
        request: RequestId,
        uid: u64,
    ) {
        let deadline = queue.now() + specs[lb.index()].idle_timeout;
        let open = &mut self.open_requests[lb.index()];
        open.fifo.push_back(Open {
            deadline,
            request,
            uid,
        });
        if !open.armed {
            open.armed = true;
            queue.at(deadline, AlbEvent::IdleTimeoutDue(lb));
        }
    }

    /// The load balancer tries to connect to a stopped target for `request`: its client
    /// waits, and the attempt fails at the connection timeout (`AlbEvent::ConnectTimedOut`).
    pub(super) fn open_connection_attempt(
        &mut self,
        specs: &[LoadBalancerSpec],
        queue: &mut impl Schedule<AlbEvent>,
        lb: LbId,
        request: RequestId,
        uid: u64,
    ) {
        self.open_client_request(specs, queue, lb, request, uid);
        queue.after(CONNECT_TIMEOUT, AlbEvent::ConnectTimedOut(request));
    }

    /// `lb`'s idle timer fired: the next client whose deadline passed and who still waits
    /// (`waiting(request, uid)`), to answer with its 504; `None` once none is left, the
    /// timer then re-armed at the oldest client still waiting (or disarmed).
    pub(super) fn next_idle_timeout(
        &mut self,
        queue: &mut impl Schedule<AlbEvent>,
        lb: LbId,
        waiting: impl Fn(RequestId, u64) -> bool,
    ) -> Option<RequestId> {
        let now = queue.now();
        let open = &mut self.open_requests[lb.index()];
        while let Some(&o) = open.fifo.front() {
            let still_waiting = waiting(o.request, o.uid);
            if still_waiting && o.deadline > now {
                queue.at(o.deadline, AlbEvent::IdleTimeoutDue(lb));
                return None;
            }
            open.fifo.pop_front();
            if still_waiting {
                return Some(o.request);
            }
        }
        open.armed = false;
        None
    }

    /// A client of `lb` gets its 504 at the idle timeout: the connection's time is metered;
    /// returns the client's latency (the timeout).
    pub(super) fn idle_timed_out(&mut self, specs: &[LoadBalancerSpec], lb: LbId) -> SimTime {
        let timeout = specs[lb.index()].idle_timeout;
        self.lb_meters[lb.index()].current.connection_seconds += timeout.as_secs_f64();
        timeout
    }

    /// The target of a request of `lb` whose client has waited `latency` answered.
    #[inline]
    pub(super) fn target_answered(
        &mut self,
        specs: &[LoadBalancerSpec],
        lb: LbId,
        latency: SimTime,
    ) -> Answer {
        if latency >= specs[lb.index()].idle_timeout {
            // The idle timer is due at this very instant: the same 504, whichever runs first.
            return Answer::TimedOut {
                latency: self.idle_timed_out(specs, lb),
            };
        }
        self.lb_meters[lb.index()].current.connection_seconds += secs_within_timeout(latency);
        Answer::Take { latency }
    }

    /// The connection attempt of request `id` (trace id) to a stopped target timed out after
    /// its client waited `latency`: metered and traced (the client's 504 is the world's).
    pub(super) fn connection_failed(
        &mut self,
        specs: &[LoadBalancerSpec],
        now: SimTime,
        tracer: Option<&mut Tracer>,
        lb: LbId,
        id: u64,
        latency: SimTime,
    ) {
        self.lb_meters[lb.index()].current.connection_seconds += latency.as_secs_f64();
        if let Some(t) = tracer {
            t.emit(
                now,
                Kind::RequestRejected,
                &specs[lb.index()].name,
                Some(id),
                &[
                    ("status", Field::Int(504)),
                    ("reason", Field::Str(Cause::TargetUnreachable.key())),
                ],
            );
        }
    }
}

/// The world's side: the requests, EC2's outstanding counts, faults and metrics.
impl World {
    /// The client of `request` (just forwarded by `lb`) starts waiting for its answer.
    pub(super) fn open_client_request(&mut self, lb: LbId, request: RequestId) {
        let uid = self.traffic.requests.get(request).id;
        (self.alb).open_client_request(
            &self.scenario.load_balancers,
            &mut self.queue,
            lb,
            request,
            uid,
        );
    }

    /// The oldest open request's deadline came: every client still waiting whose deadline
    /// passed gets its 504; the timer moves to the oldest client still waiting.
    pub(super) fn on_idle_timeout_due(&mut self, lb: LbId) {
        while let Some(request) = (self.alb).next_idle_timeout(&mut self.queue, lb, |r, uid| {
            self.traffic.requests.is_waiting(r, uid)
        }) {
            let r = self.traffic.requests.answer(request);
            self.client_timed_out(&r);
        }
    }

    /// The client of `r` gets a 504 at its load balancer's idle timeout.
    fn client_timed_out(&mut self, r: &Request) {
        let timeout = self
            .alb
            .idle_timed_out(&self.scenario.load_balancers, r.balancer());
        self.finish_504(r, timeout);
    }

    fn finish_504(&mut self, r: &Request, latency: SimTime) {
        self.finish_traced(
            r.workload,
            r.id,
            r.counted,
            Outcome::Http504,
            r.client_latency(latency).as_nanos(),
        );
    }

    /// The target of a load-balanced request answered (its slot is freed). Returns the
    /// request and its latency if the client takes this answer; `None` if the client already
    /// had (or now gets) its 504 at the idle timeout.
    #[inline(always)]
    pub(super) fn target_answered(&mut self, id: RequestId) -> Option<(Request, SimTime)> {
        let r = self.traffic.requests.remove(id);
        self.target_answered_removed(r)
    }

    /// `target_answered` of a request already taken out of its slot.
    #[inline(always)]
    pub(super) fn target_answered_removed(&mut self, r: Request) -> Option<(Request, SimTime)> {
        if r.answered {
            return None; // the late answer is discarded
        }
        let latency = self.queue.now() - r.arrived_at;
        match (self.alb).target_answered(&self.scenario.load_balancers, r.balancer(), latency) {
            Answer::Take { latency } => Some((r, latency)),
            Answer::TimedOut { latency } => {
                self.finish_504(&r, latency);
                None
            }
        }
    }

    /// The load balancer tries to connect to a stopped target: the attempt counts as one of
    /// its outstanding requests (least-outstanding routing sees it) until the connection
    /// timeout, when the client gets its 504.
    pub(super) fn connect_to_stopped(&mut self, mut r: Request, target: InstanceId) {
        self.ec2.instances[target.index()].outstanding += 1;
        self.outstanding_changed(target);
        // Not served by the instance: its termination does not end the attempt, the timeout
        // does (termination only detaches the attempt from it, `Requests::detach_connecting`).
        r.instance = Some(target);
        r.connecting = true;
        let (lb, uid) = (r.balancer(), r.id);
        let request = self.traffic.requests.insert(r);
        (self.alb).open_connection_attempt(
            &self.scenario.load_balancers,
            &mut self.queue,
            lb,
            request,
            uid,
        );
    }

    pub(super) fn on_connect_timed_out(&mut self, request: RequestId) {
        let r = self.traffic.requests.remove(request);
        if let Some(target) = r.instance {
            // The target is still there (stopped): the attempt stops counting on it.
            let inst = &mut self.ec2.instances[target.index()];
            inst.outstanding = inst.outstanding.saturating_sub(1);
            self.outstanding_changed(target);
        }
        if r.answered {
            return; // the idle timeout (shorter than 10 s) answered first
        }
        let latency = self.queue.now() - r.arrived_at;
        self.alb.connection_failed(
            &self.scenario.load_balancers,
            self.queue.now(),
            self.tracer.as_deref_mut(),
            r.balancer(),
            r.id,
            latency,
        );
        if r.counted {
            self.faults.log.count(Cause::TargetUnreachable);
        }
        self.finish_504(&r, latency);
    }
}

#[cfg(test)]
mod tests {
    use super::{Open, Ring};
    use crate::ids::RequestId;
    use crate::kernel::SimTime;
    use std::collections::VecDeque;

    fn open(k: u64) -> Open {
        Open {
            deadline: SimTime::from_nanos(k),
            request: RequestId(k as u32),
            uid: k,
        }
    }

    /// The ring gives back what a `VecDeque` does, in order, across its growths (16, 32, ...
    /// places) with the head anywhere in it: pushes and pops in runs of changing lengths.
    #[test]
    fn ring_is_a_fifo_across_growths_and_wraps() {
        let (mut ring, mut model) = (Ring::default(), VecDeque::new());
        let mut next = 0u64;
        for round in 0..400u64 {
            for _ in 0..(round * 7 % 23) {
                ring.push_back(open(next));
                model.push_back(next);
                next += 1;
            }
            for _ in 0..(round * 5 % 19) {
                assert_eq!(ring.front().map(|o| o.uid), model.front().copied());
                if model.pop_front().is_some() {
                    ring.pop_front();
                }
            }
            assert_eq!(ring.len, model.len());
            assert!(ring.size == 0 || ring.size.is_power_of_two());
            assert!(ring.buf.len() <= ring.size);
            let seen: Vec<u64> = ring.iter().map(|o| o.uid).collect();
            assert_eq!(seen, model.iter().copied().collect::<Vec<_>>());
        }
        assert!(ring.size > 32, "the ring grew several times");
        while let Some(k) = model.pop_front() {
            let o = *ring.front().expect("as long as the model");
            assert_eq!(
                (o.uid, o.request, o.deadline),
                (k, RequestId(k as u32), SimTime::from_nanos(k))
            );
            ring.pop_front();
        }
        assert!(ring.front().is_none());
    }
}
