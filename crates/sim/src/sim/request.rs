//! Live requests: a slab of fixed-size records whose slots are reused, so memory follows the
//! number of requests in flight, not the number simulated.
//!
//! A request's client may get its answer before its target finishes (the ALB's idle timeout
//! answers 504 while the target goes on working): the record is then `answered` and no longer
//! in flight, but keeps its slot until the target lets go of it.
//!
//! The requests that name an instance (served by it, or connection attempts to it while it is
//! stopped) are linked in a list per instance slot, so an instance's termination or an AZ
//! outage visits its own requests, not every request in flight.
//!
//! The requests whose clients wait on a load balancer for their answer (every request that
//! came through one, from its insertion, at its arrival) are linked in a list per load
//! balancer, oldest first: its idle timer (`idle_timeout`) looks at the oldest only
//! (`oldest_waiting`), and a request leaves the list when its client is answered or its slot
//! is freed. So what the idle timeout keeps follows the requests in flight, not the arrivals
//! of one timeout window (up to 4,000 s of them).

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
    /// The round trip from its client's geography to the serving region, ns (0: no
    /// geography): added to the latency its client sees.
    pub rtt_ns: u32,
}

impl Request {
    /// The instance serving a request that runs on one (its job and database calls).
    #[inline]
    pub fn server(&self) -> InstanceId {
        self.instance.expect("the request runs on an instance")
    }

    /// The latency its client sees when the service took `server`: one round trip more.
    #[inline]
    pub fn client_latency(&self, server: SimTime) -> SimTime {
        server + SimTime::from_nanos(u64::from(self.rtt_ns))
    }

    /// The load balancer of a load-balanced request (its client's timeouts, its meters).
    #[inline]
    pub fn balancer(&self) -> LbId {
        self.lb.expect("the request came through a load balancer")
    }
}

/// No request: the end of an instance's list.
const NIL: u32 = u32::MAX;

/// A request's neighbours in its instance's list (`NIL` at either end).
#[derive(Clone, Copy, Debug)]
struct Link {
    prev: u32,
    next: u32,
}

const UNLINKED: Link = Link {
    prev: NIL,
    next: NIL,
};

/// The first and last request of a list (`NIL`: empty).
#[derive(Clone, Copy, Debug)]
struct Ends {
    first: u32,
    last: u32,
}

const EMPTY: Ends = Ends {
    first: NIL,
    last: NIL,
};

/// A new slot before its first request is written into it.
const VACANT: Slot = Slot {
    r: Request {
        id: 0,
        arrived_at: SimTime::ZERO,
        workload: WorkloadId(0),
        instance: None,
        counted: false,
        class: 0,
        lb: None,
        answered: false,
        connecting: false,
        rtt_ns: 0,
    },
    link: UNLINKED,
    waiting: UNLINKED,
    alive: false,
};

/// A request slot: the record, its place in the list of the instance it names and in its
/// load balancer's list of waiting clients (while its client waits: `r.lb` is set and not
/// `r.answered`), and whether it is in use (one record, so a request's handling touches one
/// place).
#[derive(Clone, Copy, Debug)]
struct Slot {
    r: Request,
    link: Link,
    waiting: Link,
    alive: bool,
}

pub struct Requests {
    slots: Vec<Slot>,
    /// Per instance slot: the first request naming it (`NIL`: none).
    heads: Vec<u32>,
    /// Per load balancer: its clients waiting for an answer, oldest first (`waiting` links).
    waiting: Vec<Ends>,
    /// The first free slot (`NIL`: none); each free slot names the next in its `link.next`
    /// (last freed, first reused).
    free: u32,
    live: u64,
    /// Live requests that count in the summary.
    live_counted: u64,
}

impl Default for Requests {
    fn default() -> Self {
        Requests {
            slots: Vec::new(),
            heads: Vec::new(),
            waiting: Vec::new(),
            free: NIL,
            live: 0,
            live_counted: 0,
        }
    }
}

