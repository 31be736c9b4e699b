//! Extending a cached history by new commits, reading only what they changed.
//!
//! The cache keeps, for each configuration blob, its first commit and its paths: what a walk of
//! the whole history found. A new commit adds (blob, path) pairs only where its tree differs
//! from what its parents hold, so each new commit's tree is compared with its parents' trees,
//! directory by directory, and only the subtrees and files that differ are read; a commit
//! changing one file reads a few trees, however long the history.
//!
//! First commits stay those of a whole walk, which takes commits in (committer time, id) order:
//! new commits are taken in that order too, and a parent counts for the comparison only if it
//! comes before the commit in it (a parent with a later committer time, which clock skew and
//! rebases produce, does not vouch that a blob was seen earlier). Whatever a counted parent
//! holds at the same place it held first, so it needs no look; everything else is noted, and a
//! blob's first commit becomes the new commit when that is earlier.

use std::collections::HashMap;
use std::path::Path;

use git2::{ObjectType, Odb, OdbObject};

use super::blobs::{BlobColumns, BlobTable, ColumnsBuilder, MissingBlob};
use super::content::{is_configuration_dir, is_configuration_file_name};
use super::digest::{read_and_hash, Digests};
use super::graph::Graph;
use super::hash::FastMap;
use super::tree::{self, EntryKind};
use super::{GitIndexError, ObjectId};

/// The configuration blobs of a history while commits are added to it.
pub(super) struct BlobFacts {
    /// The cached blobs with digests.
    columns: BlobColumns,
    /// Cached blobs the new commits changed, by position: first commit and sorted paths.
    changed: FastMap<u32, (ObjectId, Vec<String>)>,
    /// Sorted by id.
    missing: Vec<MissingBlob>,
    /// Blobs new to the table: first met in the new commits (hashed at the end), or missing
    /// blobs whose content has arrived (hashed already).
    found: HashMap<ObjectId, (MissingBlob, Option<Digests>)>,
}

impl BlobFacts {
    pub(super) fn new(columns: BlobColumns, missing: Vec<MissingBlob>) -> BlobFacts {
        BlobFacts {
            columns,
            changed: FastMap::default(),
            missing,
            found: HashMap::new(),
        }
    }

    /// Hashes the missing blobs the object database now has (a partial clone fetches blobs
    /// when they are needed); how many there were.
    pub(super) fn look_for_missing(
        &mut self,
        odb: &Odb<'_>,
        path: &Path,
    ) -> Result<usize, GitIndexError> {
        let mut still_missing = Vec::with_capacity(self.missing.len());
        let mut arrived = 0;
        for blob in std::mem::take(&mut self.missing) {
            let digests = match odb.exists(blob.id.to_git()) {
                true => read_and_hash(odb, blob.id, path)?,
                false => None,
            };
            match digests {
                Some(d) => {
                    arrived += 1;
                    self.found.insert(blob.id, (blob, Some(d)));
                }
                None => still_missing.push(blob),
            }
        }
        self.missing = still_missing;
        Ok(arrived)
    }

    /// Notes that `commit` holds `blob` at `path`.
    fn note(&mut self, graph: &Graph, blob: ObjectId, path: String, commit: u32) {
        let columns = &self.columns;
        let (first, paths) = if let Some(i) = columns.position(&blob) {
            let (first, paths) = self.changed.entry(i as u32).or_insert_with(|| {
                let paths = columns.refs(i).iter();
                let paths = paths.map(|&p| columns.paths[p as usize].clone()).collect();
                (columns.firsts[i], paths)
            });
            (first, paths)
        } else if let Ok(i) = self.missing.binary_search_by_key(&blob, |m| m.id) {
            let m = &mut self.missing[i];
            (&mut m.first_commit, &mut m.paths)
        } else {
            let (m, _) = self.found.entry(blob).or_insert_with(|| {
                let first_commit = graph.id(commit);
                let m = MissingBlob {
                    id: blob,
                    first_commit,
                    paths: Vec::new(),
                };
                (m, None)
            });
            (&mut m.first_commit, &mut m.paths)
        };
        if let Err(at) = paths.binary_search(&path) {
            paths.insert(at, path);
        }
        let earlier =
            (graph.index_of(first)).is_none_or(|f| graph.walk_key(commit) < graph.walk_key(f));
        if earlier {
            *first = graph.id(commit);
        }
    }

