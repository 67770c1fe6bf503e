//! Output folders written whole: a command writes its folder beside the destination (a hidden
//! staging sibling) and swaps it in at the end, so the destination holds either the previous
//! command's complete outputs or this command's, never a mix and never half of either.
//!
//! [`OutputFolder::begin`] checks the destination before anything runs: it must be absent,
//! empty, or a folder Stratus wrote (it holds `summary.json`, `compare.json`, `sweep.json`
//! or `experiment.json`), because it is replaced as a whole; it must not be the current
//! folder or hold one of the command's inputs. A symbolic link to a folder is followed (the
//! folder it names is replaced, the link stays). Dropping an uncommitted folder removes the
//! staging copy.

use crate::files::{Existing, existing, temp_sibling};
use std::io;
use std::path::{Component, Path, PathBuf};

/// The files whose presence marks a folder as written by Stratus (so it may be replaced).
pub const MARKER_FILES: [&str; 4] = [
    "summary.json",
    "compare.json",
    "sweep.json",
    "experiment.json",
];

/// The longest file name most file systems accept, in bytes.
pub const NAME_MAX: usize = 255;

/// An output folder being written: files go to [`OutputFolder::path`], and
/// [`OutputFolder::commit`] swaps them in.
#[derive(Debug)]
pub struct OutputFolder {
    shown: PathBuf,
    real: PathBuf,
    staging: PathBuf,
    existed: bool,
    committed: bool,
}

impl OutputFolder {
    /// Checks `dest` and creates the staging folder. `inputs` are files and folders the
    /// command reads, which must not lie inside `dest`. The error says why `dest` is unusable.
    pub fn begin(dest: &Path, inputs: &[&Path]) -> Result<OutputFolder, String> {
        let shown = dest.display();
        let too_long = |name: &std::ffi::OsStr| {
            (name.len() > NAME_MAX).then(|| {
                format!(
                    "the output folder's name is {} bytes long; file systems allow {NAME_MAX}",
                    name.len()
                )
            })
        };
        if let Some(m) = dest.file_name().and_then(too_long) {
            return Err(m);
        }
        let real = match existing(dest).map_err(|e| format!("{shown}: {e}"))? {
            Existing::Symlink => match std::fs::canonicalize(dest) {
                Ok(t) if t.is_dir() => t,
                Ok(t) => {
                    return Err(format!(
                        "{shown} is a symbolic link to {}, which is not a folder",
                        t.display()
                    ));
                }
                Err(_) => return Err(format!("{shown} is a symbolic link to nothing")),
            },
            _ => normalize(dest),
        };
        let Some(name) = real.file_name() else {
            return Err(format!("{shown} names no folder Stratus could replace"));
        };
        if let Some(m) = too_long(name) {
            return Err(m);
        }
        if let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize)
            && cwd.starts_with(&real)
        {
            return Err(format!(
                "{shown} is the current folder or holds it; Stratus replaces its output folder \
                 as a whole, so give a folder of its own"
            ));
        }
        for input in inputs {
            if normalize(input).starts_with(&real) {
                return Err(format!(
                    "{shown} holds the input {}; Stratus replaces its output folder as a whole, \
                     so give a folder of its own",
                    input.display()
                ));
            }
        }
        let existed = match existing(&real).map_err(|e| format!("{shown}: {e}"))? {
            Existing::Absent => false,
            Existing::Dir => {
                if !replaceable(&real) {
                    return Err(format!(
                        "{shown} is a folder Stratus did not write (it holds none of {}); \
                         Stratus replaces its output folder as a whole, so give a new or empty \
                         folder",
                        MARKER_FILES.join(", ")
                    ));
                }
                true
            }
            _ => return Err(format!("{shown} exists and is not a folder")),
        };
        let parent = real.parent().unwrap_or(Path::new("/"));
        std::fs::create_dir_all(parent).map_err(|e| format!("{shown}: {e}"))?;
        let staging = temp_sibling(&real, "tmp");
        std::fs::create_dir(&staging).map_err(|e| format!("{shown}: {e}"))?;
        Ok(OutputFolder {
            shown: dest.to_path_buf(),
            real,
            staging,
            existed,
            committed: false,
        })
    }

    /// Where the files go until `commit`.
    pub fn path(&self) -> &Path {
        &self.staging
    }

    /// The folder as the user named it.
    pub fn shown(&self) -> &Path {
        &self.shown
    }

    /// Where a file the user named lands: inside the staging copy when it lies inside the
    /// destination (it is then part of the swapped folder), `None` when it lies elsewhere.
    pub fn place(&self, path: &Path) -> Option<PathBuf> {
        let p = normalize(path);
        let rel = p.strip_prefix(&self.real).ok()?;
        Some(self.staging.join(rel))
    }

    /// What an unfinished command leaves at the destination, for its message.
    pub fn left_behind(&self) -> String {
        if self.existed {
            format!(
                "the previous outputs in {} are unchanged",
                self.shown.display()
            )
        } else {
            format!("nothing was written to {}", self.shown.display())
        }
    }

    /// Swaps the staging copy in: the previous folder (if any) is moved aside, the new one
    /// renamed into place, and the old one removed. Another command swapping its own copy into
    /// the same place at the same moment makes a step fail; the swap is then tried again.
    pub fn commit(mut self) -> io::Result<()> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            match self.swap() {
                Ok(()) => break,
                Err(e)
                    if attempts < 5
                        && matches!(
                            e.kind(),
                            io::ErrorKind::NotFound
                                | io::ErrorKind::DirectoryNotEmpty
                                | io::ErrorKind::AlreadyExists
                        ) => {}
                Err(e) => return Err(e),
            }
        }
        self.committed = true;
        Ok(())
    }

    fn swap(&self) -> io::Result<()> {
        match existing(&self.real)? {
            Existing::Absent => std::fs::rename(&self.staging, &self.real),
            Existing::Dir => {
                let old = temp_sibling(&self.real, "old");
                std::fs::rename(&self.real, &old)?;
                if let Err(e) = std::fs::rename(&self.staging, &self.real) {
                    // Put the previous outputs back, unless another command's finished folder
                    // took their place meanwhile (then they are stale).
                    if std::fs::rename(&old, &self.real).is_err() {
                        let _ = std::fs::remove_dir_all(&old);
                    }
                    return Err(e);
                }
                // The new outputs are in place; a leftover of the old ones is only untidy.
                let _ = std::fs::remove_dir_all(&old);
                Ok(())
            }
            _ => Err(io::Error::other(format!(
                "{} is no longer a folder",
                self.shown.display()
            ))),
        }
    }
}

