//! A component is a production thing: a Terraform resource instance in a given state, and in
//! later sources a host. It carries every name it is known by (`labels`), the place it was
//! read from, its claims and, once the correlator has run, the traces of those claims.

use super::{Claim, Location};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ComponentKind {
    TerraformResource,
    /// A machine known from Ansible (inventory host, fact cache entry).
    Host,
}

impl ComponentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ComponentKind::TerraformResource => "terraform-resource",
            ComponentKind::Host => "host",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Component {
    pub id: String,
    pub kind: ComponentKind,
    /// Every name the component is known by; the first is its display name.
    pub labels: Vec<String>,
    pub origin: Location,
    pub claims: Vec<Claim>,
    pub traces: Vec<Trace>,
    /// Facts about the component that are not labels: resource type, provider, status...
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub properties: std::collections::BTreeMap<String, String>,
    /// The committed block that declares the component, as `commit:path` and line
    /// (`3f2a1c9:terraform/prod/main.tf:21`), when committed configuration was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared_at: Option<Location>,
    /// What the committed configuration says about the component, when it was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<super::ConfigCheck>,
}

impl Component {
    pub fn display_name(&self) -> &str {
        self.labels.first().map(String::as_str).unwrap_or(&self.id)
    }
}

/// What git says about one claim of a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The claim's value, as in `claims`.
    pub claim: String,
    pub key: String,
    /// The branch the claim is judged against instead of the release branches (a Puppet
    /// environment's branch); `release_branches` then lists it when it contains the commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_branch: Option<String>,
    pub status: TraceStatus,
    /// The commit the claim resolves to, when it resolves to exactly one.
    pub commit: Option<TraceCommit>,
    /// Release branches whose history contains the commit.
    pub release_branches: Vec<String>,
    /// Other branches containing the commit (listed when no release branch does).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub branches: Vec<String>,
    /// Tags that point at the commit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Commits an abbreviated claim matches when it matches more than one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<String>,
    /// How far the commit is behind the tip of the release branch that contains it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behind: Option<Behind>,
}

impl Trace {
    /// What a finding about this trace is about, for its fingerprint: the claim and its key.
    pub fn claim_subject(&self) -> String {
        format!("{}={}", self.key, self.claim)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TraceStatus {
    /// Resolves to a commit reachable from a release branch.
    Released,
    /// Resolves to a commit that no release branch contains.
    Unreleased,
    /// Resolves to a commit object that no branch or tag reaches.
    Unreferenced,
    /// Resolves to nothing in the repository.
    Unknown,
    /// An abbreviation that matches several commits.
    Ambiguous,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceCommit {
    pub id: String,
    pub author: String,
    /// Author date, RFC 3339 in UTC.
    pub date: String,
    pub summary: String,
    /// The tag the claim named, when it named a tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via_tag: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Behind {
    pub branch: String,
    pub tip: String,
    /// Commits on the branch that the claimed commit does not contain.
    pub commits: u64,
    /// Committer-date distance between the claimed commit and the tip, in whole days.
    pub days: u64,
}
