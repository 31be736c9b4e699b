//! The commit graph with integer indices, and reachability over it.
//!
//! Commits are numbered in a topological order (every parent before its children), so the
//! commits that contain a given commit are found by one forward sweep from its index, and the
//! ancestors of a tip by a walk that never revisits a bit. Ties between unrelated commits are
//! broken by (committer time, id), which makes the numbering, and everything derived from it,
//! the same on every run, whether the graph was built at once or extended from a cache
//! ([`Graph::with`]).

use std::sync::OnceLock;

use super::bitset::Bitset;
use super::commit_list::CommitList;
use super::hash::FastMap;
use super::{CommitInfo, ObjectId};

pub(super) struct Graph {
    /// The commits in the numbering: every parent before its children.
    list: CommitList,
    /// Parents of commit `i` are `parent_list[parent_start[i]..parent_start[i + 1]]`; parents
    /// outside the graph (a shallow clone's boundary) are left out.
    parent_start: Vec<u32>,
    parent_list: Vec<u32>,
    index: FastMap<ObjectId, u32>,
    /// Every index, ordered by commit id, for abbreviation look-ups; made on the first.
    by_id: OnceLock<Vec<u32>>,
}

impl Graph {
    pub(super) fn new(list: CommitList) -> Graph {
        let order = topological_order(&list);
        Graph::numbered(list.reordered(&order)).unwrap_or_else(|(graph, _)| graph)
    }

    /// The graph of commits already in the numbering `new` gives them (as a cache stores
    /// them), without sorting again. An error when a commit is listed twice; a list that is
    /// not parents-first is sorted after all.
    pub(super) fn from_numbered(list: CommitList) -> Result<Graph, String> {
        match Graph::numbered(list) {
            Ok(graph) => Ok(graph),
            Err((_, Some(twice))) => Err(format!("commit {twice} is listed twice")),
            Err((graph, None)) => Ok(Graph::new(graph.list)),
        }
    }

    /// The graph with `new` commits added, numbered as [`Graph::new`] would number them all.
    /// `new` must hold no commit of the graph, and no parent of one.
    pub(super) fn with(self, new: CommitList) -> Graph {
        if new.is_empty() {
            return self;
        }
        // The numbering visits commits from the earliest by (committer time, id). When every
        // new commit comes after every old one, the old ones are numbered first exactly as
        // before (their ancestors are all old), and the new ones after them as they would be
        // on their own; otherwise everything is numbered again.
        let latest = (0..self.len() as u32).map(|i| self.walk_key(i)).max();
        let all_later = (0..new.len()).all(|i| Some((new.times[i], new.ids[i])) > latest);
        if !all_later {
            let mut all = self.list;
            all.append(new);
            return Graph::new(all);
        }
        let order = topological_order(&new);
        let new = new.reordered(&order);
        let mut graph = self;
        for i in 0..new.len() {
            let n = graph.list.len() + i;
            graph.index.insert(new.ids[i], n as u32);
            let parents = new.parents_of(i).iter();
            let parents = parents.filter_map(|p| graph.index.get(p).copied());
            graph.parent_list.extend(parents);
            graph.parent_start.push(graph.parent_list.len() as u32);
        }
        graph.list.append(new);
        graph.by_id = OnceLock::new();
        graph
    }

    /// The graph of `list` in the order given. Fails with the graph anyway when the order is
    /// not parents-first, and with the first repeated commit when one is listed twice.
    #[allow(clippy::result_large_err)]
    fn numbered(list: CommitList) -> Result<Graph, (Graph, Option<ObjectId>)> {
        let mut index: FastMap<ObjectId, u32> = FastMap::default();
        index.reserve(list.len());
        let mut twice = None;
        for (i, id) in list.ids.iter().enumerate() {
            if index.insert(*id, i as u32).is_some() && twice.is_none() {
                twice = Some(*id);
            }
        }
        let mut parents_first = true;
        let mut parent_start = Vec::with_capacity(list.len() + 1);
        let mut parent_list = Vec::with_capacity(list.parents.len());
        for i in 0..list.len() {
            parent_start.push(parent_list.len() as u32);
            for p in list
                .parents_of(i)
                .iter()
                .filter_map(|p| index.get(p).copied())
            {
                parents_first &= (p as usize) < i;
                parent_list.push(p);
            }
        }
        parent_start.push(parent_list.len() as u32);
        let graph = Graph {
            list,
            parent_start,
            parent_list,
            index,
            by_id: OnceLock::new(),
        };
        match (parents_first, twice) {
            (true, None) => Ok(graph),
            (_, twice) => Err((graph, twice)),
        }
    }

