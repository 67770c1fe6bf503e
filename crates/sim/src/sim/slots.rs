//! Instance slots: the world's instances in a table whose slots are reused, so memory follows
//! the instances alive at once, not the number launched over a run (a day of replacements).
//!
//! An `InstanceId` is a slot. When an instance terminates, every pending event that names it
//! has been cancelled (its completions by `Instance::stop`, its timers by
//! `instance_timers`; `invariants` checks it in tests), so its slot is free at once. A slot
//! freed during an event is reused from the next event on, so no handler still holding the id
//! sees a new occupant.
//!
//! What outputs show of an instance is its launch number (`Instance::serial`, 0, 1, 2, ... in
//! launch order, never reused), as ids were before slots were reused. A terminated instance
//! leaves a small record of its life (`Life`) for the run's results and its EC2 bill; its
//! queues' capacity is released at once.
//!
//! The slots in use are also listed (`live`), so what visits every instance alive (a metric
//! period's CPU accounting, an AZ outage) skips free slots.

use super::World;
use crate::ids::{AzId, GroupId, InstanceId};
use crate::kernel::SimTime;
use crate::model::instance::{Instance, InstanceState};
use std::collections::VecDeque;

/// An instance's life, kept after its slot is reused: what results and billing need.
#[derive(Clone, Copy, Debug)]
pub struct Life {
    pub serial: u64,
    pub group: GroupId,
    pub az: AzId,
    pub launched_at: SimTime,
    pub running_at: SimTime,
    pub in_service_since: Option<SimTime>,
    pub terminated_at: Option<SimTime>,
}

impl Life {
    fn of(i: &Instance) -> Life {
        Life {
            serial: i.serial,
            group: i.group,
            az: i.az,
            launched_at: i.launched_at,
            running_at: i.running_at,
            in_service_since: i.in_service_since,
            terminated_at: i.terminated_at,
        }
    }
}

#[derive(Default)]
pub struct InstanceSlots {
    all: Vec<Instance>,
    /// Free slots, oldest first, with the number of the event during which each was freed.
    free: VecDeque<(InstanceId, u64)>,
    /// Instances launched so far (the next one's `serial`).
    launched: u64,
    /// The lives of terminated instances, in termination order.
    retired: Vec<Life>,
    /// The slots in use, in no particular order, and per slot its place in that list.
    live: Vec<InstanceId>,
    live_at: Vec<u32>,
}

impl InstanceSlots {
    /// Places a new instance in a free slot (one freed before event `event`) or a new one.
    pub fn insert(&mut self, mut inst: Instance, event: u64) -> InstanceId {
        inst.serial = self.launched;
        self.launched += 1;
        let id = match self.free.front() {
            Some(&(id, freed)) if freed < event => {
                self.free.pop_front();
                self.all[id.index()] = inst;
                id
            }
            _ => {
                self.all.push(inst);
                self.live_at.push(u32::MAX);
                InstanceId((self.all.len() - 1) as u32)
            }
        };
        self.live_at[id.index()] = self.live.len() as u32;
        self.live.push(id);
        id
    }

    /// Slots in the table: at most the instances alive at once.
    pub fn slots(&self) -> usize {
        self.all.len()
    }

    /// The instances not terminated, in no particular order.
    pub fn live(&self) -> &[InstanceId] {
        &self.live
    }

    /// Calls `f` on every instance not terminated, in no particular order.
    pub fn for_each_live(&mut self, mut f: impl FnMut(&mut Instance)) {
        for id in &self.live {
            f(&mut self.all[id.index()]);
        }
    }

    /// The instance terminated (during event `event`), its pending events cancelled: its life
    /// is recorded, its queues' memory released, and its slot freed.
    pub fn retire(&mut self, id: InstanceId, event: u64) {
        let inst = &mut self.all[id.index()];
        debug_assert_eq!(inst.state, InstanceState::Terminated);
        inst.release_queues();
        self.retired.push(Life::of(inst));
        self.free.push_back((id, event));
        let at = std::mem::replace(&mut self.live_at[id.index()], u32::MAX) as usize;
        debug_assert_eq!(self.live[at], id, "a slot retires once");
        self.live.swap_remove(at);
        if let Some(&moved) = self.live.get(at) {
            self.live_at[moved.index()] = at as u32;
        }
    }

    /// Every instance launched, in launch order: the retired ones' recorded lives (taken:
    /// called once, at the end of the run) and the live ones'.
    pub fn take_lives(&mut self) -> Vec<Life> {
        let mut out: Vec<Life> = std::mem::take(&mut self.retired);
        out.extend(self.live.iter().map(|id| Life::of(&self.all[id.index()])));
        out.sort_unstable_by_key(|l| l.serial);
        out
    }
}

impl std::ops::Index<usize> for InstanceSlots {
    type Output = Instance;
    #[inline]
    fn index(&self, i: usize) -> &Instance {
        &self.all[i]
    }
}

impl std::ops::IndexMut<usize> for InstanceSlots {
    #[inline]
    fn index_mut(&mut self, i: usize) -> &mut Instance {
        &mut self.all[i]
    }
}

impl World {
    /// Instance slots in use (for tests and measurements).
    pub fn instance_slots(&self) -> usize {
        self.ec2.instances.slots()
    }
}
