//! Variant names and their folders: unique, so no variant's outputs overwrite another's, and
//! safe as file names whatever a scenario file, a `--vary` value or a shard manifest says.

use std::collections::HashSet;
use std::path::Path;

/// Makes `names` unique in order: a repeated name gets `#2`, `#3`, ... (the first keeps its
/// name). Returns a note per renamed variant, for the command line to print.
pub fn make_unique(names: &mut [String]) -> Vec<String> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut notes = Vec::new();
    for name in names.iter_mut() {
        if seen.insert(name.clone()) {
            continue;
        }
        let renamed = (2..)
            .map(|k| format!("{name}#{k}"))
            .find(|n| !seen.contains(n))
            .expect("some suffix is free");
        notes.push(format!(
            "two variants are named `{name}`; the later one is `{renamed}`"
        ));
        seen.insert(renamed.clone());
        *name = renamed;
    }
    notes
}

/// Labels for scenario files compared side by side: each file's stem, or when stems agree,
/// as many of its parent folders as tell them apart (`a/x`, `b/x`).
pub fn file_labels(paths: &[&Path]) -> Vec<String> {
    let parts: Vec<Vec<String>> = paths
        .iter()
        .map(|p| {
            let mut v: Vec<String> = p
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            v.reverse();
            v
        })
        .collect();
    let label = |i: usize, depth: usize| {
        let mut v: Vec<&str> = parts[i].iter().take(depth).map(String::as_str).collect();
        v.reverse();
        v.join("/")
    };
    (0..paths.len())
        .map(|i| {
            let deepest = parts[i].len().max(1);
            (1..=deepest)
                .map(|d| label(i, d))
                .find(|l| {
                    (0..paths.len())
                        .filter(|&j| j != i)
                        .all(|j| label(j, l.matches('/').count() + 1) != *l)
                })
                .unwrap_or_else(|| label(i, deepest))
        })
        .collect()
}

/// The longest variant folder name, in bytes.
const MAX_FOLDER_LEN: usize = 100;

/// Each variant's folder under `variants/`: its name with characters other than letters,
/// digits, `-`, `_`, `.` and `=` replaced by `_`, cut to 100 bytes, never starting with `.`
/// (so never `.` or `..`), and unique ignoring case (`-2`, `-3`, ... on a clash).
pub fn variant_folders(names: &[String]) -> Vec<String> {
    let mut seen: HashSet<String> = HashSet::new();
    names
        .iter()
        .map(|name| {
            let mut base: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.=".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .take(MAX_FOLDER_LEN)
                .collect();
            if base.is_empty() || base.starts_with('.') {
                base.insert(0, '_');
            }
            let folder = (1..)
                .map(|k| {
                    if k == 1 {
                        base.clone()
                    } else {
                        format!("{base}-{k}")
                    }
                })
                .find(|f| !seen.contains(&f.to_lowercase()))
                .expect("some suffix is free");
            seen.insert(folder.to_lowercase());
            folder
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_suffixed_in_order() {
        let mut n: Vec<String> = ["seed=1", "seed=1", "x", "seed=1#2"]
            .map(String::from)
            .into();
        let notes = make_unique(&mut n);
        assert_eq!(n, ["seed=1", "seed=1#2", "x", "seed=1#2#2"]);
        assert_eq!(notes.len(), 2);
    }

    #[test]
    fn files_with_one_stem_are_told_apart_by_their_folders() {
        let p = [
            Path::new("in/a/x.yaml"),
            Path::new("in/b/x.yaml"),
            Path::new("y.yaml"),
        ];
        assert_eq!(file_labels(&p), ["a/x", "b/x", "y"]);
        let same = [Path::new("a/x.yaml"), Path::new("a/x.yaml")];
        assert_eq!(file_labels(&same), ["a/x", "a/x"]);
    }

    #[test]
    fn folders_are_safe_and_unique() {
        let names: Vec<String> = ["..", ".", "", "a/b", "a_b", "A_B", "seed=1#2"]
            .map(String::from)
            .into();
        assert_eq!(
            variant_folders(&names),
            ["_..", "_.", "_", "a_b", "a_b-2", "A_B-3", "seed=1_2"]
        );
        assert_eq!(variant_folders(&["é".repeat(300)])[0].len(), 100);
    }
}
