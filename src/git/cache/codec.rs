//! The cache file's layout, and turning an index's history into it and back.
//!
//! ```text
//! header   magic "PVGINDEX" | format version u32 | tool version (u8 length, bytes)
//!          | payload length u64 | payload XXH64 u64
//! payload  repository identity | shallow/grafts digest [32]
//!          | paths: count, each a string
//!          | commits: count, each: id, tree, parent ids, author name, email, author time,
//!                     committer time, summary
//!          | blobs: count, each: id, first commit (index), path indices, sha256, sha1, size
//!          | missing blobs: count, each: id, first commit (index), paths (strings)
//! ```
//!
//! Integers are little-endian, counts and indices LEB128, strings length-prefixed UTF-8; blob
//! lists are sorted by id, commits are in the index's numbering (parents first). Blob paths are
//! stored once and referred to by index: the versions of a file share its path, which keeps
//! the file small and lets it be read with no allocation per blob (see [`BlobColumns`]).
//! Decoding checks every length, index and
//! order, so a file that passes the checksum but is still wrong (written by a buggy or hostile
//! program) is reported as damaged like any other.

use super::bytes::{Damage, Reader, Writer};
use super::checksum::xxh64;
use std::sync::Arc;

use crate::git::blobs::{BlobColumns, BlobTable, MissingBlob};
use crate::git::commit_list::CommitList;
use crate::git::digest::Digests;
use crate::git::graph::Graph;
use crate::git::{CommitInfo, ObjectId};

const MAGIC: &[u8; 8] = b"PVGINDEX";
/// Raised whenever the layout or the meaning of a field changes.
pub(super) const FORMAT_VERSION: u32 = 1;
const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A cached history, decoded.
pub(in crate::git) struct Snapshot {
    /// Digest of the repository's `shallow` and `info/grafts` files when it was cached.
    pub shallow: [u8; 32],
    /// In the index's numbering, their details still encoded in the file.
    pub commits: CommitList,
    pub blobs: BlobColumns,
    /// Sorted by id.
    pub missing: Vec<MissingBlob>,
}

/// Why a file could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Unusable {
    /// Written by another format or tool version: expected after an upgrade, not worth a
    /// warning.
    Stale(String),
    /// Cut short, altered, or not a cache file at all.
    Damaged(String),
    /// A cache file, but of another repository.
    Foreign(String),
}

/// What a cache file holds for the repository with `identity`.
pub(super) fn decode(file: Vec<u8>, identity: &[u8]) -> Result<Snapshot, Unusable> {
    let payload = check_header(&file)?;
    let offset = file.len() - payload.len();
    let mut r = Reader::new(payload);
    let damaged = |d: Damage| Unusable::Damaged(format!("corrupt: {}", d.0));
    let stored = r.bytes().map_err(damaged)?;
    if stored != identity {
        return Err(Unusable::Foreign(format!(
            "it belongs to another repository ({})",
            String::from_utf8_lossy(stored)
        )));
    }
    let mut snapshot = decode_payload(&mut r, offset).map_err(damaged)?;
    snapshot.commits.attach_file(Arc::new(file));
    Ok(snapshot)
}

/// The whole file for `graph` and `blobs`.
pub(in crate::git) fn encode(
    identity: &[u8],
    shallow: &[u8; 32],
    graph: &Graph,
    blobs: &BlobTable,
) -> Vec<u8> {
    let columns = blobs.columns();
    // One buffer, sized once (a growing buffer was a fifth of a warm audit's time): the header
    // first, with its length and checksum filled in at the end.
    let estimate = 1024 + graph.len() * 256 + columns.len() * 128 + columns.paths.len() * 64;
    let mut payload = Writer {
        buf: Vec::with_capacity(estimate),
    };
    payload.raw(MAGIC);
    payload.u32(FORMAT_VERSION);
    payload.raw(&[TOOL_VERSION.len() as u8]);
    payload.raw(TOOL_VERSION.as_bytes());
    let sums_at = payload.buf.len();
    payload.u64(0);
    payload.u64(0);
    let start = payload.buf.len();
    payload.bytes(identity);
    payload.raw(shallow);
    payload.len(columns.paths.len());
    for path in &columns.paths {
        payload.bytes(path.as_bytes());
    }
    payload.len(graph.len());
    for i in 0..graph.len() as u32 {
        // A commit from the cache is copied as it was encoded, without decoding it.
        match graph.encoded(i) {
            Some(bytes) => payload.raw(bytes),
            None => write_commit(&mut payload, graph.commit(i), &graph.tree(i)),
        }
    }
    // First commits are always indexed commits; 0 stands in for one that is not, and
    // decoding cannot tell, but no index ever holds such a blob.
    let position = |id: &ObjectId| graph.index_of(id).unwrap_or(0) as u64;
    payload.len(columns.len());
    for i in 0..columns.len() {
        payload.id(&columns.ids[i]);
        payload.varint(position(&columns.firsts[i]));
        let refs = columns.refs(i);
        payload.len(refs.len());
        for &r in refs {
            payload.varint(u64::from(r));
        }
        let d = &columns.digests[i];
        payload.raw(&d.sha256);
        payload.raw(&d.sha1);
        payload.varint(d.size);
    }
    payload.len(blobs.missing_blobs().len());
    for missing in blobs.missing_blobs() {
        payload.id(&missing.id);
        payload.varint(position(&missing.first_commit));
        payload.len(missing.paths.len());
        for path in &missing.paths {
            payload.bytes(path.as_bytes());
        }
    }
    let mut file = payload.buf;
    let length = (file.len() - start) as u64;
    let checksum = xxh64(&file[start..]);
    file[sums_at..sums_at + 8].copy_from_slice(&length.to_le_bytes());
    file[sums_at + 8..start].copy_from_slice(&checksum.to_le_bytes());
    file
}

