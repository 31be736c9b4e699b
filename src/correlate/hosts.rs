//! Ansible hosts become components: one per host of each inventory, one per fact cache entry.
//! A host carries the claims its variables make (`deploy_commit`, `app_commit`, `git_commit`
//! by default: the policy's `host_claim_keys`) and those its facts make (the custom fact
//! `ansible_local.provenance`: a commit, and a digest per deployed file), the identity keys it
//! can be recognised by (names, addresses, instance ids), and whether the inventory that lists
//! it is committed.
//!
//! An inventory file read from the working tree is compared with the same path at `HEAD` of the
//! audited repository: a file that differs, or that `HEAD` does not have, lists its hosts
//! without a committed record, and PV009 says so for each of them.

use super::claims::classify_claim_value;
use super::identity::{HostNode, Key};
use crate::model::id::component_id;
use crate::model::{Claim, ClaimKind, Component, ComponentKind, Location};
use crate::policy::Policy;
use crate::scan::ansible::{AnsibleScan, FactHost, InventoryScan};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Property keys a host component carries.
pub const INVENTORY: &str = "ansible.inventory";
pub const INVENTORY_FILE: &str = "ansible.inventory_file";
pub const INVENTORY_LINE: &str = "ansible.inventory_line";
/// `committed`, or why not: `uncommitted changes`, `not committed`, `outside the repository`.
pub const INVENTORY_STATUS: &str = "ansible.inventory_status";
pub const GROUPS: &str = "ansible.groups";
pub const ANSIBLE_HOST: &str = "ansible.host";
pub const FACTS: &str = "ansible.facts";

pub const COMMITTED: &str = "committed";

/// Host variables whose values identify the machine: what `ansible_host` points at, and what
/// cloud inventory plugins (`aws_ec2`, `gcp_compute`, `azure_rm`) put in host variables.
const IDENTITY_VARS: &[&str] = &[
    "ansible_host",
    "ansible_ssh_host",
    "instance_id",
    "private_ip_address",
    "public_ip_address",
    "private_dns_name",
    "public_dns_name",
    "private_ipv4_addresses",
    "public_ipv4_addresses",
    "vm_id",
];

/// Host components from everything Ansible gave, with their identity keys.
pub fn hosts_from_ansible(scan: &AnsibleScan, policy: &Policy, repo: &Path) -> Vec<HostNode> {
    let committed = CommitCheck::new(repo);
    let mut nodes = Vec::new();
    for inventory in &scan.inventories {
        let status: HashMap<&str, String> = inventory
            .files
            .iter()
            .map(|(display, path)| (display.as_str(), committed.status(path)))
            .collect();
        nodes.extend(inventory_hosts(inventory, &status, policy));
    }
    nodes.extend(scan.facts.iter().map(fact_host));
    nodes
}

fn inventory_hosts(
    scan: &InventoryScan,
    status: &HashMap<&str, String>,
    policy: &Policy,
) -> Vec<HostNode> {
    let inv = &scan.inventory;
    let mut nodes = Vec::with_capacity(inv.hosts.len());
    for (h, host) in inv.hosts.iter().enumerate() {
        let vars = inv.host_vars(h);
        let mut labels = vec![host.name.clone()];
        let mut keys = vec![Key::new(&host.name, "inventory name")];
        for name in IDENTITY_VARS {
            let Some(var) = vars.get(name) else { continue };
            for value in strings(&var.value) {
                keys.push(Key::new(&value, name));
                if *name == "ansible_host" && !labels.contains(&value) {
                    labels.push(value);
                }
            }
        }
        let mut claims = Vec::new();
        for key in &policy.host_claim_keys {
            let Some(var) = vars.get(key.as_str()) else {
                continue;
            };
            let Value::String(text) = &var.value else {
                continue;
            };
            if let Some(kind) = classify_claim_value(text) {
                claims.push(Claim {
                    kind,
                    value: text.trim().to_string(),
                    key: key.clone(),
                    origin: var.origin.clone(),
                    branch: None,
                });
            }
        }
        let mut groups: Vec<&str> = inv
            .sorted_host_groups(h)
            .into_iter()
            .map(|g| inv.groups[g].name.as_str())
            .collect();
        groups.sort_unstable();
        let mut properties = BTreeMap::new();
        properties.insert(INVENTORY.to_string(), scan.root.clone());
        properties.insert(INVENTORY_FILE.to_string(), host.origin.path.clone());
        if let Some(line) = host.origin.line {
            properties.insert(INVENTORY_LINE.to_string(), line.to_string());
        }
        properties.insert(
            INVENTORY_STATUS.to_string(),
            status
                .get(host.origin.path.as_str())
                .cloned()
                .unwrap_or_else(|| "not committed".into()),
        );
        properties.insert(GROUPS.to_string(), groups.join(", "));
        if let Some(Value::String(address)) = vars.get("ansible_host").map(|v| &v.value) {
            properties.insert(ANSIBLE_HOST.to_string(), address.clone());
        }
        nodes.push(HostNode {
            component: Component {
                id: component_id("host", &[&scan.root, &host.name]),
                kind: ComponentKind::Host,
                labels,
                origin: host.origin.clone(),
                claims,
                traces: Vec::new(),
                properties,
                declared_at: None,
                config: None,
            },
            keys,
            name: host.name.clone(),
            from_facts: false,
        });
    }
    nodes
}

