//! The Kubernetes manifests in deploy/kubernetes: an Indexed Job whose pods run shards 1..N of
//! N exactly once into distinct folders of the shared volume, and a merge Job that reads those
//! folders. No cluster is needed: each pod's command runs here through `sh` with its
//! JOB_COMPLETION_INDEX and the Job's environment, against a stand-in `stratus` that prints its
//! arguments. (The Slurm route runs on a real engine: slurm.rs.)

use serde_yaml_ng::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn manifest(name: &str) -> Value {
    let path = crate::support::repo_path("deploy/kubernetes").join(name);
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The Job's only container.
fn container(job: &Value) -> &Value {
    let containers = job["spec"]["template"]["spec"]["containers"]
        .as_sequence()
        .unwrap();
    assert_eq!(containers.len(), 1);
    &containers[0]
}

/// Runs `container`'s command in `dir` with `index` as JOB_COMPLETION_INDEX and `dir/bin`'s
/// `stratus` (which prints its arguments one per line) on PATH; returns those arguments.
fn pod_args(container: &Value, index: Option<usize>, dir: &Path) -> Vec<String> {
    let strings = |v: &Value| -> Vec<String> {
        v.as_sequence()
            .map(|s| s.iter().map(|x| x.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut argv = strings(&container["command"]);
    argv.extend(strings(&container["args"]));
    assert_eq!(argv[..2], ["sh", "-c"], "the command runs through sh");
    let mut cmd = Command::new("sh");
    cmd.args(&argv[1..]);
    if let Some(env) = container["env"].as_sequence() {
        for e in env {
            cmd.env(e["name"].as_str().unwrap(), e["value"].as_str().unwrap());
        }
    }
    if let Some(i) = index {
        cmd.env("JOB_COMPLETION_INDEX", i.to_string());
    }
    let path = format!(
        "{}:{}",
        dir.join("bin").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = cmd.env("PATH", path).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{argv:?}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The value following `flag` in `args`.
fn flag<'a>(args: &'a [String], flag: &str) -> &'a str {
    let i = args.iter().position(|a| a == flag).unwrap_or_else(|| {
        panic!("{flag} missing from {args:?}");
    });
    &args[i + 1]
}

#[test]
fn the_indexed_job_runs_every_shard_once_and_the_merge_job_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let fake = bin.join("stratus");
    std::fs::write(&fake, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();

    let sweep = manifest("sweep-job.yaml");
    assert_eq!(sweep["kind"], "Job");
    let spec = &sweep["spec"];
    assert_eq!(spec["completionMode"], "Indexed");
    let n = spec["completions"].as_u64().unwrap() as usize;
    assert_eq!(spec["parallelism"].as_u64(), Some(n as u64));
    assert_eq!(spec["template"]["spec"]["restartPolicy"], "Never");
    let c = container(&sweep);
    let mut shards = BTreeSet::new();
    let mut outs = BTreeSet::new();
    for i in 0..n {
        let args = pod_args(c, Some(i), dir.path());
        assert_eq!(args[0], "sweep");
        assert!(args.iter().any(|a| a == "--quiet"), "{args:?}");
        shards.insert(flag(&args, "--shard").to_string());
        outs.insert(flag(&args, "--out").to_string());
    }
    let expected: BTreeSet<String> = (1..=n).map(|k| format!("{k}/{n}")).collect();
    assert_eq!(shards, expected, "pods 0..{n} run shards 1..{n} of {n}");
    assert_eq!(outs.len(), n, "each pod writes its own folder: {outs:?}");

    // The merge Job reads the folders the pods wrote, from the same volume and folder.
    let merge = manifest("merge-job.yaml");
    let m = container(&merge);
    assert_eq!(m["workingDir"], c["workingDir"]);
    assert_eq!(m["volumeMounts"], c["volumeMounts"]);
    assert_eq!(
        merge["spec"]["template"]["spec"]["volumes"],
        sweep["spec"]["template"]["spec"]["volumes"]
    );
    // The glob `shards/*` matches nothing here, so sh passes it on as written.
    let args = pod_args(m, None, dir.path());
    assert_eq!(args[0], "merge");
    let parents: BTreeSet<_> = outs
        .iter()
        .map(|o| Path::new(o).parent().unwrap().join("*"))
        .collect();
    assert_eq!(parents.len(), 1);
    assert_eq!(Path::new(&args[1]), parents.first().unwrap());

    // The claim the Jobs mount is the one shared-volume.yaml creates, shared by many pods.
    let pvc = manifest("shared-volume.yaml");
    assert_eq!(pvc["kind"], "PersistentVolumeClaim");
    let volumes = sweep["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .unwrap();
    assert_eq!(
        volumes[0]["persistentVolumeClaim"]["claimName"],
        pvc["metadata"]["name"]
    );
    assert_eq!(pvc["spec"]["accessModes"][0], "ReadWriteMany");
}