fn write_commit(w: &mut Writer, commit: &CommitInfo, tree: &ObjectId) {
    w.id(&commit.id);
    w.id(tree);
    w.len(commit.parents.len());
    for parent in &commit.parents {
        w.id(parent);
    }
    w.bytes(commit.author_name.as_bytes());
    w.bytes(commit.author_email.as_bytes());
    w.i64(commit.author_time);
    w.i64(commit.committer_time);
    w.bytes(commit.summary.as_bytes());
}

/// The payload, once the header says this is a whole, unaltered file of this version.
fn check_header(file: &[u8]) -> Result<&[u8], Unusable> {
    if file.is_empty() {
        return Err(Unusable::Damaged("truncated: the file is empty".into()));
    }
    if file.len() < MAGIC.len() && MAGIC.starts_with(file) {
        return Err(Unusable::Damaged("truncated: no whole header".into()));
    }
    if !file.starts_with(MAGIC) {
        return Err(Unusable::Foreign(
            "it is not a provenant git index cache".into(),
        ));
    }
    let mut r = Reader::new(&file[MAGIC.len()..]);
    let truncated = |_| Unusable::Damaged("truncated: no whole header".into());
    let format = r.u32().map_err(truncated)?;
    if format != FORMAT_VERSION {
        return Err(Unusable::Stale(format!(
            "it is in cache format {format}; this provenant reads format {FORMAT_VERSION}"
        )));
    }
    let tool_len = r.u8().map_err(truncated)?;
    let tool = r.take(usize::from(tool_len)).map_err(truncated)?;
    if tool != TOOL_VERSION.as_bytes() {
        return Err(Unusable::Stale(format!(
            "it was written by provenant {}",
            String::from_utf8_lossy(tool)
        )));
    }
    let length = r.u64().map_err(truncated)?;
    let checksum = r.u64().map_err(truncated)?;
    let payload = r.take(r.remaining()).map_err(truncated)?;
    if (payload.len() as u64) < length {
        return Err(Unusable::Damaged(format!(
            "truncated: {} of {length} payload bytes",
            payload.len()
        )));
    }
    if payload.len() as u64 > length {
        return Err(Unusable::Damaged(format!(
            "corrupt: {} bytes more than its header says",
            payload.len() as u64 - length
        )));
    }
    if xxh64(payload) != checksum {
        return Err(Unusable::Damaged("corrupt: checksum mismatch".into()));
    }
    Ok(payload)
}

