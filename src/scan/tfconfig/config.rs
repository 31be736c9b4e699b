//! A configuration: a root module directory as committed at one commit, with the local child
//! modules it calls (nested), each read from the same commit. The [`Loader`] reads trees and
//! blobs through the git index and keeps everything it has parsed: a blob is parsed once
//! whatever the number of commits and paths it appears at, and a directory's declarations are
//! read once per distinct tree.

use super::module::{Module, ModuleFile};
use super::syntax::{self, Body, ParseError, Syntax};
use crate::git::{GitIndex, GitIndexError, ObjectId, TreeEntryKind, TreeReader};
use std::collections::HashMap;
use std::sync::{Arc, Weak};

/// Module calls nest at most this deep (Terraform has no limit; a cycle of local sources
/// would otherwise never end).
const MAX_DEPTH: usize = 16;

/// One module instance path of a configuration: the root (`calls` empty) or a local child.
#[derive(Debug)]
pub struct ModuleNode {
    /// Names of the module calls leading here: `["web", "disks"]` for `module.web.module.disks`.
    pub calls: Vec<String>,
    /// The directory, relative to the repository root.
    pub dir: String,
    pub tree: ObjectId,
    pub module: Arc<Module>,
    /// Index of the calling node; `None` for the root.
    pub parent: Option<usize>,
    /// Index of the call in the parent's module.
    pub call: Option<usize>,
}

/// A root module and its local children at one commit.
#[derive(Debug)]
pub struct Configuration {
    pub commit: ObjectId,
    pub root: String,
    pub nodes: Vec<ModuleNode>,
}

impl Configuration {
    /// The same configuration content, whatever the commit: its directories and trees.
    pub fn key(&self) -> Vec<(String, ObjectId)> {
        self.nodes.iter().map(|n| (n.dir.clone(), n.tree)).collect()
    }

    /// The child node of `node` through call `name`, when the call is local and was read.
    pub fn child(&self, node: usize, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| {
            n.parent == Some(node) && n.calls.last().map(String::as_str) == Some(name)
        })
    }

    /// `3f2a1c9:terraform/prod/main.tf`, the form every declaration's location takes.
    pub fn file_path(&self, node: usize, file: usize) -> String {
        let node = &self.nodes[node];
        let name = &node.module.files[file].name;
        format!("{}:{}", self.commit.short(), join(&node.dir, name))
    }
}

pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Reads configurations out of the git index, parsing each blob once.
/// Directories a configuration was read from, each with the tree found there (or none).
pub type Probes = Vec<(String, Option<ObjectId>)>;

pub struct Loader<'i> {
    pub index: &'i GitIndex,
    pub reader: TreeReader,
    /// Parsed blobs and analysed directories while something holds them: a root module's
    /// versions are dropped with its history, and with them what only they read.
    parsed: HashMap<(ObjectId, Syntax), Weak<Result<Body, ParseError>>>,
    modules: HashMap<ObjectId, Weak<Module>>,
    /// Local modules other directories call, kept for the whole stage (many root modules
    /// call the same ones, at the same versions), and the directories of the release tip.
    kept: HashMap<ObjectId, Arc<Module>>,
    /// How many blobs were parsed: one per distinct (blob, syntax) while it is held.
    pub blobs_parsed: usize,
    modules_read: usize,
}

