//! The commit graph with integer indices, and reachability over it.
//!
//! Commits are numbered in a topological order (every parent before its children), so the
//! commits that contain a given commit are found by one forward sweep from its index, and the
//! ancestors of a tip by a walk that never revisits a bit. Ties between unrelated commits are
//! broken by (committer time, id), which makes the numbering, and everything derived from it,
//! the same on every run.

use std::collections::HashMap;

use super::bitset::Bitset;
use super::commits::ReadCommit;
use super::{CommitInfo, ObjectId};

pub(super) struct Graph {
    commits: Vec<CommitInfo>,
    trees: Vec<ObjectId>,
    /// Parents of commit `i` are `parent_list[parent_start[i]..parent_start[i + 1]]`; parents
    /// outside the graph (a shallow clone's boundary) are left out.
    parent_start: Vec<u32>,
    parent_list: Vec<u32>,
    index: HashMap<ObjectId, u32>,
    /// Every index, ordered by commit id, for abbreviation look-ups.
    by_id: Vec<u32>,
}

impl Graph {
    pub(super) fn new(read: Vec<ReadCommit>) -> Graph {
        let order = topological_order(&read);
        let mut commits = Vec::with_capacity(read.len());
        let mut trees = Vec::with_capacity(read.len());
        let mut slots: Vec<Option<ReadCommit>> = read.into_iter().map(Some).collect();
        for &i in &order {
            let c = slots[i].take().expect("each commit is placed once");
            commits.push(c.info);
            trees.push(c.tree);
        }
        let index: HashMap<ObjectId, u32> = commits
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i as u32))
            .collect();
        let mut parent_start = Vec::with_capacity(commits.len() + 1);
        let mut parent_list = Vec::new();
        for c in &commits {
            parent_start.push(parent_list.len() as u32);
            parent_list.extend(c.parents.iter().filter_map(|p| index.get(p).copied()));
        }
        parent_start.push(parent_list.len() as u32);
        let mut by_id: Vec<u32> = (0..commits.len() as u32).collect();
        by_id.sort_unstable_by_key(|&i| commits[i as usize].id);
        Graph {
            commits,
            trees,
            parent_start,
            parent_list,
            index,
            by_id,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.commits.len()
    }

    pub(super) fn index_of(&self, id: &ObjectId) -> Option<u32> {
        self.index.get(id).copied()
    }

    pub(super) fn commit(&self, i: u32) -> &CommitInfo {
        &self.commits[i as usize]
    }

    pub(super) fn tree(&self, i: u32) -> ObjectId {
        self.trees[i as usize]
    }

    fn parents(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.parent_list[self.parent_start[i] as usize..self.parent_start[i + 1] as usize]
    }

    /// Every commit reachable from any of `tips` (the tips included).
    pub(super) fn ancestors(&self, tips: &[u32]) -> Bitset {
        let mut set = Bitset::new(self.len());
        let mut stack: Vec<u32> = Vec::new();
        for &tip in tips {
            if set.insert(tip) {
                stack.push(tip);
            }
        }
        while let Some(i) = stack.pop() {
            for &p in self.parents(i) {
                if set.insert(p) {
                    stack.push(p);
                }
            }
        }
        set
    }

    /// Every commit whose history contains commit `i` (`i` included). Children come after
    /// their parents in the numbering, so one sweep from `i` upwards settles each commit.
    pub(super) fn descendants(&self, i: u32) -> Bitset {
        let mut set = Bitset::new(self.len());
        set.insert(i);
        for j in i + 1..self.len() as u32 {
            if self.parents(j).iter().any(|&p| p >= i && set.get(p)) {
                set.insert(j);
            }
        }
        set
    }

    /// Ids of the commits whose hex form starts with `prefix` (lower-case hex digits), sorted.
    pub(super) fn ids_with_prefix(&self, prefix: &[u8]) -> Vec<ObjectId> {
        // The smallest id with this prefix is the prefix padded with zeros.
        let mut low = [b'0'; 40];
        low[..prefix.len()].copy_from_slice(prefix);
        let low = std::str::from_utf8(&low)
            .ok()
            .and_then(ObjectId::from_hex)
            .unwrap_or(ObjectId([0; 20]));
        let start = self
            .by_id
            .partition_point(|&i| self.commits[i as usize].id < low);
        self.by_id[start..]
            .iter()
            .map(|&i| self.commits[i as usize].id)
            .take_while(|id| id.starts_with_hex(prefix))
            .collect()
    }

    /// Commit indices ordered by (committer time, id): the order in which the history walk
    /// must meet commits so that the first commit to show a blob is its earliest.
    pub(super) fn by_time(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_unstable_by_key(|&i| {
            let c = &self.commits[i as usize];
            (c.committer_time, c.id)
        });
        order
    }
}

/// A topological order of `read` (indices into it): a depth-first post-order over parents,
/// starting from the commits in (committer time, id) order so that the result is deterministic.
fn topological_order(read: &[ReadCommit]) -> Vec<usize> {
    let position: HashMap<ObjectId, usize> = read
        .iter()
        .enumerate()
        .map(|(i, c)| (c.info.id, i))
        .collect();
    let mut starts: Vec<usize> = (0..read.len()).collect();
    starts.sort_unstable_by_key(|&i| (read[i].info.committer_time, read[i].info.id));
    let mut placed = vec![false; read.len()];
    let mut entered = vec![false; read.len()];
    let mut order = Vec::with_capacity(read.len());
    // (commit, index of the next parent to visit)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in starts {
        if entered[start] {
            continue;
        }
        entered[start] = true;
        stack.push((start, 0));
        while let Some(&mut (c, ref mut next)) = stack.last_mut() {
            let parents = &read[c].info.parents;
            let parent = parents[*next..]
                .iter()
                .position(|p| position.get(p).is_some_and(|&p| !entered[p]));
            match parent {
                Some(offset) => {
                    let p = position[&parents[*next + offset]];
                    *next += offset + 1;
                    entered[p] = true;
                    stack.push((p, 0));
                }
                None => {
                    stack.pop();
                    placed[c] = true;
                    order.push(c);
                }
            }
        }
    }
    debug_assert!(placed.iter().all(|&p| p));
    order
}
