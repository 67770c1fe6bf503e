//! Files Stratus must not touch, through the binary: output folders (names from scenarios and
//! shard manifests, `--out` that is unusable), special files (`--trace` onto links, devices,
//! FIFOs), variants that would overwrite each other, data files outside the scenario's
//! folder, nested labs, and interrupted commands. Each case runs in a fresh folder and checks
//! the exit code, the message and that nothing outside the output folder changed (a snapshot
//! of the folder tree before and after).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const TINY: &str = "name: tiny
duration: 1m
azs: [a, b]
workloads: {w: {target: alb/l, rate: 5, work: {dist: constant, value: 1ms}}}
load_balancers: {l: {azs: [a, b], rules: [{default: g}]}}
target_groups: {g: {group: g}}
auto_scaling_groups: {g: {instance: {vcpus: 1}, azs: [a], desired: 1}}
";

/// About 170 million requests: minutes of simulation, so a command that checks its outputs
/// only after simulating cannot finish within the tests' time limits.
const LONG: &str = "name: long
duration: 1d
azs: [a, b]
workloads: {w: {target: alb/l, rate: 2000, work: {dist: exponential, mean: 1ms}}}
load_balancers: {l: {azs: [a, b], rules: [{default: g}]}}
target_groups: {g: {group: g}}
auto_scaling_groups: {g: {instance: {vcpus: 4}, azs: [a], desired: 1}}
";

fn stratus(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(args)
        .current_dir(dir)
        .env_remove("STRATUS_RUNNING_LAB")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Every path under `dir` with what it is: file contents, link targets, special kinds.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let t = m.file_type();
            let what = if t.is_symlink() {
                format!("link to {}", std::fs::read_link(&p).unwrap().display())
            } else if t.is_dir() {
                stack.push(p.clone());
                "folder".into()
            } else if t.is_file() {
                String::from_utf8_lossy(&std::fs::read(&p).unwrap()).to_string()
            } else {
                "special".into()
            };
            out.insert(p.strip_prefix(dir).unwrap().to_path_buf(), what);
        }
    }
    out
}

/// The snapshot without the paths under `out` (relative to the snapshot's folder).
fn outside(snap: &BTreeMap<PathBuf, String>, out: &str) -> BTreeMap<PathBuf, String> {
    snap.iter()
        .filter(|(p, _)| !p.starts_with(out))
        .map(|(p, w)| (p.clone(), w.clone()))
        .collect()
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs a two-variant comparison of `tiny.yaml` as one shard into `out`, then edits its
/// manifest as a hand (or another machine) might: `from` becomes `to`.
fn shard_edited(dir: &Path, out: &str, from: &str, to: &str) {
    let args = [
        "compare",
        "tiny.yaml",
        "--vary",
        "seed=1,2",
        "--shard",
        "1/1",
        "--out",
        out,
    ];
    let o = stratus(dir, &[&args[..], &["--quiet", "--no-plots"]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let manifest = dir.join(out).join("experiment.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains(from), "{text}");
    std::fs::write(&manifest, text.replace(from, to)).unwrap();
}

/// One case: the command, the exit code and message it must give, and the folder (relative
/// to the case's folder) it may change; everything else must stay as it was.
struct Case {
    name: &'static str,
    setup: fn(&Path),
    args: &'static [&'static str],
    code: i32,
    message: &'static str,
    may_change: &'static str,
}

fn check(cases: &[Case]) {
    for c in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "tiny.yaml", TINY);
        write(dir, "long.yaml", LONG);
        (c.setup)(dir);
        let before = snapshot(dir);
        let started = Instant::now();
        let o = stratus(dir, c.args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(c.code), "{}: {err}", c.name);
        assert!(
            err.contains(c.message),
            "{}: expected `{}` in: {err}",
            c.name,
            c.message
        );
        let after = snapshot(dir);
        assert_eq!(
            outside(&before, c.may_change),
            outside(&after, c.may_change),
            "{}: something outside `{}` changed",
            c.name,
            c.may_change
        );
        assert!(
            after.keys().all(|p| !p.to_string_lossy().contains(".tmp")),
            "{}: a temporary file is left: {:?}",
            c.name,
            after.keys().collect::<Vec<_>>()
        );
        if c.code == 2 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{}: refused only after simulating",
                c.name
            );
        }
    }
}

