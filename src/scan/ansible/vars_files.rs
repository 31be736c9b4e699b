//! `group_vars/` and `host_vars/`: which files hold a group's or host's variables, found the
//! way Ansible's `host_group_vars` plugin finds them, and what they hold.
//!
//! For an entity `name`, the first of `name`, `name.yml`, `name.yaml`, `name.json` that
//! exists wins (Ansible stops at the first): a file is read, a directory contributes every
//! file below it (sorted, recursively, skipping hidden files, backups ending in `~`, and
//! extensions other than none, `.yml`, `.yaml`, `.json`). Each directory is listed once, so
//! ten thousand hosts cost ten thousand map lookups, not forty thousand `stat` calls.

use super::inventory::{Var, Vars};
use super::yaml::{self, Converter};
use super::SourceError;
use crate::model::Location;
use crate::scan::json_lines::{walk, Event};
use serde_json::Value;
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

const EXTENSIONS: &[&str] = &["", ".yml", ".yaml", ".json"];

/// The entries of one `group_vars/` or `host_vars/` directory, by name.
#[derive(Debug, Default)]
pub struct VarsDir {
    dir: PathBuf,
    entries: HashMap<String, bool>,
}

impl VarsDir {
    /// Lists `dir`; a missing directory has no entries.
    pub fn list(dir: &Path) -> VarsDir {
        let mut entries = HashMap::new();
        if let Ok(read) = std::fs::read_dir(dir) {
            for entry in read.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                let is_dir = entry.path().is_dir();
                entries.insert(name, is_dir);
            }
        }
        VarsDir {
            dir: dir.to_path_buf(),
            entries,
        }
    }

    /// The files that hold `name`'s variables, in load order.
    pub fn files_for(&self, name: &str) -> Vec<PathBuf> {
        if self.entries.is_empty() || name.is_empty() || name.starts_with('/') {
            return Vec::new();
        }
        for ext in EXTENSIONS {
            let candidate = format!("{name}{ext}");
            match self.entries.get(&candidate) {
                None => continue,
                Some(true) => return files_below(&self.dir.join(&candidate)),
                Some(false) => return vec![self.dir.join(&candidate)],
            }
        }
        Vec::new()
    }
}

/// Every vars file below `dir`, sorted by name at each level.
fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut names: Vec<String> = match std::fs::read_dir(dir) {
        Ok(read) => read
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => return out,
    };
    names.sort();
    for name in names {
        if name.starts_with('.') || name.ends_with('~') {
            continue;
        }
        let path = dir.join(&name);
        let ext = extension(&name);
        if path.is_dir() && ext.is_empty() {
            out.extend(files_below(&path));
        } else if path.is_file() && EXTENSIONS.contains(&ext) {
            out.push(path);
        }
    }
    out
}

/// Python's `os.path.splitext(name)[1]`: from the last dot, unless the name starts with it.
pub fn extension(name: &str) -> &str {
    let trimmed = name.trim_start_matches('.');
    match trimmed.rfind('.') {
        Some(at) => &trimmed[at..],
        None => "",
    }
}

/// What a vars file holds.
#[derive(Debug)]
pub enum Loaded {
    Vars(Vars),
    /// Empty, or only comments: Ansible skips it.
    Empty,
    /// A vault-encrypted file: never decrypted, its variables unknown.
    Vault,
}

/// Reads a vars file's text: JSON first (as Ansible tries it), else YAML; it must be a mapping.
pub fn load(text: &str, display: &str) -> Result<Loaded, SourceError> {
    if text.trim_start().starts_with("$ANSIBLE_VAULT") {
        return Ok(Loaded::Vault);
    }
    if text.trim_start().starts_with('{') {
        if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
            let lines = top_level_lines(text);
            let vars = map
                .into_iter()
                .map(|(k, v)| {
                    let origin = Location::at_line(display, lines.get(&k).copied());
                    let value = super::script_json::untag(v);
                    (k, Var { value, origin })
                })
                .collect();
            return Ok(Loaded::Vars(vars));
        }
    }
    let Some(root) = yaml::parse(text)? else {
        return Ok(Loaded::Empty);
    };
    if root.is_null() {
        return Ok(Loaded::Empty);
    }
    if !matches!(&*root, yaml::Node::Map { .. }) {
        return Err(SourceError {
            line: Some(root.line()),
            message: "a vars file must hold a mapping of variables".into(),
        });
    }
    let mut conv = Converter::for_text(text.len());
    let mut vars = Vars::new();
    for (key, value, line) in super::yaml_inventory::entries(&root, &mut conv)? {
        let key = match key {
            Value::String(s) => s,
            other => other.to_string(),
        };
        let value = conv.value(&value)?;
        vars.insert(
            key,
            Var {
                value,
                origin: Location::at_line(display, Some(line)),
            },
        );
    }
    if vars.is_empty() {
        return Ok(Loaded::Empty);
    }
    Ok(Loaded::Vars(vars))
}

fn top_level_lines(text: &str) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    walk(text, |event| {
        if let Event::Value {
            path: [crate::scan::json_lines::Segment::Key(key)],
            line,
            ..
        } = event
        {
            out.insert(key.to_string(), line);
        }
        ControlFlow::Continue(())
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_existing_candidate_wins() {
        let dir = tempfile::tempdir().unwrap();
        let gv = dir.path();
        std::fs::write(gv.join("db"), "a: 1\n").unwrap();
        std::fs::write(gv.join("db.yml"), "b: 1\n").unwrap();
        std::fs::create_dir(gv.join("web")).unwrap();
        std::fs::write(gv.join("web/b.yml"), "b: 1\n").unwrap();
        std::fs::write(gv.join("web/a.json"), "{}").unwrap();
        std::fs::write(gv.join("web/.hidden"), "x: 1\n").unwrap();
        std::fs::write(gv.join("web/c.txt"), "x: 1\n").unwrap();
        let listing = VarsDir::list(gv);
        assert_eq!(listing.files_for("db"), vec![gv.join("db")]);
        assert_eq!(
            listing.files_for("web"),
            vec![gv.join("web/a.json"), gv.join("web/b.yml")]
        );
        assert!(listing.files_for("none").is_empty());
    }

    #[test]
    fn json_yaml_and_vault_files() {
        let Loaded::Vars(v) = load(
            "{\n \"a\": 1,\n \"b\": {\"__ansible_unsafe\": \"x\"}\n}",
            "f",
        )
        .unwrap() else {
            panic!()
        };
        assert_eq!(v["a"].origin.line, Some(2));
        assert_eq!(v["b"].value, Value::from("x"));
        assert!(matches!(
            load("$ANSIBLE_VAULT;1.1;AES256\n6162\n", "f").unwrap(),
            Loaded::Vault
        ));
        assert!(matches!(
            load("---\n# nothing\n", "f").unwrap(),
            Loaded::Empty
        ));
        assert!(load("- a\n- b\n", "f").is_err());
    }
}
