//! Reading committed files: a commit's tree, the entries of a directory in it, a blob's bytes,
//! and the release-branch commits that changed a path.
//!
//! The history walk of the index records digests of configuration blobs; readers of
//! configuration (Terraform files as committed at the release tip, at a claimed commit, at
//! every commit that changed them) need the bytes and the layout of a commit's tree as well.
//! A [`TreeReader`] owns its own handle on the repository (libgit2's `Repository` may move
//! between threads but not be shared), reads raw trees with the same parser as the walk, and
//! keeps every tree it has read: successive commits share nearly all their subtrees, so
//! looking up the same directory at thousands of commits reads each distinct tree once.

use std::collections::HashMap;
use std::sync::Arc;

use git2::{ObjectType, Repository};

use super::repo::open_again;
use super::tree::{self, EntryKind};
use super::{GitIndex, GitIndexError, ObjectId};

/// What a tree entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeEntryKind {
    Tree,
    /// A regular or executable file.
    File,
    /// A symlink or a submodule.
    Other,
}

/// One entry of a committed directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub name: String,
    pub id: ObjectId,
    pub kind: TreeEntryKind,
}

/// Reads trees and blobs of one repository, remembering every tree it has read.
pub struct TreeReader {
    repo: Repository,
    trees: HashMap<ObjectId, Arc<[TreeEntry]>>,
    blobs_read: usize,
    trees_read: usize,
}

/// How many trees a reader keeps at most (some tens of MiB).
const MAX_KEPT_TREES: usize = 1 << 16;

impl GitIndex {
    /// A reader of this repository's trees and blobs, for one thread.
    pub fn tree_reader(&self) -> Result<TreeReader, GitIndexError> {
        let repo = open_again(&self.git_dir(), &self.path)?;
        Ok(TreeReader {
            repo,
            trees: HashMap::new(),
            blobs_read: 0,
            trees_read: 0,
        })
    }

    /// The root tree a commit records, when the commit is in the index.
    pub fn commit_tree(&self, commit: &ObjectId) -> Option<ObjectId> {
        self.graph.index_of(commit).map(|i| self.graph.tree(i))
    }

    /// The tip of the first release branch: of the refs that carry it, the one with the newest
    /// committer time (then the greatest id, so the choice is stable).
    pub fn release_tip(&self) -> Option<ObjectId> {
        let branch = self.release_branches.first()?;
        branch
            .refs
            .iter()
            .map(|(_, tip)| *tip)
            .filter(|tip| self.graph.index_of(tip).is_some())
            .max_by_key(|tip| {
                let time = self.commit(tip).map(|c| c.committer_time);
                (time, *tip)
            })
    }

    /// Every commit reachable from a release branch, parents before children (the index's
    /// topological numbering, whose ties are broken by committer time and id).
    pub fn release_history(&self) -> Vec<ObjectId> {
        (0..self.graph.len() as u32)
            .filter(|&i| self.release_commits.iter().any(|set| set.get(i)))
            .map(|i| self.graph.id(i))
            .collect()
    }

    /// The release-branch commits that changed `path` (a file or a directory, `/`-separated,
    /// relative to the repository root; `""` is the root): those whose entry at `path` differs
    /// from the entry at every parent, a root commit that has the path included. Parents before
    /// children. Like `git log` with its default history simplification, a merge that took the
    /// path unchanged from one of its parents did not change it.
    pub fn release_commits_changing(&self, reader: &mut TreeReader, path: &str) -> Vec<ObjectId> {
        let mut at: HashMap<ObjectId, Option<ObjectId>> = HashMap::new();
        let mut changed = Vec::new();
        for commit in self.release_history() {
            let entry = self
                .commit_tree(&commit)
                .and_then(|root| reader.entry_at(root, path));
            let parents = self
                .commit(&commit)
                .map(|c| c.parents.clone())
                .unwrap_or_default();
            let known: Vec<Option<ObjectId>> =
                parents.iter().filter_map(|p| at.get(p).copied()).collect();
            let differs = if known.is_empty() {
                entry.is_some()
            } else {
                known.iter().all(|p| *p != entry)
            };
            if differs {
                changed.push(commit);
            }
            at.insert(commit, entry);
        }
        changed
    }

    /// The git directory (for a work tree, its `.git`), as libgit2 reports it.
    fn git_dir(&self) -> std::path::PathBuf {
        self.odb.git_dir().to_path_buf()
    }
}

/// git's order of tree entries: by name, a directory's name read as if it ended in `/`.
fn git_order(a: &TreeEntry, b: &TreeEntry) -> std::cmp::Ordering {
    sort_key(a).cmp(sort_key(b))
}

fn sort_key(entry: &TreeEntry) -> impl Iterator<Item = u8> + '_ {
    let slash = (entry.kind == TreeEntryKind::Tree).then_some(b'/');
    entry.name.bytes().chain(slash)
}

/// The entry named `name` in entries in git's order: searched as a file, then as a directory
/// (whose place in the order differs), each by halves.
fn find_entry<'e>(entries: &'e [TreeEntry], name: &str) -> Option<&'e TreeEntry> {
    for slash in [None, Some(b'/')] {
        let wanted = name.bytes().chain(slash);
        if let Ok(i) = entries.binary_search_by(|e| sort_key(e).cmp(wanted.clone())) {
            return Some(&entries[i]);
        }
    }
    None
}