impl Requests {
    #[inline(always)]
    pub fn insert(&mut self, r: Request) -> RequestId {
        self.live += 1;
        self.live_counted += r.counted as u64;
        let i = if self.free != NIL {
            let i = self.free as usize;
            self.free = self.slots[i].link.next;
            i
        } else {
            self.slots.push(VACANT);
            self.slots.len() - 1
        };
        let id = RequestId(i as u32);
        // First in the list of the instance it names (a request naming none has no links):
        // the slot is written once, its neighbour's link after.
        let next = match r.instance {
            Some(instance) => self.take_head(id, instance),
            None => NIL,
        };
        // Its client waits on its load balancer from now: last in that list.
        let waiting = match r.lb {
            Some(lb) if !r.answered => self.wait_last(id, lb),
            _ => UNLINKED,
        };
        let slots = &mut self.slots[..];
        slots[i] = Slot {
            r,
            link: Link { prev: NIL, next },
            waiting,
            alive: true,
        };
        if next != NIL {
            slots[next as usize].link.prev = id.0;
        }
        id
    }

    /// The slot the next `insert` takes (to name a request in what it starts before it is
    /// inserted: nothing may insert or remove in between).
    #[inline]
    pub fn next_id(&self) -> RequestId {
        RequestId(if self.free != NIL {
            self.free
        } else {
            self.slots.len() as u32
        })
    }

    /// Makes request `id` the head of `instance`'s list; returns the head it had.
    #[inline(always)]
    fn take_head(&mut self, id: RequestId, instance: InstanceId) -> u32 {
        let i = instance.index();
        if i >= self.heads.len() {
            self.heads.resize(i + 1, NIL);
        }
        std::mem::replace(&mut self.heads[i], id.0)
    }

