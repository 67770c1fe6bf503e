//! The kinds of call in a request's call phase: a call is a mapping whose one call field
//! (`database`, `cache`, or a field a service registers: DynamoDB's `table`, NAT's
//! `external`) picks its kind, and the kind decodes the whole entry with its own fields.
//! A call naming no kind, or two, is refused with its path and the list of kinds; a kind's
//! own problems keep their full paths; every problem is reported; the JSON Schema refuses
//! what decoding refuses.

use crate::support::*;

/// A scenario whose workload `w` makes the calls `calls` (a YAML flow list), with a database
/// `db`, a cache `c`, a table `t` and an endpoint `api` behind a NAT gateway.
fn calls_scenario(calls: &str) -> String {
    format!(
        r#"
name: calls
duration: 10s
azs: [a, b]
workloads:
  w:
    target: alb/l
    rate: 10
    work: {{dist: constant, value: 1ms}}
    calls: {calls}
load_balancers:
  l: {{azs: [a, b], rules: [{{default: tg}}]}}
target_groups:
  tg: {{group: g}}
auto_scaling_groups:
  g: {{instance: {{vcpus: 2}}, azs: [a, b], desired: 2}}
databases:
  db: {{}}
caches:
  c: {{hit_ratio: 0.5}}
dynamodb_tables:
  t: {{mode: on_demand}}
external_endpoints:
  api: {{latency: {{dist: constant, value: 5ms}}}}
nat_gateways: {{nat-a: {{az: a}}}}
"#
    )
}

fn problems(text: &str) -> String {
    stratus::scenario::Scenario::from_text(text, "t.yaml", &repo_path("."), &[])
        .unwrap_err()
        .to_string()
}

const KINDS: [&str; 4] = ["`database`", "`cache`", "`table`", "`external`"];

#[test]
fn every_kind_of_call_resolves_in_one_scenario() {
    let s = parse(
        &calls_scenario(
            "[{database: db, work: {dist: constant, value: 2ms}}, \
              {cache: c, work: {dist: constant, value: 1ms}, \
               on_miss: {table: t, reads: 1}}, \
              {external: api, bytes: 10KB}]",
        ),
        &[],
    );
    let calls = s.resilience.calls(stratus::ids::WorkloadId(0), 0);
    // The cache's miss read is the call after it: four calls.
    assert_eq!(calls.len(), 4);
    assert_eq!(calls[3].bytes, 10_000);
    assert_eq!(s.resilience.service_calls.dynamodb_tables.len(), 1);
    assert_eq!(s.resilience.service_calls.external_endpoints.len(), 1);
}

#[test]
fn a_call_naming_no_kind_lists_the_kinds() {
    let e = problems(&calls_scenario("[{reads: 2}]"));
    assert!(e.contains("workloads.w.calls[0]: expected one of"), "{e}");
    for k in KINDS {
        assert!(e.contains(k), "{k}\n{e}");
    }
}

#[test]
fn a_call_naming_two_kinds_is_refused_with_both() {
    let e = problems(&calls_scenario(
        "[{database: db, table: t, work: {dist: constant, value: 2ms}}]",
    ));
    assert!(
        e.contains("workloads.w.calls[0]: expected exactly one of"),
        "{e}"
    );
    assert!(e.contains("got `database` and `table`"), "{e}");
}

#[test]
fn one_bad_call_does_not_hide_the_problems_of_the_others() {
    let e = problems(&calls_scenario(
        "[{reads: 2}, {database: db, table: t}, {table: t, reads: x}, {external: nowhere}]",
    ));
    for expected in [
        "workloads.w.calls[0]: expected one of",
        "workloads.w.calls[1]: expected exactly one of",
        "workloads.w.calls[2].reads",
        "workloads.w.calls[3].external: no external endpoint named `nowhere`",
    ] {
        assert!(e.contains(expected), "{expected}\n{e}");
    }
}

#[test]
fn each_kind_refuses_the_fields_of_the_others_with_their_paths() {
    // A table takes its latency from the table: no `work`; a database call has no `reads`;
    // an external call no `item_size`. Every problem is reported, each with its path.
    let e = problems(&calls_scenario(
        "[{table: t, reads: 1, work: {dist: constant, value: 2ms}}, \
          {database: db, reads: 2, work: {dist: constant, value: 2ms}}, \
          {external: api, item_size: 1KB}]",
    ));
    for (path, field) in [
        ("workloads.w.calls[0]", "`work`"),
        ("workloads.w.calls[1]", "`reads`"),
        ("workloads.w.calls[2]", "`item_size`"),
    ] {
        let line = (e.lines())
            .find(|l| l.contains(path))
            .unwrap_or_else(|| panic!("{path}\n{e}"));
        assert!(line.contains(field), "{field}\n{e}");
    }
}

#[test]
fn a_kinds_type_error_keeps_its_full_path() {
    let e = problems(&calls_scenario("[{table: t, reads: many}]"));
    assert!(e.contains("workloads.w.calls[0].reads"), "{e}");
    let e = problems(&calls_scenario("[{external: nowhere}]"));
    assert!(
        e.contains("workloads.w.calls[0].external: no external endpoint named `nowhere`"),
        "{e}"
    );
}

#[test]
fn the_schema_accepts_each_kind_and_refuses_two_kinds_or_a_foreign_field() {
    let schema = stratus::scenario::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let doc = |calls: &str| -> serde_json::Value {
        serde_yaml_ng::from_str(&calls_scenario(calls)).unwrap()
    };
    for ok in [
        "[{database: db, work: {dist: constant, value: 2ms}}]",
        "[{cache: c, work: {dist: constant, value: 1ms}, on_miss: {table: t, reads: 1}}]",
        "[{table: t, reads: 2, writes: 1, item_size: 1KB}]",
        "[{external: api, bytes: 10KB}]",
    ] {
        let errors: Vec<String> = validator
            .iter_errors(&doc(ok))
            .map(|e| e.to_string())
            .collect();
        assert!(errors.is_empty(), "{ok}: {errors:?}");
    }
    for bad in [
        "[{table: t, external: api}]",
        "[{table: t, reads: 1, work: {dist: constant, value: 2ms}}]",
        "[{external: api, reads: 1}]",
        "[{reads: 1}]",
    ] {
        assert!(!validator.is_valid(&doc(bad)), "{bad}");
    }
}
