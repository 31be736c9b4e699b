//! Resolving a claim (full id, abbreviation, tag name) to a commit.

use super::ObjectId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Exactly one commit reachable from some ref; `via_tag` names the tag when the claim was one.
    Commit { id: ObjectId, via_tag: Option<String> },
    /// An abbreviation matching several commits (sorted).
    Ambiguous(Vec<ObjectId>),
    /// A commit object exists in the object database but no ref reaches it.
    Unreferenced(ObjectId),
    NotFound,
}
