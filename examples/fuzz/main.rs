//! A mutation fuzzer for scenario files, on stable Rust.
//!
//! Each case takes a shipped scenario, applies a few seeded mutations (to the value tree:
//! hostile numbers, non-finite values, huge durations, deleted or emptied keys, renamed
//! entries; or to the text: cut, duplicated or scrambled bytes), then validates it in-process
//! under `catch_unwind`; a case that validates is simulated with a small event budget. A case
//! passes when it ends as "valid", "invalid" (exit 2) or "run failed" (exit 1) within its time
//! budget; a panic or a slow case is a failure, printed with the seed that reproduces it.
//!
//! ```sh
//! cargo run --release --example fuzz -- [CASES] [FIRST_SEED] [SCENARIO_DIR]
//! ```

mod core;

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let cases: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let first: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let dir = PathBuf::from(args.get(3).map_or("scenarios", String::as_str));
    let corpus = core::corpus(&dir);
    assert!(!corpus.is_empty(), "no scenarios under {}", dir.display());
    let started = Instant::now();
    let mut reported = 0;
    let s = core::run(first, cases, &corpus, |done, s| {
        for f in &s.failures[reported..] {
            println!("{f}");
        }
        reported = s.failures.len();
        println!(
            "progress {done} cases ({:.0}/s): valid {}, invalid {}, run failed {}, failures {}",
            done as f64 / started.elapsed().as_secs_f64(),
            s.valid,
            s.invalid,
            s.run_failed,
            s.failures.len()
        );
    });
    for f in &s.failures[reported..] {
        println!("{f}");
    }
    println!(
        "done {cases} cases in {:.0}s: valid {}, invalid {}, run failed {}, failures {}",
        started.elapsed().as_secs_f64(),
        s.valid,
        s.invalid,
        s.run_failed,
        s.failures.len()
    );
    if !s.failures.is_empty() {
        std::process::exit(1);
    }
}
