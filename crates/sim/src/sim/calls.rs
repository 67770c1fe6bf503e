//! Kinds of call that services register: a service whose entries a request's call phase
//! calls (`calls: [{FIELD: NAME, ...}]`, a `model::database::CallTarget::Service` resolved by
//! the scenario's `calls::CallKey`) implements [`CallKind`] and is marked `+ CallKind` in
//! `registry`. The `world!` macro generates the dispatch: a service's kind is the position
//! of its field among the scenario's kinds (`scenario::raw::CALL_FIELDS`), computed when the
//! program is compiled ([`kind_of`]); a call goes to its service by one comparison chain on
//! the call's kind (`World::start_service_call`), and the requests that end with calls in
//! flight are detached from every kind's calls (`World::detach_service_calls`). A test
//! checks that every kind the scenario registers has its service.
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

/// The position of call field `field` among the scenario's kinds (`CALL_FIELDS`): what a
/// `ServiceCall` of its kind carries. Evaluated at compile time; a field the scenario does
/// not register fails to compile.
pub(super) const fn kind_of(field: &str) -> u8 {
    let fields = crate::scenario::raw::CALL_FIELDS;
    let mut i = 0;
    while i < fields.len() {
        let (a, b) = (fields[i].as_bytes(), field.as_bytes());
        if a.len() == b.len() {
            let mut j = 0;
            while j < a.len() && a[j] == b[j] {
                j += 1;
            }
            if j == a.len() {
                return i as u8;
            }
        }
        i += 1;
    }
    panic!("a call kind the scenario does not register (no key marked `[CallKey]`)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of call the scenario registers is made by one service of the registry,
    /// whose kind is the field's position.
    #[test]
    fn every_registered_kind_of_call_has_its_service() {
        let fields = World::call_kind_fields();
        for (i, f) in crate::scenario::raw::CALL_FIELDS.iter().enumerate() {
            assert_eq!(fields.iter().filter(|g| *g == f).count(), 1, "{f}");
            assert_eq!(kind_of(f) as usize, i);
        }
        assert_eq!(fields.len(), crate::scenario::raw::CALL_FIELDS.len());
    }
}
