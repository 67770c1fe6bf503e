//! Teaching labs: every guide's commands (the run and the exercises) are exactly what this test
//! runs, every lab has its scenario and its answers, and `stratus lab` lists and finds them.

use crate::support::repo_path;
use std::process::Command;

fn stratus(args: &[String]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stratus"))
        .current_dir(repo_path(""))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn every_lab_guide_command_runs() {
    let dir = repo_path("scenarios/labs");
    let labs = stratus::lab::labs(&dir).unwrap();
    assert!(!labs.is_empty());
    let tmp = tempfile::tempdir().unwrap();
    for lab in &labs {
        let answers = dir.join("answers").join(format!("{}.md", lab.id));
        assert!(answers.is_file(), "{} has no answers file", lab.id);
        assert!(
            !lab.exercises.is_empty(),
            "{} has no exercise commands",
            lab.id
        );
        for (i, args) in lab.commands.iter().chain(&lab.exercises).enumerate() {
            // Outputs go to a scratch folder; everything else is the guide's command verbatim.
            let mut args = args.clone();
            if let Some(at) = args.iter().position(|a| a == "--out") {
                args[at + 1] = tmp
                    .path()
                    .join(format!("{}-{i}", lab.id))
                    .display()
                    .to_string();
            }
            let mut quiet = args.clone();
            if matches!(args[0].as_str(), "run" | "compare" | "sweep") {
                quiet.push("--quiet".into());
            }
            let out = stratus(&quiet);
            assert!(
                out.status.success(),
                "{}: `stratus {}` failed:\n{}",
                lab.id,
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn lab_list_and_unknown_names() {
    let list = stratus(&["lab".into(), "list".into()]);
    assert!(list.status.success());
    let text = String::from_utf8_lossy(&list.stdout);
    for lab in stratus::lab::labs(&repo_path("scenarios/labs")).unwrap() {
        assert!(
            text.contains(&lab.id) && text.contains(&lab.title),
            "{text}"
        );
    }
    let bad = stratus(&["lab".into(), "run".into(), "99-nothing".into()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("01-alb-algorithms"));
}
