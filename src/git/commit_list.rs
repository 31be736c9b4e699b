//! Commits in columns: what the graph computes with (ids, trees, committer times, parents),
//! and each commit's details (author, dates, summary), either read already or still encoded in
//! the bytes of a cache file.
//!
//! A warm audit of 50,000 commits asks for the details of a handful of them (the commits that
//! claims name); decoding them all would cost four allocations a commit and a large part of the
//! warm audit's time, and saving the cache again would cost as much in encoding. So a cached
//! commit keeps the span of the file that encodes it: its details are decoded the first time
//! they are asked for, and saving copies the span as it is.

use std::sync::{Arc, OnceLock};

use super::cache::commit_details;
use super::{CommitInfo, ObjectId};

/// A commit read from the repository.
pub(super) struct ReadCommit {
    pub info: CommitInfo,
    pub tree: ObjectId,
}

#[derive(Default)]
pub(super) struct CommitList {
    pub ids: Vec<ObjectId>,
    pub trees: Vec<ObjectId>,
    pub times: Vec<i64>,
    /// The parents of commit `i` are `parents[parent_ends[i - 1]..parent_ends[i]]` (from 0 for
    /// the first), in the commit's order, whether or not they are in the list.
    pub parent_ends: Vec<u32>,
    pub parents: Vec<ObjectId>,
    details: Vec<Details>,
    /// The cache file the encoded details are spans of.
    encoded: Option<Arc<Vec<u8>>>,
}

struct Details {
    info: OnceLock<Box<CommitInfo>>,
    /// Where the commit is encoded in `encoded`.
    span: Option<(usize, usize)>,
}

impl CommitList {
    /// Names `file` as the cache file whose spans [`CommitList::push_encoded`] gave.
    pub(super) fn attach_file(&mut self, file: Arc<Vec<u8>>) {
        self.encoded = Some(file);
    }

    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub(super) fn parents_of(&self, i: usize) -> &[ObjectId] {
        let start = if i == 0 { 0 } else { self.parent_ends[i - 1] };
        &self.parents[start as usize..self.parent_ends[i] as usize]
    }

    pub(super) fn push_read(&mut self, commit: ReadCommit) {
        self.push_columns(
            commit.info.id,
            commit.tree,
            &commit.info.parents,
            commit.info.committer_time,
        );
        self.details.push(Details {
            info: OnceLock::from(Box::new(commit.info)),
            span: None,
        });
    }

    /// A commit encoded at `span` of the file to be attached.
    pub(super) fn push_encoded(
        &mut self,
        id: ObjectId,
        tree: ObjectId,
        parents: &[ObjectId],
        committer_time: i64,
        span: (usize, usize),
    ) {
        self.push_columns(id, tree, parents, committer_time);
        self.details.push(Details {
            info: OnceLock::new(),
            span: Some(span),
        });
    }

    fn push_columns(&mut self, id: ObjectId, tree: ObjectId, parents: &[ObjectId], time: i64) {
        self.ids.push(id);
        self.trees.push(tree);
        self.times.push(time);
        self.parents.extend_from_slice(parents);
        self.parent_ends.push(self.parents.len() as u32);
    }

    /// The details of commit `i`, decoded on first use.
    pub(super) fn info(&self, i: usize) -> &CommitInfo {
        self.details[i].info.get_or_init(|| {
            let mut info = CommitInfo {
                id: self.ids[i],
                parents: self.parents_of(i).to_vec(),
                author_name: String::new(),
                author_email: String::new(),
                author_time: self.times[i],
                committer_time: self.times[i],
                summary: String::new(),
            };
            if let Some(bytes) = self.encoded(i) {
                commit_details(bytes, &mut info);
            }
            Box::new(info)
        })
    }

    /// The bytes that encode commit `i` in a cache file, when it came from one.
    pub(super) fn encoded(&self, i: usize) -> Option<&[u8]> {
        let (start, end) = self.details[i].span?;
        self.encoded.as_ref()?.get(start..end)
    }

    /// The commits in `order` (positions in this list, each at most once).
    pub(super) fn reordered(self, order: &[usize]) -> CommitList {
        let mut details: Vec<Option<Details>> = self.details.into_iter().map(Some).collect();
        let mut out = CommitList {
            encoded: self.encoded.clone(),
            ..CommitList::default()
        };
        for &i in order {
            let start = if i == 0 { 0 } else { self.parent_ends[i - 1] } as usize;
            let parents = &self.parents[start..self.parent_ends[i] as usize];
            out.push_columns(self.ids[i], self.trees[i], parents, self.times[i]);
            if let Some(d) = details.get_mut(i).and_then(Option::take) {
                out.details.push(d);
            }
        }
        out
    }

    /// Appends `other`, whose commits must all be read (none encoded).
    pub(super) fn append(&mut self, other: CommitList) {
        let offset = self.parents.len() as u32;
        self.ids.extend(other.ids);
        self.trees.extend(other.trees);
        self.times.extend(other.times);
        self.parents.extend(other.parents);
        (self.parent_ends).extend(other.parent_ends.iter().map(|end| end + offset));
        self.details.extend(other.details);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(n: u8, parents: &[u8]) -> ReadCommit {
        ReadCommit {
            tree: ObjectId([100 + n; 20]),
            info: CommitInfo {
                id: ObjectId([n; 20]),
                parents: parents.iter().map(|&p| ObjectId([p; 20])).collect(),
                author_name: format!("author {n}"),
                author_email: String::new(),
                author_time: 1,
                committer_time: i64::from(n),
                summary: String::new(),
            },
        }
    }

    #[test]
    fn reordering_and_appending_keep_each_commit_whole() {
        let mut list = CommitList::default();
        list.push_read(read(1, &[]));
        list.push_read(read(2, &[1]));
        list.push_read(read(3, &[1, 2]));
        let mut list = list.reordered(&[2, 0]);
        let mut more = CommitList::default();
        more.push_read(read(4, &[3, 9]));
        list.append(more);
        assert_eq!(list.len(), 3);
        let ids: Vec<u8> = list.ids.iter().map(|id| id.0[0]).collect();
        assert_eq!(ids, [3, 1, 4]);
        assert_eq!(list.parents_of(0), [ObjectId([1; 20]), ObjectId([2; 20])]);
        assert_eq!(list.parents_of(1), []);
        assert_eq!(list.parents_of(2), [ObjectId([3; 20]), ObjectId([9; 20])]);
        assert_eq!(list.info(2).author_name, "author 4");
        assert_eq!(list.trees[1], ObjectId([101; 20]));
        assert_eq!(list.encoded(0), None);
    }
}
