//! The git index cache: one file per repository holding what the history walk found (every
//! commit, and every configuration blob with its digests, first commit and paths), so that a
//! re-audit reads the file and walks only the commits that are new.
//!
//! Never trusted blindly. A file that is cut short, altered or of another repository fails a
//! check (length, checksum, identity, and every index and order while decoding), is reported
//! once and rebuilt; a file of another format or tool version is rebuilt quietly. What the file
//! says is also checked against the repository: commits it holds that no ref reaches any more
//! (a force-push, a deleted branch) make the history be walked again, and a changed shallow
//! boundary makes it be read again. See `docs/cli.md` ("The git index cache").

mod bytes;
mod checksum;
mod codec;
mod location;
mod store;

use std::fmt;
use std::path::{Path, PathBuf};

use codec::Unusable;
pub(super) use codec::{commit_details, Snapshot};

use super::blobs::BlobTable;
use super::graph::Graph;

/// Where the git index is cached between runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheSettings {
    /// Index from scratch; read and write no cache.
    Disabled,
    /// One file per repository in this directory, created when missing.
    Directory(PathBuf),
}

impl CacheSettings {
    /// The per-user cache directory (`$XDG_CACHE_HOME/provenant` or `~/.cache/provenant`;
    /// `~/Library/Caches/provenant` on macOS; `%LOCALAPPDATA%\provenant\cache` on Windows), or
    /// `Disabled` when the environment names no home directory.
    pub fn per_user() -> CacheSettings {
        location::per_user_dir().map_or(CacheSettings::Disabled, CacheSettings::Directory)
    }
}

/// How the cache served one opening of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheState {
    /// No cache was used.
    Disabled,
    /// There was no cache file: indexed from scratch, then saved.
    Cold,
    /// The cache held every commit.
    Warm,
    /// The cache lacked `commits` commits, and the history was extended by them.
    Extended { commits: usize },
    /// `unreachable` cached commits are no longer reachable from any ref (a rewritten history,
    /// a deleted branch): the history was walked again without them (blob digests were kept:
    /// a blob's content is fixed by its id), with `new` commits the cache lacked.
    Rewalked { unreachable: usize, new: usize },
    /// The cache file could not be used, for `reason`: indexed from scratch, then saved.
    Rebuilt { reason: String },
}

impl fmt::Display for CacheState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let commits = |n: usize| format!("{n} commit{}", if n == 1 { "" } else { "s" });
        match self {
            CacheState::Disabled => f.write_str("not used"),
            CacheState::Cold => f.write_str("none yet, built"),
            CacheState::Warm => f.write_str("up to date"),
            CacheState::Extended { commits: n } => write!(f, "extended by {}", commits(*n)),
            CacheState::Rewalked { unreachable, new } => write!(
                f,
                "walked again: {} no longer reachable, {} new",
                commits(*unreachable),
                commits(*new)
            ),
            CacheState::Rebuilt { reason } => write!(f, "rebuilt: {reason}"),
        }
    }
}

/// What the cache did, and what the user should hear about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheOutcome {
    pub state: CacheState,
    /// The cache file, when a cache was used.
    pub file: Option<PathBuf>,
    /// Problems to report once on stderr: a damaged or foreign file (it was rebuilt), a file or
    /// directory that could not be read or written. None of them changes the index.
    pub warnings: Vec<String>,
}

impl CacheOutcome {
    pub(super) fn disabled() -> CacheOutcome {
        CacheOutcome {
            state: CacheState::Disabled,
            file: None,
            warnings: Vec::new(),
        }
    }
}

/// What a cache file held.
pub(super) enum Loaded {
    Absent,
    /// Unusable for `reason`; `warn` when the user should hear of it (damage, not an upgrade).
    Unusable {
        reason: String,
        warn: bool,
    },
    Snapshot(Box<Snapshot>),
}

/// One repository's cache file.
pub(super) struct CacheFile {
    dir: PathBuf,
    path: PathBuf,
    identity: Vec<u8>,
}

impl CacheFile {
    /// The file in `dir` for the repository whose git directory is `git_dir`.
    pub(super) fn for_repository(dir: &Path, git_dir: &Path) -> CacheFile {
        let identity = location::identity(git_dir);
        CacheFile {
            dir: dir.to_path_buf(),
            path: location::file_in(dir, &identity),
            identity,
        }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn load(&self) -> Loaded {
        let bytes = match store::read(&self.path) {
            Ok(None) => return Loaded::Absent,
            Ok(Some(bytes)) => bytes,
            Err(e) => {
                return Loaded::Unusable {
                    reason: format!("it could not be read ({e})"),
                    warn: true,
                }
            }
        };
        match codec::decode(bytes, &self.identity) {
            Ok(snapshot) => Loaded::Snapshot(Box::new(snapshot)),
            Err(Unusable::Stale(reason)) => Loaded::Unusable {
                reason,
                warn: false,
            },
            Err(Unusable::Damaged(reason) | Unusable::Foreign(reason)) => {
                Loaded::Unusable { reason, warn: true }
            }
        }
    }

    /// Writes the history; the error is for a warning (the index itself is unaffected).
    pub(super) fn save(
        &self,
        shallow: &[u8; 32],
        graph: &Graph,
        blobs: &BlobTable,
    ) -> Result<(), String> {
        let bytes = codec::encode(&self.identity, shallow, graph, blobs);
        store::write(&self.dir, &self.path, &bytes).map_err(|e| e.to_string())
    }

    /// Marks the file as used, so that it is not pruned as unused.
    pub(super) fn touch(&self) {
        store::touch(&self.path);
    }
}