    /// The commits in `keep`, as a graph of their own (renumbered).
    pub(super) fn retain(self, keep: &Bitset) -> Graph {
        let kept: Vec<usize> = (0..self.len()).filter(|&i| keep.get(i as u32)).collect();
        Graph::new(self.list.reordered(&kept))
    }

    pub(super) fn len(&self) -> usize {
        self.list.len()
    }

    pub(super) fn index_of(&self, id: &ObjectId) -> Option<u32> {
        self.index.get(id).copied()
    }

    pub(super) fn id(&self, i: u32) -> ObjectId {
        self.list.ids[i as usize]
    }

    pub(super) fn committer_time(&self, i: u32) -> i64 {
        self.list.times[i as usize]
    }

    pub(super) fn tree(&self, i: u32) -> ObjectId {
        self.list.trees[i as usize]
    }

    /// Commit `i`'s details (decoded from the cache on first use).
    pub(super) fn commit(&self, i: u32) -> &CommitInfo {
        self.list.info(i as usize)
    }

    /// The bytes that encode commit `i` in the cache file it came from, if it did.
    pub(super) fn encoded(&self, i: u32) -> Option<&[u8]> {
        self.list.encoded(i as usize)
    }

    /// The key by which the history walk orders commits: (committer time, id).
    pub(super) fn walk_key(&self, i: u32) -> (i64, ObjectId) {
        (self.list.times[i as usize], self.list.ids[i as usize])
    }

