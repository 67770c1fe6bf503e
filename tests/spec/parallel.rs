//! Parallel runs: an experiment writes the same files whatever the thread count (cells run in
//! parallel with rayon and are collected in grid order), and helpers that compare two output
//! folders file by file (also used by the Slurm test, slurm.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

/// A small sweep of `scenarios/mmc.yaml` (its arguments after the scenario): 2 variants x 3
/// replications, 6 cells of 10 simulated minutes.
pub const SWEEP: [&str; 8] = [
    "--vary",
    "auto_scaling_groups.station.instance.vcpus=8,10",
    "--slo",
    "p99<500ms",
    "--replications",
    "3",
    "--set",
    "duration=10m",
];

/// Every file under `root`, as paths relative to it, sorted.
pub fn files(root: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().to_path_buf());
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// A file's bytes without its wall-time lines (`"wall_s": ...` in JSON, the `wall_s` rows of
/// CSV), and how many lines were removed. Wall time is the only figure allowed to differ
/// between identical runs: the cells ran at other times, on other threads or machines.
fn without_wall_lines(path: &Path) -> (Vec<u8>, usize) {
    let bytes = std::fs::read(path).unwrap();
    let text_file = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("json" | "csv")
    );
    if !text_file {
        return (bytes, 0);
    }
    let mut kept = Vec::with_capacity(bytes.len());
    let mut removed = 0;
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        if line.windows(6).any(|w| w == b"wall_s") {
            removed += 1;
        } else {
            kept.extend_from_slice(line);
        }
    }
    (kept, removed)
}

/// Asserts that folders `a` and `b` hold the same files with the same bytes, plots, PNGs and
/// report included, but the wall-time lines of JSON and CSV files (as many in each). Returns
/// how many wall-time lines were set aside.
pub fn assert_same_outputs(a: &Path, b: &Path) -> usize {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(
        fa,
        fb,
        "{} and {} hold different files",
        a.display(),
        b.display()
    );
    let mut wall_lines = 0;
    for f in &fa {
        let (x, removed) = without_wall_lines(&a.join(f));
        let (y, removed_b) = without_wall_lines(&b.join(f));
        assert_eq!(removed, removed_b, "{}: wall-time lines", f.display());
        assert!(
            x == y,
            "{} differs between {} and {}",
            f.display(),
            a.display(),
            b.display()
        );
        wall_lines += removed;
    }
    wall_lines
}

#[test]
fn a_sweep_writes_the_same_files_on_one_two_or_three_threads() {
    let dir = tempfile::tempdir().unwrap();
    let out = |t: &str| dir.path().join(t);
    for threads in ["1", "2", "3"] {
        let o = Command::new(env!("CARGO_BIN_EXE_stratus"))
            .current_dir(crate::support::repo_path("."))
            .env("RAYON_NUM_THREADS", threads)
            .args(["sweep", "scenarios/mmc.yaml"])
            .args(SWEEP)
            .arg("--quiet")
            .arg("--out")
            .arg(out(threads))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let listed = files(&out("1"));
    assert!(listed.len() >= 15, "{listed:?}");
    for t in ["2", "3"] {
        let wall_lines = assert_same_outputs(&out("1"), &out(t));
        assert!(wall_lines >= 4, "only {wall_lines} wall-time lines");
    }
}