    /// The requests naming `instance` (served or connecting), first linked first.
    fn naming(&self, instance: InstanceId) -> impl Iterator<Item = RequestId> + '_ {
        let mut at = self.heads.get(instance.index()).copied().unwrap_or(NIL);
        std::iter::from_fn(move || {
            (at != NIL).then(|| {
                let id = RequestId(at);
                at = self.slots[at as usize].link.next;
                id
            })
        })
    }

    #[inline]
    pub fn get(&self, id: RequestId) -> &Request {
        &self.slots[id.index()].r
    }

    /// Frees the slot; the request must not be used afterwards. Unless its client was already
    /// answered, the request stops being in flight.
    #[inline(always)]
    pub fn remove(&mut self, id: RequestId) -> Request {
        let i = id.index();
        let r = self.slots[i].r;
        // Out of its load balancer's list while its client waits.
        if let Some(lb) = r.lb
            && !r.answered
        {
            self.stop_waiting(i, lb);
        }
        let slots = &mut self.slots[..];
        let slot = &mut slots[i];
        debug_assert!(slot.alive, "a slot is freed exactly once");
        slot.alive = false;
        // Out of its instance's list (a request naming none has no links), and first in the
        // free list.
        let Link { prev, next } = std::mem::replace(
            &mut slot.link,
            Link {
                prev: NIL,
                next: self.free,
            },
        );
        self.free = id.0;
        if let Some(instance) = r.instance {
            if prev == NIL {
                self.heads[instance.index()] = next;
            } else {
                slots[prev as usize].link.next = next;
            }
            if next != NIL {
                slots[next as usize].link.prev = prev;
            }
        }
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
        let slot = &mut self.slots[id.index()];
        let r = &mut slot.r;
        debug_assert!(slot.alive && !r.answered, "a request ends exactly once");
        r.answered = true;
        let r = *r;
        if let Some(lb) = r.lb {
            self.stop_waiting(id.index(), lb);
        }
        self.live -= 1;
        self.live_counted -= r.counted as u64;
        r
    }

    /// Request `id` (being inserted) becomes the last in `lb`'s list of waiting clients;
    /// returns its links there.
    #[inline(always)]
    fn wait_last(&mut self, id: RequestId, lb: LbId) -> Link {
        if lb.index() >= self.waiting.len() {
            self.waiting.resize(lb.index() + 1, EMPTY);
        }
        let ends = &mut self.waiting[lb.index()];
        let last = std::mem::replace(&mut ends.last, id.0);
        if last == NIL {
            ends.first = id.0;
        } else {
            self.slots[last as usize].waiting.next = id.0;
        }
        Link {
            prev: last,
            next: NIL,
        }
    }

    /// The request whose client has waited longest on `lb` (and still waits).
    #[inline]
    pub fn oldest_waiting(&self, lb: LbId) -> Option<RequestId> {
        let first = self.waiting.get(lb.index())?.first;
        (first != NIL).then_some(RequestId(first))
    }

    /// Slot `i`'s client stops waiting: out of `lb`'s list.
    #[inline(always)]
    fn stop_waiting(&mut self, i: usize, lb: LbId) {
        let Link { prev, next } = std::mem::replace(&mut self.slots[i].waiting, UNLINKED);
        let lb = lb.index();
        if prev == NIL {
            self.waiting[lb].first = next;
        } else {
            self.slots[prev as usize].waiting.next = next;
        }
        if next == NIL {
            self.waiting[lb].last = prev;
        } else {
            self.slots[next as usize].waiting.prev = prev;
        }
    }

    /// The live requests an instance serves, in slot order (the order in which they end
    /// when it stops: the order a scan of every request gave). It walks the instance's
    /// list: the cost follows its requests, not the requests in flight.
    pub fn on_instance(&self, instance: InstanceId) -> Vec<RequestId> {
        let mut out: Vec<RequestId> = self
            .naming(instance)
            .filter(|&id| !self.slots[id.index()].r.connecting)
            .collect();
        out.sort_unstable();
        out
    }

    /// The instance terminates: connection attempts to it no longer name it (their connect
    /// timeouts still end them), and its list is left empty for the slot's next occupant.
    /// Called after its served requests were removed, so only connection attempts remain.
    pub fn detach_connecting(&mut self, instance: InstanceId) {
        let Some(head) = self.heads.get_mut(instance.index()) else {
            return;
        };
        let mut at = std::mem::replace(head, NIL);
        while at != NIL {
            let slot = &mut self.slots[at as usize];
            debug_assert!(slot.r.connecting, "served requests ended before");
            slot.r.instance = None;
            at = std::mem::replace(&mut slot.link, UNLINKED).next;
        }
    }

    /// Checks the instances' lists against a scan of every request: each live request that
    /// names an instance is in that instance's list, once, and the lists hold nothing else
    /// (so an instance that is not `live` has none).
    #[cfg(test)]
    pub fn check_lists(&self, live: &[InstanceId]) {
        let mut scanned: Vec<Vec<RequestId>> = vec![Vec::new(); self.heads.len()];
        for (i, slot) in self.slots.iter().enumerate() {
            if slot.alive
                && let Some(instance) = slot.r.instance
            {
                assert!(
                    live.contains(&instance),
                    "request {i} names terminated instance slot {}",
                    instance.0
                );
                scanned[instance.index()].push(RequestId(i as u32));
            }
        }
        for (slot, want) in scanned.iter().enumerate() {
            let mut listed: Vec<RequestId> = self.naming(InstanceId(slot as u32)).collect();
            let before = listed.len();
            listed.sort_unstable();
            listed.dedup();
            assert_eq!(listed.len(), before, "instance slot {slot}: listed twice");
            assert_eq!(&listed, want, "instance slot {slot}: list and scan differ");
            let mut at = self.heads[slot];
            let mut prev = NIL;
            while at != NIL {
                assert_eq!(
                    self.slots[at as usize].link.prev, prev,
                    "instance slot {slot}"
                );
                prev = at;
                at = self.slots[at as usize].link.next;
            }
        }
    }

    /// Checks the load balancers' lists of waiting clients against a scan: each is linked
    /// both ways, oldest first, and holds exactly the live, unanswered requests of its load
    /// balancer (every load-balanced request's client waits from its arrival).
    #[cfg(test)]
    pub fn check_waiting(&self) {
        let mut listed = 0;
        for (lb, ends) in self.waiting.iter().enumerate() {
            let (mut at, mut prev, mut arrived) = (ends.first, NIL, SimTime::ZERO);
            while at != NIL {
                let slot = &self.slots[at as usize];
                assert!(slot.alive && !slot.r.answered, "slot {at} listed");
                assert_eq!(slot.r.lb.map(|l| l.index()), Some(lb), "slot {at}'s list");
                assert_eq!(slot.waiting.prev, prev, "slot {at}'s link back");
                assert!(slot.r.arrived_at >= arrived, "slot {at} out of order");
                (arrived, prev, at) = (slot.r.arrived_at, at, slot.waiting.next);
                listed += 1;
            }
            assert_eq!(ends.last, prev, "load balancer {lb}'s last");
        }
        let waiting = self
            .slots
            .iter()
            .filter(|s| s.alive && !s.r.answered && s.r.lb.is_some())
            .count();
        assert_eq!(listed, waiting, "listed and waiting clients differ");
    }

    /// Whether the slot holds a request with this unique id whose client still waits.
    pub fn is_waiting(&self, id: RequestId, uid: u64) -> bool {
        self.is_live(id, uid) && !self.slots[id.index()].r.answered
    }

    /// Whether the slot holds a live request with this unique id.
    pub fn is_live(&self, id: RequestId, uid: u64) -> bool {
        self.slots
            .get(id.index())
            .is_some_and(|s| s.alive && s.r.id == uid)
    }

    pub fn live_counted(&self) -> u64 {
        self.live_counted
    }

    /// The live requests that count in the summary (a scan: only for the end of a run).
    pub fn live_counted_iter(&self) -> impl Iterator<Item = &Request> {
        self.slots
            .iter()
            .filter(|s| s.alive && s.r.counted)
            .map(|s| &s.r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::{RngExt, stream};

    fn arriving(at: u64, lb: u16) -> Request {
        Request {
            id: at,
            arrived_at: SimTime::from_nanos(at),
            lb: Some(LbId(lb)),
            ..VACANT.r
        }
    }

    impl Requests {
        /// `lb`'s waiting clients, oldest first.
        fn waiting_on(&self, lb: LbId) -> Vec<RequestId> {
            let mut out = Vec::new();
            let mut at = self.waiting.get(lb.index()).map_or(NIL, |e| e.first);
            while at != NIL {
                out.push(RequestId(at));
                at = self.slots[at as usize].waiting.next;
            }
            out
        }
    }

    /// Each load balancer's list holds, oldest first, exactly the requests whose clients
    /// wait, against a model: arrivals on two load balancers; clients answered (a 504) first,
    /// last or in the middle of their list; slots freed with and without an answer, and
    /// reused.
    #[test]
    fn waiting_lists_hold_the_clients_that_wait_oldest_first() {
        let mut rng = stream(7, "test/requests/waiting");
        let mut requests = Requests::default();
        let mut waiting: [Vec<RequestId>; 2] = [Vec::new(), Vec::new()];
        let mut alive: Vec<RequestId> = Vec::new();
        for step in 0..30_000u64 {
            let pick =
                |rng: &mut crate::kernel::Rng, n: usize| rng.uniform_u64(0, n as u64) as usize;
            match rng.uniform_u64(0, 10) {
                0..=3 => {
                    let lb = pick(&mut rng, 2);
                    let id = requests.insert(arriving(step, lb as u16));
                    waiting[lb].push(id);
                    alive.push(id);
                }
                4..=5 => {
                    let lb = pick(&mut rng, 2);
                    if !waiting[lb].is_empty() {
                        let k = match pick(&mut rng, 3) {
                            0 => 0,
                            1 => waiting[lb].len() - 1,
                            _ => pick(&mut rng, waiting[lb].len()),
                        };
                        let id = waiting[lb].remove(k);
                        assert!(requests.answer(id).answered);
                    }
                }
                _ => {
                    if !alive.is_empty() {
                        let id = alive.swap_remove(pick(&mut rng, alive.len()));
                        requests.remove(id);
                        for list in &mut waiting {
                            list.retain(|&w| w != id);
                        }
                    }
                }
            }
            for (lb, list) in waiting.iter().enumerate() {
                let lb = LbId(lb as u16);
                assert_eq!(requests.oldest_waiting(lb), list.first().copied());
                assert_eq!(&requests.waiting_on(lb), list, "step {step}");
            }
            if step % 101 == 0 {
                requests.check_waiting();
            }
        }
        assert!(
            waiting.iter().all(|l| l.len() > 10),
            "the lists were exercised"
        );
    }

    /// A slot stays within one cache line.
    #[test]
    fn slots_stay_within_a_cache_line() {
        assert!(
            std::mem::size_of::<Slot>() <= 64,
            "{}",
            std::mem::size_of::<Slot>()
        );
    }
}
