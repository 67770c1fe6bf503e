//! A downstream datastore (RDS-style): a primary that serves calls on a fixed number of
//! connections, an optional Multi-AZ standby, and failover.
//!
//! A database serves at most `engine_capacity` calls at once (first come, first served; the
//! rest wait in a FIFO). When the primary is lost (its AZ fails, or a forced failover), every
//! call in it fails, and a Multi-AZ database promotes its standby after a drawn failover time;
//! calls made meanwhile fail. A single-AZ database whose AZ fails stays down until the AZ
//! returns. Calls are tracked in a slab of slots reused after they end, so memory follows the
//! calls in flight. This module decides; the world schedules events and ends requests.

use crate::dist::Dist;
use crate::ids::{AzId, CallSlot, DatabaseId, RequestId};
use crate::kernel::{Key, SimTime};
use std::collections::VecDeque;

#[derive(Clone, Debug)]
pub struct DatabaseSpec {
    pub name: String,
    /// Calls served at once (connections doing work); the rest queue.
    pub engine_capacity: u32,
    pub multi_az: bool,
    /// The primary's AZ, and the standby's (Multi-AZ only).
    pub az: AzId,
    pub standby_az: Option<AzId>,
    /// Time to promote the standby after the primary is lost.
    pub failover_time: Dist,
    /// The RDS instance class, for pricing (e.g. `db.m5.large`).
    pub instance_class: String,
    /// A cache (not billed here): the fraction of lookups that hit. A hit answers in place of
    /// the call after it; a miss, or a cache that is down, goes on to that call.
    pub hit_ratio: Option<f64>,
    /// An ElastiCache cluster (engine, nodes, price, TTL and key space); `None` for a
    /// database, and for a cache given only a typed hit ratio (the older model, not billed).
    pub elasticache: Option<Box<crate::model::elasticache::CacheSpec>>,
}

/// What a call calls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CallTarget {
    /// A database or a cache (RDS- or ElastiCache-style): the built-in kind of call.
    Database(DatabaseId),
    /// A call of a kind a service registers (a DynamoDB table, an internet endpoint through
    /// NAT: `scenario::calls`), handed to that service by the simulator.
    Service(ServiceCall),
}

/// A call of a kind a service registers: which kind, and which of its resolved calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceCall {
    /// The kind's position in the scenario's call kinds (`scenario::raw::CALL_FIELDS`),
    /// which the simulator maps to the service that registered it.
    pub kind: u8,
    /// The call's index in that kind's resolved calls (`Resilience::service_calls`).
    pub entry: u32,
}

/// One call a request class makes after its instance work.
#[derive(Clone, Debug)]
pub struct CallSpec {
    pub target: CallTarget,
    /// A database's work per call (a table's latency is the table's).
    pub work: Dist,
    /// Bytes moved per call (request and answer), for inter-AZ data transfer.
    pub bytes: u64,
}

/// Why a database is not serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Availability {
    Up,
    /// Promoting the standby; serving again at the given time.
    FailingOver {
        until: SimTime,
    },
    /// The primary's AZ is down and there is no standby to promote.
    Down,
}

/// A call in flight: which database, for which request, and which step of the request's
/// calls it is.
#[derive(Clone, Copy, Debug)]
pub struct Call {
    pub database: DatabaseId,
    /// The request waiting on the call; `None` once the request ended without it (its
    /// instance stopped or terminated): the call still holds its connection until its work
    /// is done.
    pub request: Option<RequestId>,
    pub step: u8,
    /// A cache lookup that hit (the request skips the call after it).
    pub hit: bool,
    pub work: SimTime,
    /// Its pending `CallEnded` while it holds a connection (`None` while it waits for one);
    /// a lost primary cancels it.
    pub end: Option<Key>,
}

/// The runtime state of one database.
pub struct Database {
    pub availability: Availability,
    pub primary_az: AzId,
    pub standby_az: Option<AzId>,
    /// Calls served at once, and calls being served now.
    pub capacity: u32,
    pub busy: u32,
    pub waiting: VecDeque<CallSlot>,
    /// Counters for the summary.
    pub calls: u64,
    pub failed_calls: u64,
    pub failovers: u64,
    /// Cache lookups that hit.
    pub hits: u64,
    pub max_busy: u32,
    /// Total time not serving, and since when it is not serving.
    pub downtime: SimTime,
    pub down_since: Option<SimTime>,
    /// Injected faults: extra latency per call, and the fraction of calls that fail.
    pub extra_latency: SimTime,
    pub error_fraction: f64,
}

impl Database {
    pub fn new(spec: &DatabaseSpec) -> Database {
        Database {
            availability: Availability::Up,
            primary_az: spec.az,
            standby_az: spec.standby_az,
            capacity: spec.engine_capacity,
            busy: 0,
            waiting: VecDeque::new(),
            calls: 0,
            failed_calls: 0,
            failovers: 0,
            hits: 0,
            max_busy: 0,
            downtime: SimTime::ZERO,
            down_since: None,
            extra_latency: SimTime::ZERO,
            error_fraction: 0.0,
        }
    }

