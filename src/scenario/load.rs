//! Reading a scenario: text to a JSON value tree, `--set` overrides, then section-by-section
//! decoding so that every problem in the file is reported, each with its field path; and
//! reading the data files a scenario names (`DataFiles`).

use super::Problem;
use super::raw::{RawScenario, TOP_LEVEL_KEYS};
use serde::de::DeserializeOwned;
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

/// Parses YAML (or JSON, which YAML reads too) into a value tree.
pub fn parse_text(text: &str) -> Result<Value, Problem> {
    let value: Value = serde_yaml_ng::from_str(text).map_err(|e| Problem {
        path: String::new(),
        message: format!("not valid YAML: {e}"),
    })?;
    Ok(value)
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
        let value = serde_yaml_ng::from_str::<Value>(text).unwrap_or(Value::String(text.into()));
        if let Err(message) = set_path(doc, path.trim(), value) {
            problems.push(Problem::new(path.trim(), format!("--set: {message}")));
        }
    }
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

/// Decodes the value tree into the raw scenario, collecting every problem.
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
        match key.as_str() {
            "name" => raw.name = field(value, "name", problems),
            "description" => raw.description = field(value, "description", problems),
            "duration" => raw.duration = field(value, "duration", problems),
            "warmup" => raw.warmup = field(value, "warmup", problems),
            "seed" => raw.seed = field(value, "seed", problems),
            "metric_period" => raw.metric_period = field(value, "metric_period", problems),
            "max_events" => raw.max_events = field(value, "max_events", problems),
            "azs" => raw.azs = field(value, "azs", problems),
            "workloads" => raw.workloads = section(value, "workloads", problems),
            "load_balancers" => raw.load_balancers = section(value, "load_balancers", problems),
            "target_groups" => raw.target_groups = section(value, "target_groups", problems),
            "auto_scaling_groups" => {
                raw.auto_scaling_groups = section(value, "auto_scaling_groups", problems)
            }
            "pricing" => raw.pricing = Some(value),
            "nat_gateways" => raw.nat_gateways = field(value, "nat_gateways", problems),
            "metric_delay" => raw.metric_delay = field(value, "metric_delay", problems),
            "lambda_functions" => {
                raw.lambda_functions = section(value, "lambda_functions", problems)
            }
            "account" => raw.account = field(value, "account", problems),
            "queues" => raw.queues = section(value, "queues", problems),
            "databases" => raw.databases = section(value, "databases", problems),
            "dns" => raw.dns = section(value, "dns", problems),
            "faults" => raw.faults = field(value, "faults", problems).unwrap_or_default(),
            "availability_slo" => raw.availability_slo = field(value, "availability_slo", problems),
            "caches" => raw.caches = section(value, "caches", problems),
            other => problems.push(Problem::new(
                other,
                format!("unknown key{}", did_you_mean(other, TOP_LEVEL_KEYS)),
            )),
        }
    }
    raw
}

/// Decodes one value, reporting a failure at `path` plus the path inside the value.
pub fn field<T: DeserializeOwned>(
    value: Value,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Option<T> {
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
            problems.push(Problem::new(&full, explain_serde(&e.inner().to_string())));
            None
        }
    }
}

/// Decodes a mapping of named entries one entry at a time, so one bad entry does not hide
/// the problems of the others.
fn section<T: DeserializeOwned>(
    value: Value,
    path: &str,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, T> {
    let mut out = BTreeMap::new();
    match value {
        Value::Object(map) => {
            for (name, entry) in map {
                if let Some(v) = field(entry, &format!("{path}.{name}"), problems) {
                    out.insert(name, v);
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
