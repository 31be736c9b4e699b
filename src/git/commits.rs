//! Reading every commit reachable from a set of tips, each commit object read exactly once.
//!
//! A plain depth-first walk over parent links rather than libgit2's revwalk: the revwalk parses
//! each commit for its own bookkeeping and we would then parse it again for the author and
//! message, and it has no ordering we need (the graph sorts the commits itself).

use std::collections::HashSet;
use std::path::Path;

use git2::Repository;

pub(super) use super::commit_list::{CommitList, ReadCommit};
use super::{CommitInfo, GitIndexError, ObjectId};

/// Reads the commits reachable from `tips` (which must be commits). A parent missing from the
/// object database is tolerated only in a shallow clone, where it is the expected boundary.
pub(super) fn read_commits(
    repo: &Repository,
    tips: &[ObjectId],
    path: &Path,
) -> Result<CommitList, GitIndexError> {
    read_commits_except(repo, tips, path, &|_| false)
}

/// Reads the commits reachable from `tips` that are not `known`, without going past a known
/// commit: `known` must hold the ancestors of each commit it holds (a cached history does).
pub(super) fn read_commits_except(
    repo: &Repository,
    tips: &[ObjectId],
    path: &Path,
    known: &dyn Fn(&ObjectId) -> bool,
) -> Result<CommitList, GitIndexError> {
    let shallow = repo.is_shallow();
    let mut seen: HashSet<ObjectId> = tips.iter().copied().collect();
    let mut stack: Vec<(ObjectId, Option<ObjectId>)> = (tips.iter())
        .filter(|t| !known(t))
        .map(|&t| (t, None))
        .collect();
    let mut out = CommitList::default();
    while let Some((id, child)) = stack.pop() {
        let commit = match repo.find_commit(id.to_git()) {
            Ok(commit) => commit,
            Err(_) if shallow && child.is_some() => continue,
            Err(e) => return Err(missing_commit(path, id, child, &e)),
        };
        let info = commit_info(&commit);
        for &parent in &info.parents {
            if seen.insert(parent) && !known(&parent) {
                stack.push((parent, Some(id)));
            }
        }
        out.push_read(ReadCommit {
            tree: ObjectId::from_git(commit.tree_id()),
            info,
        });
    }
    Ok(out)
}

fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    let message = String::from_utf8_lossy(commit.message_bytes());
    CommitInfo {
        id: ObjectId::from_git(commit.id()),
        parents: commit.parent_ids().map(ObjectId::from_git).collect(),
        author_name: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        author_email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        author_time: author.when().seconds(),
        committer_time: commit.committer().when().seconds(),
        summary: message.lines().next().unwrap_or("").trim_end().to_string(),
    }
}

fn missing_commit(
    path: &Path,
    id: ObjectId,
    child: Option<ObjectId>,
    error: &git2::Error,
) -> GitIndexError {
    let what = match child {
        Some(child) => format!("commit {id} (a parent of {child})"),
        None => format!("commit {id} (a ref's target)"),
    };
    GitIndexError::Read {
        path: path.to_path_buf(),
        message: format!(
            "expected {what} in the object database, but it could not be read ({}); \
             is this a partial clone?",
            error.message()
        ),
    }
}
