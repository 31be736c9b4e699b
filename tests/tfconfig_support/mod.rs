//! Shared by the `tfconfig_*` tests: repositories built commit by commit with git2 (a commit
//! states the files it writes and deletes; the rest carries over from its parent), raw format 4
//! states written from a list of instances, and the audit run through the binary with its JSON
//! report read back into the library's types.

#![allow(dead_code)]

use git2::{Oid, Repository, Signature, Time};
use provenant::model::{Component, Finding};
use provenant::report::Report;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub struct Repo {
    pub dir: TempDir,
    pub repo: Repository,
    files: BTreeMap<String, Vec<u8>>,
    time: i64,
    head: Option<Oid>,
}

impl Repo {
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head("main");
        let repo = Repository::init_opts(dir.path(), &options).unwrap();
        Repo {
            dir,
            repo,
            files: BTreeMap::new(),
            time: 1_767_225_600, // 2026-01-01
            head: None,
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Commits on `main`: `Some(content)` writes a file, `None` deletes it.
    pub fn commit(&mut self, message: &str, changes: &[(&str, Option<&str>)]) -> Oid {
        for (path, content) in changes {
            match content {
                Some(content) => {
                    self.files
                        .insert(path.to_string(), content.as_bytes().to_vec());
                }
                None => {
                    self.files.remove(*path);
                }
            }
        }
        self.commit_files(message)
    }

    /// Renames a file (a delete and an add of the same content, as git records it).
    pub fn rename(&mut self, message: &str, from: &str, to: &str) -> Oid {
        let content = self.files.remove(from).expect("the file to rename");
        self.files.insert(to.to_string(), content);
        self.commit_files(message)
    }

    /// Moves every file below directory `from` to below `to`, with optional edits after.
    pub fn move_dir(&mut self, message: &str, from: &str, to: &str, edits: &[(&str, &str)]) -> Oid {
        let moved: Vec<String> = self
            .files
            .keys()
            .filter(|p| p.starts_with(&format!("{from}/")))
            .cloned()
            .collect();
        for path in moved {
            let content = self.files.remove(&path).unwrap();
            self.files
                .insert(format!("{to}{}", &path[from.len()..]), content);
        }
        for (path, content) in edits {
            self.files
                .insert(path.to_string(), content.as_bytes().to_vec());
        }
        self.commit_files(message)
    }

    fn commit_files(&mut self, message: &str) -> Oid {
        let tree = self.tree(
            self.files
                .iter()
                .map(|(p, c)| (p.as_str(), c.as_slice()))
                .collect(),
        );
        let tree = self.repo.find_tree(tree).unwrap();
        self.time += 86_400;
        let who = Signature::new("Dana Dev", "dana@example.com", &Time::new(self.time, 0)).unwrap();
        let parents: Vec<git2::Commit<'_>> = self
            .head
            .map(|h| vec![self.repo.find_commit(h).unwrap()])
            .unwrap_or_default();
        let parent_refs: Vec<&git2::Commit<'_>> = parents.iter().collect();
        let id = self
            .repo
            .commit(
                Some("refs/heads/main"),
                &who,
                &who,
                message,
                &tree,
                &parent_refs,
            )
            .unwrap();
        self.head = Some(id);
        id
    }

    fn tree(&self, entries: Vec<(&str, &[u8])>) -> Oid {
        let mut builder = self.repo.treebuilder(None).unwrap();
        let mut dirs: BTreeMap<&str, Vec<(&str, &[u8])>> = BTreeMap::new();
        for (path, content) in entries {
            match path.split_once('/') {
                Some((dir, rest)) => dirs.entry(dir).or_default().push((rest, content)),
                None => {
                    let blob = self.repo.blob(content).unwrap();
                    builder.insert(path, blob, 0o100644).unwrap();
                }
            }
        }
        for (dir, entries) in dirs {
            let tree = self.tree(entries);
            builder.insert(dir, tree, 0o040000).unwrap();
        }
        builder.write().unwrap()
    }
}

/// The first seven hex digits of a commit.
pub fn short(id: Oid) -> String {
    id.to_string()[..7].to_string()
}

/// One resource instance of a state: module path (`""` for the root), type, name, index key
/// (`json!(0)`, `json!("a")` or `Value::Null`), attributes.
pub struct Instance<'a> {
    pub module: &'a str,
    pub resource_type: &'a str,
    pub name: &'a str,
    pub key: Value,
    pub attributes: Value,
}

pub fn instance<'a>(resource_type: &'a str, name: &'a str, attributes: Value) -> Instance<'a> {
    Instance {
        module: "",
        resource_type,
        name,
        key: Value::Null,
        attributes,
    }
}

/// A raw format 4 state holding `instances`, grouped into resources as Terraform writes them.
pub fn state_v4(instances: &[Instance<'_>]) -> String {
    let mut resources: Vec<Value> = Vec::new();
    for i in instances {
        let mut object =
            json!({"schema_version": 0, "attributes": i.attributes, "sensitive_attributes": []});
        if !i.key.is_null() {
            object["index_key"] = i.key.clone();
        }
        let found = resources.iter_mut().find(|r| {
            r["type"] == i.resource_type
                && r["name"] == i.name
                && r.get("module").and_then(Value::as_str).unwrap_or("") == i.module
        });
        match found {
            Some(r) => r["instances"].as_array_mut().unwrap().push(object),
            None => {
                let mut r = json!({
                    "mode": "managed",
                    "type": i.resource_type,
                    "name": i.name,
                    "provider": "provider[\"registry.terraform.io/hashicorp/aws\"]",
                    "instances": [object],
                });
                if !i.module.is_empty() {
                    r["module"] = json!(i.module);
                }
                resources.push(r);
            }
        }
    }
    serde_json::to_string_pretty(&json!({
        "version": 4,
        "terraform_version": "1.9.8",
        "serial": 1,
        "lineage": "00000000-0000-0000-0000-000000000001",
        "outputs": {},
        "resources": resources,
        "check_results": null
    }))
    .unwrap()
}

/// Writes `content` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap();
    }
    std::fs::write(&path, content).unwrap();
    path
}

/// Runs `provenant audit --format json` in `cwd` with the given arguments and reads the
/// report back.
pub fn audit(cwd: &Path, args: &[&str]) -> Report {
    let output = assert_cmd::Command::cargo_bin("provenant")
        .unwrap()
        .current_dir(cwd)
        .env("SOURCE_DATE_EPOCH", "1780000000")
        .args(["audit", "--format", "json", "--quiet", "--fail-on", "never"])
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.code() == Some(0) || output.status.code() == Some(2),
        "exit {:?}\nstdout: {stdout}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Findings of one rule.
pub fn findings<'r>(report: &'r Report, rule: &str) -> Vec<&'r Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.rule_id == rule)
        .collect()
}

/// The component with this address as its first label.
pub fn component<'r>(report: &'r Report, address: &str) -> &'r Component {
    report
        .components
        .iter()
        .find(|c| c.labels.first().map(String::as_str) == Some(address))
        .unwrap_or_else(|| {
            let known: Vec<_> = report.components.iter().map(|c| &c.labels[0]).collect();
            panic!("no component {address}; have {known:?}")
        })
}

/// The line `line` (1-based) of `text`.
pub fn line_of(text: &str, line: u32) -> &str {
    text.lines().nth(line as usize - 1).unwrap_or("")
}
