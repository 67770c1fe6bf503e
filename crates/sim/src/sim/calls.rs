//! Kinds of call that services register: a service whose entries a request's call phase
//! calls (`calls: [{FIELD: NAME, ...}]`, a `model::database::CallTarget::Service` resolved by
//! the scenario's `calls::CallKey`) implements [`CallKind`] and is marked `+ CallKind` in
//! `registry`. The `world!` macro generates the dispatch: each of the scenario's kinds
//! (`scenario::raw::CALL_FIELDS`) is mapped once, when the world is built, to the registry
//! slot of the service with the same field (`World::call_slots`); a call of the kind goes to
//! that service by one comparison chain on the slot (`World::start_service_call`), and the
//! requests that end with calls in flight are detached from every kind's calls
//! (`World::detach_service_calls`).
//!
//! A kind's `start` answers the call phase itself: the call is done (`World::call_step_done`
//! with the next step) or fails the request (`World::end_calls` with the cause), at once or
//! from its own events later.

use super::World;
use crate::ids::RequestId;

/// A service whose entries requests call (see the module docs).
pub(super) trait CallKind {
    /// The call's field, `{FIELD: NAME, ...}`: its model's constant, the one its scenario
    /// key's `CallKey` declares.
    const FIELD: &'static str;

    /// Call `step` of request `id` starts: entry `entry` of the kind's resolved calls
    /// (`Resilience::service_calls`), moving `bytes`.
    fn start(world: &mut World, id: RequestId, step: u8, entry: u32, bytes: u64);

    /// The requests in `ended` (sorted) ended while their calls were in flight (their
    /// instance stopped or terminated): the calls finish without them.
    fn detach(world: &mut World, ended: &[RequestId]);
}
