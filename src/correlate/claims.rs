//! Reading claims out of a resource's attributes: a value under a claim key (anywhere: in
//! `tags`, `tags_all`, `labels`, `freeform_tags`, `triggers`, nested blocks) that reads as a
//! full or abbreviated commit id or a tag name, and yor's `yor_trace`. Sensitive paths and
//! secret-named keys are never read.

use crate::correlate::secrets::is_secret_normalised;
use crate::model::{Claim, ClaimKind, Location, PathStep};
use crate::policy::{normalise_key_into, Policy};
use serde_json::Value;
use std::collections::BTreeSet;

/// What a value found under a claim key says, if anything: a commit (7 to 64 hex digits), a
/// tag name (a valid git ref name that is not a short run of digits), or nothing.
pub fn classify_claim_value(value: &str) -> Option<ClaimKind> {
    let value = value.trim();
    let hex = value.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && (7..=64).contains(&value.len()) {
        return Some(ClaimKind::Commit);
    }
    // A run of fewer than 7 digits is a counter (`revision = "3"`), not a tag anyone cut.
    if value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    is_valid_tag_name(value).then_some(ClaimKind::Tag)
}

/// git's rules for a ref name (`git check-ref-format`), as far as a tag name can break them.
fn is_valid_tag_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with(['-', '.', '/'])
        && !name.ends_with(['.', '/'])
        && !name.ends_with(".lock")
        && !name.contains("..")
        && !name.contains("@{")
        && !name.contains("//")
        && name != "@"
        && name
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && !"~^:?*[\\".contains(c))
}

/// Every claim in `attributes`, in file order, one per distinct (kind, value): the first key
/// that holds a value names it (`tags.git_commit` before `tags_all.git_commit`).
pub fn claims_from_attributes(
    attributes: &Value,
    sensitive: &[Vec<PathStep>],
    policy: &Policy,
    origin: &Location,
) -> Vec<Claim> {
    let mut walker = Walker {
        sensitive,
        policy,
        origin,
        seen: BTreeSet::new(),
        claims: Vec::new(),
        key: String::new(),
    };
    walker.walk(attributes, &mut Vec::new());
    walker.claims
}

/// A step of the path being walked, borrowed from the attributes: every key of every
/// attribute is stepped through, and only a claim's path is ever written out.
#[derive(Clone, Copy)]
enum Step<'v> {
    Key(&'v str),
    Index(u64),
}

/// Whether `path` is `prefix` or below it.
fn is_below(path: &[Step<'_>], prefix: &[PathStep]) -> bool {
    prefix.len() <= path.len()
        && prefix.iter().zip(path).all(|(p, s)| match (p, s) {
            (PathStep::Key(a), Step::Key(b)) => a == b,
            (PathStep::Index(a), Step::Index(b)) => a == b,
            _ => false,
        })
}

struct Walker<'a> {
    sensitive: &'a [Vec<PathStep>],
    policy: &'a Policy,
    origin: &'a Location,
    seen: BTreeSet<(ClaimKind, String)>,
    claims: Vec<Claim>,
    /// The key being looked at, normalised (one buffer for them all).
    key: String,
}

impl<'a> Walker<'a> {
    /// Walks with an explicit path; depth is bounded by the parsed document, whose nesting the
    /// JSON parser already limits.
    fn walk<'v>(&mut self, value: &'v Value, path: &mut Vec<Step<'v>>) {
        if self.sensitive.iter().any(|p| is_below(path, p)) {
            return;
        }
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    normalise_key_into(key, &mut self.key);
                    if is_secret_normalised(&self.key) {
                        continue;
                    }
                    path.push(Step::Key(key));
                    match child {
                        Value::String(text) => self.consider(key, text, path),
                        _ => self.walk(child, path),
                    }
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(Step::Index(i as u64));
                    self.walk(child, path);
                    path.pop();
                }
            }
            _ => {}
        }
    }

    fn consider(&mut self, key: &str, text: &str, path: &[Step<'_>]) {
        if self.sensitive.iter().any(|p| is_below(path, p)) {
            return;
        }
        // Flat-map states (`attributes_flat`, format 3) write `tags.git_commit` as one key.
        if let Some((_, leaf)) = key.rsplit_once('.') {
            normalise_key_into(leaf, &mut self.key);
        }
        let leaf = self.key.as_str();
        let kind = if leaf == "yortrace" {
            Some(ClaimKind::TraceId)
        } else if leaf == "gitfile" && !text.trim().is_empty() {
            // yor's git_file: the file that declares the resource, checked against the index.
            Some(ClaimKind::DeclaringFile)
        } else if self.policy.is_claim_key_normalised(leaf) {
            classify_claim_value(text)
        } else {
            None
        };
        let Some(kind) = kind else { return };
        let value = text.trim().to_string();
        if value.is_empty() || !self.seen.insert((kind, value.clone())) {
            return;
        }
        self.claims.push(Claim {
            kind,
            value,
            key: dotted(path),
            origin: self.origin.clone(),
            branch: None,
        });
    }
}

