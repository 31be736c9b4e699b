//! Which directories each release-branch commit changed against its first parent, computed once
//! for the whole history.
//!
//! A configuration's history (see [`super::history`]) needs to know, commit after commit,
//! whether any directory its configuration is read from holds a different tree than in the
//! first parent. Asking that of every commit for every root module costs commits × roots tree
//! look-ups; a 50,000-commit history with a thousand root modules made that the longest stage
//! of an audit. Diffing each commit's tree against its first parent's once, descending only
//! into subtrees whose ids differ, costs about what `git log --raw` does, and leaves for each
//! directory the short list of commits that changed it.

use crate::git::{GitIndex, ObjectId, TreeReader};
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

const NONE: u32 = u32::MAX;

/// What one slice of the history changed (directory, commit position), or the positions of
/// a slice whose trees could not be read.
type SliceChanges = Result<Vec<(String, u32)>, std::ops::Range<usize>>;

/// The release history with, for every directory, the commits whose tree there differs from
/// their first parent's (appeared, disappeared or changed). Positions are indexes into
/// [`ReleaseChanges::commits`], parents before children.
pub struct ReleaseChanges {
    commits: Vec<ObjectId>,
    /// Each commit's first parent's position, or `NONE` when the first parent is not in the
    /// release history (a root commit, the edge of a shallow clone): only with a first parent
    /// do `by_dir` lists speak for a commit. Flat arrays, as every configuration's history
    /// reads them for every commit.
    first_parent: Vec<u32>,
    /// Positions of the parents in the release history: those of commit `i` are
    /// `parent_list[parent_start[i]..parent_start[i + 1]]`.
    parent_start: Vec<u32>,
    parent_list: Vec<u32>,
    by_dir: HashMap<String, Vec<u32>>,
    /// Commits whatever directories they changed must be read at: those without a first
    /// parent, and those whose trees could not be read here.
    always_due: Vec<usize>,
}

impl ReleaseChanges {
    /// Reads the release history's trees, in as many slices of the history as rayon has
    /// threads, each with a reader of its own. A history that cannot be read (the repository
    /// vanished) leaves every commit of it to be read by every configuration's history.
    pub fn new(index: &GitIndex) -> ReleaseChanges {
        let commits = index.release_history();
        let position: HashMap<ObjectId, u32> = commits
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, i as u32))
            .collect();
        let mut first_parent = Vec::with_capacity(commits.len());
        let mut parent_start = vec![0];
        let mut parent_list = Vec::with_capacity(commits.len());
        for commit in &commits {
            let ids = index
                .commit(commit)
                .map(|c| c.parents.as_slice())
                .unwrap_or_default();
            let first = ids.first().and_then(|p| position.get(p)).copied();
            first_parent.push(first.unwrap_or(NONE));
            parent_list.extend(ids.iter().filter_map(|p| position.get(p).copied()));
            parent_start.push(parent_list.len() as u32);
        }
        let slices = rayon::current_num_threads().max(1);
        let per_slice = commits.len().div_ceil(slices).max(1);
        let changed: Vec<SliceChanges> = (0..commits.len())
            .step_by(per_slice)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let end = (start + per_slice).min(commits.len());
                let Ok(reader) = index.tree_reader() else {
                    return Err(start..end);
                };
                let mut differ = TreeDiffer::new(reader);
                let mut out = Vec::new();
                for pos in start..end {
                    let first = first_parent[pos];
                    if first == NONE {
                        continue;
                    }
                    let before = index.commit_tree(&commits[first as usize]);
                    let after = index.commit_tree(&commits[pos]);
                    differ.diff(before, after, String::new(), &mut |dir| {
                        out.push((dir, pos as u32))
                    });
                    differ.next_commit();
                }
                Ok(out)
            })
            .collect();
        let mut by_dir: HashMap<String, Vec<u32>> = HashMap::new();
        let mut unread = Vec::new();
        for slice in changed {
            match slice {
                Ok(found) => {
                    for (dir, pos) in found {
                        by_dir.entry(dir).or_default().push(pos);
                    }
                }
                Err(range) => unread.extend(range),
            }
        }
        let always_due = (0..commits.len())
            .filter(|&pos| first_parent[pos] == NONE)
            .chain(unread)
            .collect();
        ReleaseChanges {
            commits,
            first_parent,
            parent_start,
            parent_list,
            by_dir,
            always_due,
        }
    }

    pub fn len(&self) -> usize {
        self.commits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.commits.is_empty()
    }

    pub fn commit(&self, pos: usize) -> ObjectId {
        self.commits[pos]
    }

    /// The positions of the commit's parents that are in the release history.
    pub fn parents(&self, pos: usize) -> &[u32] {
        &self.parent_list[self.parent_start[pos] as usize..self.parent_start[pos + 1] as usize]
    }

    /// The first parent's position, when the first parent is in the release history.
    pub fn first_parent(&self, pos: usize) -> Option<usize> {
        let first = self.first_parent[pos];
        (first != NONE).then_some(first as usize)
    }

    /// Positions of the commits every configuration must be read at: those without a first
    /// parent to compare with, and any whose trees could not be diffed.
    pub fn always_due(&self) -> &[usize] {
        &self.always_due
    }

    /// Positions after `pos` of the commits whose tree at `dir` differs from their first
    /// parent's, ascending.
    pub fn changing_after(&self, dir: &str, pos: usize) -> &[u32] {
        // Look-ups skip empty parts (`a//b` is `a/b`); so must the key.
        let Some(list) = self.by_dir.get(&super::normal_dir(dir)) else {
            return &[];
        };
        let start = list.partition_point(|&p| p as usize <= pos);
        &list[start..]
    }
}

