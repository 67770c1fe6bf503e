//! The ordered target lists a load balancer node routes among (one for the whole group, one
//! per AZ for cross-zone off), each with its positions bucketed by load when the group routes
//! by least outstanding requests.
//!
//! A list keeps registration order: a new target goes last, a leaving one closes the gap.
//! The round-robin and least-outstanding tie-break positions are positions in that order.

use super::load_buckets::LoadBuckets;
use crate::ids::{AzId, InstanceId};

const ABSENT: u32 = u32::MAX;

/// One ordered list of targets and, when tracked, their positions bucketed by load.
#[derive(Clone, Debug, Default)]
pub struct TargetList {
    ids: Vec<InstanceId>,
    buckets: LoadBuckets,
}

impl TargetList {
    pub fn ids(&self) -> &[InstanceId] {
        &self.ids
    }

    /// The least loaded target, ties going to the first at or after position `start` in
    /// rotating order (`None`: empty or loads not tracked).
    pub fn least_loaded_from(&self, start: usize) -> Option<InstanceId> {
        self.buckets
            .first_least_loaded(start)
            .map(|p| self.ids[p])
    }

    fn push(&mut self, id: InstanceId, load: Option<u32>) -> u32 {
        self.ids.push(id);
        if let Some(load) = load {
            self.buckets.push(load);
        }
        self.ids.len() as u32 - 1
    }

    /// Removes position `p`; the later ones move up by one (their new positions are
    /// reported to `moved`). The buckets are refilled from `loads`, when tracked.
    fn remove(&mut self, p: usize, loads: Option<&[u32]>, mut moved: impl FnMut(InstanceId, u32)) {
        self.ids.remove(p);
        for (q, &id) in self.ids.iter().enumerate().skip(p) {
            moved(id, q as u32);
        }
        if let Some(loads) = loads {
            self.buckets.clear();
            for id in &self.ids {
                self.buckets.push(loads[id.index()]);
            }
        }
    }
}

/// A set of targets (the healthy ones, or every registered one): one list for the group and
/// one per AZ, with each target's position in both.
#[derive(Clone, Debug, Default)]
pub struct TargetSet {
    pub all: TargetList,
    pub by_az: Vec<TargetList>,
    /// Per instance id: its position in `all` and in its AZ's list (`ABSENT`: not in the set).
    position: Vec<u32>,
    position_in_az: Vec<u32>,
}

impl TargetSet {
    pub fn new(az_count: usize) -> Self {
        TargetSet {
            by_az: vec![TargetList::default(); az_count],
            ..Default::default()
        }
    }

    pub fn contains(&self, id: InstanceId) -> bool {
        self.position.get(id.index()).is_some_and(|&p| p != ABSENT)
    }

    /// Adds `id` last (`load`: its outstanding count, when tracked).
    pub fn push(&mut self, id: InstanceId, az: AzId, load: Option<u32>) {
        if self.position.len() <= id.index() {
            self.position.resize(id.index() + 1, ABSENT);
            self.position_in_az.resize(id.index() + 1, ABSENT);
        }
        debug_assert!(!self.contains(id), "{id:?} is in the set already");
        self.position[id.index()] = self.all.push(id, load);
        self.position_in_az[id.index()] = self.by_az[az.index()].push(id, load);
    }

    /// Removes `id` if present (`loads`: outstanding counts by instance id, when tracked).
    pub fn remove(&mut self, id: InstanceId, az: AzId, loads: Option<&[u32]>) {
        if !self.contains(id) {
            return;
        }
        let (p, q) = (self.position[id.index()], self.position_in_az[id.index()]);
        self.position[id.index()] = ABSENT;
        self.position_in_az[id.index()] = ABSENT;
        let position = &mut self.position;
        self.all
            .remove(p as usize, loads, |i, p| position[i.index()] = p);
        let position_in_az = &mut self.position_in_az;
        self.by_az[az.index()].remove(q as usize, loads, |i, q| position_in_az[i.index()] = q);
    }

    /// `id`'s outstanding count went from `from` to `to` (tracked sets only).
    pub fn load_changed(&mut self, id: InstanceId, az: AzId, from: u32, to: u32) {
        if !self.contains(id) {
            return;
        }
        let (p, q) = (self.position[id.index()], self.position_in_az[id.index()]);
        self.all.buckets.moved(p as usize, from, to);
        self.by_az[az.index()].buckets.moved(q as usize, from, to);
    }
}
