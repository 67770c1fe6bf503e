//! A service's narrow view of the event queue.
//!
//! The world keeps one queue of its own event type (an enum of the services' event enums). A
//! service's code never sees that type: it takes `&mut impl Schedule<ItsEvent>`, which the
//! world's queue implements for every event type that converts into the world's. So a service
//! can schedule, cancel and move its own events, and the compiler refuses any other.

use super::{EventQueue, Key, SimTime};

pub trait Schedule<S> {
    /// The simulation clock.
    fn now(&self) -> SimTime;
    /// Schedules `event` at absolute time `at` (never in the past).
    fn at(&mut self, at: SimTime, event: S);
    /// Schedules `event` at `at` and returns the key that cancels or moves it.
    fn keyed(&mut self, at: SimTime, event: S) -> Key;
    /// Cancels a keyed event; false if it already fired or was cancelled.
    fn cancel(&mut self, key: Key) -> bool;
    /// Moves a keyed event to `at`; false if it already fired or was cancelled.
    fn reschedule(&mut self, key: Key, at: SimTime) -> bool;
    /// When a keyed event is due; `None` if it already fired or was cancelled.
    fn due(&self, key: Key) -> Option<SimTime>;
    /// Schedules `event` after `delay` from now.
    fn after(&mut self, delay: SimTime, event: S) {
        let at = self.now() + delay;
        self.at(at, event);
    }
}

impl<E: Copy, S: Into<E>> Schedule<S> for EventQueue<E> {
    #[inline]
    fn now(&self) -> SimTime {
        EventQueue::now(self)
    }
    #[inline]
    fn at(&mut self, at: SimTime, event: S) {
        self.schedule(at, event.into());
    }
    #[inline(always)]
    fn keyed(&mut self, at: SimTime, event: S) -> Key {
        self.schedule_keyed(at, event.into())
    }
    #[inline]
    fn cancel(&mut self, key: Key) -> bool {
        EventQueue::cancel(self, key)
    }
    #[inline]
    fn reschedule(&mut self, key: Key, at: SimTime) -> bool {
        EventQueue::reschedule(self, key, at)
    }
    #[inline]
    fn due(&self, key: Key) -> Option<SimTime> {
        EventQueue::due(self, key)
    }
}
