//! Reading a scenario: text to a JSON value tree, `--set` overrides, then section-by-section
//! decoding so that every problem in the file is reported, each with its field path; and
//! reading the data files a scenario names (`DataFiles`).

use super::Problem;
use super::input_guard;
use super::raw::{RawScenario, TOP_LEVEL_KEYS};
use super::readable;
use serde::Deserialize;
use serde::de::{DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest data file (trace or samples) a scenario may read.
pub const MAX_DATA_FILE_BYTES: u64 = 256 << 20;

/// Where a scenario's data files (rate traces, empirical samples) come from: paths are
/// relative to the scenario's folder, and a file outside that folder (after following links
/// and `..`) is refused unless `allow_outside` (`--allow-outside-files`), so a teaching server
/// can run students' scenarios without them reading its files. Only regular files of at most
/// [`MAX_DATA_FILE_BYTES`] are read (never `/dev/zero` or a FIFO).
#[derive(Clone, Debug, Default)]
pub struct DataFiles {
    pub base: PathBuf,
    pub allow_outside: bool,
}

impl DataFiles {
    /// The text of data file `file`, or a message quoting only the path as written.
    pub fn read(&self, file: &str) -> Result<String, String> {
        let quoted = super::output_name::excerpt(file);
        let base = if self.base.as_os_str().is_empty() {
            Path::new(".")
        } else {
            &self.base
        };
        let full = base.join(file);
        let real = full
            .canonicalize()
            .map_err(|e| format!("cannot read {quoted}: {e}"))?;
        if !self.allow_outside {
            let folder = base
                .canonicalize()
                .map_err(|e| format!("cannot read {quoted}: {e}"))?;
            if !real.starts_with(&folder) {
                return Err(format!(
                    "{quoted} is outside the scenario's folder; data files are read from that \
                     folder only, unless --allow-outside-files is given"
                ));
            }
        }
        let meta = std::fs::metadata(&real).map_err(|e| format!("cannot read {quoted}: {e}"))?;
        if !meta.is_file() {
            return Err(format!("{quoted} is not a regular file"));
        }
        if meta.len() > MAX_DATA_FILE_BYTES {
            return Err(format!(
                "{quoted} is {} MB; data files are limited to {} MB",
                meta.len() >> 20,
                MAX_DATA_FILE_BYTES >> 20
            ));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(&real)
            .and_then(|f| f.take(MAX_DATA_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(|e| format!("cannot read {quoted}: {e}"))?;
        if bytes.len() as u64 > MAX_DATA_FILE_BYTES {
            return Err(format!(
                "{quoted} grew past {} MB",
                MAX_DATA_FILE_BYTES >> 20
            ));
        }
        String::from_utf8(bytes).map_err(|_| format!("{quoted} is not UTF-8 text"))
    }
}

/// Parses YAML (or JSON, which YAML reads too) into a value tree. Flow nesting is bounded
/// first; duplicate keys are refused with both lines; `.nan` and `.inf` are kept as the
/// strings `.nan`, `.inf`, `-.inf` (a JSON value cannot hold them), so a numeric field that
/// receives one is refused with its path instead of silently taking its default.
pub fn parse_text(text: &str) -> Result<Value, Vec<Problem>> {
    input_guard::check_nesting(text).map_err(|p| vec![p])?;
    let value = parse_value(text).map_err(|e| {
        vec![Problem {
            path: String::new(),
            message: format!("not valid YAML: {e}"),
        }]
    })?;
    let duplicates = input_guard::duplicate_keys(text);
    if duplicates.is_empty() {
        Ok(value)
    } else {
        Err(duplicates)
    }
}

/// YAML text to a value tree, with non-finite numbers kept as strings (see `parse_text`).
fn parse_value(text: &str) -> Result<Value, serde_yaml_ng::Error> {
    let de = serde_yaml_ng::Deserializer::from_str(text);
    FiniteValue::deserialize(de).map(|v| v.0)
}

/// A JSON value built from YAML that keeps non-finite floats visible as strings.
struct FiniteValue(Value);

impl<'de> Deserialize<'de> for FiniteValue {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FiniteVisitor).map(FiniteValue)
    }
}

struct FiniteVisitor;

impl<'de> Visitor<'de> for FiniteVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(match serde_json::Number::from_f64(v) {
            Some(n) => Value::Number(n),
            None if v.is_nan() => Value::String(".nan".into()),
            None if v > 0.0 => Value::String(".inf".into()),
            None => Value::String("-.inf".into()),
        })
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        FiniteValue::deserialize(d).map(|v| v.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(FiniteValue(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let FiniteValue(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, _: A) -> Result<Value, A::Error> {
        Err(serde::de::Error::custom(
            "a YAML tag (`!name`) is not allowed in a scenario",
        ))
    }
}

/// Applies `PATH=VALUE` overrides. The value is read as a YAML scalar or flow collection, so
/// `30`, `true`, `5m`, `[a, b]` and `{dist: exponential, mean: 10ms}` all work.
pub fn apply_overrides(doc: &mut Value, overrides: &[String], problems: &mut Vec<Problem>) {
    for item in overrides {
        let Some((path, text)) = item.split_once('=') else {
            problems.push(Problem::new(
                "--set",
                format!("expected PATH=VALUE (e.g. auto_scaling_groups.api.max=30), got `{item}`"),
            ));
            continue;
        };
        let value = if input_guard::check_nesting(text).is_ok() {
            parse_value(text).unwrap_or(Value::String(text.into()))
        } else {
            Value::String(text.into())
        };
        if let Err(message) = check_entry_exists(doc, path.trim()) {
            problems.push(Problem::new(path.trim(), format!("--set: {message}")));
            continue;
        }
        if let Err(message) = set_path(doc, path.trim(), value) {
            problems.push(Problem::new(path.trim(), format!("--set: {message}")));
        }
    }
}

/// `--set SECTION.NAME.FIELD=...` must name an existing component: creating a half-empty
/// one from a typo would only give confusing follow-on problems. (`SECTION.NAME=...` may
/// add a whole new component.)
fn check_entry_exists(doc: &Value, path: &str) -> Result<(), String> {
    let parts = split_path(path);
    if parts.len() < 3 || !RawScenario::has_named_entries(&parts[0]) {
        return Ok(());
    }
    let Some(Value::Object(entries)) = doc.get(&parts[0]) else {
        return Ok(());
    };
    if entries.contains_key(&parts[1]) {
        return Ok(());
    }
    let known: Vec<&str> = entries.keys().map(String::as_str).collect();
    Err(format!(
        "the scenario has no `{}` in `{}`{} (defined: {})",
        parts[1],
        parts[0],
        did_you_mean(&parts[1], &known),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    ))
}

/// Splits a `--set` path on dots; `\.` is a literal dot (`pricing.ec2.per_hour.m5\.large`).
fn split_path(path: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'.') => {
                parts.last_mut().expect("non-empty").push('.');
                chars.next();
            }
            '.' => parts.push(String::new()),
            c => parts.last_mut().expect("non-empty").push(c),
        }
    }
    parts
}

fn set_path(doc: &mut Value, path: &str, value: Value) -> Result<(), String> {
    let parts = split_path(path);
    if parts.iter().any(|p| p.is_empty()) {
        return Err("empty path segment".into());
    }
    let mut node = doc;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        node = match node {
            Value::Object(map) => {
                if last {
                    map.insert(part.clone(), value);
                    return Ok(());
                }
                map.entry(part.clone())
                    .or_insert_with(|| Value::Object(Map::new()))
            }
            Value::Array(items) => {
                let index: usize = part
                    .parse()
                    .map_err(|_| format!("`{part}` is not an index into a list"))?;
                let len = items.len();
                let slot = items
                    .get_mut(index)
                    .ok_or_else(|| format!("index {index} is past the list's end ({len} items)"))?;
                if last {
                    *slot = value;
                    return Ok(());
                }
                slot
            }
            _ => {
                return Err(format!(
                    "`{}` is a scalar, not a mapping",
                    parts[..i].join(".")
                ));
            }
        };
    }
    Ok(())
}