impl Drop for OutputFolder {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Empty, or holding one of [`MARKER_FILES`].
fn replaceable(dir: &Path) -> bool {
    let empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
    empty || MARKER_FILES.iter().any(|f| dir.join(f).is_file())
}

/// An absolute path without `.` or `..`: the longest existing prefix canonicalized (links
/// followed), the rest appended as written.
pub fn normalize(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let comps: Vec<Component> = abs.components().collect();
    for i in (1..=comps.len()).rev() {
        let prefix: PathBuf = comps[..i].iter().collect();
        if let Ok(mut out) = prefix.canonicalize() {
            for c in &comps[i..] {
                match c {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::Normal(n) => out.push(n),
                    _ => {}
                }
            }
            return out;
        }
    }
    abs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_folder_is_swapped_whole_or_not_at_all() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("out");
        let first = OutputFolder::begin(&dest, &[]).unwrap();
        std::fs::write(first.path().join("summary.json"), "1").unwrap();
        std::fs::write(first.path().join("extra.csv"), "x").unwrap();
        first.commit().unwrap();
        assert_eq!(names(&dest), ["extra.csv", "summary.json"]);
        // An unfinished second command leaves the first one's outputs.
        let second = OutputFolder::begin(&dest, &[]).unwrap();
        std::fs::write(second.path().join("summary.json"), "2").unwrap();
        assert!(second.left_behind().contains("unchanged"));
        drop(second);
        assert_eq!(names(tmp.path()), ["out"]);
        assert_eq!(
            std::fs::read_to_string(dest.join("summary.json")).unwrap(),
            "1"
        );
        // A finished one replaces them all: no file of the first is left.
        let third = OutputFolder::begin(&dest, &[]).unwrap();
        std::fs::write(third.path().join("summary.json"), "3").unwrap();
        third.commit().unwrap();
        assert_eq!(names(&dest), ["summary.json"]);
        assert_eq!(names(tmp.path()), ["out"]);
    }

    #[test]
    fn commands_swapping_into_one_folder_at_once_each_leave_a_whole_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("out");
        std::thread::scope(|s| {
            for k in 0..8 {
                let dest = &dest;
                s.spawn(move || {
                    let f = OutputFolder::begin(dest, &[]).unwrap();
                    std::fs::write(f.path().join("summary.json"), k.to_string()).unwrap();
                    std::fs::write(f.path().join("k.txt"), k.to_string()).unwrap();
                    f.commit().unwrap();
                });
            }
        });
        assert_eq!(names(tmp.path()), ["out"]);
        assert_eq!(
            std::fs::read_to_string(dest.join("summary.json")).unwrap(),
            std::fs::read_to_string(dest.join("k.txt")).unwrap()
        );
    }

    #[test]
    fn unusable_destinations_are_refused_before_anything_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let mine = tmp.path().join("mine");
        std::fs::create_dir(&mine).unwrap();
        std::fs::write(mine.join("notes.txt"), "keep").unwrap();
        let err = |p: &Path, inputs: &[&Path]| OutputFolder::begin(p, inputs).unwrap_err();
        assert!(err(&file, &[]).contains("not a folder"));
        assert!(err(&mine, &[]).contains("did not write"));
        assert!(err(tmp.path(), &[&mine.join("notes.txt")]).contains("holds the input"));
        assert!(err(&tmp.path().join("n".repeat(300)), &[]).contains("255"));
        assert_eq!(names(tmp.path()), ["file", "mine"]);
        // Inside the destination, a named file lands in the staging copy.
        let out = OutputFolder::begin(&tmp.path().join("o"), &[]).unwrap();
        let placed = out.place(&tmp.path().join("o/./t/../trace.jsonl")).unwrap();
        assert_eq!(placed, out.path().join("trace.jsonl"));
        assert_eq!(out.place(&file), None);
    }
}
