//! Stopping cleanly on Ctrl-C (SIGINT) and SIGTERM.
//!
//! The command line installs handlers that only set a flag; the simulation loop
//! (`World::run`) polls it every 1,024 events and stops with `RunError::Interrupted`, and the
//! commands check it before they swap a finished output folder in. So an interrupted command
//! removes its temporary files and leaves either the previous outputs or none. A second
//! signal exits at once with 130 (for a run stuck inside one event), which may leave a hidden
//! temporary folder behind.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// The exit code of an interrupted command (128 + SIGINT, as shells report it).
pub const EXIT_CODE: u8 = 130;

/// Whether SIGINT or SIGTERM arrived (one relaxed load: cheap enough for the event loop).
#[inline]
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Asks the running simulation to stop at its next check, as a signal would (used when a
/// run passes its memory budget; the caller reports the cause).
pub fn request() {
    REQUESTED.store(true, Ordering::Relaxed);
}

/// Installs the SIGINT and SIGTERM handlers: the first signal sets the flag, the next one
/// exits with [`EXIT_CODE`] at once.
pub fn install() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for signal in [SIGINT, SIGTERM] {
        // The shutdown is registered first, so it only fires once the flag is already set.
        signal_hook::flag::register_conditional_shutdown(signal, EXIT_CODE.into(), &REQUESTED)?;
        signal_hook::flag::register(signal, &REQUESTED)?;
    }
    Ok(())
}
