//! The audit policy: which branches count as released, where claims are read from, how old a
//! release may be, and which optional rules are on. The CLI fills it today; the same struct is
//! what a `provenant.toml` policy file will populate.

/// Attribute keys whose values are commit claims, unless configured otherwise.
pub const DEFAULT_CLAIM_KEYS: &[&str] = &[
    "git_commit",
    "git_sha",
    "commit_sha",
    "source_commit",
    "revision",
];

/// Days a running commit may lag the release branch tip before PV008 fires.
pub const DEFAULT_STALE_AFTER_DAYS: u64 = 90;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Release branch names; empty means the repository's default branch.
    pub release_branches: Vec<String>,
    /// Keys (anywhere in a resource's attributes, tags and labels) that hold commit claims.
    pub claim_keys: Vec<String>,
    /// PV003: a component with no claim at all is a finding.
    pub require_claims: bool,
    /// PV008: bound in days between a running commit and its release branch tip.
    pub stale_after_days: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            release_branches: Vec::new(),
            claim_keys: DEFAULT_CLAIM_KEYS.iter().map(|k| k.to_string()).collect(),
            require_claims: false,
            stale_after_days: DEFAULT_STALE_AFTER_DAYS,
        }
    }
}

impl Policy {
    /// Whether `key` names a claim: compared without case, `_` or `-`, so `GitCommit`,
    /// `git-commit` and `GIT_COMMIT` all match `git_commit`.
    pub fn is_claim_key(&self, key: &str) -> bool {
        let key = normalise_key(key);
        self.claim_keys.iter().any(|k| normalise_key(k) == key)
    }
}

/// A key reduced to lower-case letters and digits, for comparisons across naming styles.
pub fn normalise_key(key: &str) -> String {
    key.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_keys_match_across_naming_styles() {
        let policy = Policy::default();
        for key in [
            "git_commit",
            "GitCommit",
            "git-commit",
            "GIT_COMMIT",
            "Revision",
        ] {
            assert!(policy.is_claim_key(key), "{key}");
        }
        for key in ["commit", "git_repo", "yor_trace", "Name"] {
            assert!(!policy.is_claim_key(key), "{key}");
        }
    }
}
