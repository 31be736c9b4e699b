//! The sample estate behind `provenant demo`: a small Terraform repository whose history is
//! built with fixed authors and dates (so its commit ids never change and the bundled states
//! can name them), and the states production would hold, including one that claims an
//! unreleased commit, one that claims a commit that never existed, and one that is truncated.
//! Everything is compiled into the binary from `fixtures/demo/`, so the demo runs anywhere.

use crate::audit::AuditOptions;
use crate::git::CacheSettings;
use crate::policy::Policy;
use git2::{
    IndexEntry, IndexTime, ObjectType, Oid, Repository, RepositoryInitOptions, Signature, Time,
};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

struct DemoCommit {
    branch: &'static str,
    /// Index into `HISTORY` of the parent; `None` for the root commit.
    parent: Option<usize>,
    author: (&'static str, &'static str),
    time: i64,
    message: &'static str,
    files: &'static [(&'static str, &'static str)],
    tag: Option<&'static str>,
}

const ALICE: (&str, &str) = ("Alice Ops", "alice@example.com");
const BOB: (&str, &str) = ("Bob Builder", "bob@example.com");
const CAROL: (&str, &str) = ("Carol Cache", "carol@example.com");

const HISTORY: &[DemoCommit] = &[
    DemoCommit {
        branch: "main",
        parent: None,
        author: ALICE,
        time: 1_767_603_600, // 2026-01-05 09:00 UTC
        message: "Initial network and storage\n",
        files: &[
            (
                "terraform/prod/main.tf",
                include_str!("../fixtures/demo/commits/1/main.tf"),
            ),
            (
                "terraform/prod/variables.tf",
                include_str!("../fixtures/demo/commits/1/variables.tf"),
            ),
        ],
        tag: None,
    },
    DemoCommit {
        branch: "main",
        parent: Some(0),
        author: BOB,
        time: 1_770_733_800, // 2026-02-10 14:30 UTC
        message: "Add the web tier and the database\n",
        files: &[
            (
                "terraform/prod/main.tf",
                include_str!("../fixtures/demo/commits/2/main.tf"),
            ),
            (
                "terraform/prod/variables.tf",
                include_str!("../fixtures/demo/commits/2/variables.tf"),
            ),
            (
                "terraform/staging/main.tf",
                include_str!("../fixtures/demo/commits/2/staging.tf"),
            ),
        ],
        tag: Some("v1.0.0"),
    },
    DemoCommit {
        branch: "main",
        parent: Some(1),
        author: ALICE,
        time: 1_772_443_800, // 2026-03-02 09:30 UTC
        message: "Scale the web tier to three instances\n",
        files: &[(
            "terraform/prod/main.tf",
            include_str!("../fixtures/demo/commits/3/main.tf"),
        )],
        tag: None,
    },
    DemoCommit {
        branch: "feature/cache",
        parent: Some(2),
        author: CAROL,
        time: 1_773_593_100, // 2026-03-15 16:45 UTC
        message: "Try an ElastiCache cluster for sessions\n",
        files: &[
            (
                "terraform/prod/main.tf",
                include_str!("../fixtures/demo/commits/4/main.tf"),
            ),
            (
                "terraform/modules/cache/main.tf",
                include_str!("../fixtures/demo/commits/4/cache.tf"),
            ),
        ],
        tag: None,
    },
    DemoCommit {
        branch: "main",
        parent: Some(2),
        author: BOB,
        time: 1_781_954_100, // 2026-06-20 11:15 UTC
        message: "Move the web tier to t3.large, release v1.1.0 to staging\n",
        files: &[
            (
                "terraform/prod/variables.tf",
                include_str!("../fixtures/demo/commits/5/variables.tf"),
            ),
            (
                "terraform/staging/main.tf",
                include_str!("../fixtures/demo/commits/5/staging.tf"),
            ),
        ],
        tag: Some("v1.1.0"),
    },
];

