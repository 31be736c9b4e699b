//! Resolving a claim (full id, abbreviation, tag name) to a commit.
//!
//! The order follows `git rev-parse <claim>^{commit}`: a tag name that exists wins over an id
//! prefix; an abbreviation must name exactly one commit. Unlike git, abbreviations shorter than
//! seven digits are not looked up: a claim that short is more likely a typo than an id, and
//! with thousands of commits it is ambiguous anyway.

use std::collections::HashMap;

use super::graph::Graph;
use super::ObjectId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Exactly one commit reachable from some ref; `via_tag` names the tag when the claim was one.
    Commit {
        id: ObjectId,
        via_tag: Option<String>,
    },
    /// An abbreviation matching several commits (sorted). Commits that no ref reaches count
    /// too, as they do for git: they are why the claim cannot be settled.
    Ambiguous(Vec<ObjectId>),
    /// A commit object exists in the object database but no ref reaches it.
    Unreferenced(ObjectId),
    NotFound,
}

/// The shortest abbreviation looked up.
pub const MIN_ABBREVIATION: usize = 7;

/// What a resolution needs from the index. `odb_commits` lists the commit objects of the
/// object database (reachable or not) whose hex id starts with the given lower-case prefix.
pub(super) struct Resolver<'a> {
    pub graph: &'a Graph,
    pub tags: &'a HashMap<String, ObjectId>,
    pub odb_commits: &'a dyn Fn(&str) -> Vec<ObjectId>,
}

impl Resolver<'_> {
    pub(super) fn resolve(&self, claim: &str) -> Resolution {
        let claim = claim.trim();
        let tag = claim.strip_prefix("refs/tags/").unwrap_or(claim);
        if let Some(&id) = self.tags.get(tag) {
            return Resolution::Commit {
                id,
                via_tag: Some(tag.to_string()),
            };
        }
        let is_id = (MIN_ABBREVIATION..=40).contains(&claim.len())
            && claim.bytes().all(|b| b.is_ascii_hexdigit());
        if !is_id {
            return Resolution::NotFound;
        }
        let prefix = claim.to_ascii_lowercase();
        let reachable = self.graph.ids_with_prefix(prefix.as_bytes());
        if reachable.len() == 1 && prefix.len() == 40 {
            return commit(reachable[0]);
        }
        // Every other case needs the object database: a unique reachable match may still share
        // its prefix with a commit no ref reaches, and no reachable match may be unreferenced.
        let mut all = (self.odb_commits)(&prefix);
        all.extend(&reachable);
        all.sort_unstable();
        all.dedup();
        match (reachable.as_slice(), all.as_slice()) {
            (_, []) => Resolution::NotFound,
            ([only], [_]) => commit(*only),
            ([], [only]) => Resolution::Unreferenced(*only),
            _ => Resolution::Ambiguous(all),
        }
    }
}

fn commit(id: ObjectId) -> Resolution {
    Resolution::Commit { id, via_tag: None }
}
