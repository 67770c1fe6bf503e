//! Stratus's discrete-event kernel: integer nanosecond time, the keyed event queue and the
//! narrow `Schedule` view services get of it, named random streams, and the distributions of
//! durations. It knows nothing of AWS.

pub mod dist;
pub mod kernel;