/// Decodes the value tree into the raw scenario key by key (`RawScenario::decode_key`),
/// collecting every problem.
pub fn decode(doc: Value, problems: &mut Vec<Problem>) -> RawScenario {
    let mut raw = RawScenario::default();
    let Value::Object(map) = doc else {
        problems.push(Problem::new(
            "",
            "expected a mapping of scenario keys (name, duration, workloads, ...)",
        ));
        return raw;
    };
    for (key, value) in map {
        if !raw.decode_key(&key, value, problems) {
            problems.push(Problem::new(
                &key,
                format!("unknown key{}", did_you_mean(&key, TOP_LEVEL_KEYS)),
            ));
        }
    }
    raw
}

/// The mark of a value a generated scenario could not know (`stratus import` writes
/// `"FILL: requests per second"`): `validate` reports each one until it is replaced.
pub const PLACEHOLDER: &str = "FILL:";

/// Reports every placeholder in `value`; whether there was one.
fn placeholders(value: &Value, path: &str, problems: &mut Vec<Problem>) -> bool {
    match value {
        Value::String(s) if s.trim_start().starts_with(PLACEHOLDER) => {
            problems.push(Problem::new(
                path,
                format!("a placeholder to fill in: `{}`", s.trim()),
            ));
            true
        }
        Value::Array(items) => items.iter().enumerate().fold(false, |found, (i, v)| {
            placeholders(v, &format!("{path}[{i}]"), problems) | found
        }),
        Value::Object(m) => m.iter().fold(false, |found, (k, v)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            placeholders(v, &p, problems) | found
        }),
        _ => false,
    }
}

