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
    /// The digest of a deployed file, `sha256:<hex>` or `sha1:<hex>`; the key names the file
    /// (`ansible_local.provenance.files["/etc/app.conf"]`).
    ContentDigest,
    /// The repository path a deployed file was copied from; same key as its digest.
    SourcePath,
    /// yor's `git_file`: the repository path of the file that declares the component.
    DeclaringFile,
}

impl ClaimKind {
    /// Whether git can resolve this claim to a commit.
    pub fn names_a_revision(self) -> bool {
        matches!(self, ClaimKind::Commit | ClaimKind::Tag)
    }
}

impl Claim {
    /// For a deployed-file claim keyed `...files["<path>"]`, the path on the host.
    pub fn deployed_path(&self) -> Option<String> {
        let start = self.key.find("files[")? + "files[".len();
        let quoted = self.key[start..].strip_suffix(']')?;
        serde_json::from_str(quoted).ok()
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
    /// The branch the claimed commit must be on, when it is not the release branches: a
    /// Puppet node's environment maps to a branch of the control repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
}
