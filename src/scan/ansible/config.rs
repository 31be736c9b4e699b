//! `ansible.cfg`: where the inventories and the fact cache are when the command line does not
//! say. Only the project's own file is read (the directory the audit runs in, else the top of
//! the repository), never `~/.ansible.cfg` or `/etc/ansible`, so the same checkout gives the
//! same audit on every machine. Paths in it are relative to its directory, as Ansible reads
//! them; `inventory` may list several, separated by commas. The fact cache counts when
//! `fact_caching` is `jsonfile` (or unset with a `fact_caching_connection`).

use crate::audit::display_path;
use crate::model::{Input, InputKind, InputStatus};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub path: PathBuf,
    /// The directory holding it: the project, where playbooks (and their `group_vars/`) live.
    pub dir: PathBuf,
    pub sha256: String,
    pub inventories: Vec<PathBuf>,
    pub fact_caches: Vec<PathBuf>,
}

impl Config {
    /// The file's entry in the report's scope.
    pub fn input(&self, base_dir: &Path) -> Input {
        let shown = |paths: &[PathBuf]| {
            if paths.is_empty() {
                "none".to_string()
            } else {
                paths
                    .iter()
                    .map(|p| display_path(p, base_dir))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        Input {
            path: display_path(&self.path, base_dir),
            kind: InputKind::AnsibleConfig,
            sha256: Some(self.sha256.clone()),
            status: InputStatus::Read,
            detail: format!(
                "inventories: {}; fact cache: {}",
                shown(&self.inventories),
                shown(&self.fact_caches)
            ),
            line: None,
        }
    }
}

/// `ansible.cfg` in `base_dir`, else in `repo`.
pub fn find(base_dir: &Path, repo: &Path) -> Option<Config> {
    [base_dir, repo]
        .iter()
        .map(|dir| dir.join("ansible.cfg"))
        .find(|p| p.is_file())
        .and_then(|p| read(&p))
}

pub fn read(path: &Path) -> Option<Config> {
    let bytes = std::fs::read(path).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut config = Config {
        path: path.to_path_buf(),
        dir: dir.clone(),
        sha256: crate::model::id::sha256_hex(&bytes),
        inventories: Vec::new(),
        fact_caches: Vec::new(),
    };
    let mut section = String::new();
    let mut caching = None;
    let mut connection = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        if section != "defaults" {
            continue;
        }
        let Some((key, value)) = line.split_once(['=', ':']) else {
            continue;
        };
        let value = strip_inline_comment(value.trim());
        match key.trim().to_ascii_lowercase().as_str() {
            "inventory" | "hostfile" => {
                config.inventories = value
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| resolve(&dir, p))
                    .collect();
            }
            "fact_caching" => caching = Some(value.to_string()),
            "fact_caching_connection" => connection = Some(resolve(&dir, value)),
            _ => {}
        }
    }
    if let Some(connection) = connection {
        if caching.as_deref().is_none_or(|c| c.ends_with("jsonfile")) {
            config.fact_caches.push(connection);
        }
    }
    Some(config)
}

/// configparser's inline comments: `;` after whitespace.
fn strip_inline_comment(value: &str) -> &str {
    match value.find(" ;").or_else(|| value.find("\t;")) {
        Some(at) => value[..at].trim_end(),
        None => value,
    }
}

fn resolve(dir: &Path, value: &str) -> PathBuf {
    if let Some(rest) = value.strip_prefix("~/") {
        if let Some(home) = std::env::var_os("HOME") {
            return PathBuf::from(home).join(rest);
        }
    }
    let path = Path::new(value);
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_inventories_and_the_fact_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("ansible.cfg");
        std::fs::write(
            &cfg,
            "[defaults]\ninventory = inventories/prod, hosts ; comment\nfact_caching = jsonfile\nfact_caching_connection = .facts\n[ssh_connection]\ninventory = no\n",
        )
        .unwrap();
        let config = read(&cfg).unwrap();
        assert_eq!(
            config.inventories,
            [
                dir.path().join("inventories/prod"),
                dir.path().join("hosts")
            ]
        );
        assert_eq!(config.fact_caches, [dir.path().join(".facts")]);
    }
}
