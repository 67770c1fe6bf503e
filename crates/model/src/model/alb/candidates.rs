//! The ordered target lists a load balancer node routes among (one for the whole group, one
//! per AZ for cross-zone off), each with its positions bucketed by load when the group routes
//! by least outstanding requests.
//!
//! A list keeps registration order: a new target goes last, a leaving one closes the gap.
//! The round-robin and least-outstanding tie-break positions are positions in that order.

use super::load_buckets::LoadBuckets;
use crate::ids::{AzId, InstanceId};

const ABSENT: u32 = u32::MAX;

/// One ordered list of targets and, when bucketed, their positions bucketed by load.
#[derive(Clone, Debug, Default)]
pub struct TargetList {
    ids: Vec<InstanceId>,
    bucketed: bool,
    buckets: LoadBuckets,
}

impl TargetList {
    pub fn ids(&self) -> &[InstanceId] {
        &self.ids
    }

    /// The least loaded target (`loads`: outstanding counts by instance id), ties going to the
    /// first at or after position `start` in rotating order; `None` when empty. A bucketed
    /// list answers in O(1); another one is scanned. In line: it is on every least-outstanding
    /// request's path, and the compiler's choice moved with unrelated edits.
    #[inline]
    pub fn least_loaded_from(&self, start: usize, loads: &[u32]) -> Option<InstanceId> {
        if self.bucketed {
            return self.buckets.first_least_loaded(start).map(|p| self.ids[p]);
        }
        let n = self.ids.len();
        let mut best = *self.ids.get(start)?;
        for k in 1..n {
            let c = self.ids[(start + k) % n];
            if loads[c.index()] < loads[best.index()] {
                best = c;
            }
        }
        Some(best)
    }

    /// Keeps (or stops keeping) the positions bucketed by `loads`.
    fn set_bucketed(&mut self, bucketed: bool, loads: &[u32]) {
        self.bucketed = bucketed;
        self.refill(loads);
    }

    fn refill(&mut self, loads: &[u32]) {
        self.buckets.clear();
        if self.bucketed {
            for id in &self.ids {
                self.buckets.push(loads[id.index()]);
            }
        }
    }

    fn push(&mut self, id: InstanceId, load: u32) -> u32 {
        self.ids.push(id);
        if self.bucketed {
            self.buckets.push(load);
        }
        self.ids.len() as u32 - 1
    }

    /// Removes position `p`; the later ones move up by one (their new positions are
    /// reported to `moved`), and the buckets are refilled from `loads`.
    fn remove(&mut self, p: usize, loads: &[u32], mut moved: impl FnMut(InstanceId, u32)) {
        self.ids.remove(p);
        for (q, &id) in self.ids.iter().enumerate().skip(p) {
            moved(id, q as u32);
        }
        if self.bucketed {
            self.refill(loads);
        }
    }

    /// In line always: with `LoadBuckets::moved`'s one-word path beside its general one the
    /// compiler left it a call (59 instructions a move in `diurnal-5k`, with the call).
    #[inline(always)]
    fn load_changed(&mut self, p: u32, from: u32, to: u32) {
        if self.bucketed {
            self.buckets.moved(p as usize, from, to);
        }
    }
}

/// A set of targets (the healthy ones, or every registered one): one list for the group and
/// one per AZ, with each target's position in both.
#[derive(Clone, Debug, Default)]
pub struct TargetSet {
    pub all: TargetList,
    pub by_az: Vec<TargetList>,
    /// The per-AZ lists are bucketed (cross-zone load balancing off on some node): only then
    /// does a change of load concern them.
    by_az_bucketed: bool,
    /// Per instance id: its position in `all` and in its AZ's list (`ABSENT`: not in the set).
    position: Vec<[u32; 2]>,
}

impl TargetSet {
    pub fn new(az_count: usize) -> Self {
        TargetSet {
            by_az: vec![TargetList::default(); az_count],
            ..Default::default()
        }
    }

    pub fn contains(&self, id: InstanceId) -> bool {
        self.position
            .get(id.index())
            .is_some_and(|p| p[0] != ABSENT)
    }

    /// Which lists keep their targets bucketed by `loads`: the group-wide one, the per-AZ ones.
    pub fn set_bucketed(&mut self, group_wide: bool, per_az: bool, loads: &[u32]) {
        self.all.set_bucketed(group_wide, loads);
        for list in &mut self.by_az {
            list.set_bucketed(per_az, loads);
        }
        self.by_az_bucketed = per_az;
    }

    /// Adds `id` last, with its outstanding count.
    pub fn push(&mut self, id: InstanceId, az: AzId, load: u32) {
        if self.position.len() <= id.index() {
            self.position.resize(id.index() + 1, [ABSENT; 2]);
        }
        debug_assert!(!self.contains(id), "{id:?} is in the set already");
        self.position[id.index()] = [
            self.all.push(id, load),
            self.by_az[az.index()].push(id, load),
        ];
    }

    /// Removes `id` if present (`loads`: outstanding counts by instance id).
    pub fn remove(&mut self, id: InstanceId, az: AzId, loads: &[u32]) {
        if !self.contains(id) {
            return;
        }
        let [p, q] = std::mem::replace(&mut self.position[id.index()], [ABSENT; 2]);
        let position = &mut self.position;
        self.all
            .remove(p as usize, loads, |i, p| position[i.index()][0] = p);
        self.by_az[az.index()].remove(q as usize, loads, |i, q| position[i.index()][1] = q);
    }

    /// `id`'s outstanding count went from `from` to `to` (`azs`: each instance id's AZ, read
    /// only when the per-AZ lists are bucketed).
    #[inline]
    pub fn load_changed(&mut self, id: InstanceId, azs: &[AzId], from: u32, to: u32) {
        let Some(&[p, q]) = self.position.get(id.index()) else {
            return;
        };
        if p == ABSENT {
            return;
        }
        if self.by_az_bucketed {
            self.by_az_load_changed(id, azs, q, from, to);
        }
        self.all.load_changed(p, from, to);
    }

    /// `load_changed` of `id`'s AZ list (at position `q`), when the per-AZ lists are
    /// bucketed. Out of line: the group-wide list's move stays short.
    #[inline(never)]
    fn by_az_load_changed(&mut self, id: InstanceId, azs: &[AzId], q: u32, from: u32, to: u32) {
        self.by_az[azs[id.index()].index()].load_changed(q, from, to);
    }
}
