//! Building the blob table: the history walk on this thread, the hashing of what it finds on
//! the others at the same time, then on all of them once the walk is done.
//!
//! Plain scoped threads rather than rayon tasks, as many as rayon's pool has threads: the
//! hashing threads block on the queue while waiting for the walk, which rayon's workers must
//! not do.
//!
//! Blobs whose digests are already `known` (from a cache whose history was rewritten) are not
//! read again: a blob's content, and so its digests, is fixed by its id.

use std::collections::HashMap;
use std::path::Path;

use super::blobs::{BlobTable, ColumnsBuilder, MissingBlob};
use super::graph::Graph;
use super::{digest, walk, GitIndexError, ObjectId};

/// Digests already computed, by blob id.
pub(super) type KnownDigests = HashMap<ObjectId, digest::Digests>;

/// Walks the history for configuration blobs and hashes each one not `known`, the hashing on
/// the other threads while the walk runs, then on all of them.
pub(super) fn blob_table(
    git_dir: &Path,
    path: &Path,
    graph: &Graph,
    known: &KnownDigests,
) -> Result<BlobTable, GitIndexError> {
    let order = graph.by_time();
    let queue = digest::BlobQueue::default();
    let helpers = rayon::current_num_threads().saturating_sub(1);
    let (found, hashed) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..helpers)
            .map(|_| scope.spawn(|| digest::hash_from(&queue, git_dir, path)))
            .collect();
        let found = {
            let _closer = queue.closer();
            walk::walk(git_dir, path, graph, &order, &mut |id, key| {
                if !known.contains_key(&id) {
                    queue.push(id, key)
                }
            })
        };
        let mut hashed = vec![digest::hash_from(&queue, git_dir, path)];
        hashed.extend(
            handles
                .into_iter()
                .map(|h| h.join().expect("hashing thread")),
        );
        (found, hashed)
    });
    let found = found?;
    let mut digests: HashMap<ObjectId, Option<digest::Digests>> =
        HashMap::with_capacity(found.len());
    for part in hashed {
        digests.extend(part?);
    }
    let mut found: Vec<(ObjectId, walk::Occurrence)> = found.into_iter().collect();
    found.sort_unstable_by_key(|(id, _)| *id);
    let mut columns = ColumnsBuilder::default();
    let mut missing = Vec::new();
    for (id, occurrence) in found {
        let first_commit = graph.id(order[occurrence.first as usize]);
        let hashed = match digests.remove(&id) {
            Some(hashed) => hashed,
            None => known.get(&id).copied(),
        };
        match hashed {
            None => missing.push(MissingBlob {
                id,
                first_commit,
                paths: occurrence.paths,
            }),
            Some(d) => columns.push(id, d, first_commit, &occurrence.paths),
        }
    }
    Ok(BlobTable::new(columns.finish(), missing))
}
