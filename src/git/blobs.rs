//! The table of configuration blobs, looked up by git id, sha256 or sha1.
//!
//! Blobs are kept in columns (ids, digests as bytes, first commits, and paths as indices into
//! one table of path strings): no allocation per blob, which is what lets a warm audit read a
//! cached table of 100,000 blobs in a few milliseconds. [`BlobRecord`]s, with their hex digests
//! and path strings, are made for all blobs the first time any is asked for, and the digest
//! look-up tables the first time a digest is looked up: an audit with no digest claims pays
//! for neither.
//!
//! Lookups by digest take hex in either case, as digests arrive from reports and file listings
//! written by other tools.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::digest::{unhex, Digests};
use super::hash::FastMap;
use super::{BlobRecord, ObjectId};
use crate::model::id::hex;

/// A configuration blob the object database lacks (a partial clone): where it was seen, so that
/// it can get a record once its content arrives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MissingBlob {
    pub id: ObjectId,
    pub first_commit: ObjectId,
    /// Sorted.
    pub paths: Vec<String>,
}

/// Blobs with digests, in columns, sorted by id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct BlobColumns {
    pub ids: Vec<ObjectId>,
    pub digests: Vec<Digests>,
    pub firsts: Vec<ObjectId>,
    /// The paths of blob `i` are `path_refs[path_ends[i - 1]..path_ends[i]]` (from 0 for the
    /// first), indices into `paths`, in the order of the strings they name.
    pub path_ends: Vec<u32>,
    pub path_refs: Vec<u32>,
    pub paths: Vec<String>,
}

impl BlobColumns {
    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    pub(super) fn position(&self, id: &ObjectId) -> Option<usize> {
        self.ids.binary_search(id).ok()
    }

    /// The path indices of blob `i`.
    pub(super) fn refs(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.path_ends[i - 1] };
        &self.path_refs[start as usize..self.path_ends[i] as usize]
    }

    fn record(&self, i: usize) -> BlobRecord {
        let d = &self.digests[i];
        BlobRecord {
            id: self.ids[i],
            sha256: hex(&d.sha256),
            sha1: hex(&d.sha1),
            size: d.size,
            first_commit: self.firsts[i],
            paths: (self.refs(i).iter())
                .map(|&p| self.paths[p as usize].clone())
                .collect(),
        }
    }
}

/// Builds columns from blobs pushed in id order, interning their paths.
#[derive(Default)]
pub(super) struct ColumnsBuilder {
    columns: BlobColumns,
    path_ids: HashMap<String, u32>,
}

impl ColumnsBuilder {
    /// A builder whose path table starts as `paths` (so that indices into it stay valid).
    pub(super) fn with_paths(paths: Vec<String>) -> ColumnsBuilder {
        let path_ids = (paths.iter().enumerate())
            .map(|(i, p)| (p.clone(), i as u32))
            .collect();
        ColumnsBuilder {
            columns: BlobColumns {
                paths,
                ..BlobColumns::default()
            },
            path_ids,
        }
    }

    /// The index of `path` in the path table, added when new.
    pub(super) fn intern(&mut self, path: &str) -> u32 {
        if let Some(&id) = self.path_ids.get(path) {
            return id;
        }
        let id = self.columns.paths.len() as u32;
        self.columns.paths.push(path.to_string());
        self.path_ids.insert(path.to_string(), id);
        id
    }

    /// Adds a blob with sorted `paths`.
    pub(super) fn push(
        &mut self,
        id: ObjectId,
        digests: Digests,
        first: ObjectId,
        paths: &[String],
    ) {
        let refs: Vec<u32> = paths.iter().map(|p| self.intern(p)).collect();
        self.push_refs(id, digests, first, &refs);
    }

    /// Adds a blob whose paths are already in the table, ordered by their strings.
    pub(super) fn push_refs(
        &mut self,
        id: ObjectId,
        digests: Digests,
        first: ObjectId,
        refs: &[u32],
    ) {
        let c = &mut self.columns;
        c.ids.push(id);
        c.digests.push(digests);
        c.firsts.push(first);
        c.path_refs.extend_from_slice(refs);
        c.path_ends.push(c.path_refs.len() as u32);
    }

    pub(super) fn finish(self) -> BlobColumns {
        self.columns
    }
}

