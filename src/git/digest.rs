//! Hashing the content of every configuration blob, on other threads while the history walk
//! is still finding them.
//!
//! Each blob is read once and hashed with sha256 and sha1, the digests a deployed file or a
//! Puppet report carries. The walk pushes each new blob onto a [`BlobQueue`]; hashing threads
//! take whatever has piled up, and when the walk is done its thread joins them. Each thread has
//! its own repository handle (libgit2's `Repository` is not `Sync`).
//!
//! Blobs are read grouped by path: a pack stores the versions of a file as a chain of deltas,
//! and libgit2 keeps recently used delta bases, so reading the versions of one file one after
//! another costs a delta each instead of the whole chain. Read in id order, the same blobs took
//! three times as long.
//!
//! A blob missing from the object database (a partial clone leaves large blobs out) is listed,
//! not hashed and not an error: the report can then say which contents could not be checked,
//! instead of the whole audit failing.

use std::path::Path;
use std::sync::{Condvar, Mutex};

use git2::{ObjectType, Odb};
use sha1::Digest;
use sha1::Sha1;

use super::repo::{open_again, read_error};
use super::{GitIndexError, ObjectId};
#[cfg(test)]
use crate::model::id::hex;

/// A blob's content digests, as bytes (hex only when a record is made).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Digests {
    pub sha256: [u8; 32],
    pub sha1: [u8; 20],
    pub size: u64,
}

/// Blobs waiting to be hashed, each with a key that groups the versions of one path.
#[derive(Default)]
pub(super) struct BlobQueue {
    state: Mutex<QueueState>,
    ready: Condvar,
}

#[derive(Default)]
struct QueueState {
    pending: Vec<(u64, ObjectId)>,
    /// No more blobs will come: the rest is sorted once and shared out in slices.
    closed: bool,
    /// Threads holding a batch, which they may give back in part once the queue closes.
    busy: usize,
}

/// After the walk, the remaining blobs are handed out this many at a time, so that every
/// thread stays busy to the end.
const SLICE: usize = 1024;

impl BlobQueue {
    pub(super) fn push(&self, id: ObjectId, key: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.pending.push((key, id));
        // Waking a waiting thread for every blob would cost more than the hashing; a batch
        // is worth a wake-up.
        if state.pending.len() % 256 == 1 {
            self.ready.notify_one();
        }
    }

    /// No more blobs will be pushed.
    pub(super) fn close(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.closed = true;
        state.pending.sort_unstable();
        self.ready.notify_all();
    }

    fn is_closed(&self) -> bool {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).closed
    }

    /// A thread is done with the batch it took; what is left of it goes back for every thread
    /// to share.
    fn release(&self, rest: &mut Vec<(u64, ObjectId)>) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !rest.is_empty() {
            state.pending.append(rest);
            if state.closed {
                state.pending.sort_unstable();
            }
        }
        state.busy -= 1;
        self.ready.notify_all();
    }

    /// The next blobs to hash, sorted by key; `None` once the queue is closed and empty.
    fn take(&self) -> Option<Vec<(u64, ObjectId)>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while state.pending.is_empty() && (!state.closed || state.busy > 0) {
            state = self.ready.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        if state.pending.is_empty() {
            return None;
        }
        state.busy += 1;
        if state.closed {
            let at = state.pending.len().saturating_sub(SLICE);
            return Some(state.pending.split_off(at));
        }
        let mut batch = std::mem::take(&mut state.pending);
        drop(state);
        batch.sort_unstable();
        Some(batch)
    }

    /// Closes the queue when dropped, so that hashing threads never wait for a walk that
    /// ended early with an error.
    pub(super) fn closer(&self) -> Closer<'_> {
        Closer(self)
    }
}

pub(super) struct Closer<'q>(&'q BlobQueue);

impl Drop for Closer<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Hashes blobs from `queue` until it is closed and empty. Returns each blob with its digests,
/// `None` where the object database lacks it.
pub(super) fn hash_from(
    queue: &BlobQueue,
    git_dir: &Path,
    path: &Path,
) -> Result<Vec<(ObjectId, Option<Digests>)>, GitIndexError> {
    let repo = open_again(git_dir, path)?;
    let odb = repo
        .odb()
        .map_err(|e| read_error(path, "the object database", &e))?;
    let mut out = Vec::new();
    while let Some(batch) = queue.take() {
        let mut held = Held { queue, batch };
        hash_batch(&odb, path, queue, &mut held.batch, &mut out)?;
    }
    Ok(out)
}