/// The payload, read by `r`, which starts `offset` bytes into the file.
fn decode_payload(r: &mut Reader<'_>, offset: usize) -> Result<Snapshot, Damage> {
    let shallow = r.array::<32>()?;
    let path_count = r.count(1)?;
    let mut paths = Vec::with_capacity(path_count);
    for _ in 0..path_count {
        paths.push(r.string()?);
    }
    // A commit takes at least 40 bytes of ids, 4 one-byte lengths and two 8-byte times.
    let commit_count = r.count(60)?;
    let mut commits = CommitList::default();
    let mut parents = Vec::new();
    for _ in 0..commit_count {
        let start = r.position();
        let id = r.id()?;
        let tree = r.id()?;
        parents.clear();
        for _ in 0..r.count(20)? {
            parents.push(r.id()?);
        }
        r.skip_bytes()?;
        r.skip_bytes()?;
        r.i64()?;
        let committer_time = r.i64()?;
        r.skip_bytes()?;
        let span = (offset + start, offset + r.position());
        commits.push_encoded(id, tree, &parents, committer_time, span);
    }
    let ids = &commits.ids;
    let blobs = read_columns(r, ids, paths)?;
    let missing_count = r.count(20 + 2)?;
    let mut missing: Vec<MissingBlob> = Vec::with_capacity(missing_count);
    for _ in 0..missing_count {
        let id = r.id()?;
        let first_commit = commits.ids[r.index(commits.ids.len(), "commit")?];
        let count = r.count(1)?;
        let mut paths = Vec::with_capacity(count);
        for _ in 0..count {
            paths.push(r.string()?);
        }
        if !paths.windows(2).all(|w| w[0] < w[1]) {
            return Err(r.damage("paths out of order"));
        }
        missing.push(MissingBlob {
            id,
            first_commit,
            paths,
        });
    }
    if r.remaining() != 0 {
        return Err(r.damage("data after the last blob"));
    }
    let increasing = |a: &ObjectId, b: &ObjectId| a < b;
    if !missing.windows(2).all(|w| increasing(&w[0].id, &w[1].id))
        || missing.iter().any(|m| blobs.position(&m.id).is_some())
    {
        return Err(Damage("corrupt: blobs out of order or listed twice".into()));
    }
    Ok(Snapshot {
        shallow,
        commits,
        blobs,
        missing,
    })
}

/// The blobs with digests: ids strictly increasing, and each blob's paths in string order.
fn read_columns(
    r: &mut Reader<'_>,
    commits: &[ObjectId],
    paths: Vec<String>,
) -> Result<BlobColumns, Damage> {
    let count = r.count(20 + 2 + 32 + 20 + 1)?;
    let mut c = BlobColumns {
        ids: Vec::with_capacity(count),
        digests: Vec::with_capacity(count),
        firsts: Vec::with_capacity(count),
        path_ends: Vec::with_capacity(count),
        path_refs: Vec::with_capacity(count),
        paths,
    };
    for _ in 0..count {
        let id = r.id()?;
        if c.ids.last().is_some_and(|last| *last >= id) {
            return Err(r.damage("blobs out of order"));
        }
        c.ids.push(id);
        c.firsts.push(commits[r.index(commits.len(), "commit")?]);
        let refs = r.count(1)?;
        let mut previous: Option<&str> = None;
        for _ in 0..refs {
            let p = r.index(c.paths.len(), "path")?;
            let path = c.paths[p].as_str();
            if previous.is_some_and(|before| before >= path) {
                return Err(r.damage("paths out of order"));
            }
            previous = Some(path);
            c.path_refs.push(p as u32);
        }
        c.path_ends.push(c.path_refs.len() as u32);
        c.digests.push(Digests {
            sha256: r.array()?,
            sha1: r.array()?,
            size: r.varint()?,
        });
    }
    Ok(c)
}