pub(super) struct BlobTable {
    columns: BlobColumns,
    /// Made from the columns on first use.
    records: OnceLock<Vec<BlobRecord>>,
    by_sha256: OnceLock<FastMap<[u8; 32], u32>>,
    by_sha1: OnceLock<FastMap<[u8; 20], u32>>,
    /// Blobs at configuration paths whose content the object database lacks, sorted.
    missing: Vec<ObjectId>,
    /// The same, with where they were seen (for the cache), sorted by id.
    missing_blobs: Vec<MissingBlob>,
}

impl BlobTable {
    /// `columns` must be sorted by id (a [`ColumnsBuilder`] fed in id order, or a decoded cache
    /// file, which is checked).
    pub(super) fn new(columns: BlobColumns, mut missing: Vec<MissingBlob>) -> BlobTable {
        missing.sort_unstable_by_key(|m| m.id);
        BlobTable {
            columns,
            records: OnceLock::new(),
            by_sha256: OnceLock::new(),
            by_sha1: OnceLock::new(),
            missing: missing.iter().map(|m| m.id).collect(),
            missing_blobs: missing,
        }
    }

    pub(super) fn len(&self) -> usize {
        self.columns.len()
    }

    pub(super) fn columns(&self) -> &BlobColumns {
        &self.columns
    }

    pub(super) fn records(&self) -> &[BlobRecord] {
        self.records.get_or_init(|| {
            (0..self.columns.len())
                .map(|i| self.columns.record(i))
                .collect()
        })
    }

    pub(super) fn missing(&self) -> &[ObjectId] {
        &self.missing
    }

    pub(super) fn missing_blobs(&self) -> &[MissingBlob] {
        &self.missing_blobs
    }

    pub(super) fn by_id(&self, id: &ObjectId) -> Option<&BlobRecord> {
        let i = self.columns.position(id)?;
        self.records().get(i)
    }

    pub(super) fn by_sha256(&self, hex: &str) -> Option<&BlobRecord> {
        let digest = unhex::<32>(hex.trim())?;
        let table = self.by_sha256.get_or_init(|| {
            let digests = self.columns.digests.iter().enumerate();
            digests.map(|(i, d)| (d.sha256, i as u32)).collect()
        });
        self.records().get(*table.get(&digest)? as usize)
    }

    pub(super) fn by_sha1(&self, hex: &str) -> Option<&BlobRecord> {
        let digest = unhex::<20>(hex.trim())?;
        let table = self.by_sha1.get_or_init(|| {
            let digests = self.columns.digests.iter().enumerate();
            digests.map(|(i, d)| (d.sha1, i as u32)).collect()
        });
        self.records().get(*table.get(&digest)? as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> BlobTable {
        let mut builder = ColumnsBuilder::default();
        for n in [1u8, 5, 9] {
            let digests = Digests {
                sha256: [n; 32],
                sha1: [n + 100; 20],
                size: u64::from(n),
            };
            let paths = [format!("a/{n}.tf"), "b.tf".to_string()];
            builder.push(ObjectId([n; 20]), digests, ObjectId([0; 20]), &paths);
        }
        BlobTable::new(builder.finish(), Vec::new())
    }

    #[test]
    fn blobs_are_found_by_id_and_by_either_digest_in_either_case() {
        let table = table();
        assert_eq!(table.len(), 3);
        let five = table.by_id(&ObjectId([5; 20])).unwrap();
        assert_eq!(five.paths, ["a/5.tf", "b.tf"]);
        assert_eq!(five.sha256, "05".repeat(32));
        assert_eq!(five.sha1, "69".repeat(20));
        let upper = format!(" {} ", "09".repeat(32).to_uppercase());
        assert_eq!(table.by_sha256(&upper).unwrap().id, ObjectId([9; 20]));
        assert_eq!(
            table.by_sha1(&"65".repeat(20)).unwrap().id,
            ObjectId([1; 20])
        );
        assert!(table.by_sha256("nonsense").is_none());
        assert!(table.by_id(&ObjectId([2; 20])).is_none());
        assert_eq!(
            table.columns().paths,
            ["a/1.tf", "b.tf", "a/5.tf", "a/9.tf"]
        );
        assert_eq!(table.columns().refs(2), [3, 1]);
    }
}
