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
//! Cost: the timeout is the same for every request of a load balancer, and a client starts
//! waiting when its request arrives, so deadlines come in arrival order. The requests keep
//! each load balancer's waiting clients in a list, oldest first (`Requests::oldest_waiting`:
//! a request is in it from its insertion until answered or freed), and the load balancer
//! keeps one timer, armed for the oldest: when it fires, the clients whose deadline passed
//! get their 504 and it is re-armed at the oldest still waiting (a timer left armed for a
//! client answered meanwhile just fires early and moves on). While nothing times out it
//! fires about once per idle timeout, not once per request, and what it keeps follows the
//! requests in flight, not the arrivals of one timeout window (ARCHITECTURE.md, "The idle
//! timeout's waiting lists").
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
    /// A client of `lb` starts waiting for its answer (its request, just inserted, is last in
    /// `lb`'s list): the idle timer is armed at its deadline if it was not.
    /// In line (once a request, in `route`).
    #[inline(always)]
    pub(super) fn client_waits(
        &mut self,
        specs: &[LoadBalancerSpec],
        queue: &mut impl Schedule<AlbEvent>,
        lb: LbId,
    ) {
        let armed = &mut self.idle_armed[lb.index()];
        if !*armed {
            *armed = true;
            let deadline = queue.now() + specs[lb.index()].idle_timeout;
            queue.at(deadline, AlbEvent::IdleTimeoutDue(lb));
        }
    }

    /// The load balancer tries to connect to a stopped target for `request`, whose client
    /// waits (`client_waits`): the attempt fails at the connection timeout
    /// (`AlbEvent::ConnectTimedOut`).
    pub(super) fn open_connection_attempt(
        &mut self,
        specs: &[LoadBalancerSpec],
        queue: &mut impl Schedule<AlbEvent>,
        lb: LbId,
        request: RequestId,
    ) {
        self.client_waits(specs, queue, lb);
        queue.after(CONNECT_TIMEOUT, AlbEvent::ConnectTimedOut(request));
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
    /// The client of `request` (just arrived through `lb` and inserted: last in `lb`'s list)
    /// starts waiting for its answer.
    #[inline(always)]
    pub(super) fn open_client_request(&mut self, lb: LbId, request: RequestId) {
        debug_assert_eq!(
            self.traffic.requests.get(request).arrived_at,
            self.queue.now()
        );
        (self.alb).client_waits(&self.scenario.load_balancers, &mut self.queue, lb);
    }

    /// `lb`'s idle timer fired: every client still waiting whose deadline (its arrival plus
    /// the idle timeout) passed gets its 504, oldest first; the timer is re-armed at the
    /// deadline of the oldest client still waiting, or disarmed when none waits.
    pub(super) fn on_idle_timeout_due(&mut self, lb: LbId) {
        let now = self.queue.now();
        let timeout = self.scenario.load_balancers[lb.index()].idle_timeout;
        while let Some(request) = self.traffic.requests.oldest_waiting(lb) {
            let deadline = self.traffic.requests.get(request).arrived_at + timeout;
            if deadline > now {
                Schedule::at(&mut self.queue, deadline, AlbEvent::IdleTimeoutDue(lb));
                return;
            }
            let r = self.traffic.requests.answer(request);
            self.client_timed_out(&r);
        }
        self.alb.idle_armed[lb.index()] = false;
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
        let lb = r.balancer();
        let request = self.traffic.requests.insert(r);
        (self.alb).open_connection_attempt(
            &self.scenario.load_balancers,
            &mut self.queue,
            lb,
            request,
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
