//! A claim is what something says a component runs: a commit, a tag, or a trace id that links
//! it to code (yor's `yor_trace`). Claims are kept exactly as written; resolving them against
//! git is the correlator's job.

use super::Location;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimKind {
    /// A full or abbreviated (7 or more hex digits) commit id.
    Commit,
    /// A tag name, such as `v1.2.0`.
    Tag,
    /// yor's `yor_trace`: not a commit, an id that finds the declaring block in code.
    TraceId,
}

impl ClaimKind {
    /// Whether git can resolve this claim to a commit.
    pub fn names_a_revision(self) -> bool {
        matches!(self, ClaimKind::Commit | ClaimKind::Tag)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Claim {
    pub kind: ClaimKind,
    /// The value as written in the source.
    pub value: String,
    /// Where in the component the value sits, e.g. `tags.git_commit`.
    pub key: String,
    pub origin: Location,
}
