//! Building the blob table: the history walk on this thread, the hashing of what it finds on
//! the others at the same time, then on all of them once the walk is done.
//!
//! Plain scoped threads rather than rayon tasks, as many as rayon's pool has threads: the
//! hashing threads block on the queue while waiting for the walk, which rayon's workers must
//! not do.

use std::collections::HashMap;
use std::path::Path;

use super::blobs::BlobTable;
use super::graph::Graph;
use super::{digest, walk, BlobRecord, GitIndexError, ObjectId};

/// Walks the history for configuration blobs and hashes each one, the hashing on the other
/// threads while the walk runs, then on all of them.
pub(super) fn blob_table(
    git_dir: &Path,
    path: &Path,
    graph: &Graph,
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
                queue.push(id, key)
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
    let mut records = Vec::with_capacity(found.len());
    let mut missing = Vec::new();
    for (id, occurrence) in found {
        match digests.remove(&id).flatten() {
            None => missing.push(id),
            Some(d) => records.push(BlobRecord {
                id,
                sha256: d.sha256,
                sha1: d.sha1,
                size: d.size,
                first_commit: graph.commit(order[occurrence.first as usize]).id,
                paths: occurrence.paths,
            }),
        }
    }
    Ok(BlobTable::new(records, missing))
}
