//! The git index: what was committed, read once per repository and then asked many questions.
//!
//! It holds every commit reachable from every ref (local and remote-tracking branches,
//! lightweight and annotated tags), the release branches and which commits they reach, and for
//! paths that look like configuration, every blob's git id, sha256 and sha1 with the first
//! commit and every path where it appears. The repository is opened read-only and never
//! written. It lives beside the scanners rather than among them: it describes what was
//! committed, not what is running, and every stage after scanning consults it.

mod content;
mod graph;
mod oid;
mod refs;
mod resolve;

pub use oid::ObjectId;
pub use resolve::Resolution;

use std::path::{Path, PathBuf};

/// A commit as the index keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: ObjectId,
    pub parents: Vec<ObjectId>,
    pub author_name: String,
    pub author_email: String,
    /// Author time, seconds since the Unix epoch.
    pub author_time: i64,
    /// Committer time, seconds since the Unix epoch.
    pub committer_time: i64,
    /// First line of the message.
    pub summary: String,
}

/// A branch whose commits count as released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseBranch {
    /// The name the user knows it by (`main`), whatever refs carry it.
    pub name: String,
    /// The refs that carry it (`refs/heads/main`, `refs/remotes/origin/main`) and their tips.
    pub refs: Vec<(String, ObjectId)>,
}

/// A committed blob at a configuration-looking path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRecord {
    pub id: ObjectId,
    pub sha256: String,
    pub sha1: String,
    pub size: u64,
    /// The first commit (by committer time, then id) whose tree holds the blob.
    pub first_commit: ObjectId,
    /// Every path where the blob appears in any commit, sorted.
    pub paths: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum GitIndexError {
    #[error("{path}: not a git repository ({message})")]
    NotARepository { path: PathBuf, message: String },
    #[error("release branch `{name}` is neither a local nor a remote-tracking branch of {path}")]
    UnknownReleaseBranch { name: String, path: PathBuf },
    #[error("{path}: no release branch found (no remote HEAD, current branch, main or master); name one with --release-branch")]
    NoReleaseBranch { path: PathBuf },
    #[error("{path}: reading the repository failed: {message}")]
    Read { path: PathBuf, message: String },
}

/// How the release branches were chosen, for the report's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseBranchOrigin {
    Requested,
    RemoteHead,
    CurrentBranch,
    Conventional,
}

pub struct GitIndex {
    // filled in by the implementation
    _private: (),
}

impl GitIndex {
    /// Opens `path` (a work tree or a bare repository) read-only and builds the index.
    /// `release_branches` are names given by the user; empty means the default branch.
    pub fn open(path: &Path, release_branches: &[String]) -> Result<GitIndex, GitIndexError> {
        let _ = (path, release_branches);
        todo!()
    }

    /// The repository's directory as given (work tree, or git dir of a bare repository).
    pub fn path(&self) -> &Path {
        todo!()
    }

    /// The commit HEAD points at, if any.
    pub fn head(&self) -> Option<ObjectId> {
        todo!()
    }

    pub fn release_branches(&self) -> &[ReleaseBranch] {
        todo!()
    }

    pub fn release_branch_origin(&self) -> ReleaseBranchOrigin {
        todo!()
    }

    pub fn commit_count(&self) -> usize {
        todo!()
    }

    pub fn commit(&self, id: &ObjectId) -> Option<&CommitInfo> {
        let _ = id;
        todo!()
    }

    /// Resolves a claim: a full or abbreviated commit id, or a tag name. A tag name that exists
    /// wins over an id prefix, as with `git rev-parse`. An abbreviation that matches more than
    /// one commit is [`Resolution::Ambiguous`], never a guess.
    pub fn resolve(&self, claim: &str) -> Resolution {
        let _ = claim;
        todo!()
    }

    /// Names of the release branches whose history contains `id`, sorted.
    pub fn release_branches_containing(&self, id: &ObjectId) -> Vec<String> {
        let _ = id;
        todo!()
    }

    /// Short names of every branch (local `main`, remote-tracking `origin/main`) containing
    /// `id`, sorted.
    pub fn branches_containing(&self, id: &ObjectId) -> Vec<String> {
        let _ = id;
        todo!()
    }

    /// Tag names (without `refs/tags/`) that point at `id`, directly or through an annotated
    /// tag, sorted.
    pub fn tags_pointing_at(&self, id: &ObjectId) -> Vec<String> {
        let _ = id;
        todo!()
    }

    /// For a commit on release branch `branch`: how many commits of the branch it lacks, and
    /// the committer-time distance in seconds between it and the branch tip. `None` when the
    /// branch does not contain the commit.
    pub fn behind(&self, id: &ObjectId, branch: &str) -> Option<(u64, i64)> {
        let _ = (id, branch);
        todo!()
    }

    pub fn blob_by_sha256(&self, hex: &str) -> Option<&BlobRecord> {
        let _ = hex;
        todo!()
    }

    pub fn blob_by_sha1(&self, hex: &str) -> Option<&BlobRecord> {
        let _ = hex;
        todo!()
    }

    pub fn blob_by_git_id(&self, id: &ObjectId) -> Option<&BlobRecord> {
        let _ = id;
        todo!()
    }

    pub fn blob_count(&self) -> usize {
        todo!()
    }
}
