//! One `--inventory PATH`: a file, or a directory whose files are read in name order (skipping
//! what Ansible skips: hidden files, `group_vars/`, `host_vars/`, and `.md`, `.txt`, `.cfg`,
//! `.bak`, `~`... endings), each by the first reader that accepts it, in Ansible's plugin
//! order: YAML (no extension, `.yml`, `.yaml`, `.json`), then INI (anything but `.toml`), or
//! TOML (`.toml`). A reader that fails leaves nothing behind (Ansible would keep half a file;
//! here the file is reported unreadable instead). Then `group_vars/` and `host_vars/` beside
//! the inventory, and beside the playbook directory when there is one, are attached.
//!
//! Recognised and reported rather than read: vault-encrypted inventories, executable
//! dynamic-inventory scripts, and inventory plugin configurations (`plugin: aws_ec2`), each
//! with what to give provenant instead.

use super::ini;
use super::inventory::{Inventory, VarsFile};
use super::vars_files::{self, Loaded, VarsDir};
use super::yaml::{self, Converter};
use super::{script_json, toml_inventory, yaml_inventory, SourceError};
use crate::audit::display_path;
use crate::model::{Input, InputKind, InputStatus};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files larger than this are reported, not read.
const MAX_FILE_BYTES: u64 = 512 << 20;

/// File name endings Ansible skips in an inventory directory.
const IGNORED_ENDINGS: &[&str] = &[
    ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg", ".retry",
];

/// What reading one `--inventory PATH` gave.
#[derive(Debug)]
pub struct InventoryScan {
    /// The path as given, for display.
    pub root: String,
    pub inventory: Inventory,
    /// Every file read or tried, in order: inventory sources, then vars files.
    pub inputs: Vec<Input>,
    /// The inventory source files that were read, display path to file on disk.
    pub files: BTreeMap<String, PathBuf>,
}

/// Reads the inventory at `path`. `playbook_dir`, when known, adds its `group_vars/` and
/// `host_vars/` after the inventory's own.
pub fn read_inventory(path: &Path, base_dir: &Path, playbook_dir: Option<&Path>) -> InventoryScan {
    let mut scan = InventoryScan {
        root: display_path(path, base_dir),
        inventory: Inventory::new(),
        inputs: Vec::new(),
        files: BTreeMap::new(),
    };
    let sources = if path.is_dir() {
        let mut found = Vec::new();
        let mut seen = Vec::new();
        source_files(path, &mut found, &mut seen, 0);
        found
    } else {
        vec![path.to_path_buf()]
    };
    for file in &sources {
        let display = display_path(file, base_dir);
        let input = read_source(file, &display, &mut scan.inventory);
        if input.status == InputStatus::Read {
            scan.files.insert(display.clone(), file.clone());
        }
        scan.inputs.push(input);
    }
    if sources.is_empty() {
        scan.inputs.push(Input {
            path: scan.root.clone(),
            kind: InputKind::AnsibleInventory,
            sha256: None,
            status: InputStatus::Unreadable,
            detail: "no inventory file in this directory (Ansible skips hidden files, \
                     group_vars/, host_vars/ and .md, .txt, .cfg... files)"
                .into(),
            line: None,
        });
    }
    scan.inventory.reconcile();
    let base = if path.is_dir() {
        path.to_path_buf()
    } else {
        path.parent().map(Path::to_path_buf).unwrap_or_default()
    };
    let mut roots = vec![base];
    if let Some(dir) = playbook_dir {
        roots.push(dir.to_path_buf());
    }
    attach_vars(&mut scan, &roots, base_dir);
    scan
}

/// The files of an inventory directory, recursively, in name order, as Ansible takes them.
fn source_files(dir: &Path, out: &mut Vec<PathBuf>, seen: &mut Vec<PathBuf>, depth: usize) {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    if depth > 32 || seen.contains(&canonical) {
        return;
    }
    seen.push(canonical);
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut names: Vec<String> = read
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        if ignored(&name) {
            continue;
        }
        let path = dir.join(&name);
        if path.is_dir() {
            source_files(&path, out, seen, depth + 1);
        } else {
            out.push(path);
        }
    }
}

fn ignored(name: &str) -> bool {
    name.starts_with('.')
        || matches!(name, "host_vars" | "group_vars" | "vars_plugins")
        || IGNORED_ENDINGS.iter().any(|e| name.ends_with(e))
}

fn input(display: &str, kind: InputKind, sha256: Option<String>) -> Input {
    Input {
        path: display.to_string(),
        kind,
        sha256,
        status: InputStatus::Read,
        detail: String::new(),
        line: None,
    }
}