    /// The parents of commit `i` that are in the graph.
    pub(super) fn parents(&self, i: u32) -> &[u32] {
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

    /// How many commits `tips` reach that `i` does not (`git rev-list --count TIPS ^I`).
    ///
    /// Walks down from both at once, children before parents (the numbering puts parents
    /// first), and stops when everything left to visit is an ancestor of `i`: the cost is the
    /// commits between `i` and the tips, not the whole history below them.
    pub(super) fn count_not_reached_from(&self, tips: &[u32], i: u32) -> u64 {
        const FROM_TIPS: u8 = 1;
        const FROM_I: u8 = 2;
        let mut marks: std::collections::HashMap<u32, u8> = std::collections::HashMap::new();
        let mut queue = std::collections::BinaryHeap::new();
        // Queued commits that only the tips reach so far; when none is left, stop.
        let mut open = 0usize;
        for (&commit, mark) in tips.iter().map(|t| (t, FROM_TIPS)).chain([(&i, FROM_I)]) {
            let entry = marks.entry(commit).or_insert(0);
            if *entry == 0 {
                queue.push(commit);
            }
            *entry |= mark;
        }
        open += queue.iter().filter(|c| marks[c] == FROM_TIPS).count();
        let mut count = 0;
        while open > 0 {
            let Some(commit) = queue.pop() else { break };
            let mark = marks[&commit];
            if mark == FROM_TIPS {
                open -= 1;
                count += 1;
            }
            for &parent in self.parents(commit) {
                let entry = marks.entry(parent).or_insert(0);
                let before = *entry;
                *entry |= mark;
                if before == 0 {
                    queue.push(parent);
                    if *entry == FROM_TIPS {
                        open += 1;
                    }
                } else if before == FROM_TIPS && *entry != FROM_TIPS {
                    open -= 1;
                }
            }
        }
        count
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
        // A whole id is one look-up; the sorted list is for abbreviations.
        if let Some(id) = std::str::from_utf8(prefix)
            .ok()
            .and_then(ObjectId::from_hex)
        {
            return self.index_of(&id).map(|_| id).into_iter().collect();
        }
        // The smallest id with this prefix is the prefix padded with zeros.
        let mut low = [b'0'; 40];
        low[..prefix.len()].copy_from_slice(prefix);
        let low = std::str::from_utf8(&low)
            .ok()
            .and_then(ObjectId::from_hex)
            .unwrap_or(ObjectId([0; 20]));
        let by_id = self.by_id.get_or_init(|| {
            // Sorting by the first eight bytes as an integer first makes the sort a few times
            // faster than comparing whole ids; ties (rare) fall back to the whole id.
            let mut by_id: Vec<u32> = (0..self.len() as u32).collect();
            by_id.sort_unstable_by_key(|&i| {
                let id = &self.list.ids[i as usize];
                let head: [u8; 8] = [
                    id.0[0], id.0[1], id.0[2], id.0[3], id.0[4], id.0[5], id.0[6], id.0[7],
                ];
                (u64::from_be_bytes(head), *id)
            });
            by_id
        });
        let start = by_id.partition_point(|&i| self.list.ids[i as usize] < low);
        by_id[start..]
            .iter()
            .map(|&i| self.list.ids[i as usize])
            .take_while(|id| id.starts_with_hex(prefix))
            .collect()
    }

    /// Commit indices ordered by (committer time, id): the order in which the history walk
    /// must meet commits so that the first commit to show a blob is its earliest.
    pub(super) fn by_time(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_unstable_by_key(|&i| self.walk_key(i));
        order
    }
}

/// A topological order of `list` (positions in it): a depth-first post-order over parents,
/// starting from the commits in (committer time, id) order so that the result is deterministic.
fn topological_order(list: &CommitList) -> Vec<usize> {
    let position: FastMap<ObjectId, usize> = (list.ids.iter().enumerate())
        .map(|(i, id)| (*id, i))
        .collect();
    let mut starts: Vec<usize> = (0..list.len()).collect();
    starts.sort_unstable_by_key(|&i| (list.times[i], list.ids[i]));
    let mut entered = vec![false; list.len()];
    let mut order = Vec::with_capacity(list.len());
    // (commit, index of the next parent to visit)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in starts {
        if entered[start] {
            continue;
        }
        entered[start] = true;
        stack.push((start, 0));
        while let Some(&mut (c, ref mut next)) = stack.last_mut() {
            let parents = list.parents_of(c);
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
                    order.push(c);
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::commit_list::ReadCommit;

    /// Commit `n` at time `time` with `parents`.
    fn list(commits: &[(u8, i64, &[u8])]) -> CommitList {
        let mut list = CommitList::default();
        for &(n, time, parents) in commits {
            list.push_read(ReadCommit {
                tree: ObjectId([n; 20]),
                info: CommitInfo {
                    id: ObjectId([n; 20]),
                    parents: parents.iter().map(|&p| ObjectId([p; 20])).collect(),
                    author_name: String::new(),
                    author_email: String::new(),
                    author_time: time,
                    committer_time: time,
                    summary: String::new(),
                },
            });
        }
        list
    }

    fn numbering(graph: &Graph) -> Vec<u8> {
        (0..graph.len() as u32).map(|i| graph.id(i).0[0]).collect()
    }

    /// Two branches from 1, merged at 6; 7 is a second root; times out of topological order.
    const HISTORY: &[(u8, i64, &[u8])] = &[
        (1, 10, &[]),
        (2, 30, &[1]),
        (3, 20, &[1]),
        (4, 40, &[3]),
        (5, 35, &[2]),
        (6, 50, &[4, 5]),
        (7, 15, &[]),
    ];

    #[test]
    fn extending_numbers_the_commits_as_building_at_once_does() {
        let whole = numbering(&Graph::new(list(HISTORY)));
        // Every split into a cached, ancestor-closed part and new commits: new commits all
        // later (appended), or some earlier than cached ones (numbered again).
        for cached in [&[1, 2, 3][..], &[1, 3, 4, 7], &[1], &[1, 2, 3, 4, 5, 6, 7]] {
            let (old, new): (Vec<_>, Vec<_>) =
                HISTORY.iter().copied().partition(|c| cached.contains(&c.0));
            let graph = Graph::new(list(&old)).with(list(&new));
            assert_eq!(numbering(&graph), whole, "cached {cached:?}");
            let six = graph.index_of(&ObjectId([6; 20])).unwrap();
            assert_eq!(graph.ancestors(&[six]).count(), 6);
        }
    }

    #[test]
    fn a_stored_numbering_is_taken_checked_or_refused() {
        let whole = Graph::new(list(HISTORY));
        let expected = numbering(&whole);
        let again = Graph::from_numbered(whole.list).unwrap();
        assert_eq!(numbering(&again), expected);
        // Children before parents: numbered again rather than trusted.
        let backwards = Graph::from_numbered(list(&[(2, 30, &[1]), (1, 10, &[])])).unwrap();
        assert_eq!(numbering(&backwards), [1, 2]);
        let twice = Graph::from_numbered(list(&[(1, 10, &[]), (1, 10, &[])]));
        assert!(twice.is_err());
    }

    #[test]
    fn ids_are_found_by_whole_id_or_abbreviation() {
        let graph = Graph::new(list(HISTORY));
        let four = ObjectId([4; 20]);
        assert_eq!(graph.ids_with_prefix(four.to_hex().as_bytes()), [four]);
        assert_eq!(graph.ids_with_prefix(b"0404"), [four]);
        assert_eq!(graph.ids_with_prefix(b"0"), {
            let mut all: Vec<ObjectId> = (1..=7).map(|n| ObjectId([n; 20])).collect();
            all.sort();
            all
        });
        assert!(graph.ids_with_prefix(&b"08".repeat(20)).is_empty());
    }
}
