//! Teaching labs: the guides in `scenarios/labs/` and the commands they tell a student to run.
//!
//! A lab is a guide `NN-topic.md` (its first `# ` heading is the title) beside its scenario
//! files. The commands a student runs are the `stratus ...` lines of the guide's fenced `sh`
//! blocks, so `stratus lab run`, the tests and the reader all use the same list. This module
//! only reads files and splits command lines; running them is the command line's job.

use std::fs;
use std::path::{Path, PathBuf};

/// One lab: its id (`01-alb-algorithms`), title, guide file and commands.
#[derive(Debug, Clone)]
pub struct Lab {
    pub id: String,
    pub title: String,
    pub guide: PathBuf,
    /// Each command's arguments after `stratus`, in the guide's order (before its
    /// `## Exercises` section).
    pub commands: Vec<Vec<String>>,
    /// The commands the exercises ask for (after predicting their outcome).
    pub exercises: Vec<Vec<String>>,
}

/// Every lab under `dir`, in id order.
pub fn labs(dir: &Path) -> Result<Vec<Lab>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut labs = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let is_guide = path.extension().is_some_and(|e| e == "md")
            && path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.as_bytes().first().is_some_and(u8::is_ascii_digit));
        if is_guide {
            labs.push(read(&path)?);
        }
    }
    labs.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(labs)
}

/// The lab whose id is `name` or starts with it (`01` or `01-alb-algorithms`).
pub fn find(dir: &Path, name: &str) -> Result<Lab, String> {
    let all = labs(dir)?;
    let matching: Vec<&Lab> = all
        .iter()
        .filter(|l| l.id == name || l.id.starts_with(&format!("{name}-")))
        .collect();
    match matching.as_slice() {
        [one] => Ok((*one).clone()),
        _ => {
            let ids: Vec<&str> = all.iter().map(|l| l.id.as_str()).collect();
            Err(format!("no lab `{name}`; the labs are: {}", ids.join(", ")))
        }
    }
}

fn read(path: &Path) -> Result<Lab, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let id = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    let title = text
        .lines()
        .find_map(|l| l.strip_prefix("# "))
        .unwrap_or(&id)
        .trim()
        .to_string();
    let (commands, exercises) = match text.find("\n## Exercises") {
        Some(at) => (commands(&text[..at]), commands(&text[at..])),
        None => (commands(&text), Ok(Vec::new())),
    };
    let at = |e: String| format!("{}: {e}", path.display());
    let (commands, exercises) = (commands.map_err(at)?, exercises.map_err(at)?);
    if commands.is_empty() {
        return Err(format!(
            "{}: the guide has no `stratus` command in a ```sh block",
            path.display()
        ));
    }
    Ok(Lab {
        id,
        title,
        guide: path.to_path_buf(),
        commands,
        exercises,
    })
}

/// The `stratus` command lines of a guide's ```sh blocks, split into arguments. A trailing
/// backslash continues a line; `#` starts a comment outside quotes.
pub fn commands(guide: &str) -> Result<Vec<Vec<String>>, String> {
    let mut out = Vec::new();
    let mut in_sh = false;
    let mut pending = String::new();
    for line in guide.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_sh = !in_sh && matches!(trimmed, "```sh" | "```bash" | "```shell");
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            pending.push_str(head);
            pending.push(' ');
            continue;
        }
        pending.push_str(trimmed);
        let words = split(&pending)?;
        pending.clear();
        if words.first().is_some_and(|w| w == "stratus") {
            out.push(words[1..].to_vec());
        }
    }
    Ok(out)
}

/// Splits a command line into words: whitespace separates, single and double quotes group.
fn split(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c == '#' && !in_word => break,
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err(format!("unclosed quote in `{line}`"));
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_come_from_sh_blocks_only() {
        let guide = "# T\n```sh\nstratus run a.yaml \\\n  --set 'x=1 2' # note\nls\n```\n\
                     ```yaml\nstratus no\n```\n";
        let c = commands(guide).unwrap();
        assert_eq!(c, vec![vec!["run", "a.yaml", "--set", "x=1 2"]]);
    }

    #[test]
    fn unclosed_quotes_are_reported() {
        assert!(commands("```sh\nstratus run 'a\n```\n").is_err());
    }
}
