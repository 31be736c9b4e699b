//! An input is one source the audit read (or tried to): it appears in the report's scope with
//! its digest and what became of it, so nothing is ever skipped silently.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// A raw state file, format 3 or 4.
    TerraformState,
    /// A state document from `terraform show -json` / `tofu show -json`.
    TerraformShowJson,
    /// A plan from `terraform show -json PLANFILE`: not a state.
    TerraformPlan,
    /// `.terraform/terraform.tfstate`: backend settings, not resources.
    TerraformBackendMetadata,
    /// `.terraform.tfstate.lock.info`: a lock left by a running operation.
    TerraformLockInfo,
    /// `terraform.tfstate.backup`: the previous state Terraform keeps.
    TerraformStateBackup,
    /// An OpenTofu state encrypted client-side.
    OpentofuEncryptedState,
    /// Terraform configuration (`.tf`, `.tf.json`) as committed: a root module directory at
    /// the release tip, or one of its files that could not be parsed.
    TerraformConfig,
    /// An Ansible inventory file: INI, YAML or TOML.
    AnsibleInventory,
    /// An inventory in the JSON of `ansible-inventory --list` or a dynamic inventory script.
    AnsibleInventoryJson,
    /// An inventory plugin configuration (`plugin: aws_ec2`): hosts come from a live query.
    AnsibleInventoryPlugin,
    /// An executable dynamic-inventory script, which provenant never runs.
    AnsibleInventoryScript,
    /// A `group_vars/` or `host_vars/` file.
    AnsibleVars,
    /// A fact cache entry (jsonfile cache, `setup --tree` output).
    AnsibleFacts,
    /// `ansible.cfg`, read to find inventories and the fact cache.
    AnsibleConfig,
    /// A Puppet agent report: the YAML of `reports=store` or `last_run_report.yaml`, or the
    /// JSON of its data hash.
    PuppetReport,
    /// A report in PuppetDB's wire format or as its query API answers (event rows too).
    PuppetdbReport,
    /// A node's facts: PuppetDB's wire format or inventory answer, Puppet Server's YAML cache.
    PuppetFacts,
    /// A compiled catalog, read for where managed files come from.
    PuppetCatalog,
    /// A PuppetDB server, queried over HTTP.
    Puppetdb,
    /// Nothing could tell what it is.
    Unknown,
}

impl InputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::TerraformState => "terraform-state",
            InputKind::TerraformShowJson => "terraform-show-json",
            InputKind::TerraformPlan => "terraform-plan",
            InputKind::TerraformBackendMetadata => "terraform-backend-metadata",
            InputKind::TerraformLockInfo => "terraform-lock-info",
            InputKind::TerraformStateBackup => "terraform-state-backup",
            InputKind::OpentofuEncryptedState => "opentofu-encrypted-state",
            InputKind::TerraformConfig => "terraform-config",
            InputKind::AnsibleInventory => "ansible-inventory",
            InputKind::AnsibleInventoryJson => "ansible-inventory-json",
            InputKind::AnsibleInventoryPlugin => "ansible-inventory-plugin",
            InputKind::AnsibleInventoryScript => "ansible-inventory-script",
            InputKind::AnsibleVars => "ansible-vars",
            InputKind::AnsibleFacts => "ansible-facts",
            InputKind::AnsibleConfig => "ansible-config",
            InputKind::PuppetReport => "puppet-report",
            InputKind::PuppetdbReport => "puppetdb-report",
            InputKind::PuppetFacts => "puppet-facts",
            InputKind::PuppetCatalog => "puppet-catalog",
            InputKind::Puppetdb => "puppetdb",
            InputKind::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputStatus {
    /// Read in full; its components are in the report.
    Read,
    /// Recognised as something that holds no components (lock file, backend metadata...).
    Skipped,
    /// Could not be read or parsed: the audit is incomplete (PV010).
    Unreadable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub path: String,
    pub kind: InputKind,
    /// sha256 of the bytes read; `None` when the file could not be opened.
    pub sha256: Option<String>,
    pub status: InputStatus,
    /// What was read, or why not, and what to do about it.
    pub detail: String,
    /// The line of the problem when the input is unreadable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}
