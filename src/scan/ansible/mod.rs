//! Ansible: inventories (what hosts there are, in which groups, with which variables) and
//! fact caches (what the hosts themselves report). The semantics are those of
//! `ansible-inventory --list`, checked against the real tool in `tests/ansible_inventory.rs`.
//!
//! Reading goes: each `--inventory PATH` is one inventory ([`source`]): its files are read by
//! the format readers ([`ini`], [`yaml_inventory`], [`script_json`], [`toml_inventory`]) into
//! one [`inventory::Inventory`], which applies Ansible's rules for groups and hosts and merges
//! host variables in Ansible's order, `group_vars/` and `host_vars/` included
//! ([`vars_files`]). Fact directories are read by [`facts`]. Without `--inventory` and
//! `--facts`, `ansible.cfg` says where they are ([`config`]).
//!
//! Nothing here looks at git or at another scanner's output: the correlator turns what is read
//! into host components and joins them with Terraform resources.

pub mod config;
pub mod facts;
pub mod hostpattern;
pub mod ini;
pub mod inventory;
pub mod pyliteral;
pub mod script_json;
pub mod shlex;
pub mod source;
pub mod toml_inventory;
pub mod vars_files;
pub mod yaml;
pub mod yaml_inventory;

pub use facts::{read_facts, DeployedFile, FactHost, FactsScan, Identity, Provenance};
pub use inventory::{Inventory, Var};
pub use source::{read_inventory, InventoryScan};

use crate::model::Input;
use rayon::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A problem in one source file: its line when known, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub line: Option<u32>,
    pub message: String,
}

impl From<yaml::YamlError> for SourceError {
    fn from(e: yaml::YamlError) -> Self {
        SourceError {
            line: Some(e.line),
            message: e.message,
        }
    }
}

/// The JSON type of a value, with its article, for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Everything read from Ansible sources.
#[derive(Debug, Default)]
pub struct AnsibleScan {
    /// `ansible.cfg` when it was consulted, then every inventory, vars and fact file.
    pub inputs: Vec<Input>,
    pub inventories: Vec<InventoryScan>,
    pub facts: Vec<FactHost>,
}

impl AnsibleScan {
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }
}

/// Reads the inventories and fact directories given, or those `ansible.cfg` names (in
/// `base_dir`, else at the top of `repo`) when none are given.
pub fn scan(
    inventories: &[PathBuf],
    facts: &[PathBuf],
    base_dir: &Path,
    repo: &Path,
) -> AnsibleScan {
    let mut result = AnsibleScan::default();
    let config = config::find(base_dir, repo);
    let mut inventories = inventories.to_vec();
    let mut facts = facts.to_vec();
    let mut playbook_dir = None;
    if let Some(found) = &config {
        playbook_dir = Some(found.dir.clone());
        if inventories.is_empty() || facts.is_empty() {
            result.inputs.push(found.input(base_dir));
            if inventories.is_empty() {
                inventories = found.inventories.clone();
            }
            if facts.is_empty() {
                facts = found.fact_caches.clone();
            }
        }
    }
    let (read, fact_scan) = rayon::join(
        || {
            inventories
                .par_iter()
                .map(|path| read_inventory(path, base_dir, playbook_dir.as_deref()))
                .collect::<Vec<_>>()
        },
        || read_facts(&facts, base_dir),
    );
    for mut inventory in read {
        result.inputs.append(&mut inventory.inputs);
        result.inventories.push(inventory);
    }
    result.inputs.extend(fact_scan.inputs);
    result.facts = fact_scan.hosts;
    result
}