/// Fills `info` with the details of the commit `bytes` encode (a span the decoding checked):
/// author, email, author time and summary. Text that is not UTF-8 is replaced, not refused.
pub(in crate::git) fn commit_details(bytes: &[u8], info: &mut CommitInfo) {
    let mut r = Reader::new(bytes);
    let mut details = || -> Result<(), Damage> {
        r.take(40)?;
        let parents = r.count(20)?;
        r.take(parents * 20)?;
        info.author_name = String::from_utf8_lossy(r.bytes()?).into_owned();
        info.author_email = String::from_utf8_lossy(r.bytes()?).into_owned();
        info.author_time = r.i64()?;
        r.i64()?;
        info.summary = String::from_utf8_lossy(r.bytes()?).into_owned();
        Ok(())
    };
    // The span was read whole when the file was decoded; nothing can be missing.
    let _ = details();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::blobs::ColumnsBuilder;
    use crate::git::commit_list::ReadCommit;

    fn commit(n: u8, parents: &[u8]) -> ReadCommit {
        ReadCommit {
            tree: ObjectId([100 + n; 20]),
            info: CommitInfo {
                id: ObjectId([n; 20]),
                parents: parents.iter().map(|&p| ObjectId([p; 20])).collect(),
                author_name: "Ada".into(),
                author_email: "ada@example.com".into(),
                author_time: i64::from(n) * 10,
                committer_time: i64::from(n) * 10 + 1,
                summary: format!("commit {n}"),
            },
        }
    }

    fn sample() -> (Graph, BlobTable) {
        let mut list = CommitList::default();
        for read in [commit(1, &[]), commit(2, &[1]), commit(3, &[2, 9])] {
            list.push_read(read);
        }
        let graph = Graph::new(list);
        let mut columns = ColumnsBuilder::default();
        for (n, first, paths) in [(40u8, 1u8, &["a.tf", "b/c.tf"][..]), (41, 2, &["a.tf"])] {
            let digests = Digests {
                sha256: [n; 32],
                sha1: [n; 20],
                size: u64::from(n) * 1000,
            };
            let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
            columns.push(ObjectId([n; 20]), digests, ObjectId([first; 20]), &paths);
        }
        let missing = MissingBlob {
            id: ObjectId([50; 20]),
            first_commit: ObjectId([3; 20]),
            paths: vec!["b/c.tf".into()],
        };
        (graph, BlobTable::new(columns.finish(), vec![missing]))
    }

    const ID: &[u8] = b"/repo/.git";

    #[test]
    fn a_snapshot_round_trips() {
        let (graph, blobs) = sample();
        let file = encode(ID, &[9; 32], &graph, &blobs);
        let snapshot = decode(file.clone(), ID).unwrap();
        assert_eq!(snapshot.shallow, [9; 32]);
        let commits = snapshot.commits;
        assert_eq!(commits.len(), 3);
        for i in 0..3 {
            assert_eq!(commits.info(i), graph.commit(i as u32));
            assert_eq!(commits.trees[i], graph.tree(i as u32));
        }
        // Saved again, the cached commits are copied as they were.
        let again = Graph::from_numbered(commits).unwrap();
        assert!(again.encoded(0).is_some());
        assert_eq!(encode(ID, &[9; 32], &again, &blobs), file);
        assert_eq!(&snapshot.blobs, blobs.columns());
        assert_eq!(snapshot.missing, blobs.missing_blobs());
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_detected() {
        let (graph, blobs) = sample();
        let file = encode(ID, &[9; 32], &graph, &blobs);
        for len in 0..file.len() {
            match decode(file[..len].to_vec(), ID) {
                Err(Unusable::Damaged(why)) => {
                    assert!(why.starts_with("truncated"), "{len}: {why}")
                }
                Err(other) => panic!("{len}: {other:?}"),
                Ok(_) => panic!("{len} bytes decoded"),
            }
        }
        for at in 0..file.len() {
            let mut bad = file.clone();
            bad[at] ^= 0x10;
            assert!(decode(bad.clone(), ID).is_err(), "byte {at} flipped");
        }
    }

    #[test]
    fn a_payload_that_passes_the_checksum_is_still_checked() {
        // Rewrite the payload with garbage and a matching checksum: decoding must reject it
        // without panicking, whatever the garbage.
        let (graph, blobs) = sample();
        let file = encode(ID, &[9; 32], &graph, &blobs);
        let header = file.len() - payload_len(&file);
        for at in header + ID.len() + 1..file.len() {
            for value in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                let mut bad = file.clone();
                bad[at] = value;
                reseal(&mut bad, header);
                if let Err(e) = decode(bad.clone(), ID) {
                    assert!(matches!(e, Unusable::Damaged(_)), "{e:?}");
                }
            }
        }
    }

    fn payload_len(file: &[u8]) -> usize {
        let at = MAGIC.len() + 4 + 1 + TOOL_VERSION.len();
        u64::from_le_bytes(file[at..at + 8].try_into().unwrap()) as usize
    }

    fn reseal(file: &mut [u8], header: usize) {
        let sum = xxh64(&file[header..]).to_le_bytes();
        file[header - 8..header].copy_from_slice(&sum);
    }

    #[test]
    fn another_repository_version_or_file_kind_is_told_apart() {
        let (graph, blobs) = sample();
        let file = encode(ID, &[9; 32], &graph, &blobs);
        assert!(matches!(
            decode(file.clone(), b"/other/.git"),
            Err(Unusable::Foreign(_))
        ));
        assert!(matches!(
            decode(b"{\"not\": \"a cache\"}".to_vec(), ID),
            Err(Unusable::Foreign(_))
        ));
        let mut old = file.clone();
        old[MAGIC.len()] = 0;
        assert!(matches!(decode(old, ID), Err(Unusable::Stale(_))));
        let mut other_tool = file;
        other_tool[MAGIC.len() + 5] ^= 1;
        assert!(matches!(decode(other_tool, ID), Err(Unusable::Stale(_))));
    }
}