impl<'i> Loader<'i> {
    pub fn new(index: &'i GitIndex) -> Result<Loader<'i>, GitIndexError> {
        Ok(Loader {
            index,
            reader: index.tree_reader()?,
            parsed: HashMap::new(),
            modules: HashMap::new(),
            kept: HashMap::new(),
            blobs_parsed: 0,
            modules_read: 0,
        })
    }

    /// How many directory trees were analysed.
    pub fn modules_read(&self) -> usize {
        self.modules_read
    }

    /// A blob parsed in `syntax`, from the cache when it was parsed before.
    pub fn parse(&mut self, blob: ObjectId, syntax: Syntax) -> Arc<Result<Body, ParseError>> {
        if let Some(body) = self.parsed.get(&(blob, syntax)).and_then(Weak::upgrade) {
            return body;
        }
        let body = match self.reader.blob(blob) {
            Some(bytes) => syntax::parse(&bytes, syntax),
            None => Err(ParseError {
                line: None,
                message: format!(
                    "expected blob {blob} in the object database, but it is missing (a partial clone?)"
                ),
            }),
        };
        self.blobs_parsed += 1;
        let body = Arc::new(body);
        self.parsed.insert((blob, syntax), Arc::downgrade(&body));
        body
    }

    /// The declarations of the directory whose tree is `tree`.
    pub fn module(&mut self, tree: ObjectId) -> Option<Arc<Module>> {
        if let Some(module) = self.modules.get(&tree).and_then(Weak::upgrade) {
            return Some(module);
        }
        let entries = self.reader.entries(tree)?;
        let mut files = Vec::new();
        let mut var_files = Vec::new();
        let mut other_var_files = Vec::new();
        for entry in entries.iter().filter(|e| e.kind == TreeEntryKind::File) {
            if let Some(syntax) = Syntax::of_config(&entry.name) {
                files.push(ModuleFile {
                    name: entry.name.clone(),
                    blob: entry.id,
                    body: self.parse(entry.id, syntax),
                });
            } else if let Some(syntax) = Syntax::of_auto_vars(&entry.name) {
                var_files.push(ModuleFile {
                    name: entry.name.clone(),
                    blob: entry.id,
                    body: self.parse(entry.id, syntax),
                });
            } else if let Some(syntax) = Syntax::of_var_file(&entry.name) {
                other_var_files.push(ModuleFile {
                    name: entry.name.clone(),
                    blob: entry.id,
                    body: self.parse(entry.id, syntax),
                });
            }
        }
        // terraform.tfvars first, then *.auto.tfvars in lexical order: later files win.
        var_files.sort_by_key(|f| (!f.name.starts_with("terraform.tfvars"), f.name.clone()));
        let module = Arc::new(Module::new(files, var_files, other_var_files));
        self.modules.insert(tree, Arc::downgrade(&module));
        self.modules_read += 1;
        Some(module)
    }

    /// [`Loader::module`], kept for the whole stage.
    fn kept_module(&mut self, tree: ObjectId) -> Option<Arc<Module>> {
        if let Some(module) = self.kept.get(&tree) {
            return Some(module.clone());
        }
        let module = self.module(tree)?;
        self.kept.insert(tree, module.clone());
        Some(module)
    }

    /// The configuration rooted at `root` at `commit`, or `None` when the commit has no such
    /// directory or it holds no configuration file.
    pub fn configuration(&mut self, commit: ObjectId, root: &str) -> Option<Configuration> {
        self.configuration_probed(commit, root).0
    }

    /// [`Loader::configuration`], and every directory it looked up with what it found there:
    /// a commit where each of them holds the same tree (or is still missing) has the same
    /// configuration, which [`Loader::same_trees`] tells without building it.
    pub fn configuration_probed(
        &mut self,
        commit: ObjectId,
        root: &str,
    ) -> (Option<Configuration>, Probes) {
        let mut probes = Vec::new();
        let config = self.build(commit, root, &mut probes);
        (config, probes)
    }

    /// Whether every probed directory holds the same tree at `commit`.
    pub fn same_trees(&mut self, commit: ObjectId, probes: &Probes) -> bool {
        let Some(root_tree) = self.index.commit_tree(&commit) else {
            return false;
        };
        !probes.is_empty()
            && probes
                .iter()
                .all(|(dir, tree)| self.reader.dir_at(root_tree, dir) == *tree)
    }

    fn build(
        &mut self,
        commit: ObjectId,
        root: &str,
        probes: &mut Probes,
    ) -> Option<Configuration> {
        let root_tree = self.index.commit_tree(&commit)?;
        let tree = self.reader.dir_at(root_tree, root);
        probes.push((root.to_string(), tree));
        let tree = tree?;
        let module = self.module(tree)?;
        if module.files.is_empty() {
            return None;
        }
        let mut config = Configuration {
            commit,
            root: root.to_string(),
            nodes: vec![ModuleNode {
                calls: Vec::new(),
                dir: root.to_string(),
                tree,
                module,
                parent: None,
                call: None,
            }],
        };
        let mut next = 0;
        while next < config.nodes.len() {
            self.add_children(&mut config, root_tree, next, probes);
            next += 1;
        }
        Some(config)
    }

    fn add_children(
        &mut self,
        config: &mut Configuration,
        root_tree: ObjectId,
        node: usize,
        probes: &mut Probes,
    ) {
        if config.nodes[node].calls.len() >= MAX_DEPTH {
            return;
        }
        let module = config.nodes[node].module.clone();
        for (i, call) in module.calls.iter().enumerate() {
            let Some(dir) = call.local_dir(&config.nodes[node].dir) else {
                continue;
            };
            let tree = self.reader.dir_at(root_tree, &dir);
            probes.push((dir.clone(), tree));
            let Some(tree) = tree else {
                continue;
            };
            let Some(child) = self.kept_module(tree) else {
                continue;
            };
            let mut calls = config.nodes[node].calls.clone();
            calls.push(call.name.clone());
            config.nodes.push(ModuleNode {
                calls,
                dir,
                tree,
                module: child,
                parent: Some(node),
                call: Some(i),
            });
        }
    }

    /// Directories of the commit's tree that hold `.tf` or `.tf.json` files and that no other
    /// such directory calls as a local module: the root modules, sorted.
    pub fn root_dirs(&mut self, commit: ObjectId) -> Vec<String> {
        let Some(root_tree) = self.index.commit_tree(&commit) else {
            return Vec::new();
        };
        let mut dirs: Vec<String> = self
            .reader
            .files(root_tree)
            .into_iter()
            .filter(|(path, _)| {
                let name = path.rsplit('/').next().unwrap_or(path);
                Syntax::of_config(name).is_some() && !path.split('/').any(|p| p == ".terraform")
            })
            .map(|(path, _)| {
                path.rsplit_once('/')
                    .map(|(d, _)| d.to_string())
                    .unwrap_or_default()
            })
            .collect();
        dirs.dedup();
        dirs.sort();
        dirs.dedup();
        let mut called = std::collections::BTreeSet::new();
        for dir in &dirs {
            let Some(tree) = self.reader.dir_at(root_tree, dir) else {
                continue;
            };
            if let Some(module) = self.kept_module(tree) {
                for call in &module.calls {
                    if let Some(child) = call.local_dir(dir) {
                        if &child != dir {
                            called.insert(child);
                        }
                    }
                }
            }
        }
        dirs.retain(|d| !called.contains(d));
        dirs
    }
}
