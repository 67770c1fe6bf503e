//! The generated key list and per-key decoding checked against what serde and schemars derive
//! from `RawScenario` (the JSON Schema and `RawScenario::deserialize`), not against the
//! macro's own list: a key that one of them misses, or that decodes into the wrong field,
//! fails here.

use super::defaults;
use super::load::{decode, parse_text};
use super::raw::{RawScenario, TOP_LEVEL_KEYS};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// The JSON Schema that `stratus schema` prints.
fn schema() -> Value {
    super::json_schema()
}

/// The top-level properties of the schema, in its order.
fn schema_keys() -> Vec<String> {
    schema()["properties"]
        .as_object()
        .expect("the schema has properties")
        .keys()
        .cloned()
        .collect()
}

/// `{key: value}` decoded by `load::decode`: its Debug text and its problems.
fn decoded(key: &str, value: &Value) -> (String, Vec<super::Problem>) {
    let mut problems = Vec::new();
    let raw = decode(json!({ key: value }), &mut problems);
    (format!("{raw:?}"), problems)
}

/// `{key: value}` decoded by serde's derive, as Debug text.
fn derived(key: &str, value: &Value) -> Result<String, String> {
    serde_json::from_value::<RawScenario>(json!({ key: value }))
        .map(|raw| format!("{raw:?}"))
        .map_err(|e| e.to_string())
}

/// Values to try at every key: a few of each shape, plus every value a shipped scenario
/// gives that key (so each section is tried with real entries).
fn probes(key: &str) -> Vec<Value> {
    let mut out = vec![
        json!("x"),
        json!(1),
        json!(0.5),
        json!("1s"),
        json!(true),
        json!([]),
        json!({}),
        json!(["a", "b"]),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a shipped scenario");
        let doc = parse_text(&text).expect("a shipped scenario parses");
        if let Some(v) = doc.get(key) {
            out.push(v.clone());
        }
    }
    out
}

#[test]
fn the_schema_and_the_key_list_name_the_same_top_level_keys() {
    let from_schema: BTreeSet<String> = schema_keys().into_iter().collect();
    let listed: BTreeSet<String> = TOP_LEVEL_KEYS.iter().map(|k| k.to_string()).collect();
    assert_eq!(from_schema, listed);
    assert_eq!(TOP_LEVEL_KEYS.len(), listed.len(), "a key is listed twice");
}

#[test]
fn every_schema_key_decodes_into_its_own_field_as_serde_does() {
    let default = format!("{:?}", RawScenario::default());
    for key in schema_keys() {
        let mut landed = false;
        for value in probes(&key) {
            let (text, problems) = decoded(&key, &value);
            assert!(
                !problems
                    .iter()
                    .any(|p| p.message.starts_with("unknown key")),
                "`{key}` is in the schema but decoding calls it unknown: {problems:?}"
            );
            let serde = derived(&key, &value);
            if problems.is_empty() {
                assert_eq!(
                    Ok(&text),
                    serde.as_ref(),
                    "`{key}: {value}` decodes differently from serde's derive"
                );
                landed |= text != default;
            }
            if serde.is_err() {
                assert!(
                    problems.iter().any(|p| p.path.starts_with(key.as_str())),
                    "serde refuses `{key}: {value}` but decoding reports nothing there: \
                     {problems:?}"
                );
            }
        }
        assert!(landed, "no value of `{key}` decoded into a field");
    }
}

#[test]
fn unknown_top_level_keys_are_refused_by_the_schema_serde_and_decoding() {
    assert_eq!(schema()["additionalProperties"], json!(false));
    let doc = json!({"worklods": {}});
    assert!(serde_json::from_value::<RawScenario>(doc.clone()).is_err());
    let mut problems = Vec::new();
    decode(doc, &mut problems);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "worklods");
    assert_eq!(
        problems[0].message,
        "unknown key (did you mean `workloads`?)"
    );
}

/// Decoding requires no key (resolving reports the missing ones with their meaning), so the
/// schema must not either: a section field without `#[serde(default)]` would be `required`.
#[test]
fn the_schema_requires_no_top_level_key_as_decoding_does() {
    let required = schema().get("required").cloned().unwrap_or(json!([]));
    assert_eq!(
        required,
        json!([]),
        "the schema requires keys decoding does not"
    );
    let mut problems = Vec::new();
    decode(Value::Object(Map::new()), &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    assert!(serde_json::from_value::<RawScenario>(json!({})).is_ok());
}

/// The sections whose entries are named components (`--set SECTION.NAME.FIELD` must name one)
/// are the schema's mappings of names to entries.
#[test]
fn named_entry_sections_are_the_schemas_mappings() {
    let schema = schema();
    for key in schema_keys() {
        let property = &schema["properties"][key.as_str()];
        let mapping =
            property["type"] == json!("object") && property["additionalProperties"].is_object();
        assert_eq!(RawScenario::has_named_entries(&key), mapping, "`{key}`");
    }
}

/// The `$defs` entry that an entry of top-level `key` follows, if any.
fn entry_definition<'a>(schema: &'a Value, key: &str) -> Option<&'a Value> {
    let property = &schema["properties"][key];
    let reference = property["additionalProperties"]["$ref"]
        .as_str()
        .or_else(|| property["$ref"].as_str())
        .or_else(|| {
            property["anyOf"]
                .as_array()?
                .iter()
                .find_map(|a| a["$ref"].as_str())
        })?;
    schema["$defs"].get(reference.strip_prefix("#/$defs/")?)
}

/// `stratus explain`'s list of defaults names keys the schema has: a top-level default is a
/// top-level key, and a default of a top-level section is a key of that section's entries.
#[test]
fn defaults_name_keys_of_the_schema() {
    let schema = schema();
    let keys: BTreeSet<String> = schema_keys().into_iter().collect();
    for d in defaults::all() {
        if d.section.is_empty() {
            assert!(keys.contains(d.key), "default of unknown key `{}`", d.key);
        } else if keys.contains(d.section) {
            let def = entry_definition(&schema, d.section)
                .unwrap_or_else(|| panic!("`{}` has no entry definition", d.section));
            assert!(
                def["properties"].get(d.key).is_some(),
                "default of unknown key `{}.{}`",
                d.section,
                d.key
            );
        }
    }
}