fn unreadable(mut input: Input, line: Option<u32>, detail: String) -> Input {
    input.status = InputStatus::Unreadable;
    input.line = line;
    input.detail = detail;
    input
}

/// Reads one inventory source file into `inventory` and says what became of it.
pub fn read_source(path: &Path, display: &str, inventory: &mut Inventory) -> Input {
    let base = input(display, InputKind::AnsibleInventory, None);
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(detail) => return unreadable(base, None, detail),
    };
    let base = input(
        display,
        InputKind::AnsibleInventory,
        Some(crate::model::id::sha256_hex(&bytes)),
    );
    let text = match crate::scan::text::decode(&bytes) {
        Ok((text, _)) => text,
        Err(e) => return unreadable(base, e.line, e.message),
    };
    let text = text.as_ref();
    if text.trim_start().starts_with("$ANSIBLE_VAULT") {
        return unreadable(
            base,
            Some(1),
            "a vault-encrypted inventory: provenant never decrypts vaults, so its hosts are not \
             audited. Give provenant the output of `ansible-inventory --list` (run with the \
             vault password) instead, or vault only the secret values (`!vault`)"
                .into(),
        );
    }
    if is_executable(path) && text.starts_with("#!") {
        let mut script = base;
        script.kind = InputKind::AnsibleInventoryScript;
        return unreadable(
            script,
            Some(1),
            format!(
                "an executable dynamic-inventory script: provenant never runs programs. Give it \
                 the script's output instead: `{display} --list > inventory.json`"
            ),
        );
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    let ext = vars_files::extension(&name).to_string();
    if ext == ".toml" {
        let before = inventory.clone();
        return match toml_inventory::read(text, display, inventory) {
            Ok(()) => described(base, "TOML inventory", &before, inventory),
            Err(e) => {
                *inventory = before;
                unreadable(base, e.line, e.message)
            }
        };
    }
    let mut yaml_error: Option<SourceError> = None;
    let mut looked_like_yaml = false;
    if matches!(ext.as_str(), "" | ".yml" | ".yaml" | ".json") && !starts_with_section(text) {
        if let Some(list) = list_output(text) {
            let mut json = base;
            json.kind = InputKind::AnsibleInventoryJson;
            let before = inventory.clone();
            return match script_json::read(list, text, display, inventory) {
                Ok(()) => described(
                    json,
                    "`ansible-inventory --list` output",
                    &before,
                    inventory,
                ),
                Err(e) => {
                    *inventory = before;
                    unreadable(json, e.line, e.message)
                }
            };
        }
        match yaml::parse(text) {
            Ok(Some(root)) if matches!(&*root, yaml::Node::Map { .. }) => {
                looked_like_yaml = true;
                let mut conv = Converter::for_text(text.len());
                if let Some(plugin) = plugin_name(&root, &mut conv) {
                    let mut config = base;
                    config.kind = InputKind::AnsibleInventoryPlugin;
                    return unreadable(config, Some(root.line()), plugin_advice(&plugin, display));
                }
                let before = inventory.clone();
                match yaml_inventory::read(&root, &mut conv, display, inventory) {
                    Ok(()) => return described(base, "YAML inventory", &before, inventory),
                    Err(e) => {
                        *inventory = before;
                        yaml_error = Some(e);
                    }
                }
            }
            Ok(Some(root)) => {
                yaml_error = Some(SourceError {
                    line: Some(root.line()),
                    message: "a YAML inventory must be a mapping of groups".into(),
                })
            }
            Ok(None) => {
                yaml_error = Some(SourceError {
                    line: Some(1),
                    message: "the file is empty".into(),
                })
            }
            Err(e) => yaml_error = Some(e.into()),
        }
    }
    let before = inventory.clone();
    match ini::read(text, display, inventory) {
        Ok(()) => described(base, "INI inventory", &before, inventory),
        Err(ini_error) => {
            *inventory = before;
            let yaml_first = matches!(ext.as_str(), ".yml" | ".yaml" | ".json") || looked_like_yaml;
            match (yaml_first, yaml_error) {
                (true, Some(e)) => {
                    unreadable(base, e.line, format!("YAML inventory: {}", e.message))
                }
                _ => unreadable(
                    base,
                    ini_error.line,
                    format!("INI inventory: {}", ini_error.message),
                ),
            }
        }
    }
}

/// Whether the first line that is not blank or a comment opens with `[`: a YAML document that
/// starts so is a sequence, never the mapping a YAML inventory must be, so only INI can read
/// it (and the YAML parser need not scan a large INI file to find that out).
fn starts_with_section(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with(['#', ';']))
        .is_some_and(|l| l.starts_with('['))
}

