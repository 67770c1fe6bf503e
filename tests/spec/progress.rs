//! Progress of multi-run work: a bar with runs done / total and an ETA on stderr when it is a
//! terminal (run here under a pseudo-terminal by util-linux `script`); nothing with `--quiet`,
//! and nothing when stderr is not a terminal.

use std::process::Command;

const SWEEP: &str = "sweep scenarios/mmc.yaml --vary auto_scaling_groups.station.instance.vcpus=9,10 \
                     --replications 3 --set duration=8m --no-plots";

/// Runs `stratus ARGS` under a pseudo-terminal; returns everything it wrote to it.
fn on_a_terminal(args: &str, out: &std::path::Path) -> String {
    let cmd = format!(
        "{} {args} --out {}",
        env!("CARGO_BIN_EXE_stratus"),
        out.display()
    );
    let o = Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .output()
        .expect("util-linux `script` runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[test]
fn a_terminal_shows_runs_done_of_total_with_an_eta() {
    let dir = tempfile::tempdir().unwrap();
    let tty = on_a_terminal(SWEEP, &dir.path().join("a"));
    assert!(tty.contains("/6 runs"), "{tty}");
    assert!(tty.contains("eta"), "{tty}");

    let quiet = on_a_terminal(&format!("{SWEEP} --quiet"), &dir.path().join("b"));
    assert!(!quiet.contains("runs"), "{quiet}");

    let piped = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(SWEEP.split_whitespace())
        .arg("--out")
        .arg(dir.path().join("c"))
        .output()
        .unwrap();
    assert!(piped.status.success());
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("runs"));
}
