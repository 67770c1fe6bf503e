//! Helpers shared by the specification tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use stratus::scenario::Scenario;
use stratus::sim::{RunResult, World};

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Loads a scenario file with overrides, panicking with every problem if it is invalid.
pub fn load(rel: &str, overrides: &[&str]) -> Scenario {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Scenario::from_file(&repo_path(rel), &o).unwrap_or_else(|e| panic!("{e}"))
}

/// Loads scenario text (relative files resolve against the repository root).
pub fn parse(text: &str, overrides: &[&str]) -> Scenario {
    let o: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Scenario::from_text(text, "test.yaml", &repo_path("."), &o).unwrap_or_else(|e| panic!("{e}"))
}

pub fn simulate(s: Scenario) -> RunResult {
    let mut w = World::new(Arc::new(s));
    w.run(|_, _| {}).expect("run completes");
    w.into_result(0.0)
}

/// The largest |z| a statistical test accepts: a chance failure of about 1 in 1000 per test,
/// so a harmless change in the order of random draws does not fail a test, while a real bias
/// of a few standard errors does.
pub const Z_MAX: f64 = 3.3;

/// The z-score of a binomial count of `n` trials against probability `p`.
pub fn z_binomial(count: u64, n: u64, p: f64) -> f64 {
    let n = n as f64;
    (count as f64 - n * p) / (n * p * (1.0 - p)).sqrt()
}

/// The z-score of a Poisson count against its mean.
pub fn z_poisson(count: u64, mean: f64) -> f64 {
    (count as f64 - mean) / mean.sqrt()
}

/// The mean of independent replicates and its standard error.
pub fn mean_se(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t975(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    if df == 0 {
        f64::INFINITY
    } else if df <= 30 {
        T[df - 1]
    } else {
        1.96
    }
}

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load `a`.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let b = erlang_b(c, a);
    let rho = a / c as f64;
    b / (1.0 - rho + rho * b)
}

/// Erlang B by the stable recurrence B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)).
pub fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// The upper `1 - alpha` quantile of chi-square with `df` degrees of freedom
/// (Wilson–Hilferty), for `z` the standard normal quantile of `1 - alpha`.
pub fn chi2_critical(df: f64, z: f64) -> f64 {
    let k = 2.0 / (9.0 * df);
    df * (1.0 - k + z * k.sqrt()).powi(3)
}

/// Every scenario file under `scenarios/` (YAML or JSON), sorted.
pub fn scenario_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![repo_path("scenarios")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml" || x == "json") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

/// Runs `stratus validate` on files; returns (success, stderr).
pub fn validate_files(files: &[PathBuf]) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stratus"))
        .arg("validate")
        .args(files)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// A writer into shared memory, to read a trace back.
#[derive(Clone, Default)]
struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `s` with `--trace-filter filter --trace-sample sample`: the result and the trace lines.
pub fn simulate_traced(
    s: Scenario,
    filter: &str,
    sample: f64,
) -> (RunResult, Vec<serde_json::Value>) {
    use stratus::trace::{Filter, Tracer};
    let sink = Shared::default();
    let mut w = World::new(Arc::new(s));
    w.set_tracer(Tracer::new(
        Filter::parse(filter, sample).unwrap(),
        1,
        Box::new(sink.clone()),
    ));
    w.run(|_, _| {}).expect("run completes");
    let r = w.into_result(0.0);
    let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    (r, lines)
}

/// Runs `stratus run` on `text` written to a file named `bad.yaml` in a folder of its own
/// (`tag` names it) and checks the refusal every bad input gets: exit code 2 and a message
/// naming the file and each of `fields` (their paths). Returns the message.
pub fn cli_refuses(tag: &str, text: &str, fields: &[&str]) -> String {
    let dir = std::env::temp_dir().join(format!("stratus-{tag}-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad.yaml");
    std::fs::write(&file, text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["run", "--no-plots", "--out"])
        .arg(dir.join("out"))
        .arg(&file)
        .output()
        .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("bad.yaml"), "{stderr}");
    for field in fields {
        assert!(stderr.contains(field), "missing `{field}` in:\n{stderr}");
    }
    stderr
}
