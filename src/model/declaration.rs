//! What committed Terraform configuration says about a component: which block declares it (and
//! how that block was found), how many of its attributes could be compared with the running
//! values, and each difference, told apart by the history: a value some released commit once
//! had (committed, not yet applied) or a value no commit ever had (changed by hand).

use super::Location;
use serde::{Deserialize, Serialize};

/// How the declaring block of a component was found, or why none was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeclarationStatus {
    /// A resource block at the release tip has the component's address.
    Declared,
    /// A `moved` block at the release tip leads from the component's address to a block.
    Moved,
    /// A block at the release tip carries the same yor `yor_trace` tag.
    YorTrace,
    /// The address lies under a module call whose source is a registry or remote module: its
    /// code was not read, so it declares whatever sits under the call.
    ModuleCall,
    /// Not at the release tip, but at the commit the component claims.
    ClaimedCommit,
    /// A `removed` block at the release tip names the address: its removal is committed.
    Removed,
    /// No committed configuration at the release tip nor at a claimed commit declares it.
    Undeclared,
}

impl DeclarationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeclarationStatus::Declared => "declared",
            DeclarationStatus::Moved => "moved",
            DeclarationStatus::YorTrace => "yor-trace",
            DeclarationStatus::ModuleCall => "module-call",
            DeclarationStatus::ClaimedCommit => "claimed-commit",
            DeclarationStatus::Removed => "removed",
            DeclarationStatus::Undeclared => "undeclared",
        }
    }
}

/// A commit as a finding names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitRef {
    pub id: String,
    pub author: String,
    /// Author date, RFC 3339 in UTC.
    pub date: String,
    pub summary: String,
}

/// What the configuration says about one component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigCheck {
    /// The configuration the component's state was matched with: the root module directory
    /// and the release-tip commit, `terraform/prod@3f2a1c9`.
    pub configuration: String,
    pub status: DeclarationStatus,
    /// How the block was found, or what could not be read (a registry module's code).
    pub detail: String,
    /// Attributes whose committed and running values were compared.
    pub attributes_compared: u32,
    /// Attributes set in the block whose value could not be compared (a function call, a
    /// reference to another resource, a variable with no committed value...).
    pub attributes_not_compared: u32,
    /// For each attribute not compared, `name: why`, sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_compared: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub differences: Vec<AttributeDifference>,
}

/// A running attribute value that differs from the value committed at the release tip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDifference {
    /// `instance_type`, `root_block_device[0].volume_size`.
    pub attribute: String,
    /// The value is sensitive: it was compared by digest and is never shown.
    pub sensitive: bool,
    /// The running value as JSON; `None` when sensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<String>,
    /// The value committed at the release tip as JSON; `None` when sensitive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub committed: Option<String>,
    /// Where the tip sets it: `3f2a1c9:terraform/prod/main.tf:24`.
    pub committed_at: Location,
    /// Set when an earlier release-branch commit had the running value: the change is
    /// committed and not yet applied. `None`: no commit ever had it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unapplied: Option<UnappliedValue>,
}

/// The history of a running value that an earlier commit had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnappliedValue {
    /// The commit that set the running value.
    pub had: CommitRef,
    /// Where that commit sets it.
    pub had_at: Location,
    /// The commit that changed it to something else.
    pub changed_by: CommitRef,
}

/// A resource the release tip declares that the state it was matched with does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbsentDeclaration {
    /// The state as the report names it.
    pub state: String,
    /// The address pattern: `module.web[*].aws_instance.app[*]`.
    pub address: String,
    pub declared_at: Location,
    /// The configuration, as in [`ConfigCheck::configuration`].
    pub configuration: String,
    /// The commit that last changed the declaring files, when the history says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introduced_by: Option<CommitRef>,
}
