//! Live requests: a slab of fixed-size records whose slots are reused, so memory follows the
//! number of requests in flight, not the number simulated.

use crate::ids::{InstanceId, RequestId, WorkloadId};
use crate::kernel::SimTime;

#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// The arrival's sequence number in the run (trace request id).
    pub id: u64,
    pub arrived_at: SimTime,
    pub workload: WorkloadId,
    /// The instance serving it.
    pub instance: InstanceId,
    /// Whether the request arrived after the warm-up (and so counts in the summary).
    pub counted: bool,
    /// Its class (index in the workload's classes).
    pub class: u16,
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

    /// Frees the slot; the request must not be used afterwards.
    #[inline]
    pub fn get(&self, id: RequestId) -> &Request {
        &self.slots[id.index()]
    }

    #[inline]
    pub fn remove(&mut self, id: RequestId) -> Request {
        let r = self.slots[id.index()];
        debug_assert!(self.alive[id.index()], "a request ends exactly once");
        self.alive[id.index()] = false;
        self.free.push(id.0);
        self.live -= 1;
        self.live_counted -= r.counted as u64;
        r
    }

    /// The live requests on an instance (a scan: only for rare events such as termination).
    pub fn on_instance(&self, instance: InstanceId) -> Vec<RequestId> {
        (0..self.slots.len())
            .filter(|&i| self.alive[i] && self.slots[i].instance == instance)
            .map(|i| RequestId(i as u32))
            .collect()
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
