//! The table of configuration blobs, looked up by git id, sha256 or sha1.
//!
//! Lookups by digest take hex in either case, as digests arrive from reports and file listings
//! written by other tools.

use std::collections::HashMap;

use super::{BlobRecord, ObjectId};

#[derive(Default)]
pub(super) struct BlobTable {
    /// Sorted by git id.
    records: Vec<BlobRecord>,
    by_id: HashMap<ObjectId, u32>,
    by_sha256: HashMap<String, u32>,
    by_sha1: HashMap<String, u32>,
    /// Blobs at configuration paths whose content the object database lacks, sorted.
    missing: Vec<ObjectId>,
}

impl BlobTable {
    pub(super) fn new(mut records: Vec<BlobRecord>, mut missing: Vec<ObjectId>) -> BlobTable {
        records.sort_unstable_by_key(|r| r.id);
        missing.sort_unstable();
        let mut table = BlobTable {
            by_id: HashMap::with_capacity(records.len()),
            by_sha256: HashMap::with_capacity(records.len()),
            by_sha1: HashMap::with_capacity(records.len()),
            records: Vec::new(),
            missing,
        };
        for (i, r) in records.iter().enumerate() {
            table.by_id.insert(r.id, i as u32);
            table.by_sha256.insert(r.sha256.clone(), i as u32);
            table.by_sha1.insert(r.sha1.clone(), i as u32);
        }
        table.records = records;
        table
    }

    pub(super) fn len(&self) -> usize {
        self.records.len()
    }

    pub(super) fn records(&self) -> &[BlobRecord] {
        &self.records
    }

    pub(super) fn missing(&self) -> &[ObjectId] {
        &self.missing
    }

    pub(super) fn by_id(&self, id: &ObjectId) -> Option<&BlobRecord> {
        self.by_id.get(id).map(|&i| &self.records[i as usize])
    }

    pub(super) fn by_sha256(&self, hex: &str) -> Option<&BlobRecord> {
        self.by_sha256
            .get(&hex.trim().to_ascii_lowercase())
            .map(|&i| &self.records[i as usize])
    }

    pub(super) fn by_sha1(&self, hex: &str) -> Option<&BlobRecord> {
        self.by_sha1
            .get(&hex.trim().to_ascii_lowercase())
            .map(|&i| &self.records[i as usize])
    }
}