impl TreeReader {
    /// The entries of tree `id`, or `None` when it is not a readable tree.
    pub fn entries(&mut self, id: ObjectId) -> Option<Arc<[TreeEntry]>> {
        if let Some(entries) = self.trees.get(&id) {
            return Some(entries.clone());
        }
        let odb = self.repo.odb().ok()?;
        let object = odb.read(id.to_git()).ok()?;
        if object.kind() != ObjectType::Tree {
            return None;
        }
        let mut entries: Vec<TreeEntry> = tree::entries(object.data())?
            .into_iter()
            .map(|e| TreeEntry {
                name: String::from_utf8_lossy(e.name).into_owned(),
                id: e.id,
                kind: match e.kind {
                    EntryKind::Tree => TreeEntryKind::Tree,
                    EntryKind::File => TreeEntryKind::File,
                    EntryKind::Other => TreeEntryKind::Other,
                },
            })
            .collect();
        // git writes entries in this order; a tree that breaks it (hand-made, or lossy
        // names) is put in it, so that lookups can search by halves.
        if !entries.is_sorted_by(|a, b| git_order(a, b).is_le()) {
            entries.sort_by(git_order);
        }
        let entries: Arc<[TreeEntry]> = entries.into();
        if self.trees.len() >= MAX_KEPT_TREES {
            // Bounded: a walk over a long history would otherwise keep every tree it met.
            // Those it needs again are read again.
            self.trees.clear();
        }
        self.trees.insert(id, entries.clone());
        self.trees_read += 1;
        Some(entries)
    }

    /// The subdirectories of tree `id`, sorted by name, read without keeping the tree: for
    /// walks over many commits' trees that each look at once.
    pub fn subtrees_uncached(&mut self, id: ObjectId) -> Option<Vec<(String, ObjectId)>> {
        let mut dirs: Vec<(String, ObjectId)> = match self.trees.get(&id) {
            Some(entries) => entries
                .iter()
                .filter(|e| e.kind == TreeEntryKind::Tree)
                .map(|e| (e.name.clone(), e.id))
                .collect(),
            None => {
                let odb = self.repo.odb().ok()?;
                let object = odb.read(id.to_git()).ok()?;
                if object.kind() != ObjectType::Tree {
                    return None;
                }
                tree::entries(object.data())?
                    .into_iter()
                    .filter(|e| e.kind == EntryKind::Tree)
                    .map(|e| (String::from_utf8_lossy(e.name).into_owned(), e.id))
                    .collect()
            }
        };
        dirs.sort_unstable();
        Some(dirs)
    }

    /// The id of the entry at `path` below tree `root` (`""` is `root` itself).
    pub fn entry_at(&mut self, root: ObjectId, path: &str) -> Option<ObjectId> {
        let mut id = root;
        for part in path.split('/').filter(|p| !p.is_empty()) {
            // A tree read before is searched in place, without taking a share of it: this
            // runs for every directory of every commit of a configuration's history.
            id = match self.trees.get(&id) {
                Some(entries) => find_entry(entries, part)?.id,
                None => find_entry(&self.entries(id)?, part)?.id,
            };
        }
        Some(id)
    }

    /// The tree at directory `dir` below tree `root`, when it is a directory.
    pub fn dir_at(&mut self, root: ObjectId, dir: &str) -> Option<ObjectId> {
        let id = self.entry_at(root, dir)?;
        self.entries(id).map(|_| id)
    }

    /// Every file below tree `root`, with its path (`/`-separated) and blob id, sorted by
    /// path. Symlinks and submodules are left out.
    pub fn files(&mut self, root: ObjectId) -> Vec<(String, ObjectId)> {
        let mut out = Vec::new();
        let mut stack = vec![(root, String::new())];
        while let Some((tree, prefix)) = stack.pop() {
            let Some(entries) = self.entries(tree) else {
                continue;
            };
            for entry in entries.iter() {
                let path = if prefix.is_empty() {
                    entry.name.clone()
                } else {
                    format!("{prefix}/{}", entry.name)
                };
                match entry.kind {
                    TreeEntryKind::Tree => stack.push((entry.id, path)),
                    TreeEntryKind::File => out.push((path, entry.id)),
                    TreeEntryKind::Other => {}
                }
            }
        }
        out.sort();
        out
    }

    /// The bytes of blob `id`, or `None` when the object database has no such blob.
    pub fn blob(&mut self, id: ObjectId) -> Option<Vec<u8>> {
        let blob = self.repo.find_blob(id.to_git()).ok()?;
        self.blobs_read += 1;
        Some(blob.content().to_vec())
    }

    /// How many blobs this reader has read.
    pub fn blobs_read(&self) -> usize {
        self.blobs_read
    }

    /// How many trees this reader has read.
    pub fn trees_read(&self) -> usize {
        self.trees_read
    }
}

#[cfg(test)]
mod lookup_tests {
    use super::*;

    fn entry(name: &str, kind: TreeEntryKind) -> TreeEntry {
        TreeEntry {
            name: name.into(),
            id: ObjectId::from_hex("0000000000000000000000000000000000000000").unwrap(),
            kind,
        }
    }

    #[test]
    fn entries_are_found_by_halves_in_gits_order() {
        // git's order: `a.b` (file) before `a` (a directory, read as `a/`) before `a0`.
        let mut entries = vec![
            entry("a.b", TreeEntryKind::File),
            entry("a", TreeEntryKind::Tree),
            entry("a0", TreeEntryKind::File),
            entry("b", TreeEntryKind::Other),
        ];
        assert!(entries.is_sorted_by(|x, y| git_order(x, y).is_le()));
        for name in ["a.b", "a", "a0", "b"] {
            assert_eq!(
                find_entry(&entries, name).map(|e| e.name.as_str()),
                Some(name)
            );
        }
        assert!(find_entry(&entries, "c").is_none());
        entries.reverse();
        entries.sort_by(git_order);
        assert_eq!(
            find_entry(&entries, "a").map(|e| e.kind),
            Some(TreeEntryKind::Tree)
        );
    }
}