#[test]
fn class_1_names_never_lead_outside_the_outputs_folder() {
    fn dotdot(d: &Path) {
        write(d, "sub/dd.yaml", &TINY.replace("name: tiny", "name: '..'"));
        write(d, "sub/d.yaml", &TINY.replace("name: tiny", "name: ."));
        let long = format!("name: {}\n", "n".repeat(300));
        write(
            d,
            "sub/long-name.yaml",
            &TINY.replace("name: tiny\n", &long),
        );
    }
    check(&[
        Case {
            name: "scenario named ..",
            setup: dotdot,
            args: &["run", "sub/dd.yaml", "--quiet", "--no-plots"],
            code: 2,
            message: "name: expected 1 to 100 letters",
            may_change: "-",
        },
        Case {
            name: "scenario named .",
            setup: dotdot,
            args: &["run", "sub/d.yaml", "--quiet", "--no-plots"],
            code: 2,
            message: "starting with a letter or digit",
            may_change: "-",
        },
        Case {
            name: "scenario name of 300 characters",
            setup: dotdot,
            args: &["run", "sub/long-name.yaml", "--quiet", "--no-plots"],
            code: 2,
            message: "name: expected 1 to 100",
            may_change: "-",
        },
    ]);
    // merge reads the scenario's name from the shard manifest: absolute and relative paths
    // there are refused, and nothing is written anywhere.
    for bad in ["/tmp/stratus-escape-abs", "../../escape", "..", "a/b"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        write(dir, "tiny.yaml", TINY);
        shard_edited(
            dir,
            "s",
            "\"scenario\": \"tiny\"",
            &format!("\"scenario\": \"{bad}\""),
        );
        std::fs::create_dir_all(dir.join("x/y")).unwrap();
        let before = snapshot(dir);
        let o = stratus(
            &dir.join("x/y"),
            &["merge", "../../s", "--quiet", "--no-plots"],
        );
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("`scenario` in experiment.json"),
            "{}",
            stderr(&o)
        );
        assert_eq!(before, snapshot(dir), "{bad}");
        assert!(!Path::new("/tmp/stratus-escape-abs").exists());
    }
}

