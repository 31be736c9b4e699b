//! Where cache files live: the per-user cache directory, and one file per repository in it,
//! named by the repository's identity.

use std::path::{Path, PathBuf};

use super::store::EXTENSION;
use crate::model::id::hex;

/// The per-user cache directory for provenant: `$XDG_CACHE_HOME/provenant`, else
/// `~/.cache/provenant`; `~/Library/Caches/provenant` on macOS; `%LOCALAPPDATA%\provenant\cache`
/// on Windows. `None` when the environment names no home directory.
pub(super) fn per_user_dir() -> Option<PathBuf> {
    if cfg!(windows) {
        return absolute_var("LOCALAPPDATA").map(|dir| dir.join("provenant").join("cache"));
    }
    if cfg!(target_os = "macos") {
        return absolute_var("HOME").map(|home| home.join("Library/Caches/provenant"));
    }
    // The XDG base directory spec says a relative value is to be ignored.
    absolute_var("XDG_CACHE_HOME")
        .or_else(|| absolute_var("HOME").map(|home| home.join(".cache")))
        .map(|dir| dir.join("provenant"))
}

fn absolute_var(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .map(PathBuf::from)
        .filter(|path| path.is_absolute())
}

/// What identifies a repository: its git directory's canonical path (so that `repo`,
/// `./repo/` and a symlink to it share one file). Everything the cache holds is named by
/// content (commit, tree and blob ids), so a repository replaced by another at the same path
/// needs no other key: the old commits are then unreachable, and the history is walked again.
pub(super) fn identity(git_dir: &Path) -> Vec<u8> {
    let canonical = git_dir
        .canonicalize()
        .unwrap_or_else(|_| git_dir.to_path_buf());
    canonical.as_os_str().as_encoded_bytes().to_vec()
}

/// The file for the repository with `identity` in `dir`.
pub(super) fn file_in(dir: &Path, identity: &[u8]) -> PathBuf {
    let key = hex(&crate::model::id::sha256(identity));
    dir.join(format!("{}.{EXTENSION}", &key[..32]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_repository_reached_by_different_paths_has_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let git_dir = dir.path().join("repo/.git");
        std::fs::create_dir_all(&git_dir).unwrap();
        let roundabout = dir.path().join("repo/../repo/.git/");
        assert_eq!(identity(&git_dir), identity(&roundabout));
        let cache = Path::new("/cache");
        assert_eq!(
            file_in(cache, &identity(&git_dir)),
            file_in(cache, &identity(&roundabout))
        );
        let other = dir.path().join("other/.git");
        std::fs::create_dir_all(&other).unwrap();
        assert_ne!(
            file_in(cache, &identity(&git_dir)),
            file_in(cache, &identity(&other))
        );
    }
}
