//! The versions of a configuration along the release branches: every release-branch commit
//! whose configuration (root directory and the local modules it calls, as that commit has
//! them) differs from each of its parents'. A commit that changed nothing under the
//! configuration adds no version, and a merge that took it unchanged from one parent neither,
//! as with `git log`'s default history simplification.
//!
//! Each commit costs a few tree look-ups, almost all answered from the reader's cache (most
//! subtrees are shared with the parent), and each distinct directory tree is analysed once.

use super::config::Probes;
use super::config::{Configuration, Loader};
use super::eval::{scopes, Scope};
use crate::git::ObjectId;
use std::collections::HashMap;
use std::sync::Arc;

/// One version: the commit that introduced it and the configuration it has (`None` when the
/// commit has no configuration at the root directory).
pub struct Version {
    pub commit: ObjectId,
    pub config: Option<Arc<Configuration>>,
    pub scopes: Arc<Vec<Scope>>,
}

/// The versions of the configuration at `root`, parents before children.
pub fn versions(loader: &mut Loader<'_>, root: &str) -> Vec<Version> {
    type Key = Option<Vec<(String, ObjectId)>>;
    let mut keys: HashMap<ObjectId, Arc<Key>> = HashMap::new();
    // What each commit's configuration was read from, shared along unchanged stretches.
    let mut probes: HashMap<ObjectId, Arc<Probes>> = HashMap::new();
    let mut out = Vec::new();
    for commit in loader.index.release_history() {
        let parents = loader
            .index
            .commit(&commit)
            .map(|c| c.parents.clone())
            .unwrap_or_default();
        // Most commits change nothing the configuration is read from: when every directory
        // read for the first parent holds the same tree here, so does the configuration.
        if let Some(first) = parents.first() {
            if let (Some(parent_probes), Some(parent_key)) = (probes.get(first), keys.get(first)) {
                if loader.same_trees(commit, parent_probes) {
                    let (key, shared) = (Arc::clone(parent_key), Arc::clone(parent_probes));
                    keys.insert(commit, key);
                    probes.insert(commit, shared);
                    continue;
                }
            }
        }
        let (config, read_from) = loader.configuration_probed(commit, root);
        probes.insert(commit, Arc::new(read_from));
        let key: Arc<Key> = Arc::new(config.as_ref().map(Configuration::key));
        let parent_keys: Vec<&Arc<Key>> = parents.iter().filter_map(|p| keys.get(p)).collect();
        let changed = if parent_keys.is_empty() {
            key.is_some()
        } else {
            parent_keys.iter().all(|k| **k != key)
        };
        if changed {
            let scopes = Arc::new(config.as_ref().map(scopes).unwrap_or_default());
            out.push(Version {
                commit,
                config: config.map(Arc::new),
                scopes,
            });
        }
        // Share the key with the parent's when equal, to keep memory flat on long histories.
        let key = parent_keys
            .iter()
            .find(|k| **k == &key)
            .map(|k| Arc::clone(k))
            .unwrap_or(key);
        keys.insert(commit, key);
    }
    out
}
