//! Live requests: a slab of fixed-size records whose slots are reused, so memory follows the
//! number of requests in flight, not the number simulated.
//!
//! A request's client may get its answer before its target finishes (the ALB's idle timeout
//! answers 504 while the target goes on working): the record is then `answered` and no longer
//! in flight, but keeps its slot until the target lets go of it.

use crate::ids::{InstanceId, LbId, RequestId, WorkloadId};
use crate::kernel::SimTime;

#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// The arrival's sequence number in the run (trace request id).
    pub id: u64,
    pub arrived_at: SimTime,
    pub workload: WorkloadId,
    /// The instance serving it (`None`: no instance holds it, as for a Lambda target or a
    /// connection attempt to a stopped target).
    pub instance: Option<InstanceId>,
    /// Whether the request arrived after the warm-up (and so counts in the summary).
    pub counted: bool,
    /// Its class (index in the workload's classes).
    pub class: u16,
    /// The load balancer it came through (`None`: a direct invocation).
    pub lb: Option<LbId>,
    /// The client already got its answer (a 504 at the idle timeout): whatever the target
    /// answers later is discarded.
    pub answered: bool,
    /// A connection attempt to a stopped target (`instance`, until it terminates): the
    /// target does not serve it, its connect timeout ends it.
    pub connecting: bool,
}

impl Request {
    /// The instance serving a request that runs on one (its job and database calls).
    #[inline]
    pub fn server(&self) -> InstanceId {
        self.instance.expect("the request runs on an instance")
    }

    /// The load balancer of a load-balanced request (its client's timeouts, its meters).
    #[inline]
    pub fn balancer(&self) -> LbId {
        self.lb.expect("the request came through a load balancer")
    }
}

#[derive(Default)]
pub struct Requests {
    slots: Vec<Request>,
    alive: Vec<bool>,
    free: Vec<u32>,
    live: u64,
    /// Live requests that count in the summary.
    live_counted: u64,
}

impl Requests {
    #[inline]
    pub fn insert(&mut self, r: Request) -> RequestId {
        self.live += 1;
        self.live_counted += r.counted as u64;
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = r;
                self.alive[i as usize] = true;
                RequestId(i)
            }
            None => {
                self.slots.push(r);
                self.alive.push(true);
                RequestId((self.slots.len() - 1) as u32)
            }
        }
    }

    #[inline]
    pub fn get(&self, id: RequestId) -> &Request {
        &self.slots[id.index()]
    }

    /// Frees the slot; the request must not be used afterwards. Unless its client was already
    /// answered, the request stops being in flight.
    #[inline]
    pub fn remove(&mut self, id: RequestId) -> Request {
        let r = self.slots[id.index()];
        debug_assert!(self.alive[id.index()], "a slot is freed exactly once");
        self.alive[id.index()] = false;
        self.free.push(id.0);
        if !r.answered {
            self.live -= 1;
            self.live_counted -= r.counted as u64;
        }
        r
    }

    /// The client gets its answer now while the target keeps the slot: the request is no
    /// longer in flight, and it ends exactly once (a second answer is refused by the caller
    /// seeing `answered`).
    #[inline]
    pub fn answer(&mut self, id: RequestId) -> Request {
        let r = &mut self.slots[id.index()];
        debug_assert!(
            self.alive[id.index()] && !r.answered,
            "a request ends exactly once"
        );
        r.answered = true;
        self.live -= 1;
        self.live_counted -= r.counted as u64;
        *r
    }

    /// The live requests an instance serves (a scan: only for rare events such as
    /// termination).
    pub fn on_instance(&self, instance: InstanceId) -> Vec<RequestId> {
        (0..self.slots.len())
            .filter(|&i| {
                let r = &self.slots[i];
                self.alive[i] && r.instance == Some(instance) && !r.connecting
            })
            .map(|i| RequestId(i as u32))
            .collect()
    }

    /// The instance terminates: connection attempts to it no longer name it (their connect
    /// timeouts still end them). A scan, as `on_instance`.
    pub fn detach_connecting(&mut self, instance: InstanceId) {
        for (r, alive) in self.slots.iter_mut().zip(&self.alive) {
            if *alive && r.connecting && r.instance == Some(instance) {
                r.instance = None;
            }
        }
    }

    /// Whether the slot holds a request with this unique id whose client still waits.
    pub fn is_waiting(&self, id: RequestId, uid: u64) -> bool {
        self.is_live(id, uid) && !self.slots[id.index()].answered
    }

    /// Whether the slot holds a live request with this unique id.
    pub fn is_live(&self, id: RequestId, uid: u64) -> bool {
        self.alive.get(id.index()).copied().unwrap_or(false) && self.slots[id.index()].id == uid
    }

    pub fn live_counted(&self) -> u64 {
        self.live_counted
    }

    /// The live requests that count in the summary (a scan: only for the end of a run).
    pub fn live_counted_iter(&self) -> impl Iterator<Item = &Request> {
        self.slots
            .iter()
            .zip(&self.alive)
            .filter(|(r, alive)| **alive && r.counted)
            .map(|(r, _)| r)
    }
}
