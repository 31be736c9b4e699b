//! The git index: what was committed, read once per repository and then asked many questions.
//!
//! It holds every commit reachable from every ref (local and remote-tracking branches,
//! lightweight and annotated tags), the release branches and which commits they reach, and for
//! paths that look like configuration, every blob's git id, sha256 and sha1 with the first
//! commit and every path where it appears. The repository is opened read-only and never
//! written. It lives beside the scanners rather than among them: it describes what was
//! committed, not what is running, and every stage after scanning consults it.

mod bitset;
mod blobs;
mod build;
mod cache;
mod commit_list;
mod commits;
pub mod content;
mod digest;
mod extend;
mod files;
mod graph;
mod hash;
mod history;
mod odb;
mod oid;
mod refs;
mod release;
mod repo;
mod resolve;
mod tree;
mod walk;

pub use cache::{CacheOutcome, CacheSettings, CacheState};
pub use files::{TreeEntry, TreeEntryKind, TreeReader};
pub use oid::ObjectId;
pub use resolve::{Resolution, MIN_ABBREVIATION};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bitset::Bitset;
use blobs::BlobTable;
use graph::Graph;
use history::History;
use odb::OdbLookup;
use refs::BranchRef;
use resolve::Resolver;

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
    path: PathBuf,
    head: Option<ObjectId>,
    graph: Graph,
    release_branches: Vec<ReleaseBranch>,
    /// The commits of each release branch (all its refs together), in the same order.
    release_commits: Vec<Bitset>,
    release_origin: ReleaseBranchOrigin,
    /// Local and remote-tracking branches, sorted by short name.
    branches: Vec<BranchRef>,
    /// The commits of each branch, computed the first time `behind` asks about it.
    branch_commits: Vec<OnceLock<Bitset>>,
    tags: HashMap<String, ObjectId>,
    tags_by_commit: HashMap<ObjectId, Vec<String>>,
    blobs: BlobTable,
    odb: OdbLookup,
}

impl GitIndex {
    /// Opens `path` (a work tree or a bare repository) read-only and builds the index.
    /// `release_branches` are names given by the user; empty means the default branch.
    pub fn open(path: &Path, release_branches: &[String]) -> Result<GitIndex, GitIndexError> {
        let (index, _) =
            GitIndex::open_with_cache(path, release_branches, &CacheSettings::Disabled)?;
        Ok(index)
    }

    /// [`GitIndex::open`], reading the history from the cache `cache` names and walking only
    /// what it lacks, then saving it there. The index is the same as `open` builds, whatever
    /// the cache holds; the outcome says how the cache served, and what to warn about.
    pub fn open_with_cache(
        path: &Path,
        release_branches: &[String],
        cache: &CacheSettings,
    ) -> Result<(GitIndex, CacheOutcome), GitIndexError> {
        let repo = repo::open(path)?;
        let refs = refs::read_refs(&repo, path)?;
        let (release, release_origin) = release::choose(&refs, release_branches, path)?;
        let (History { graph, blobs }, outcome) = history::read(&repo, path, &refs.tips, cache)?;
        let git_dir = repo.path().to_path_buf();
        drop(repo);
        let release_commits = release
            .iter()
            .map(|branch| {
                let tips: Vec<u32> = branch
                    .refs
                    .iter()
                    .filter_map(|(_, tip)| graph.index_of(tip))
                    .collect();
                graph.ancestors(&tips)
            })
            .collect();
        let mut tags_by_commit: HashMap<ObjectId, Vec<String>> = HashMap::new();
        for (name, commit) in &refs.tags {
            tags_by_commit
                .entry(*commit)
                .or_default()
                .push(name.clone());
        }
        let index = GitIndex {
            path: path.to_path_buf(),
            head: refs.head,
            branch_commits: refs.branches.iter().map(|_| OnceLock::new()).collect(),
            branches: refs.branches,
            tags: refs.tags.into_iter().collect(),
            tags_by_commit,
            graph,
            release_branches: release,
            release_commits,
            release_origin,
            blobs,
            odb: OdbLookup::new(&git_dir),
        };
        Ok((index, outcome))
    }

    /// The repository's directory as given (work tree, or git dir of a bare repository).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The commit HEAD points at, if any.
    pub fn head(&self) -> Option<ObjectId> {
        self.head
    }

    pub fn release_branches(&self) -> &[ReleaseBranch] {
        &self.release_branches
    }

    pub fn release_branch_origin(&self) -> ReleaseBranchOrigin {
        self.release_origin
    }

    pub fn commit_count(&self) -> usize {
        self.graph.len()
    }

    pub fn commit(&self, id: &ObjectId) -> Option<&CommitInfo> {
        self.graph.index_of(id).map(|i| self.graph.commit(i))
    }

    /// Resolves a claim: a full or abbreviated commit id, or a tag name. A tag name that exists
    /// wins over an id prefix, as with `git rev-parse`. An abbreviation that matches more than
    /// one commit is [`Resolution::Ambiguous`], never a guess.
    pub fn resolve(&self, claim: &str) -> Resolution {
        let odb_commits = |prefix: &str| self.odb.commits_with_prefix(prefix);
        Resolver {
            graph: &self.graph,
            tags: &self.tags,
            odb_commits: &odb_commits,
        }
        .resolve(claim)
    }