/// The strings in a variable: itself, or the strings of a list.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn fact_host(host: &FactHost) -> HostNode {
    let id = &host.identity;
    let mut labels = vec![host.name.clone()];
    let mut keys = vec![Key::new(&host.name, "fact cache name")];
    let mut add = |value: &str, source: &'static str, label: bool| {
        keys.push(Key::new(value, source));
        if label && !labels.iter().any(|l| l == value) {
            labels.push(value.to_string());
        }
    };
    if let Some(v) = &id.fqdn {
        add(v, "ansible_fqdn", true);
    }
    if let Some(v) = &id.hostname {
        add(v, "ansible_hostname", false);
    }
    if let Some(v) = &id.default_ipv4 {
        add(v, "ansible_default_ipv4.address", true);
    }
    for v in &id.addresses {
        add(v, "ansible_all_ipv4_addresses", false);
    }
    for v in &id.instance_ids {
        add(v, "instance id", true);
    }
    let mut claims = Vec::new();
    if let Some(p) = &host.provenance {
        if let Some((commit, origin)) = &p.commit {
            if let Some(kind) = classify_claim_value(commit) {
                claims.push(Claim {
                    kind,
                    value: commit.clone(),
                    key: "ansible_local.provenance.commit".into(),
                    origin: origin.clone(),
                    branch: None,
                });
            }
        }
        for file in p.files.iter().filter(|f| !f.template) {
            let key = format!(
                "ansible_local.provenance.files[{}]",
                serde_json::to_string(&file.path).unwrap_or_default()
            );
            claims.push(Claim {
                kind: ClaimKind::ContentDigest,
                value: format!("{}:{}", file.algorithm, file.digest),
                key: key.clone(),
                origin: file.origin.clone(),
                branch: None,
            });
            if let Some(source) = &file.source {
                claims.push(Claim {
                    kind: ClaimKind::SourcePath,
                    value: source.clone(),
                    key,
                    origin: file.origin.clone(),
                    branch: None,
                });
            }
        }
    }
    let mut properties = host.properties.clone();
    properties.insert(FACTS.to_string(), host.origin.path.clone());
    HostNode {
        component: Component {
            id: component_id("host", &["facts", &host.origin.path, &host.name]),
            kind: ComponentKind::Host,
            labels,
            origin: host.origin.clone(),
            claims,
            traces: Vec::new(),
            properties,
            declared_at: None,
            config: None,
        },
        keys,
        name: host.name.clone(),
        from_facts: true,
    }
}

/// Compares working-tree files with `HEAD` of the audited repository.
struct CommitCheck {
    repo: Option<git2::Repository>,
    workdir: Option<PathBuf>,
}

impl CommitCheck {
    fn new(repo: &Path) -> CommitCheck {
        let repo = git2::Repository::open(repo).ok();
        let workdir = repo
            .as_ref()
            .and_then(|r| r.workdir())
            .and_then(|w| w.canonicalize().ok());
        CommitCheck { repo, workdir }
    }

    /// `committed`, or what is wrong.
    fn status(&self, path: &Path) -> String {
        let (Some(repo), Some(workdir)) = (&self.repo, &self.workdir) else {
            return "outside the repository (the repository has no work tree)".into();
        };
        let Ok(file) = path.canonicalize() else {
            return "not committed (the file cannot be found)".into();
        };
        let Ok(relative) = file.strip_prefix(workdir) else {
            return "outside the repository".into();
        };
        let Ok(bytes) = std::fs::read(&file) else {
            return "not committed (the file cannot be read)".into();
        };
        let head = repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_tree().ok())
            .and_then(|tree| tree.get_path(relative).ok().map(|e| e.id()));
        match head {
            None => "not committed".into(),
            Some(id) => match git2::Oid::hash_object(git2::ObjectType::Blob, &bytes) {
                Ok(working) if working == id => COMMITTED.into(),
                _ => "uncommitted changes".into(),
            },
        }
    }
}

/// The deployed file a content claim is about, and its source claim when there is one.
pub fn deployed_files(component: &Component) -> Vec<(&Claim, Option<&Claim>)> {
    component
        .claims
        .iter()
        .filter(|c| c.kind == ClaimKind::ContentDigest)
        .map(|digest| {
            let source = component
                .claims
                .iter()
                .find(|c| c.kind == ClaimKind::SourcePath && c.key == digest.key);
            (digest, source)
        })
        .collect()
}

/// Where a host component's claims and facts were read, for chains.
pub fn facts_location(component: &Component) -> Option<Location> {
    component
        .properties
        .get(FACTS)
        .map(|p| Location::file(p.clone()))
}
