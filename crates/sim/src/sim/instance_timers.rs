//! The pending events that name an instance besides its own completions: its boot, its health
//! checks (one per target group it registers with), the end of its deregistration delay, its
//! health check grace period and its failed status check. Each is scheduled keyed and its key
//! kept here, per instance, so that terminating the instance cancels them all.
//!
//! With `Instance::stop` cancelling the instance's completions, this is what makes the rule
//! "no pending event names a terminated instance" true (ARCHITECTURE.md's invariants), so no
//! handler checks whether its instance still exists, and a terminated instance's id could be
//! reused.

use super::World;
use crate::event::Event;
use crate::ids::InstanceId;
use crate::kernel::{Key, SimTime};

/// Per instance (by id): the keys of its pending timers. Keys of timers that already fired
/// are dropped when the next one is kept, so each list stays as short as the timers an
/// instance can have pending at once (a handful).
#[derive(Default)]
pub struct InstanceTimers {
    keys: Vec<Vec<Key>>,
}

impl InstanceTimers {
    /// Keeps `key` among instance `id`'s timers, dropping the keys that are no longer
    /// `pending` (their timers fired).
    fn keep(&mut self, id: InstanceId, key: Key, pending: impl Fn(Key) -> bool) {
        if self.keys.len() <= id.index() {
            self.keys.resize_with(id.index() + 1, Vec::new);
        }
        let keys = &mut self.keys[id.index()];
        keys.retain(|&k| pending(k));
        keys.push(key);
    }

    /// Instance `id` terminates: the keys of its timers, to cancel (none are kept after).
    fn take(&mut self, id: InstanceId) -> impl Iterator<Item = Key> + '_ {
        self.keys
            .get_mut(id.index())
            .into_iter()
            .flat_map(|keys| keys.drain(..))
    }
}

/// The adapter: the timers are events of several services (the load balancers' health checks
/// and deregistrations, Auto Scaling's boots and grace periods), so the world schedules and
/// cancels them on its queue.
impl World {
    /// Schedules `event`, which names instance `id`, at `at`; terminating `id` cancels it.
    pub(super) fn instance_timer(&mut self, id: InstanceId, at: SimTime, event: impl Into<Event>) {
        let key = self.queue.schedule_keyed(at, event.into());
        let queue = &self.queue;
        self.ec2
            .instance_timers
            .keep(id, key, |k| queue.due(k).is_some());
    }

    /// The instance terminates: its pending timers are cancelled.
    pub(super) fn cancel_instance_timers(&mut self, id: InstanceId) {
        for key in self.ec2.instance_timers.take(id) {
            self.queue.cancel(key);
        }
    }
}
