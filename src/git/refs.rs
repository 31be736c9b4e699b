//! The repository's refs as the index needs them: branches, tags, HEAD and the remotes' HEADs.
//!
//! Every ref counts as a tip for "all reachable commits" (like `git log --all`), as long as it
//! leads to a commit: annotated tags are peeled to their commit, and a tag on a tree or a blob
//! is left out, since no commit can be claimed through it. A ref whose target is missing from
//! the object database is an error: the history would silently lose that branch otherwise.

use std::path::Path;

use git2::{ObjectType, Reference, Repository};

use super::repo::read_error;
use super::{GitIndexError, ObjectId};

/// A local or remote-tracking branch.
#[derive(Debug, Clone)]
pub(super) struct BranchRef {
    /// `refs/heads/main`, `refs/remotes/origin/main`.
    pub full: String,
    /// `main`, `origin/main`, as `git branch -a` shows them.
    pub short: String,
    /// The branch name without its remote (`main` for both examples).
    pub name: String,
    pub tip: ObjectId,
}

#[derive(Debug, Default)]
pub(super) struct Refs {
    /// Sorted by `short`; symbolic refs (`origin/HEAD`) are not branches.
    pub branches: Vec<BranchRef>,
    /// Tag name (without `refs/tags/`) and the commit it leads to, sorted by name.
    pub tags: Vec<(String, ObjectId)>,
    /// Every commit a ref or HEAD leads to, sorted and without repeats.
    pub tips: Vec<ObjectId>,
    pub head: Option<ObjectId>,
    /// The branch HEAD names (`refs/heads/X` → `X`), whether or not it has a commit yet.
    pub head_branch: Option<String>,
    /// For each remote with a symbolic HEAD: the remote and the branch name it points at
    /// (`refs/remotes/origin/HEAD` → `refs/remotes/origin/main` gives `("origin", "main")`).
    pub remote_heads: Vec<(String, String)>,
}

pub(super) fn read_refs(repo: &Repository, path: &Path) -> Result<Refs, GitIndexError> {
    let mut refs = Refs::default();
    let iter = repo
        .references()
        .map_err(|e| read_error(path, "the refs", &e))?;
    for reference in iter {
        let reference = reference.map_err(|e| read_error(path, "the refs", &e))?;
        let name = String::from_utf8_lossy(reference.name_bytes()).into_owned();
        if let Some(target) = reference.symbolic_target_bytes() {
            note_remote_head(&mut refs, &name, &String::from_utf8_lossy(target));
            continue;
        }
        let Some(commit) = peel_to_commit(repo, &reference, &name, path)? else {
            continue;
        };
        refs.tips.push(commit);
        if let Some(tag) = name.strip_prefix("refs/tags/") {
            refs.tags.push((tag.to_string(), commit));
        } else if let Some(branch) = branch_ref(&name, commit) {
            refs.branches.push(branch);
        }
    }
    read_head(repo, &mut refs, path)?;
    refs.branches.sort_by(|a, b| a.short.cmp(&b.short));
    refs.tags.sort();
    refs.tips.sort_unstable();
    refs.tips.dedup();
    refs.remote_heads.sort();
    Ok(refs)
}

fn branch_ref(full: &str, tip: ObjectId) -> Option<BranchRef> {
    if let Some(name) = full.strip_prefix("refs/heads/") {
        return Some(BranchRef {
            full: full.to_string(),
            short: name.to_string(),
            name: name.to_string(),
            tip,
        });
    }
    let short = full.strip_prefix("refs/remotes/")?;
    // The remote is the first path component: remote names with slashes are too rare to
    // justify reading the configuration, which a bare snapshot may not even have.
    let (_, name) = short.split_once('/')?;
    Some(BranchRef {
        full: full.to_string(),
        short: short.to_string(),
        name: name.to_string(),
        tip,
    })
}

fn note_remote_head(refs: &mut Refs, name: &str, target: &str) {
    let Some(remote) = name
        .strip_prefix("refs/remotes/")
        .and_then(|rest| rest.strip_suffix("/HEAD"))
    else {
        return;
    };
    let prefix = format!("refs/remotes/{remote}/");
    if let Some(branch) = target.strip_prefix(&prefix) {
        refs.remote_heads
            .push((remote.to_string(), branch.to_string()));
    }
}

/// The commit a direct ref leads to; `None` for a tag on something other than a commit.
fn peel_to_commit(
    repo: &Repository,
    reference: &Reference<'_>,
    name: &str,
    path: &Path,
) -> Result<Option<ObjectId>, GitIndexError> {
    match reference.peel(ObjectType::Commit) {
        Ok(object) => Ok(Some(ObjectId::from_git(object.id()))),
        Err(e) => {
            // Peeling fails both for a tag on a tree or blob (ignored, as the spec of tags
            // allows them) and for a target that is missing (a damaged repository).
            let target = reference.target();
            if target.is_some() && !tag_chain_is_broken(repo, target) {
                Ok(None)
            } else {
                Err(GitIndexError::Read {
                    path: path.to_path_buf(),
                    message: format!(
                        "ref {name} should lead to an object in the object database, but it \
                         could not be read ({})",
                        e.message()
                    ),
                })
            }
        }
    }
}

/// Whether the object `target`, or anything an annotated tag chain from it points at, is
/// missing.
fn tag_chain_is_broken(repo: &Repository, target: Option<git2::Oid>) -> bool {
    let mut next = target;
    while let Some(id) = next {
        match repo.find_object(id, None) {
            Ok(object) => next = object.as_tag().map(|tag| tag.target_id()),
            Err(_) => return true,
        }
    }
    false
}

fn read_head(repo: &Repository, refs: &mut Refs, path: &Path) -> Result<(), GitIndexError> {
    let Ok(head) = repo.find_reference("HEAD") else {
        return Ok(());
    };
    if let Some(target) = head.symbolic_target_bytes() {
        let target = String::from_utf8_lossy(target);
        refs.head_branch = target.strip_prefix("refs/heads/").map(str::to_string);
    }
    // An unborn branch (a new repository, or HEAD naming a branch that was deleted) has no
    // commit: that is not an error, the repository simply has no HEAD commit.
    if let Ok(resolved) = head.resolve() {
        if let Some(commit) = peel_to_commit(repo, &resolved, "HEAD", path)? {
            refs.head = Some(commit);
            refs.tips.push(commit);
        }
    }
    Ok(())
}