    /// Names of the release branches whose history contains `id`, sorted.
    pub fn release_branches_containing(&self, id: &ObjectId) -> Vec<String> {
        let Some(i) = self.graph.index_of(id) else {
            return Vec::new();
        };
        let mut names: Vec<String> = self
            .release_branches
            .iter()
            .zip(&self.release_commits)
            .filter(|(_, commits)| commits.get(i))
            .map(|(branch, _)| branch.name.clone())
            .collect();
        names.sort();
        names
    }

    /// Short names of every branch (local `main`, remote-tracking `origin/main`) containing
    /// `id`, sorted.
    pub fn branches_containing(&self, id: &ObjectId) -> Vec<String> {
        // One sweep over the commits after `id` finds everything that contains it, and then
        // each branch is one bit test: the cost does not grow with the number of branches,
        // which runs to thousands in large repositories.
        let Some(i) = self.graph.index_of(id) else {
            return Vec::new();
        };
        let containing = self.graph.descendants(i);
        self.branches
            .iter()
            .filter(|b| {
                self.graph
                    .index_of(&b.tip)
                    .is_some_and(|t| containing.get(t))
            })
            .map(|b| b.short.clone())
            .collect()
    }

    /// Tag names (without `refs/tags/`) that point at `id`, directly or through an annotated
    /// tag, sorted.
    pub fn tags_pointing_at(&self, id: &ObjectId) -> Vec<String> {
        self.tags_by_commit.get(id).cloned().unwrap_or_default()
    }

    /// For a commit on release branch `branch`: how many commits of the branch it lacks, and
    /// the committer-time distance in seconds between it and the branch tip. `None` when the
    /// branch does not contain the commit.
    ///
    /// `branch` may also be the short name of any other branch (`feature`, `origin/feature`).
    /// A release branch carried by several refs counts the commits of all of them, and its tip
    /// is the newest of their tips.
    pub fn behind(&self, id: &ObjectId, branch: &str) -> Option<(u64, i64)> {
        let i = self.graph.index_of(id)?;
        let (commits, tips) = self.branch_commits(branch)?;
        if !commits.get(i) {
            return None;
        }
        let tip_indices: Vec<u32> = tips.iter().filter_map(|t| self.graph.index_of(t)).collect();
        let lacking = self.graph.count_not_reached_from(&tip_indices, i);
        let tip_time = tips
            .iter()
            .filter_map(|tip| self.commit(tip))
            .map(|c| c.committer_time)
            .max()?;
        Some((lacking, tip_time - self.graph.committer_time(i)))
    }

    pub fn blob_by_sha256(&self, hex: &str) -> Option<&BlobRecord> {
        self.blobs.by_sha256(hex)
    }

    pub fn blob_by_sha1(&self, hex: &str) -> Option<&BlobRecord> {
        self.blobs.by_sha1(hex)
    }

    pub fn blob_by_git_id(&self, id: &ObjectId) -> Option<&BlobRecord> {
        self.blobs.by_id(id)
    }

    pub fn blob_count(&self) -> usize {
        self.blobs.len()
    }

    /// Every configuration blob, sorted by git id.
    pub fn blobs(&self) -> &[BlobRecord] {
        self.blobs.records()
    }

    /// Blobs at configuration paths whose content is missing from the object database (a
    /// partial clone), sorted: they have no record, and the report should say they could not
    /// be checked.
    pub fn missing_blobs(&self) -> &[ObjectId] {
        self.blobs.missing()
    }

    /// The short names of every local and remote-tracking branch (`main`, `origin/main`),
    /// sorted.
    pub fn branch_names(&self) -> Vec<&str> {
        self.branches.iter().map(|b| b.short.as_str()).collect()
    }

    /// The tip of a branch by its short name.
    pub fn branch_tip(&self, short: &str) -> Option<ObjectId> {
        self.branches
            .iter()
            .find(|b| b.short == short)
            .map(|b| b.tip)
    }

    /// The commits of `branch` (a release branch name, or a branch's short name) and its tips.
    fn branch_commits(&self, branch: &str) -> Option<(&Bitset, Vec<ObjectId>)> {
        if let Some(k) = self.release_branches.iter().position(|b| b.name == branch) {
            let tips = self.release_branches[k].refs.iter().map(|r| r.1).collect();
            return Some((&self.release_commits[k], tips));
        }
        let k = self.branches.iter().position(|b| b.short == branch)?;
        let tip = self.branches[k].tip;
        let commits = self.branch_commits[k].get_or_init(|| {
            let tip = self
                .graph
                .index_of(&tip)
                .map(|t| vec![t])
                .unwrap_or_default();
            self.graph.ancestors(&tip)
        });
        Some((commits, vec![tip]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_can_be_shared_between_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<GitIndex>();
    }
}
