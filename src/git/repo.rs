//! Opening a repository read-only, and the error wording shared by every reader.
//!
//! libgit2 only writes when asked to (an index refresh, a config or ref update), and nothing in
//! this module asks: the index opens the repository, reads refs and objects, and drops it.
//! Opening does not search parent directories, so a path that is not itself a repository is an
//! error rather than a quiet switch to whatever repository happens to enclose it.

use std::ffi::OsStr;
use std::path::Path;

use git2::{Repository, RepositoryOpenFlags};

use super::GitIndexError;

/// Opens the work tree or bare repository at `path`.
pub(super) fn open(path: &Path) -> Result<Repository, GitIndexError> {
    tune_libgit2();
    Repository::open_ext(path, RepositoryOpenFlags::NO_SEARCH, &[] as &[&OsStr]).map_err(|e| {
        GitIndexError::NotARepository {
            path: path.to_path_buf(),
            message: format!("expected a work tree or a bare repository: {}", e.message()),
        }
    })
}

/// Opens the repository whose git directory is `git_dir` once more, for another thread:
/// libgit2's `Repository` may move between threads but not be shared by them.
pub(super) fn open_again(git_dir: &Path, path: &Path) -> Result<Repository, GitIndexError> {
    Repository::open_ext(git_dir, RepositoryOpenFlags::NO_SEARCH, &[] as &[&OsStr])
        .map_err(|e| read_error(path, "the repository a second time", &e))
}

pub(super) fn read_error(path: &Path, what: &str, error: &git2::Error) -> GitIndexError {
    GitIndexError::Read {
        path: path.to_path_buf(),
        message: format!("expected to read {what}, but: {}", error.message()),
    }
}

/// Sets libgit2's process-wide read options once, before the first repository is opened.
///
/// * The object cache is off. The index reads every commit and tree once and each blob once,
///   so the cache only held objects nobody asked for again: with it, 50,000 commits took 285
///   MiB and 25 % longer; without it, 150 MiB.
/// * Objects are not re-hashed on read, as git does not re-hash them either (`git fsck` does).
///   Checking them cost another 20 %, and protects against nothing an audit can rely on: whoever
///   can rewrite a pack can as well rewrite the refs.
///
/// Both settings are process-wide; nothing else in provenant reads repositories with libgit2.
fn tune_libgit2() {
    static TUNED: std::sync::Once = std::sync::Once::new();
    TUNED.call_once(|| {
        git2::opts::enable_caching(false);
        git2::opts::strict_hash_verification(false);
    });
}
