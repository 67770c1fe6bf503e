//! `stratus schema` accepts every file the validator accepts: each shipped scenario is
//! checked against the schema by an independent JSON Schema validator.

use crate::support::scenario_files;

#[test]
fn every_shipped_scenario_matches_the_published_schema() {
    let schema = stratus::scenario::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let files = scenario_files();
    assert!(files.len() > 10, "{files:?}");
    let mut failures = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let doc: serde_json::Value = serde_yaml_ng::from_str(&text).unwrap();
        for e in validator.iter_errors(&doc) {
            failures.push(format!(
                "{}: {} at {}",
                file.display(),
                e,
                e.instance_path()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn compound_durations_and_a_bare_zero_match_the_schema() {
    let schema = stratus::scenario::json_schema();
    let dur = &schema["$defs"]["Duration"];
    let validator = jsonschema::validator_for(dur).expect("the duration schema compiles");
    for ok in ["12h30m", "1m30s", "250ms", "0"] {
        assert!(validator.is_valid(&serde_json::json!(ok)), "{ok}");
        assert!(stratus::scenario::units::parse_duration(ok).is_ok(), "{ok}");
    }
    assert!(validator.is_valid(&serde_json::json!(0)));
    for bad in ["12", "5 parsecs", "-1s"] {
        assert!(!validator.is_valid(&serde_json::json!(bad)), "{bad}");
        assert!(
            stratus::scenario::units::parse_duration(bad).is_err(),
            "{bad}"
        );
    }
}