    pub fn is_up(&self) -> bool {
        self.availability == Availability::Up
    }

    /// The primary is lost at `now`: its connections are gone (the world has cancelled and
    /// removed the calls in it). Returns whether a failover to the standby began (it ends at
    /// `now + draw`); otherwise the database is down until its primary's AZ returns.
    pub fn lose_primary(&mut self, now: SimTime, standby_usable: bool, draw: SimTime) -> bool {
        self.busy = 0;
        self.waiting.clear();
        if self.down_since.is_none() {
            self.down_since = Some(now);
        }
        if standby_usable && self.standby_az.is_some() {
            self.failovers += 1;
            self.availability = Availability::FailingOver { until: now + draw };
            true
        } else {
            self.availability = Availability::Down;
            false
        }
    }

    /// The standby is promoted: the old primary's AZ hosts the new standby.
    pub fn complete_failover(&mut self, now: SimTime) {
        if let Some(standby) = self.standby_az {
            self.standby_az = Some(self.primary_az);
            self.primary_az = standby;
        }
        self.come_up(now);
    }

    /// Serving again (failover done, or the primary's AZ returned).
    pub fn come_up(&mut self, now: SimTime) {
        self.availability = Availability::Up;
        if let Some(since) = self.down_since.take() {
            self.downtime += now - since;
        }
    }

    /// Takes a connection for a call if one is free; otherwise the call waits.
    pub fn admit(&mut self, slot: CallSlot) -> bool {
        self.calls += 1;
        if self.busy < self.capacity {
            self.busy += 1;
            self.max_busy = self.max_busy.max(self.busy);
            true
        } else {
            self.waiting.push_back(slot);
            false
        }
    }

    /// A call ended: its connection goes to the next waiting call (whose slot is returned),
    /// or is freed.
    pub fn release(&mut self) -> Option<CallSlot> {
        match self.waiting.pop_front() {
            Some(next) => Some(next),
            None => {
                self.busy -= 1;
                None
            }
        }
    }
}

/// The calls in flight, in reusable slots.
#[derive(Default)]
pub struct Calls {
    slots: Vec<Call>,
    alive: Vec<bool>,
    free: Vec<CallSlot>,
}

impl Calls {
    pub fn insert(&mut self, call: Call) -> CallSlot {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot.index()] = call;
                self.alive[slot.index()] = true;
                slot
            }
            None => {
                self.slots.push(call);
                self.alive.push(true);
                CallSlot((self.slots.len() - 1) as u32)
            }
        }
    }

    pub fn get(&self, slot: CallSlot) -> Call {
        self.slots[slot.index()]
    }

    pub fn remove(&mut self, slot: CallSlot) -> Call {
        debug_assert!(self.alive[slot.index()], "a call ends exactly once");
        self.alive[slot.index()] = false;
        self.free.push(slot);
        self.slots[slot.index()]
    }

    /// Its pending end event, once the call holds a connection.
    pub fn set_end(&mut self, slot: CallSlot, end: Key) {
        self.slots[slot.index()].end = Some(end);
    }

    /// The requests in `ended` (sorted) ended without their calls: the calls go on without
    /// them (a scan: only for rare events such as an instance stopping).
    pub fn detach(&mut self, ended: &[RequestId]) {
        for (call, alive) in self.slots.iter_mut().zip(&self.alive) {
            if *alive
                && call
                    .request
                    .is_some_and(|r| ended.binary_search(&r).is_ok())
            {
                call.request = None;
            }
        }
    }

    /// The live calls to database `d` (a scan: only for rare events such as a failover).
    pub fn of_database(&self, d: DatabaseId) -> Vec<CallSlot> {
        (0..self.slots.len())
            .filter(|&i| self.alive[i] && self.slots[i].database == d)
            .map(|i| CallSlot(i as u32))
            .collect()
    }
}

/// What happens to databases on their own schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatabaseEvent {
    /// A database call finished its work.
    CallEnded(CallSlot),
    /// A database's failover time ran out: the standby is primary.
    FailedOver(DatabaseId),
    /// ElastiCache replaced a lost node of a cache (a Memcached node by its index, or a
    /// Redis primary without a replica: `None`); the new node is empty.
    NodeReplaced(DatabaseId, Option<u16>),
}

/// None of these events names an instance.
impl crate::model::NamesInstance for DatabaseEvent {}

#[cfg(test)]
mod tests {
    use super::*;

    /// A call's target is in every resolved call the call phase reads: it stays small.
    #[test]
    fn a_call_target_is_small() {
        assert!(std::mem::size_of::<CallTarget>() <= 12);
    }
}
