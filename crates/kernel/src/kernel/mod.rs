//! The discrete-event kernel: simulated time, the pending-event set and seeded random streams.
//!
//! The kernel knows nothing about AWS. It owns three things every model shares: integer
//! nanosecond time ([`SimTime`]), an event queue ordered by `(time, insertion sequence)`
//! ([`EventQueue`]: events in slots, ordered by 16-byte keys in a ladder, a sorted run of the
//! nearest over time buckets; keyed events can be cancelled or moved, lazily; and the narrow
//! [`Schedule`] view a service gets of it) and
//! deterministic random streams derived from the scenario seed and a stable component name
//! ([`stream`]). Models never read the wall clock and never do I/O.

mod ladder;
mod queue;
mod rng;
mod run;
mod schedule;
mod time;

pub use queue::{EventQueue, Key};
pub use rng::{Rng, RngExt, stream, stream_seed};
pub use schedule::Schedule;
pub use time::SimTime;
