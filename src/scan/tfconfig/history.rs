//! The versions of a configuration along the release branches: every release-branch commit
//! whose configuration (root directory and the local modules it calls, as that commit has
//! them) differs from each of its parents'. A commit that changed nothing under the
//! configuration adds no version, and a merge that took it unchanged from one parent neither,
//! as with `git log`'s default history simplification.
//!
//! Only the commits that changed a directory the configuration is read from are looked at
//! ([`ReleaseChanges`] lists them per directory); every other commit has its first parent's
//! configuration. Each distinct directory tree is analysed once.

use super::changes::ReleaseChanges;
use super::config::Probes;
use super::config::{Configuration, Loader};
use super::eval::{scopes, Scope};
use crate::git::ObjectId;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashSet};
use std::sync::{Arc, OnceLock};

/// One version: the commit that introduced it and the configuration it has (`None` when the
/// commit has no configuration at the root directory).
pub struct Version {
    pub commit: ObjectId,
    pub config: Option<Arc<Configuration>>,
    scopes: OnceLock<Vec<Scope>>,
}

impl Version {
    /// The scopes of the configuration's nodes, evaluated the first time they are asked for:
    /// most versions are never looked into, as the search for an earlier value stops at the
    /// first version that had it.
    pub fn scopes(&self) -> &[Scope] {
        self.scopes
            .get_or_init(|| self.config.as_deref().map(scopes).unwrap_or_default())
    }
}

/// The versions of the configuration at `root`, parents before children.
pub fn versions(loader: &mut Loader<'_>, changes: &ReleaseChanges, root: &str) -> Vec<Version> {
    type Key = Option<Vec<(String, ObjectId)>>;
    // Per commit position, which key and which probes it has: indexes into `keys` and
    // `probes`, which hold one entry per commit that was read, so that long unchanged
    // stretches cost one number per commit.
    let mut keys: Vec<Key> = Vec::new();
    let mut key_of: Vec<usize> = vec![usize::MAX; changes.len()];
    let mut probes: Vec<Probes> = Vec::new();
    let mut probes_of: Vec<usize> = vec![usize::MAX; changes.len()];
    // Commits to read: those without a first parent, and those that changed a directory some
    // configuration was read from (added as the directories become known; a directory is
    // known before any commit whose first parent reads it).
    let mut due: BinaryHeap<Reverse<usize>> =
        changes.always_due().iter().map(|&p| Reverse(p)).collect();
    let mut watched: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for pos in 0..changes.len() {
        let mut is_due = false;
        while let Some(&Reverse(next)) = due.peek() {
            if next > pos {
                break;
            }
            is_due |= next == pos;
            due.pop();
        }
        let first = changes.first_parent(pos);
        if let Some(first) = first {
            // Nothing the first parent's configuration was read from changed here, or the
            // commit changed it and changed it back (a merge bringing a branch's work that
            // left the configuration alone): the configuration is the first parent's.
            if !is_due || loader.same_trees(changes.commit(pos), &probes[probes_of[first]]) {
                key_of[pos] = key_of[first];
                probes_of[pos] = probes_of[first];
                continue;
            }
        }
        let commit = changes.commit(pos);
        let (config, read_from) = loader.configuration_probed(commit, root);
        for (dir, _) in &read_from {
            if watched.insert(dir.clone()) {
                due.extend(
                    changes
                        .changing_after(dir, pos)
                        .iter()
                        .map(|&p| Reverse(p as usize)),
                );
            }
        }
        probes.push(read_from);
        probes_of[pos] = probes.len() - 1;
        let key: Key = config.as_ref().map(Configuration::key);
        let parent_keys: Vec<usize> = changes
            .parents(pos)
            .iter()
            .map(|&p| key_of[p as usize])
            .collect();
        let changed = if parent_keys.is_empty() {
            key.is_some()
        } else {
            parent_keys.iter().all(|&k| keys[k] != key)
        };
        if changed {
            out.push(Version {
                commit,
                config: config.map(Arc::new),
                scopes: OnceLock::new(),
            });
        }
        // A parent's key when equal, so that equal keys are stored once.
        key_of[pos] = match parent_keys.iter().find(|&&k| keys[k] == key) {
            Some(&k) => k,
            None => {
                keys.push(key);
                keys.len() - 1
            }
        };
    }
    out
}