type Subtrees = Arc<Vec<(String, ObjectId)>>;

/// Lists the directories that differ between two trees, remembering the subtrees of the trees
/// it read for this commit and the one before: a commit's trees are its successor's parent
/// trees, and the rest are never asked for again.
struct TreeDiffer {
    reader: TreeReader,
    this_commit: HashMap<ObjectId, Subtrees>,
    last_commit: HashMap<ObjectId, Subtrees>,
}

impl TreeDiffer {
    fn new(reader: TreeReader) -> TreeDiffer {
        TreeDiffer {
            reader,
            this_commit: HashMap::new(),
            last_commit: HashMap::new(),
        }
    }

    fn next_commit(&mut self) {
        self.last_commit = std::mem::take(&mut self.this_commit);
    }

    fn subtrees(&mut self, tree: Option<ObjectId>) -> Subtrees {
        let Some(tree) = tree else {
            return Subtrees::default();
        };
        if let Some(found) = self.this_commit.get(&tree) {
            return found.clone();
        }
        let found = match self.last_commit.get(&tree) {
            Some(found) => found.clone(),
            None => Arc::new(self.reader.subtrees_uncached(tree).unwrap_or_default()),
        };
        self.this_commit.insert(tree, found.clone());
        found
    }

    /// Calls `found` with every directory below `path` whose tree differs between `before`
    /// and `after` (either may be missing), `path` included, descending only where the ids
    /// differ.
    fn diff(
        &mut self,
        before: Option<ObjectId>,
        after: Option<ObjectId>,
        path: String,
        found: &mut dyn FnMut(String),
    ) {
        if before == after {
            return;
        }
        let old = self.subtrees(before);
        let new = self.subtrees(after);
        let child = |name: &str| {
            if path.is_empty() {
                name.to_string()
            } else {
                format!("{path}/{name}")
            }
        };
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < new.len() {
            let order = match (old.get(i), new.get(j)) {
                (Some(a), Some(b)) => a.0.cmp(&b.0),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    self.diff(Some(old[i].1), None, child(&old[i].0), found);
                    i += 1;
                }
                Ordering::Greater => {
                    self.diff(None, Some(new[j].1), child(&new[j].0), found);
                    j += 1;
                }
                Ordering::Equal => {
                    self.diff(Some(old[i].1), Some(new[j].1), child(&old[i].0), found);
                    i += 1;
                    j += 1;
                }
            }
        }
        found(path);
    }
}
