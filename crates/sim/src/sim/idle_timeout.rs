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

use super::World;
use super::faults::CONNECT_TIMEOUT;
use super::request::Request;
use crate::ids::{InstanceId, LbId, RequestId};
use crate::kernel::Schedule;
use crate::kernel::SimTime;
use crate::metrics::Outcome;
use crate::model::alb::AlbEvent;
use crate::model::faults::Cause;
use crate::trace::{Field, Kind};
use std::collections::VecDeque;

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
    fifo: VecDeque<Open>,
    armed: bool,
}

impl World {
    /// The client of `request` (just forwarded by `lb`) starts waiting for its answer.
    pub(super) fn open_client_request(&mut self, lb: LbId, request: RequestId) {
        let deadline = self.queue.now() + self.scenario.load_balancers[lb.index()].idle_timeout;
        let uid = self.traffic.requests.get(request).id;
        let open = &mut self.alb.open_requests[lb.index()];
        open.fifo.push_back(Open {
            deadline,
            request,
            uid,
        });
        if !open.armed {
            open.armed = true;
            self.queue.at(deadline, AlbEvent::IdleTimeoutDue(lb));
        }
    }

    /// The oldest open request's deadline came: every client still waiting whose deadline
    /// passed gets its 504; the timer moves to the oldest client still waiting.
    pub(super) fn on_idle_timeout_due(&mut self, lb: LbId) {
        let now = self.queue.now();
        while let Some(&o) = self.alb.open_requests[lb.index()].fifo.front() {
            let waiting = self.traffic.requests.is_waiting(o.request, o.uid);
            if waiting && o.deadline > now {
                self.queue.at(o.deadline, AlbEvent::IdleTimeoutDue(lb));
                return;
            }
            self.alb.open_requests[lb.index()].fifo.pop_front();
            if waiting {
                let r = self.traffic.requests.answer(o.request);
                self.client_timed_out(&r);
            }
        }
        self.alb.open_requests[lb.index()].armed = false;
    }

    /// The client of `r` gets a 504 at its load balancer's idle timeout.
    fn client_timed_out(&mut self, r: &Request) {
        let lb = r.balancer().index();
        let timeout = self.scenario.load_balancers[lb].idle_timeout;
        self.alb.lb_meters[lb].current.connection_seconds += timeout.as_secs_f64();
        self.finish_traced(
            r.workload,
            r.id,
            r.counted,
            Outcome::Http504,
            timeout.as_nanos(),
        );
    }

    /// The target of a load-balanced request answered (its slot is freed). Returns the
    /// request and its latency if the client takes this answer; `None` if the client already
    /// had (or now gets) its 504 at the idle timeout.
    pub(super) fn target_answered(&mut self, id: RequestId) -> Option<(Request, SimTime)> {
        let r = self.traffic.requests.remove(id);
        if r.answered {
            return None; // the late answer is discarded
        }
        let latency = self.queue.now() - r.arrived_at;
        let timeout = self.scenario.load_balancers[r.balancer().index()].idle_timeout;
        if latency >= timeout {
            // The idle timer is due at this very instant: the same 504, whichever runs first.
            self.client_timed_out(&r);
            return None;
        }
        self.alb.lb_meters[r.balancer().index()]
            .current
            .connection_seconds += latency.as_secs_f64();
        Some((r, latency))
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
        self.open_client_request(lb, request);
        self.queue
            .after(CONNECT_TIMEOUT, AlbEvent::ConnectTimedOut(request));
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
        let lb = r.balancer().index();
        self.alb.lb_meters[lb].current.connection_seconds += latency.as_secs_f64();
        if let Some(t) = self.tracer.as_deref_mut() {
            let name = &self.scenario.load_balancers[lb].name;
            t.emit(
                self.queue.now(),
                Kind::RequestRejected,
                name,
                Some(r.id),
                &[
                    ("status", Field::Int(504)),
                    ("reason", Field::Str(Cause::TargetUnreachable.key())),
                ],
            );
        }
        if r.counted {
            self.faults.log.count(Cause::TargetUnreachable);
        }
        self.finish_traced(
            r.workload,
            r.id,
            r.counted,
            Outcome::Http504,
            latency.as_nanos(),
        );
    }
}
