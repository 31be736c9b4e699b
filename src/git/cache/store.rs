//! Reading and writing cache files so that concurrent audits never see half a file.
//!
//! A file is written whole to a new temporary file in the same directory and then renamed over
//! the old one: rename is atomic within a file system, so a reader opens either the old file or
//! the new one, and two writers leave whichever renamed last. No lock is needed, and a process
//! killed while writing leaves only a temporary file, which a later write removes once it is an
//! hour old. There is no fsync: a file damaged by a crash fails its checksum and is rebuilt.
//!
//! Files nobody has used for `UNUSED_DAYS` (repositories deleted, CI checkouts gone) are removed
//! when a cache is written, so the directory does not grow without end; a warm audit touches
//! its file to keep it.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Cache files end with this.
pub(super) const EXTENSION: &str = "gitindex";
const TEMPORARY: &str = ".tmp";
/// Larger than any history this tool will meet; a bigger file is not one of ours.
const MAX_BYTES: u64 = 16 << 30;
const UNUSED_DAYS: u64 = 30;
const STALE_TEMPORARY: Duration = Duration::from_secs(3600);

/// The file's bytes; `None` when there is no file.
pub(super) fn read(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        // A directory that does not exist, or a file where it should be: no cache yet (and
        // the write will say what is in the way).
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None)
        }
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if len > MAX_BYTES {
        return Err(io::Error::other(format!("{len} bytes is too large")));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    io::Read::read_to_end(&mut file, &mut bytes)?;
    Ok(Some(bytes))
}

/// Replaces `path` (in `dir`) with `bytes`, atomically.
pub(super) fn write(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    prepare(dir)?;
    let temporary = temporary_name(path);
    let written = OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temporary)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    prune(dir);
    Ok(())
}

/// Marks `path` as used now (best effort: a file that cannot be touched is only pruned
/// sooner).
pub(super) fn touch(path: &Path) {
    if let Ok(file) = OpenOptions::new().append(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

/// Creates the directory, tagged so that backup tools skip it
/// (<https://bford.info/cachedir/>).
fn prepare(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let tag = dir.join("CACHEDIR.TAG");
    if !tag.exists() {
        let _ = fs::write(
            tag,
            "Signature: 8a477f597d28d172789f06886806bc55\n\
             # This file is a cache directory tag created by provenant.\n\
             # For information about cache directory tags see https://bford.info/cachedir/\n",
        );
    }
    Ok(())
}

/// A name no other writer, in this process or another, is using.
fn temporary_name(path: &Path) -> std::path::PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut name = path.as_os_str().to_owned();
    name.push(format!(
        ".{}.{nanos}.{}{TEMPORARY}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    name.into()
}

/// Removes cache files unused for `UNUSED_DAYS` and temporary files left by killed writers.
/// Best effort: a file another audit removes first, or cannot be removed, is left alone.
fn prune(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let limit = if name.ends_with(TEMPORARY) && name.contains(EXTENSION) {
            STALE_TEMPORARY
        } else if name.ends_with(&format!(".{EXTENSION}")) {
            Duration::from_secs(UNUSED_DAYS * 24 * 3600)
        } else {
            continue;
        };
        let age = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| now.duration_since(modified).ok());
        if age.is_some_and(|age| age > limit) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_whole_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(format!("key.{EXTENSION}"));
        assert_eq!(read(&path).unwrap(), None);
        write(dir.path(), &path, b"first").unwrap();
        write(dir.path(), &path, b"second").unwrap();
        assert_eq!(read(&path).unwrap().unwrap(), b"second");
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["CACHEDIR.TAG", "key.gitindex"]);
    }

    #[test]
    fn old_files_and_stale_temporaries_are_pruned_and_others_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs((UNUSED_DAYS + 1) * 24 * 3600);
        let aged = |name: &str| {
            let path = dir.path().join(name);
            fs::write(&path, b"x").unwrap();
            File::options()
                .append(true)
                .open(&path)
                .unwrap()
                .set_modified(old)
                .unwrap();
        };
        aged("gone.gitindex");
        aged("gone.gitindex.12.34.0.tmp");
        aged("unrelated.txt");
        fs::write(dir.path().join("young.gitindex.1.2.3.tmp"), b"x").unwrap();
        write(dir.path(), &dir.path().join("kept.gitindex"), b"new").unwrap();
        let mut names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "CACHEDIR.TAG",
                "kept.gitindex",
                "unrelated.txt",
                "young.gitindex.1.2.3.tmp"
            ]
        );
    }
}