fn described(mut input: Input, what: &str, before: &Inventory, after: &Inventory) -> Input {
    let hosts = after.hosts.len() - before.hosts.len();
    let groups = after.groups.len() - before.groups.len();
    input.detail = format!(
        "{what}: {} new, {} new",
        plural(hosts, "host"),
        plural(groups, "group")
    );
    input
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The parsed object when the text is JSON in the shape of `--list` output.
fn list_output(text: &str) -> Option<serde_json::Map<String, Value>> {
    if !text.trim_start().starts_with('{') {
        return None;
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) if script_json::looks_like_list_output(&map) => Some(map),
        _ => None,
    }
}

fn plugin_name(root: &yaml::Node, conv: &mut Converter) -> Option<String> {
    let entries = yaml_inventory::entries(root, conv).ok()?;
    entries.into_iter().find_map(|(k, v, _)| {
        (k == Value::String("plugin".into()))
            .then(|| conv.value(&v).ok())
            .flatten()
            .and_then(|v| match v {
                Value::String(s) if !s.is_empty() => Some(s),
                _ => None,
            })
    })
}

fn plugin_advice(plugin: &str, display: &str) -> String {
    format!(
        "an inventory plugin configuration (`plugin: {plugin}`): its hosts come from a live \
         query that provenant does not make. Give provenant the plugin's output instead: \
         `ansible-inventory -i {display} --list > inventory.json`, then `--inventory \
         inventory.json`"
    )
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, String> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            return Err(format!(
                "{} bytes: larger than the 512 MiB an inventory file may be",
                meta.len()
            ))
        }
        Ok(_) => {}
        Err(e) => return Err(format!("cannot open: {e}")),
    }
    std::fs::read(path).map_err(|e| format!("cannot read: {e}"))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(_path: &Path) -> bool {
    false
}

/// Loads `group_vars/` and `host_vars/` below each root for every group and host.
fn attach_vars(scan: &mut InventoryScan, roots: &[PathBuf], base_dir: &Path) {
    let mut loaded: HashMap<PathBuf, Option<Arc<VarsFile>>> = HashMap::new();
    let group_names: Vec<String> = scan
        .inventory
        .groups
        .iter()
        .map(|g| g.name.clone())
        .collect();
    let host_names: Vec<String> = scan
        .inventory
        .hosts
        .iter()
        .map(|h| h.name.clone())
        .collect();
    for root in roots {
        for (sub, names, is_group) in [
            ("group_vars", &group_names, true),
            ("host_vars", &host_names, false),
        ] {
            let listing = VarsDir::list(&root.join(sub));
            for name in names {
                for file in listing.files_for(name) {
                    let vars = loaded
                        .entry(file.clone())
                        .or_insert_with(|| load_vars_file(&file, base_dir, &mut scan.inputs))
                        .clone();
                    let Some(vars) = vars else { continue };
                    let target = if is_group {
                        &mut scan.inventory.group_files
                    } else {
                        &mut scan.inventory.host_files
                    };
                    target.entry(name.clone()).or_default().push(vars);
                }
            }
        }
    }
}

fn load_vars_file(path: &Path, base_dir: &Path, inputs: &mut Vec<Input>) -> Option<Arc<VarsFile>> {
    let display = display_path(path, base_dir);
    let base = input(&display, InputKind::AnsibleVars, None);
    let bytes = match read_bytes(path) {
        Ok(bytes) => bytes,
        Err(detail) => {
            inputs.push(unreadable(base, None, detail));
            return None;
        }
    };
    let mut entry = input(
        &display,
        InputKind::AnsibleVars,
        Some(crate::model::id::sha256_hex(&bytes)),
    );
    let text = match crate::scan::text::decode(&bytes) {
        Ok((text, _)) => text,
        Err(e) => {
            inputs.push(unreadable(entry, e.line, e.message));
            return None;
        }
    };
    match vars_files::load(&text, &display) {
        Ok(Loaded::Vars(vars)) => {
            entry.detail = format!("variables file: {}", plural(vars.len(), "variable"));
            inputs.push(entry);
            Some(Arc::new(VarsFile { vars }))
        }
        Ok(Loaded::Empty) => {
            entry.status = InputStatus::Skipped;
            entry.detail = "an empty variables file".into();
            inputs.push(entry);
            None
        }
        Ok(Loaded::Vault) => {
            entry.status = InputStatus::Skipped;
            entry.detail = "a vault-encrypted variables file: provenant never decrypts vaults, \
                            so the variables it holds are not audited"
                .into();
            inputs.push(entry);
            None
        }
        Err(e) => {
            inputs.push(unreadable(entry, e.line, e.message));
            None
        }
    }
}