#[test]
fn class_2_traces_never_replace_links_devices_or_fifos() {
    fn link(d: &Path) {
        write(d, "target.jsonl", "keep\n");
        std::os::unix::fs::symlink(d.join("target.jsonl"), d.join("link.jsonl")).unwrap();
        std::os::unix::fs::symlink(d.join("nowhere"), d.join("dangling.jsonl")).unwrap();
        std::fs::create_dir(d.join("folder")).unwrap();
        std::os::unix::fs::symlink(d.join("target.jsonl"), d.join("out-link")).unwrap();
    }
    let run = |trace: &'static str| -> &'static [&'static str] {
        match trace {
            "link" => &[
                "run",
                "tiny.yaml",
                "--trace",
                "link.jsonl",
                "--out",
                "o",
                "--quiet",
            ],
            "dangling" => &[
                "run",
                "tiny.yaml",
                "--trace",
                "dangling.jsonl",
                "--out",
                "o",
            ],
            "folder" => &[
                "run",
                "long.yaml",
                "--trace",
                "folder",
                "--out",
                "o",
                "--quiet",
            ],
            _ => &["run", "tiny.yaml", "--out", "out-link", "--quiet"],
        }
    };
    check(&[
        Case {
            name: "trace onto a symbolic link",
            setup: link,
            args: run("link"),
            code: 2,
            message: "is a symbolic link",
            may_change: "-",
        },
        Case {
            name: "trace onto a dangling link",
            setup: link,
            args: run("dangling"),
            code: 2,
            message: "symbolic link to nothing",
            may_change: "-",
        },
        Case {
            name: "trace onto a folder, checked before simulating",
            setup: link,
            args: run("folder"),
            code: 2,
            message: "is a folder",
            may_change: "-",
        },
        Case {
            name: "output folder is a link to a file",
            setup: link,
            args: run("out-link"),
            code: 2,
            message: "which is not a folder",
            may_change: "-",
        },
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "tiny.yaml", TINY);
    // A character device is written in place: /dev/null stays /dev/null.
    let o = stratus(
        dir,
        &[
            "run",
            "tiny.yaml",
            "--trace",
            "/dev/null",
            "--out",
            "o",
            "--quiet",
            "--no-plots",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stratus::files::existing(Path::new("/dev/null")).unwrap(),
        stratus::files::Existing::Stream
    );
    // /dev/stdout (a link to the process's standard output) streams the trace there.
    let o = stratus(
        dir,
        &[
            "run",
            "tiny.yaml",
            "--trace",
            "/dev/stdout",
            "--out",
            "o",
            "--quiet",
            "--no-plots",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = String::from_utf8(o.stdout).unwrap();
    assert!(lines.lines().count() > 100, "{lines}");
    assert!(lines.lines().all(|l| l.starts_with("{\"t\":")), "{lines}");
    // A FIFO is written as a stream and stays a FIFO.
    let fifo = dir.join("pipe");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let o = stratus(
        dir,
        &[
            "run",
            "tiny.yaml",
            "--trace",
            "pipe",
            "--out",
            "o",
            "--quiet",
            "--no-plots",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(reader.join().unwrap().lines().count() > 100);
    assert_eq!(
        stratus::files::existing(&fifo).unwrap(),
        stratus::files::Existing::Stream
    );
    assert!(
        names(dir).iter().all(|n| !n.contains(".tmp")),
        "{:?}",
        names(dir)
    );
}

#[test]
fn class_3_variants_never_overwrite_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "a/x.yaml", TINY);
    write(dir, "b/x.yaml", &TINY.replace("rate: 5", "rate: 7"));
    write(dir, "stems/...yaml", TINY);
    write(dir, "stems/y.yaml", TINY);
    write(dir, "tiny.yaml", TINY);
    let variants = |out: &str| names(&dir.join(out).join("variants"));
    let doc_names = |file: &str| -> Vec<String> {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap();
        v["variants"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap().to_string())
            .collect()
    };
    // Two files with one stem: told apart by their folders.
    let o = stratus(
        dir,
        &[
            "compare",
            "a/x.yaml",
            "b/x.yaml",
            "--out",
            "same-stem",
            "--no-plots",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(variants("same-stem"), ["a_x", "b_x"]);
    assert_eq!(doc_names("same-stem/compare.json"), ["a/x", "b/x"]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(table.contains("a/x") && table.contains("b/x"), "{table}");
    // A repeated --vary value: the later one is suffixed, and the message says so.
    let o = stratus(
        dir,
        &[
            "compare",
            "tiny.yaml",
            "--vary",
            "seed=1,1",
            "--out",
            "dup",
            "--no-plots",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the later one is `seed=1#2`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(variants("dup"), ["seed=1", "seed=1_2"]);
    assert_eq!(doc_names("dup/compare.json"), ["seed=1", "seed=1#2"]);
    // A file named `...yaml` (stem `..`) stays inside variants/.
    let o = stratus(
        dir,
        &[
            "compare",
            "stems/...yaml",
            "stems/y.yaml",
            "--out",
            "dots",
            "--quiet",
            "--no-plots",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(variants("dots"), ["_..", "y"]);
    assert!(!dir.join("dots/summary.json").exists());
    // Shards whose manifest repeats a variant name merge into distinct folders.
    shard_edited(dir, "shard", "\"seed=2\"", "\"seed=1\"");
    let o = stratus(dir, &["merge", "shard", "--out", "merged", "--no-plots"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(variants("merged"), ["seed=1", "seed=1_2"]);
    assert_eq!(doc_names("merged/compare.json"), ["seed=1", "seed=1#2"]);
}

/// Runs `args` in `dir`, sends SIGINT once the command's staging folder exists in `parent`
/// (and a little after), and returns its exit code and stderr.
fn interrupt(dir: &Path, parent: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !names(parent).iter().any(|n| n.ends_with(".tmp")) {
        assert!(started.elapsed() < Duration::from_secs(60), "never started");
        if child.try_wait().unwrap().is_some() {
            let o = child.wait_with_output().unwrap();
            panic!("ended before the signal: {}", stderr(&o));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(700));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let o = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "did not stop promptly"
    );
    (o.status.code(), stderr(&o))
}

#[test]
fn class_7_an_interrupted_sweep_leaves_the_previous_outputs_or_none() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "long.yaml", LONG);
    let sweep = [
        "sweep",
        "long.yaml",
        "--vary",
        "workloads.w.rate=1000..1003",
        "--out",
        "res/out",
        "--quiet",
    ];
    std::fs::create_dir(dir.join("res")).unwrap();
    // No previous outputs: none are left, and no temporary file either.
    let before = snapshot(dir);
    let (code, err) = interrupt(dir, &dir.join("res"), &sweep);
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("interrupted") && err.contains("nothing was written to res/out"),
        "{err}"
    );
    assert_eq!(before, snapshot(dir));
    // Previous outputs (a short sweep): left exactly as they were.
    let short = [
        "sweep",
        "long.yaml",
        "--vary",
        "workloads.w.rate=1..2",
        "--set",
        "duration=1m",
        "--out",
        "res/out",
        "--quiet",
        "--no-plots",
    ];
    let o = stratus(dir, &short);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = snapshot(dir);
    let (code, err) = interrupt(dir, &dir.join("res"), &sweep);
    assert_eq!(code, Some(130), "{err}");
    assert!(
        err.contains("the previous outputs in res/out are unchanged"),
        "{err}"
    );
    assert_eq!(before, snapshot(dir));
}

#[test]
fn class_7_an_interrupted_traced_run_leaves_no_partial_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "long.yaml", LONG);
    write(dir, "t.jsonl", "previous trace\n");
    let before = snapshot(dir);
    let (code, err) = interrupt(
        dir,
        dir,
        &[
            "run",
            "long.yaml",
            "--trace",
            "t.jsonl",
            "--out",
            "o",
            "--quiet",
        ],
    );
    assert_eq!(code, Some(130), "{err}");
    assert!(err.contains("stopped at simulated time"), "{err}");
    assert_eq!(before, snapshot(dir));
}

#[test]
fn class_11_data_files_stay_inside_the_scenario_folder() {
    fn files(d: &Path) {
        let trace = |file: &str| {
            TINY.replace(
                "rate: 5,",
                &format!("rate: {{profile: trace, file: '{file}'}},"),
            )
        };
        write(d, "data/counts.csv", "5\n6\n");
        write(d, "s/outside.yaml", &trace("../data/counts.csv"));
        write(d, "s/passwd.yaml", &trace("/etc/passwd"));
        write(d, "s/zero.yaml", &trace("/dev/zero"));
        let secret = format!("1\nsecret-{}-end\n", "x".repeat(200));
        write(d, "s/bad.csv", &secret);
        write(d, "s/bad.yaml", &trace("bad.csv"));
    }
    let outside = "is outside the scenario's folder";
    check(&[
        Case {
            name: "a trace in a sibling folder",
            setup: files,
            args: &["run", "s/outside.yaml", "--out", "o", "--quiet"],
            code: 2,
            message: outside,
            may_change: "-",
        },
        Case {
            name: "a sibling folder with --allow-outside-files",
            setup: files,
            args: &[
                "run",
                "s/outside.yaml",
                "--out",
                "o",
                "--quiet",
                "--no-plots",
                "--allow-outside-files",
            ],
            code: 0,
            message: "",
            may_change: "o",
        },
        Case {
            name: "an absolute path",
            setup: files,
            args: &["validate", "s/passwd.yaml"],
            code: 2,
            message: "--allow-outside-files",
            may_change: "-",
        },
        Case {
            name: "/dev/zero even when allowed",
            setup: files,
            args: &["validate", "s/zero.yaml", "--allow-outside-files"],
            code: 2,
            message: "is not a regular file",
            may_change: "-",
        },
        Case {
            name: "a bad line is quoted short and escaped",
            setup: files,
            args: &["validate", "s/bad.yaml"],
            code: 2,
            message: "line 2: expected a number, got `secret-xxxxxxxxxxxxxxxxxxxxxxxxx`...",
            may_change: "-",
        },
    ]);
    let tmp = tempfile::tempdir().unwrap();
    files(tmp.path());
    let o = stratus(
        tmp.path(),
        &["validate", "s/passwd.yaml", "--allow-outside-files"],
    );
    assert!(!stderr(&o).contains("root:"), "{}", stderr(&o));
    assert!(!stderr(&o).contains("-end"));
}

#[test]
fn class_13_a_lab_may_not_run_labs() {
    fn lab(d: &Path) {
        write(
            d,
            "labs/01-loop.md",
            "# Loop\n```sh\nstratus lab run 01 --dir labs\n```\n",
        );
        write(
            d,
            "ok/01-ok.md",
            "# Ok\n```sh\nstratus validate tiny.yaml\n```\n",
        );
    }
    check(&[Case {
        name: "a guide that runs itself",
        setup: lab,
        args: &["lab", "run", "01", "--dir", "labs"],
        code: 2,
        message: "a lab may not run labs",
        may_change: "-",
    }]);
    let tmp = tempfile::tempdir().unwrap();
    lab(tmp.path());
    write(tmp.path(), "tiny.yaml", TINY);
    let nested = Command::new(env!("CARGO_BIN_EXE_stratus"))
        .args(["lab", "run", "01", "--dir", "ok"])
        .current_dir(tmp.path())
        .env("STRATUS_RUNNING_LAB", "01-outer")
        .output()
        .unwrap();
    assert_eq!(nested.status.code(), Some(2));
    assert!(stderr(&nested).contains("inside the commands of lab 01-outer"));
    let o = stratus(tmp.path(), &["lab", "run", "01", "--dir", "ok"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn class_14_unusable_outputs_are_refused_before_simulating() {
    fn places(d: &Path) {
        write(d, "afile", "mine\n");
        write(d, "mine/notes.txt", "mine\n");
        write(d, "inputs/long.yaml", LONG);
    }
    let long_name: &'static str = Box::leak(format!("o/{}", "n".repeat(300)).into_boxed_str());
    let long_args: &'static [&'static str] =
        Box::leak(vec!["run", "long.yaml", "--out", long_name, "--quiet"].into_boxed_slice());
    check(&[
        Case {
            name: "--out is a file",
            setup: places,
            args: &["run", "long.yaml", "--out", "afile", "--quiet"],
            code: 2,
            message: "afile exists and is not a folder",
            may_change: "-",
        },
        Case {
            name: "--out is a folder Stratus did not write",
            setup: places,
            args: &[
                "sweep",
                "long.yaml",
                "--vary",
                "seed=1,2",
                "--out",
                "mine",
                "--quiet",
            ],
            code: 2,
            message: "is a folder Stratus did not write",
            may_change: "-",
        },
        Case {
            name: "--out holds the scenario",
            setup: places,
            args: &["run", "inputs/long.yaml", "--out", "inputs", "--quiet"],
            code: 2,
            message: "holds the input inputs/long.yaml",
            may_change: "-",
        },
        Case {
            name: "--out is the current folder",
            setup: places,
            args: &["run", "long.yaml", "--out", ".", "--quiet"],
            code: 2,
            message: "is the current folder",
            may_change: "-",
        },
        Case {
            name: "an over-long output name",
            setup: places,
            args: long_args,
            code: 2,
            message: "file systems allow 255",
            may_change: "-",
        },
    ]);
}

#[test]
fn run_compare_and_sweep_have_their_own_folders_and_leave_nothing_stale() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "tiny.yaml", TINY);
    let ok = |args: &[&str]| {
        let o = stratus(dir, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    };
    ok(&["run", "tiny.yaml", "--quiet", "--no-plots"]);
    ok(&[
        "compare",
        "tiny.yaml",
        "--vary",
        "seed=1,2,3",
        "--quiet",
        "--no-plots",
    ]);
    ok(&[
        "sweep",
        "tiny.yaml",
        "--vary",
        "seed=1,2",
        "--quiet",
        "--no-plots",
    ]);
    assert_eq!(
        names(&dir.join("outputs")),
        ["tiny", "tiny-compare", "tiny-sweep"]
    );
    assert!(dir.join("outputs/tiny/summary.json").is_file());
    assert!(dir.join("outputs/tiny-compare/compare.json").is_file());
    assert!(dir.join("outputs/tiny-sweep/sweep.json").is_file());
    // A second comparison with fewer variants leaves none of the first one's folders.
    ok(&[
        "compare",
        "tiny.yaml",
        "--vary",
        "seed=4,5",
        "--quiet",
        "--no-plots",
    ]);
    assert_eq!(
        names(&dir.join("outputs/tiny-compare/variants")),
        ["seed=4", "seed=5"]
    );
    // A run into a comparison's folder replaces it whole.
    ok(&[
        "run",
        "tiny.yaml",
        "--out",
        "outputs/tiny-compare",
        "--quiet",
        "--no-plots",
    ]);
    let left = names(&dir.join("outputs/tiny-compare"));
    assert!(
        !left.iter().any(|n| n == "compare.json" || n == "variants"),
        "{left:?}"
    );
    // Nothing hidden is left beside the folders.
    assert_eq!(
        names(&dir.join("outputs")),
        ["tiny", "tiny-compare", "tiny-sweep"]
    );
    // A symbolic link to a folder is followed: the folder is replaced, the link stays.
    std::fs::create_dir(dir.join("real")).unwrap();
    std::os::unix::fs::symlink(dir.join("real"), dir.join("linked")).unwrap();
    for _ in 0..2 {
        ok(&[
            "run",
            "tiny.yaml",
            "--out",
            "linked",
            "--quiet",
            "--no-plots",
        ]);
    }
    let link = std::fs::symlink_metadata(dir.join("linked")).unwrap();
    assert!(link.file_type().is_symlink());
    assert!(dir.join("real/summary.json").is_file());
    assert!(
        names(dir).iter().all(|n| !n.starts_with('.')),
        "{:?}",
        names(dir)
    );
}
