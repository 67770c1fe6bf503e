//! The pending events that name an instance besides its own completions: its boot, its health
//! checks (one per target group it registers with), the end of its deregistration delay, its
//! health check grace period and its failed status check. Each is scheduled keyed and its key
//! kept here, per instance, so that terminating the instance cancels them all.
//!
//! With `Instance::stop` cancelling the instance's completions, this is what makes the rule
//! "no pending event names a terminated instance" true (ARCHITECTURE.md's invariants), so no
//! handler checks whether its instance still exists, and a terminated instance's id could be
//! reused.
//!
//! EC2's lifecycle (`lifecycle`) schedules its own timers and keeps their keys here through
//! `Ec2::keep_timer`; the lifecycle's adapter does the same for the load balancers' (health
//! checks, the end of a deregistration delay); `Ec2::retire` cancels them all.

use crate::ids::InstanceId;
use crate::kernel::Key;

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
    pub(super) fn keep(&mut self, id: InstanceId, key: Key, pending: impl Fn(Key) -> bool) {
        if self.keys.len() <= id.index() {
            self.keys.resize_with(id.index() + 1, Vec::new);
        }
        let keys = &mut self.keys[id.index()];
        keys.retain(|&k| pending(k));
        keys.push(key);
    }

    /// Instance `id` terminates: the keys of its timers, to cancel (none are kept after).
    pub(super) fn take(&mut self, id: InstanceId) -> impl Iterator<Item = Key> + '_ {
        self.keys
            .get_mut(id.index())
            .into_iter()
            .flat_map(|keys| keys.drain(..))
    }
}