    /// The blob table, once the blobs first met have been hashed (grouped by path, which
    /// the pack's delta chains favour).
    pub(super) fn finish(self, odb: &Odb<'_>, path: &Path) -> Result<BlobTable, GitIndexError> {
        let BlobFacts {
            columns,
            changed,
            mut missing,
            found,
        } = self;
        if changed.is_empty() && found.is_empty() {
            return Ok(BlobTable::new(columns, missing));
        }
        let mut found: Vec<(MissingBlob, Option<Digests>)> = found.into_values().collect();
        found.sort_unstable_by(|(a, _), (b, _)| (&a.paths, a.id).cmp(&(&b.paths, b.id)));
        let mut added: Vec<(MissingBlob, Digests)> = Vec::with_capacity(found.len());
        for (blob, digests) in found {
            let digests = match digests {
                Some(d) => Some(d),
                None => read_and_hash(odb, blob.id, path)?,
            };
            match digests {
                Some(d) => added.push((blob, d)),
                None => missing.push(blob),
            }
        }
        added.sort_unstable_by_key(|(blob, _)| blob.id);
        let mut builder = ColumnsBuilder::with_paths(columns.paths.clone());
        let mut added = added.into_iter().peekable();
        for i in 0..columns.len() {
            let id = columns.ids[i];
            while let Some((blob, d)) = added.next_if(|(blob, _)| blob.id < id) {
                builder.push(blob.id, d, blob.first_commit, &blob.paths);
            }
            match changed.get(&(i as u32)) {
                Some((first, paths)) => builder.push(id, columns.digests[i], *first, paths),
                None => {
                    builder.push_refs(id, columns.digests[i], columns.firsts[i], columns.refs(i))
                }
            }
        }
        for (blob, d) in added {
            builder.push(blob.id, d, blob.first_commit, &blob.paths);
        }
        Ok(BlobTable::new(builder.finish(), missing))
    }
}

/// Adds the commits `order` (graph indices, in walk order) to `facts`.
pub(super) fn walk(
    odb: &Odb<'_>,
    path: &Path,
    graph: &Graph,
    order: &[u32],
    facts: &mut BlobFacts,
) -> Result<(), GitIndexError> {
    for &commit in order {
        let key = graph.walk_key(commit);
        let parents: Vec<ObjectId> = (graph.parents(commit).iter())
            .filter(|&&p| graph.walk_key(p) < key)
            .map(|&p| graph.tree(p))
            .collect();
        let mut walk = CommitWalk {
            odb,
            graph,
            commit,
            facts: &mut *facts,
        };
        walk.tree(graph.tree(commit), &parents, "", false)
            .map_err(|(tree, dir)| GitIndexError::Read {
                path: path.to_path_buf(),
                message: format!(
                    "expected tree {tree} (directory `{dir}` of commit {} or a parent) in the \
                     object database as a well-formed tree, but it could not be read",
                    graph.id(commit)
                ),
            })?;
    }
    Ok(())
}

struct CommitWalk<'a, 'r> {
    odb: &'a Odb<'r>,
    graph: &'a Graph,
    commit: u32,
    facts: &'a mut BlobFacts,
}

impl CommitWalk<'_, '_> {
    /// Walks tree `id` at directory `dir` (a configuration directory when `config`), where the
    /// counted parents hold `parents`; on failure, the tree and directory not read.
    fn tree(
        &mut self,
        id: ObjectId,
        parents: &[ObjectId],
        dir: &str,
        config: bool,
    ) -> Result<(), (ObjectId, String)> {
        if parents.contains(&id) {
            return Ok(());
        }
        let object = read_tree(self.odb, id, dir)?;
        let entries = tree::entries(object.data()).ok_or_else(|| (id, dir.to_string()))?;
        let parent_objects = (parents.iter())
            .map(|&p| read_tree(self.odb, p, dir))
            .collect::<Result<Vec<_>, _>>()?;
        let mut parent_entries: Vec<HashMap<&[u8], tree::Entry<'_>>> = Vec::new();
        for (object, &parent) in parent_objects.iter().zip(parents) {
            let entries = tree::entries(object.data()).ok_or_else(|| (parent, dir.to_string()))?;
            parent_entries.push(entries.into_iter().map(|e| (e.name, e)).collect());
        }
        let in_parents = |name: &[u8], kind: EntryKind| -> Vec<ObjectId> {
            (parent_entries.iter())
                .filter_map(|entries| entries.get(name))
                .filter(|e| e.kind == kind)
                .map(|e| e.id)
                .collect()
        };
        for entry in entries {
            let name = String::from_utf8_lossy(entry.name);
            let path = if dir.is_empty() {
                name.to_string()
            } else {
                format!("{dir}/{name}")
            };
            match entry.kind {
                EntryKind::Tree => {
                    let config = config || is_configuration_dir(&name);
                    let parents = in_parents(entry.name, EntryKind::Tree);
                    self.tree(entry.id, &parents, &path, config)?;
                }
                EntryKind::File if config || is_configuration_file_name(&name) => {
                    if !in_parents(entry.name, EntryKind::File).contains(&entry.id) {
                        self.facts.note(self.graph, entry.id, path, self.commit);
                    }
                }
                EntryKind::File | EntryKind::Other => {}
            }
        }
        Ok(())
    }
}

fn read_tree<'o>(
    odb: &'o Odb<'_>,
    id: ObjectId,
    dir: &str,
) -> Result<OdbObject<'o>, (ObjectId, String)> {
    match odb.read(id.to_git()) {
        Ok(object) if object.kind() == ObjectType::Tree => Ok(object),
        _ => Err((id, dir.to_string())),
    }
}
