//! Looking up commit objects by id prefix in the object database, reachable or not.
//!
//! Resolution needs this only for claims the reachable history cannot settle alone, so the
//! repository handle is opened on first use and kept behind a mutex: libgit2's `Repository` may
//! move between threads but not be shared, and the index itself must be `Sync`.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use git2::{ErrorCode, ObjectType, Odb, Oid, Repository};

use super::repo::open_again;
use super::ObjectId;

pub(super) struct OdbLookup {
    git_dir: PathBuf,
    repo: Mutex<Option<Repository>>,
}

impl OdbLookup {
    pub(super) fn new(git_dir: &Path) -> OdbLookup {
        OdbLookup {
            git_dir: git_dir.to_path_buf(),
            repo: Mutex::new(None),
        }
    }

    /// The git directory this lookup opens.
    pub(super) fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// Commit objects whose hex id starts with `prefix` (lower-case hex, 1 to 40 digits),
    /// sorted. A repository that cannot be read answers with none: the claim is then
    /// not found, which the caller reports.
    pub(super) fn commits_with_prefix(&self, prefix: &str) -> Vec<ObjectId> {
        let mut guard = self.repo.lock().unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            *guard = open_again(&self.git_dir, &self.git_dir).ok();
        }
        let Some(odb) = guard.as_ref().and_then(|repo| repo.odb().ok()) else {
            return Vec::new();
        };
        commits_in(&odb, prefix)
    }
}

fn commits_in(odb: &Odb<'_>, prefix: &str) -> Vec<ObjectId> {
    let Ok(short) = Oid::from_str(prefix) else {
        return Vec::new();
    };
    let is_commit = |oid: Oid| matches!(odb.read_header(oid), Ok((_, ObjectType::Commit)));
    match odb.exists_prefix(short, prefix.len()) {
        Ok(oid) if is_commit(oid) => vec![ObjectId::from_git(oid)],
        Ok(_) => Vec::new(),
        // Several objects share the prefix; libgit2 cannot tell us which are commits, so look
        // at every object. Rare (a 7-digit prefix collides about once in 2^28 / objects claims).
        Err(e) if e.code() == ErrorCode::Ambiguous => {
            let mut matching = Vec::new();
            let _ = odb.foreach(|oid| {
                if ObjectId::from_git(*oid).starts_with_hex(prefix.as_bytes()) {
                    matching.push(*oid);
                }
                true
            });
            // Headers are read after the iteration, which holds the pack while it runs.
            let mut found: Vec<ObjectId> = matching
                .into_iter()
                .filter(|&oid| is_commit(oid))
                .map(ObjectId::from_git)
                .collect();
            found.sort_unstable();
            found.dedup();
            found
        }
        Err(_) => Vec::new(),
    }
}