/// A batch taken from the queue, released when dropped: also on an error or a panic, so that
/// no other thread waits for it forever.
struct Held<'q> {
    queue: &'q BlobQueue,
    batch: Vec<(u64, ObjectId)>,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.queue.release(&mut self.batch);
    }
}

/// Hashes `batch` a slice at a time, stopping early (with the rest left in `batch`) when the
/// queue closes: a batch taken while the walk ran can be large, and once the walk is over the
/// other threads are free to share it.
fn hash_batch(
    odb: &Odb<'_>,
    path: &Path,
    queue: &BlobQueue,
    batch: &mut Vec<(u64, ObjectId)>,
    out: &mut Vec<(ObjectId, Option<Digests>)>,
) -> Result<(), GitIndexError> {
    while !batch.is_empty() {
        let slice = batch.len().min(SLICE);
        for (_, id) in batch.drain(..slice) {
            out.push((id, read_and_hash(odb, id, path)?));
        }
        if queue.is_closed() {
            return Ok(());
        }
    }
    Ok(())
}

/// Reads blob `id` and hashes it; `None` when the object database lacks it.
pub(super) fn read_and_hash(
    odb: &Odb<'_>,
    id: ObjectId,
    path: &Path,
) -> Result<Option<Digests>, GitIndexError> {
    let object = match odb.read(id.to_git()) {
        Ok(object) => object,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(blob_error(path, &id, e.message())),
    };
    if object.kind() != ObjectType::Blob {
        return Err(blob_error(path, &id, "it is not a blob"));
    }
    Ok(Some(digests(object.data())))
}

pub(super) fn digests(content: &[u8]) -> Digests {
    Digests {
        sha256: crate::model::id::sha256(content),
        sha1: Sha1::digest(content).into(),
        size: content.len() as u64,
    }
}

/// `N` bytes from `2N` hex digits in either case, as digests arrive from other tools.
pub(super) fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let digits = text.as_bytes();
    if digits.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        let value = |d: u8| (d as char).to_digit(16);
        *byte = (value(pair[0])? * 16 + value(pair[1])?) as u8;
    }
    Some(out)
}

fn blob_error(path: &Path, id: &ObjectId, why: &str) -> GitIndexError {
    GitIndexError::Read {
        path: path.to_path_buf(),
        message: format!(
            "expected blob {id} (a configuration file in the history) to be readable from \
             the object database, but: {why}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(i: u64) -> ObjectId {
        ObjectId([i as u8; 20])
    }

    #[test]
    fn a_closed_queue_hands_out_the_rest_in_sorted_slices_then_ends() {
        let queue = BlobQueue::default();
        for i in 0..(SLICE as u64 + 10) {
            queue.push(blob(i), u64::MAX - i);
        }
        queue.close();
        let mut first = queue.take().unwrap();
        assert_eq!(first.len(), SLICE);
        assert!(first.windows(2).all(|w| w[0] <= w[1]));
        // Half of it goes back unhashed, to be shared again.
        first.truncate(SLICE / 2);
        queue.release(&mut first);
        let mut rest = queue.take().unwrap();
        assert_eq!(rest.len(), SLICE / 2 + 10);
        rest.clear();
        queue.release(&mut rest);
        assert!(
            queue.take().is_none(),
            "closed, empty and nobody holding a batch"
        );
    }

    #[test]
    fn a_thread_waits_for_what_a_busy_thread_may_give_back() {
        let queue = BlobQueue::default();
        queue.push(blob(1), 1);
        queue.push(blob(2), 2);
        let mut held = queue.take().unwrap();
        queue.close();
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| queue.take());
            held.truncate(1);
            queue.release(&mut held);
            let given = waiter.join().unwrap().expect("the released blob");
            assert_eq!(given, vec![(1, blob(1))]);
        });
    }

    #[test]
    fn digests_of_known_content() {
        let d = digests(b"abc");
        assert_eq!(
            hex(&d.sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(hex(&d.sha1), "a9993e364706816aba3e25717850c26c9cd0d89d");
        assert_eq!(d.size, 3);
    }

    #[test]
    fn hex_digests_are_read_in_either_case_and_nothing_else() {
        assert_eq!(unhex::<2>("0aFf"), Some([0x0a, 0xff]));
        assert_eq!(unhex::<2>("0aF"), None);
        assert_eq!(unhex::<2>("0aFg"), None);
        assert_eq!(unhex::<1>("+1"), None);
    }
}
