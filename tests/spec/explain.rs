//! `stratus explain`: a golden file, and every component and default named.

use crate::support::*;
use stratus::explain::explain;

#[test]
fn quickstart_explanation_matches_the_golden_file() {
    let text = explain(&load("scenarios/quickstart.yaml", &[]));
    let golden = repo_path("tests/golden/explain-quickstart.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap();
    assert_eq!(
        text, expected,
        "re-run with UPDATE_GOLDEN=1 if the change is intended"
    );
}

#[test]
fn every_component_and_unset_default_is_mentioned() {
    let s = load("scenarios/quickstart.yaml", &[]);
    let text = explain(&s);
    for name in s
        .workloads
        .iter()
        .map(|w| &w.name)
        .chain(s.load_balancers.iter().map(|x| &x.name))
        .chain(s.target_groups.iter().map(|x| &x.name))
        .chain(s.groups.iter().map(|x| &x.name))
    {
        assert!(text.contains(&format!("`{name}`")), "{name} missing");
    }
    assert!(text.contains("idle_timeout = 60s"));
    // Set in the file, so not listed as a default.
    assert!(!text.contains("algorithm = round_robin"));
}
