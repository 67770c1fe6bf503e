//! The rule for a scenario's name, which names its default output folder
//! (`outputs/<name>/`) and is checked again when `merge` reads it from a shard manifest.

/// The longest scenario name: with `-compare-shard-K-of-N` it still fits a file name.
pub const MAX_NAME_LEN: usize = 100;

/// `None` when `name` may name an output folder, else what is wrong: 1 to 100 ASCII letters,
/// digits, `-`, `_` and `.`, starting with a letter or a digit (so never `.`, `..`, a hidden
/// folder or something that reads as a flag).
pub fn name_problem(name: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    let ok = name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(allowed);
    (!ok).then(|| {
        format!(
            "expected 1 to {MAX_NAME_LEN} letters, digits, `-`, `_` or `.`, starting with a letter \
             or digit (it names the output folder), got {}",
            excerpt(name)
        )
    })
}

/// A short, escaped excerpt of untrusted text for a message: at most 32 characters, control
/// characters and quotes escaped, in backticks, with `...` when cut.
pub fn excerpt(text: &str) -> String {
    const MAX: usize = 32;
    let shown: String = text
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    let more = if text.chars().nth(MAX).is_some() {
        "..."
    } else {
        ""
    };
    format!("`{shown}`{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_leave_the_outputs_folder_are_refused() {
        for ok in ["quickstart", "lab-01.v2", "a", "9_x"] {
            assert_eq!(name_problem(ok), None, "{ok}");
        }
        let long = "n".repeat(MAX_NAME_LEN + 1);
        for bad in [
            "",
            ".",
            "..",
            ".hidden",
            "-x",
            "a/b",
            "../x",
            "a\0b",
            "é",
            long.as_str(),
        ] {
            assert!(name_problem(bad).is_some(), "{bad}");
        }
        assert_eq!(excerpt("a\nb"), "`a\\nb`");
        assert!(excerpt(&long).ends_with("`..."));
    }
}
