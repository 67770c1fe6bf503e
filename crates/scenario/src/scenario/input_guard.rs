//! Guards in front of the YAML parser: input files are read with a size limit and only when
//! they are regular files, flow nesting is bounded before any parser sees the text (the YAML
//! scanner is quadratic in the depth of unclosed brackets), and duplicate mapping keys are
//! found with the line of each occurrence.

use super::Problem;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// The largest scenario or price table file read (64 MiB).
pub const MAX_SCENARIO_BYTES: u64 = 64 << 20;
/// The largest data file (trace or empirical samples) read (256 MiB).
pub const MAX_DATA_BYTES: u64 = 256 << 20;
/// The deepest nesting of flow collections (`[`, `{`) accepted. Scenario files need fewer
/// than ten levels; serde's own recursion limit is 128.
pub const MAX_FLOW_DEPTH: usize = 64;

/// Reads a text file of at most `limit` bytes. Devices, pipes and folders are refused before
/// anything is read, so `/dev/zero` or `/dev/urandom` cannot exhaust memory.
pub fn read_text_limited(path: &Path, limit: u64) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return Err("it is a folder, not a file".into());
    }
    if !meta.is_file() {
        return Err("not a regular file (a device, pipe or socket); give a file".into());
    }
    if meta.len() > limit {
        return Err(format!(
            "the file has {} bytes; at most {} are read",
            meta.len(),
            limit
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > limit {
        return Err(format!("the file is larger than {limit} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| "stream did not contain valid UTF-8".to_string())
}

/// Checks a component's name against what AWS allows for the resource: letters, digits,
/// `-` and `_` everywhere (so names stay parseable in series names and CSV), load balancers
/// and target groups at most 32 characters of letters, digits and `-` (not at either end),
/// Lambda functions at most 64, queues at most 80, everything else at most 255.
pub fn check_component_name(section: &str, name: &str) -> Result<(), String> {
    let shown: String = name.chars().take(40).flat_map(char::escape_debug).collect();
    let (max, hyphen_only) = match section {
        // ELB: CreateLoadBalancer / CreateTargetGroup `Name`.
        "load_balancers" | "target_groups" => (32, true),
        // Lambda: CreateFunction `FunctionName` (the name form).
        "lambda_functions" => (64, false),
        // SQS: CreateQueue `QueueName`.
        "queues" => (80, false),
        _ => (255, false),
    };
    let chars_ok = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || (c == '_' && !hyphen_only));
    let ends_ok = !hyphen_only || !(name.starts_with('-') || name.ends_with('-'));
    if name.is_empty() || name.chars().count() > max || !chars_ok || !ends_ok {
        let allowed = if hyphen_only {
            "letters, digits and `-` (not first or last)"
        } else {
            "letters, digits, `-` and `_`"
        };
        return Err(format!(
            "the name `{shown}` is not allowed: use 1 to {max} {allowed}"
        ));
    }
    Ok(())
}

/// Refuses text whose flow collections nest deeper than `MAX_FLOW_DEPTH`. The scan skips
/// comments and quoted scalars, so brackets inside strings do not count.
pub fn check_nesting(text: &str) -> Result<(), Problem> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut prev = '\n';
    let mut comment = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if comment {
            comment = c != '\n';
        } else if let Some(q) = quote {
            if c == q {
                if q == '\'' && chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    quote = None;
                }
            } else if c == '\\' && q == '"' {
                chars.next();
            }
        } else {
            let starts_token = prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':');
            match c {
                '#' if prev.is_whitespace() => comment = true,
                '"' | '\'' if starts_token => quote = Some(c),
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_FLOW_DEPTH {
                        return Err(Problem::new(
                            "",
                            format!(
                                "not valid YAML: brackets nest deeper than {MAX_FLOW_DEPTH} levels"
                            ),
                        ));
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        prev = c;
    }
    Ok(())
}

/// Every mapping key that appears twice in the same mapping, with both line numbers.
/// Text the event parser cannot read yields nothing here: the YAML parser reports it.
pub fn duplicate_keys(text: &str) -> Vec<Problem> {
    let mut finder = DuplicateFinder::default();
    let mut parser = Parser::new_from_str(text);
    if parser.load(&mut finder, false).is_err() {
        return Vec::new();
    }
    finder.problems
}

enum Frame {
    Map {
        path: String,
        seen: HashMap<String, usize>,
        key: Option<String>,
    },
    Seq {
        path: String,
        index: usize,
    },
}

#[derive(Default)]
struct DuplicateFinder {
    stack: Vec<Frame>,
    problems: Vec<Problem>,
}

fn join(path: &str, part: &str) -> String {
    if path.is_empty() {
        part.to_string()
    } else {
        format!("{path}.{part}")
    }
}

impl DuplicateFinder {
    /// The path of the node that starts now, advancing the parent past it.
    fn child_path(&mut self) -> String {
        match self.stack.last_mut() {
            None => String::new(),
            Some(Frame::Map { path, key, .. }) => join(path, key.take().as_deref().unwrap_or("?")),
            Some(Frame::Seq { path, index }) => {
                let p = format!("{path}[{index}]");
                *index += 1;
                p
            }
        }
    }

    /// True when the parent is a mapping waiting for a key.
    fn at_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }
}

impl MarkedEventReceiver for DuplicateFinder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) if self.at_key() => {
                let line = mark.line();
                if let Some(Frame::Map { path, seen, key }) = self.stack.last_mut() {
                    if let Some(first) = seen.get(&value) {
                        self.problems.push(Problem::new(
                            &join(path, &value),
                            format!("duplicate key `{value}` (lines {first} and {line})"),
                        ));
                    } else {
                        seen.insert(value.clone(), line);
                    }
                    *key = Some(value);
                }
            }
            Event::Scalar(..) | Event::Alias(_) => {
                self.child_path();
            }
            Event::MappingStart(..) => {
                let path = if self.at_key() {
                    // A complex key: give it a placeholder so its value is still a child.
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some("?".into());
                    }
                    "?".into()
                } else {
                    self.child_path()
                };
                self.stack.push(Frame::Map {
                    path,
                    seen: HashMap::new(),
                    key: None,
                });
            }
            Event::SequenceStart(..) => {
                let path = if self.at_key() {
                    if let Some(Frame::Map { key, .. }) = self.stack.last_mut() {
                        *key = Some("?".into());
                    }
                    "?".into()
                } else {
                    self.child_path()
                };
                self.stack.push(Frame::Seq { path, index: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_name_both_lines_at_any_depth() {
        let text = "a: 1\nb:\n  c: 1\n  c: 2\na: 3\nl: [{x: 1, x: 2}]\n";
        let problems = duplicate_keys(text);
        let shown: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        assert_eq!(
            shown,
            [
                "b.c: duplicate key `c` (lines 3 and 4)",
                "a: duplicate key `a` (lines 1 and 5)",
                "l[0].x: duplicate key `x` (lines 6 and 6)",
            ]
        );
    }

    #[test]
    fn nesting_is_bounded_but_brackets_in_strings_and_comments_do_not_count() {
        let deep = format!("name: {}", "[".repeat(MAX_FLOW_DEPTH + 1));
        assert!(check_nesting(&deep).is_err());
        let ok = format!("a: '{0}'\nb: \"{0}\" # {0}\nc: [[1]]\n", "[".repeat(1000));
        assert!(check_nesting(&ok).is_ok());
    }
}