/// `tags.git_commit`, `containers[0].env.GIT_SHA`.
fn dotted(path: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(
        attributes: Value,
        sensitive: Vec<Vec<PathStep>>,
    ) -> Vec<(ClaimKind, String, String)> {
        claims_from_attributes(
            &attributes,
            &sensitive,
            &Policy::default(),
            &Location::file("s"),
        )
        .into_iter()
        .map(|c| (c.kind, c.value, c.key))
        .collect()
    }

    #[test]
    fn classifies_values() {
        assert_eq!(classify_claim_value("3f2a1c9"), Some(ClaimKind::Commit));
        assert_eq!(classify_claim_value("1234567"), Some(ClaimKind::Commit));
        assert_eq!(
            classify_claim_value(&"a".repeat(40)),
            Some(ClaimKind::Commit)
        );
        assert_eq!(classify_claim_value("v1.2.0"), Some(ClaimKind::Tag));
        assert_eq!(
            classify_claim_value("release/2026-03"),
            Some(ClaimKind::Tag)
        );
        assert_eq!(classify_claim_value("3"), None);
        assert_eq!(classify_claim_value("abc"), Some(ClaimKind::Tag));
        assert_eq!(classify_claim_value("has space"), None);
        assert_eq!(classify_claim_value("a..b"), None);
        assert_eq!(classify_claim_value(""), None);
    }

    #[test]
    fn reads_tags_labels_and_nested_keys_once_per_value() {
        let found = claims(
            json!({
                "tags": {"git_commit": "3f2a1c9", "yor_trace": "9a8b-77", "Name": "web"},
                "tags_all": {"git_commit": "3f2a1c9", "Revision": "v1.1.0"},
                "triggers": {"deploy": {"GIT_SHA": "0123456789abcdef0123456789abcdef01234567"}},
                "revision": 3
            }),
            vec![],
        );
        assert_eq!(
            found,
            vec![
                (
                    ClaimKind::Commit,
                    "3f2a1c9".into(),
                    "tags.git_commit".into()
                ),
                (
                    ClaimKind::TraceId,
                    "9a8b-77".into(),
                    "tags.yor_trace".into()
                ),
                (ClaimKind::Tag, "v1.1.0".into(), "tags_all.Revision".into()),
                (
                    ClaimKind::Commit,
                    "0123456789abcdef0123456789abcdef01234567".into(),
                    "triggers.deploy.GIT_SHA".into()
                ),
            ]
        );
    }

    #[test]
    fn flat_maps_and_lists_are_read() {
        let found = claims(
            json!({"tags.git_commit": "abcdef1", "env": [{"commit_sha": "1234567"}]}),
            vec![],
        );
        assert_eq!(found[0].2, "tags.git_commit");
        assert_eq!(found[1].2, "env[0].commit_sha");
    }

    #[test]
    fn yor_git_file_is_a_declaring_file_claim() {
        let found = claims(
            json!({"tags": {"git_file": "terraform/prod/main.tf", "git_commit": "abcdef1"}}),
            vec![],
        );
        assert_eq!(
            found,
            vec![
                (
                    ClaimKind::DeclaringFile,
                    "terraform/prod/main.tf".into(),
                    "tags.git_file".into()
                ),
                (
                    ClaimKind::Commit,
                    "abcdef1".into(),
                    "tags.git_commit".into()
                ),
            ]
        );
    }

    #[test]
    fn a_sensitive_leaf_is_never_read() {
        let found = claims(
            json!({"tags": {"revision": "v9.9.9", "git_commit": "abcdef1"}}),
            vec![vec![
                PathStep::Key("tags".into()),
                PathStep::Key("revision".into()),
            ]],
        );
        assert_eq!(
            found,
            vec![(
                ClaimKind::Commit,
                "abcdef1".into(),
                "tags.git_commit".into()
            )]
        );
    }

    #[test]
    fn sensitive_paths_and_secret_keys_are_never_read() {
        let found = claims(
            json!({"triggers": {"git_commit": "abcdef1"}, "password": {"git_sha": "1234567"}}),
            vec![vec![PathStep::Key("triggers".into())]],
        );
        assert!(found.is_empty(), "{found:?}");
    }
}
