//! File-system safety for everything Stratus writes: what a path is (without following a
//! link), hidden temporary siblings, and atomic writes. An interrupted run never leaves a
//! half-written file behind, and an output never replaces something that is not a regular file.
//!
//! `write_atomic` writes a temporary sibling and renames it over the destination, but only
//! when the destination is absent or a regular file: a symbolic link, a device node, a FIFO
//! or a folder is refused with an error, never followed or replaced. (Between the check and
//! the rename another process could swap the file; Stratus writes into its own staging
//! folder, see `report::folder`, where nobody else does.)

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// What a path is, without following a final symbolic link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    Absent,
    File,
    Dir,
    Symlink,
    /// A character device or a FIFO: something that is written as a stream (`/dev/null`).
    Stream,
    /// A block device, a socket or anything else Stratus never writes to.
    Other,
}

/// Looks at `path` without following a final symbolic link.
pub fn existing(path: &Path) -> io::Result<Existing> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => Ok(kind_of(m.file_type())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Existing::Absent),
        Err(e) => Err(e),
    }
}

/// The kind of a file type (of a symlink itself, or of what `metadata` followed to).
pub fn kind_of(t: std::fs::FileType) -> Existing {
    if t.is_symlink() {
        Existing::Symlink
    } else if t.is_file() {
        Existing::File
    } else if t.is_dir() {
        Existing::Dir
    } else if is_stream(t) {
        Existing::Stream
    } else {
        Existing::Other
    }
}

#[cfg(unix)]
fn is_stream(t: std::fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    t.is_char_device() || t.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(_: std::fs::FileType) -> bool {
    false
}

/// Writes `bytes` to a temporary sibling of `path`, syncs it, then renames it over `path`.
/// Refuses (with an error naming the path) when `path` exists and is not a regular file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match existing(path)? {
        Existing::Absent | Existing::File => {}
        Existing::Symlink => {
            return Err(io::Error::other(format!(
                "{} is a symbolic link: Stratus neither writes through nor replaces links",
                path.display()
            )));
        }
        _ => {
            return Err(io::Error::other(format!(
                "{} exists and is not a regular file: Stratus does not replace it",
                path.display()
            )));
        }
    }
    let tmp = temp_sibling(path, "tmp");
    let result = (|| {
        // `create_new` never follows or reuses anything already at the temporary name.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A hidden sibling of `path` that no other write of this process uses:
/// `.NAME.PID-N.SUFFIX` (NAME cut to 100 bytes so the result stays a valid file name).
pub fn temp_sibling(path: &Path, suffix: &str) -> std::path::PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "output".into());
    let mut cut = name.len().min(100);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(
        ".{}.{}-{n}.{suffix}",
        &name[..cut],
        std::process::id()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_regular_files_and_refuses_links_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        write_atomic(&file, b"one").unwrap();
        write_atomic(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        assert!(write_atomic(&sub, b"x").is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&file, &link).unwrap();
            let e = write_atomic(&link, b"three").unwrap_err();
            assert!(e.to_string().contains("symbolic link"), "{e}");
            assert_eq!(std::fs::read(&file).unwrap(), b"two");
            assert_eq!(existing(&link).unwrap(), Existing::Symlink);
            assert_eq!(existing(Path::new("/dev/null")).unwrap(), Existing::Stream);
        }
        // Nothing but the file, the folder (and the link) is left: no temporary file.
        let expected = if cfg!(unix) { 3 } else { 2 };
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), expected);
    }
}