/// Decodes one value, reporting a failure at `path` plus the path inside the value; a
/// value holding placeholders reports each of them instead.
pub fn field<T: DeserializeOwned>(
    value: Value,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
    if placeholders(&value, path, problems) {
        return None;
    }
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Some(v),
        Err(e) => {
            let inner = e.path().to_string();
            let full = if inner == "." || inner.is_empty() {
                path.to_string()
            } else if path.is_empty() {
                inner
            } else {
                format!("{path}.{inner}")
            };
            let message = e.inner().to_string();
            let message = readable::explain_type_error(&full, &message)
                .unwrap_or_else(|| explain_serde(&message));
            problems.push(Problem::new(&full, message));
            None
        }
    }
}

/// Decodes a mapping of named entries one entry at a time, so one bad entry does not hide
/// the problems of the others.
pub(super) fn section<T: DeserializeOwned>(
    value: Value,
    path: &str,
    problems: &mut Vec<Problem>,
    broken: &mut std::collections::BTreeSet<String>,
) -> BTreeMap<String, T> {
    let mut out = BTreeMap::new();
    match value {
        Value::Object(map) => {
            for (name, entry) in map {
                if let Err(message) = input_guard::check_component_name(path, &name) {
                    problems.push(Problem::new(path, message));
                    broken.insert(format!("{path}.{name}"));
                    continue;
                }
                match field(entry, &format!("{path}.{name}"), problems) {
                    Some(v) => {
                        out.insert(name, v);
                    }
                    None => {
                        broken.insert(format!("{path}.{name}"));
                    }
                }
            }
        }
        Value::Null => {}
        other => problems.push(Problem::new(
            path,
            format!(
                "expected a mapping of names to entries, got {}",
                kind(&other)
            ),
        )),
    }
    out
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Rewrites serde's messages for people: adds "did you mean" to unknown keys and variants.
fn explain_serde(message: &str) -> String {
    let ticked: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    if (message.starts_with("unknown field") || message.starts_with("unknown variant"))
        && ticked.len() > 1
    {
        let what = if message.starts_with("unknown field") {
            "unknown key"
        } else {
            "unknown value"
        };
        let allowed = &ticked[1..];
        return format!(
            "{what} `{}`{}; expected one of: {}",
            ticked[0],
            did_you_mean(ticked[0], allowed),
            allowed.join(", ")
        );
    }
    message.to_string()
}

/// ` (did you mean `x`?)` when a candidate is close to `word`, else nothing.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_set_nested_scalars_and_create_mappings() {
        let mut doc = parse_text("a: {b: 1}\nlist: [1, 2]\n").unwrap();
        let mut problems = Vec::new();
        apply_overrides(
            &mut doc,
            &[
                "a.b=30".into(),
                "a.c.d=5m".into(),
                "list.1=true".into(),
                "a.b.x=1".into(),
                "nope".into(),
            ],
            &mut problems,
        );
        assert_eq!(doc["a"]["b"], 30);
        assert_eq!(doc["a"]["c"]["d"], "5m");
        assert_eq!(doc["list"][1], true);
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn suggests_close_keys() {
        assert_eq!(
            did_you_mean("worklods", TOP_LEVEL_KEYS),
            " (did you mean `workloads`?)"
        );
        assert_eq!(did_you_mean("zzzz", TOP_LEVEL_KEYS), "");
    }
}
