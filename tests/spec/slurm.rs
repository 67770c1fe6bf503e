//! The documented route beyond one machine, on a real Slurm: a sweep submitted as an array
//! job of `deploy/slurm/sweep.sbatch` (one shard per task), merged by
//! `deploy/slurm/merge.sbatch` chained to it, writes the same files as the unsharded sweep,
//! byte for byte, but the lines that carry wall times. The test runs wherever `sbatch` is on
//! PATH and `sinfo` lists a usable node; `.ci/run` starts a single-node cluster
//! (`.ci/slurm-up`) and sets STRATUS_REQUIRE_SLURM=1, which makes a missing cluster a failure.
//! Elsewhere, without Slurm, the test prints that it did not run. On a multi-node cluster the
//! jobs' files live under `target/tmp`, which the nodes must see (a shared file system), and
//! the jobs must start within `DEADLINE`.

use crate::parallel::{SWEEP, assert_same_outputs, files};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Array tasks, hence shards: more than the 2 CPUs of the CI node, so tasks also queue.
const SHARDS: usize = 3;

/// How long the jobs may take before the test cancels them and fails.
const DEADLINE: Duration = Duration::from_secs(300);

/// Whether a Slurm cluster answers: `sinfo` lists a node that takes jobs.
fn slurm_answers() -> bool {
    let Ok(out) = Command::new("sinfo")
        .args(["-h", "-N", "-o", "%T"])
        .output()
    else {
        return false;
    };
    let states = String::from_utf8_lossy(&out.stdout);
    out.status.success()
        && Command::new("sbatch").arg("--version").output().is_ok()
        && states
            .lines()
            .any(|s| ["idle", "mixed", "allocated", "completing"].contains(&s.trim()))
}

/// Runs `cmd` to completion or until `DEADLINE`; past it, kills it, cancels the jobs named
/// `job_name` and panics.
fn run_until_deadline(cmd: &mut Command, job_name: &str) -> Output {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = Command::new("scancel").args(["-n", job_name]).status();
            panic!("{cmd:?} still ran after {DEADLINE:?}; jobs cancelled");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_slurm_array_sweep_merges_into_the_unsharded_sweep() {
    if !slurm_answers() {
        // Required where STRATUS_REQUIRE_SLURM=1 (`.ci/run`, which starts a cluster).
        assert!(
            std::env::var("STRATUS_REQUIRE_SLURM").as_deref() != Ok("1"),
            "STRATUS_REQUIRE_SLURM=1 but no Slurm cluster answers (`sbatch` on PATH, `sinfo` \
             listing an idle node): run .ci/slurm-up"
        );
        eprintln!(
            "a_slurm_array_sweep_merges_into_the_unsharded_sweep did NOT run: no Slurm cluster \
             answers (run .ci/slurm-up, which starts a single-node one)"
        );
        return;
    }
    let repo = crate::support::repo_path(".");
    let bin = env!("CARGO_BIN_EXE_stratus");
    // Under target/: where a multi-node cluster's nodes are more likely to see it than /tmp.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let scenario = repo.join("scenarios/mmc.yaml");
    let scenario = scenario.to_str().unwrap();
    let job_name = format!("stratus-spec-{}", std::process::id());
    let shards = dir.path().join("shards");
    let merged = dir.path().join("merged");

    // The array, then the merge chained to it; `--wait` returns when the merge has ended.
    let submit = |args: &[&str], script: &str, script_args: &[&str]| -> Output {
        let mut cmd = Command::new("sbatch");
        cmd.current_dir(dir.path())
            .env("STRATUS_BIN", bin)
            .env("STRATUS_SHARDS_DIR", &shards)
            .env("STRATUS_RESULTS", &merged)
            .args(["--job-name", &job_name, "--time", "10"])
            .args(args)
            .arg(repo.join("deploy/slurm").join(script))
            .args(script_args);
        run_until_deadline(&mut cmd, &job_name)
    };
    let array = format!("--array=1-{SHARDS}");
    let mut script_args = vec![scenario];
    script_args.extend(SWEEP);
    let out = submit(&["--parsable", &array], "sweep.sbatch", &script_args);
    let job = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        out.status.success() && !job.is_empty(),
        "sbatch array: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dependency = format!("--dependency=afterok:{}", job.split(';').next().unwrap());
    let out = submit(
        &["--wait", &dependency, "--kill-on-invalid-dep=yes"],
        "merge.sbatch",
        &[],
    );
    let job_logs = || -> String {
        files(dir.path())
            .iter()
            .filter(|f| f.to_string_lossy().starts_with("slurm-"))
            .map(|f| {
                let text = std::fs::read_to_string(dir.path().join(f)).unwrap_or_default();
                format!("{}:\n{text}", f.display())
            })
            .collect()
    };
    assert!(
        out.status.success(),
        "the merge job failed (or the array did): {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        job_logs()
    );
    // One shard folder per array task, each with its manifest.
    for k in 1..=SHARDS {
        assert!(
            shards.join(k.to_string()).join("experiment.json").is_file(),
            "shard {k} missing\n{}",
            job_logs()
        );
    }

    // The same sweep, unsharded, on this machine.
    let whole = dir.path().join("whole");
    let mut args = vec!["sweep", scenario];
    args.extend(SWEEP);
    let out = Command::new(bin)
        .args(&args)
        .args(["--quiet", "--out", whole.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stratus {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every file, plots and report included, byte for byte but the wall-time lines.
    for must in [
        "sweep.json",
        "sweep.csv",
        "report.html",
        "sweep.svg",
        "variants/vcpus=8/summary.json",
        "variants/vcpus=10/latency.hgrm",
        "variants/vcpus=10/dashboard.png",
    ] {
        assert!(files(&whole).contains(&must.into()), "{must} not written");
    }
    let wall_lines = assert_same_outputs(&whole, &merged);
    // sweep.json, sweep.csv and each variant's summary.json carry wall times.
    assert!(wall_lines >= 4, "only {wall_lines} wall-time lines found");
}
