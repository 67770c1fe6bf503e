//! The fuzzer's cases: seeded mutations of shipped scenarios, each validated and (when
//! valid) simulated in-process under `catch_unwind` with a small event budget. Shared by the
//! `fuzz` example (long runs) and the spec suite (a bounded number of cases).

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::Value;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use stratus::scenario::{Scenario, budget};
use stratus::sim::World;

/// The event budget of a simulated case and the wall time any case may take.
pub const CASE_EVENTS: u64 = 20_000;
pub const CASE_BUDGET: Duration = Duration::from_secs(5);
/// The memory budget of a case (`--max-memory`): what a small CI machine can spare.
pub const CASE_MEMORY: u64 = 2 << 30;

const HOSTILE: &[&str] = &[
    "0",
    "-1",
    "1",
    "1.5",
    "1e308",
    "-1e308",
    "1e-308",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999999999",
    ".nan",
    ".inf",
    "-.inf",
    "''",
    "x",
    "null",
    "true",
    "[]",
    "{}",
    "[[[[[[[[]]]]]]]]",
    "0s",
    "1ms",
    "1000000d",
    "584y",
    "12h30m",
    "-5s",
    "1e3s",
    "a,b\"c",
    "../../x",
    "{dist: exponential, mean: 0s}",
    "{profile: spike, base: 0, peak: 1000000, at: 1s, duration: 1s}",
    "{profile: piecewise, points: [[0s, 1e308]]}",
];

/// How the cases ended; `failures` holds a line per panic or slow case (with its seed).
#[derive(Default, Debug)]
pub struct Summary {
    pub valid: u64,
    pub invalid: u64,
    pub run_failed: u64,
    pub failures: Vec<String>,
}

/// Runs cases `first..first + cases`, calling `progress` every 10,000 cases.
pub fn run(
    first: u64,
    cases: u64,
    corpus: &[(PathBuf, String)],
    mut progress: impl FnMut(u64, &Summary),
) -> Summary {
    let mut s = Summary::default();
    for seed in first..first + cases {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let (path, text) = &corpus[rng.random_range(0..corpus.len())];
        let mutated = mutate(text, &mut rng);
        let base = path.parent().unwrap_or(Path::new("."));
        let t0 = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| run_case(&mutated, base)));
        let elapsed = t0.elapsed();
        match outcome {
            Ok(Outcome::Valid) => s.valid += 1,
            Ok(Outcome::Invalid) => s.invalid += 1,
            Ok(Outcome::RunFailed) => s.run_failed += 1,
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|m| m.to_string()))
                    .unwrap_or_default();
                s.failures.push(format!(
                    "PANIC seed={seed} scenario={} {msg}",
                    path.display()
                ));
                save(seed, &mutated);
            }
        }
        if elapsed > CASE_BUDGET {
            s.failures.push(format!(
                "SLOW seed={seed} scenario={} {:.1}s",
                path.display(),
                elapsed.as_secs_f64()
            ));
            save(seed, &mutated);
        }
        let done = seed - first + 1;
        if done.is_multiple_of(10_000) {
            progress(done, &s);
        }
    }
    s
}

pub enum Outcome {
    Valid,
    Invalid,
    RunFailed,
}

fn run_case(text: &str, base: &Path) -> Outcome {
    let Ok(mut scenario) = Scenario::from_text(text, "fuzz.yaml", base, &[]) else {
        return Outcome::Invalid;
    };
    // As the command line does: a run whose estimate passes its budgets is refused (exit 1)
    // before anything is built.
    let estimate = budget::estimate(&scenario, 1);
    if budget::check(&estimate, scenario.max_events, CASE_MEMORY).is_err() {
        return Outcome::RunFailed;
    }
    scenario.max_events = scenario.max_events.min(CASE_EVENTS);
    let mut world = World::new(Arc::new(scenario));
    match world.run(|_, _| {}) {
        Ok(()) => Outcome::Valid,
        Err(_) => Outcome::RunFailed,
    }
}

fn save(seed: u64, text: &str) {
    let dir = Path::new("target/fuzz-failures");
    let _ = std::fs::create_dir_all(dir);
    let _ = std::fs::write(dir.join(format!("case-{seed}.yaml")), text);
}

/// Every shipped scenario (`*.yaml`) under `dir`, with its text.
pub fn corpus(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml")
                && let Ok(text) = std::fs::read_to_string(&p)
            {
                out.push((p, text));
            }
        }
    }
    out.sort();
    out
}

/// One to four mutations; most on the value tree, some on the text.
pub fn mutate(text: &str, rng: &mut Xoshiro256PlusPlus) -> String {
    let n = if rng.random_bool(0.6) {
        1
    } else {
        rng.random_range(2..=4)
    };
    let mut doc: Value = serde_yaml_ng::from_str(text).unwrap_or(Value::Null);
    let text_level = rng.random_bool(0.2);
    if !text_level {
        for _ in 0..n {
            mutate_value(&mut doc, rng);
        }
        let mut out = serde_yaml_ng::to_string(&doc).unwrap_or_default();
        for (i, h) in HOSTILE.iter().enumerate().rev() {
            out = out.replace(&format!("__H{i}__"), h);
        }
        return out;
    }
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..n {
        if bytes.is_empty() {
            break;
        }
        let at = rng.random_range(0..bytes.len());
        match rng.random_range(0..4) {
            0 => {
                let end = (at + rng.random_range(1..64)).min(bytes.len());
                bytes.drain(at..end);
            }
            1 => {
                let end = (at + rng.random_range(1..256)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            2 => {
                let piece = HOSTILE[rng.random_range(0..HOSTILE.len())].as_bytes();
                bytes.splice(at..at, piece.iter().copied());
            }
            _ => {
                let set = b"[]{}:,-#&*!|>'\"\n \t0.e";
                bytes[at] = set[rng.random_range(0..set.len())];
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Replaces, removes or renames one node of the tree, chosen by a random walk down.
fn mutate_value(node: &mut Value, rng: &mut Xoshiro256PlusPlus) {
    let len = match node {
        Value::Object(map) => map.len(),
        Value::Array(items) => items.len(),
        _ => 0,
    };
    if len == 0 || !rng.random_bool(0.75) {
        // A placeholder, replaced by the hostile text after serialization (a JSON value
        // cannot hold `.nan`).
        *node = Value::String(format!("__H{}__", rng.random_range(0..HOSTILE.len())));
        return;
    }
    let i = rng.random_range(0..len);
    let action = rng.random_range(0..10);
    match node {
        Value::Object(map) => {
            let key = map.keys().nth(i).cloned().expect("index in range");
            match action {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    let v = map[&key].clone();
                    map.insert(format!("{key}2"), v);
                }
                _ => mutate_value(map.get_mut(&key).expect("key present"), rng),
            }
        }
        Value::Array(items) => match action {
            0 => {
                let v = items[i].clone();
                items.push(v);
            }
            1 => {
                items.remove(i);
            }
            _ => mutate_value(&mut items[i], rng),
        },
        _ => unreachable!("only collections have children"),
    }
}