/// The states production holds, as `(path below state/, content)`.
const STATES: &[(&str, &str)] = &[
    (
        "prod.tfstate",
        include_str!("../fixtures/demo/state/prod.tfstate"),
    ),
    (
        "staging.json",
        include_str!("../fixtures/demo/state/staging.json"),
    ),
    (
        "broken.tfstate",
        include_str!("../fixtures/demo/state/broken.tfstate"),
    ),
    (
        ".terraform/terraform.tfstate",
        include_str!("../fixtures/demo/state/.terraform/terraform.tfstate"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}: the directory exists and is not empty; give a new or empty directory")]
    NotEmpty(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("building the sample repository failed: {0}")]
    Git(#[from] git2::Error),
}

/// A built sample estate: `repo/` (the git repository) and `state/` (the states) under `root`.
pub struct Estate {
    root: PathBuf,
    temporary: bool,
}

impl Estate {
    /// Builds the estate in `keep` (kept afterwards), or in a temporary directory removed when
    /// the estate is dropped.
    pub fn build(keep: Option<&Path>) -> Result<Estate, DemoError> {
        let (root, temporary) = match keep {
            Some(dir) => (dir.to_path_buf(), false),
            None => (
                std::env::temp_dir().join(format!("provenant-demo-{}", std::process::id())),
                true,
            ),
        };
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| DemoError::Io { path, source }
        };
        if root.exists() && fs::read_dir(&root).map_err(io(&root))?.next().is_some() {
            if !temporary {
                return Err(DemoError::NotEmpty(root));
            }
            fs::remove_dir_all(&root).map_err(io(&root))?;
        }
        let estate = Estate { root, temporary };
        build_repository(&estate.repo())?;
        for (name, content) in STATES {
            let path = estate.root.join("state").join(name);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io(parent))?;
            }
            fs::write(&path, content).map_err(io(&path))?;
        }
        Ok(estate)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn repo(&self) -> PathBuf {
        self.root.join("repo")
    }

    /// The options of `provenant audit --repo repo --state state/...` run in the estate.
    pub fn audit_options(&self, generated_at: i64) -> AuditOptions {
        AuditOptions {
            repo: self.repo(),
            states: STATES
                .iter()
                .map(|(name, _)| self.root.join("state").join(name))
                .collect(),
            state_configurations: Vec::new(),
            policy: Policy::default(),
            base_dir: self.root.clone(),
            generated_at,
            policy_source: None,
            baseline: None,
            inventories: Vec::new(),
            facts: Vec::new(),
            // The sample estate is built anew each time: nothing to gain from a cache.
            git_cache: CacheSettings::Disabled,
            puppet: Vec::new(),
            puppetdb: Default::default(),
        }
    }
}

impl Drop for Estate {
    fn drop(&mut self) {
        if self.temporary {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

/// Writes the history into a new repository at `path` and checks out `main`.
fn build_repository(path: &Path) -> Result<Vec<Oid>, DemoError> {
    let mut options = RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = Repository::init_opts(path, &options)?;
    let mut trees: Vec<BTreeMap<&str, &str>> = Vec::new();
    let mut ids: Vec<Oid> = Vec::new();
    for commit in HISTORY {
        let mut files = commit.parent.map(|p| trees[p].clone()).unwrap_or_default();
        files.extend(commit.files.iter().copied());
        let tree = write_tree(&repo, &files)?;
        let when = Signature::new(commit.author.0, commit.author.1, &Time::new(commit.time, 0))?;
        let parents: Vec<git2::Commit> = commit
            .parent
            .map(|p| repo.find_commit(ids[p]))
            .transpose()?
            .into_iter()
            .collect();
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        let id = repo.commit(None, &when, &when, commit.message, &tree, &parent_refs)?;
        repo.reference(
            &format!("refs/heads/{}", commit.branch),
            id,
            true,
            "demo history",
        )?;
        if let Some(tag) = commit.tag {
            let target = repo.find_object(id, Some(ObjectType::Commit))?;
            repo.tag(tag, &target, &when, &format!("Release {tag}\n"), false)?;
        }
        trees.push(files);
        ids.push(id);
    }
    repo.set_head("refs/heads/main")?;
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))?;
    Ok(ids)
}

fn write_tree<'r>(
    repo: &'r Repository,
    files: &BTreeMap<&str, &str>,
) -> Result<git2::Tree<'r>, git2::Error> {
    let mut index = git2::Index::new()?;
    for (path, content) in files {
        let entry = IndexEntry {
            ctime: IndexTime::new(0, 0),
            mtime: IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: content.len() as u32,
            id: repo.blob(content.as_bytes())?,
            flags: 0,
            flags_extended: 0,
            path: path.as_bytes().to_vec(),
        };
        index.add(&entry)?;
    }
    let id = index.write_tree_to(repo)?;
    repo.find_tree(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bundled states name these commits: if the history changes, they must too.
    #[test]
    fn the_history_has_the_commit_ids_the_states_name() {
        let dir = tempfile::tempdir().unwrap();
        let ids: Vec<String> = build_repository(&dir.path().join("repo"))
            .unwrap()
            .iter()
            .map(|i| i.to_string())
            .collect();
        insta::assert_snapshot!(ids.join("\n"));
    }
}
