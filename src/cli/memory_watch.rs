//! The memory budget while an experiment's cells run: a watchdog thread reads the process's
//! resident memory every 50 ms (`budget::rss_over_budget`) and, past the budget, asks every
//! cell to stop (`stratus::interrupt::request`, which each simulation polls every 1,024
//! events). The command then reports the cause instead of an interruption. A thread rather
//! than a cell's progress callback: it also sees what the finished cells hold and a cell's
//! setup, which no callback runs during.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;
use stratus::scenario::budget::rss_over_budget;

const PERIOD: Duration = Duration::from_millis(50);

/// A running watchdog; [`MemoryWatch::stop`] ends it and says whether it fired.
pub struct MemoryWatch {
    stop: Sender<()>,
    thread: JoinHandle<Option<String>>,
}

impl MemoryWatch {
    /// Starts watching against `max_memory` bytes.
    pub fn start(max_memory: u64) -> MemoryWatch {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            loop {
                if let Some(message) = rss_over_budget(max_memory) {
                    stratus::interrupt::request();
                    return Some(message);
                }
                match stopped.recv_timeout(PERIOD) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return None,
                }
            }
        });
        MemoryWatch { stop, thread }
    }

    /// Stops the watchdog; the budget message if it stopped the cells.
    pub fn stop(self) -> Option<String> {
        let _ = self.stop.send(());
        self.thread.join().unwrap_or(None)
    }
}
