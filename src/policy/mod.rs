//! The audit policy: which branches count as released, where claims are read from, how old a
//! release may be, which optional rules are on, severity overrides and approved exceptions.
//! It comes from `provenant.toml` ([`file`]) with command-line flags on top.

pub mod exceptions;
pub mod file;
pub mod init;
pub mod pattern;

pub use exceptions::{apply_exceptions, Exception};
pub use file::{find_policy_file, load_policy_file, PolicyError, PolicyFile, Problem};

/// Attribute keys whose values are commit claims, unless configured otherwise.
pub const DEFAULT_CLAIM_KEYS: &[&str] = &[
    "git_commit",
    "git_sha",
    "commit_sha",
    "source_commit",
    "revision",
];

/// Host variables whose values are commit claims (what a deployment recorded), unless
/// configured otherwise.
pub const DEFAULT_HOST_CLAIM_KEYS: &[&str] = &["deploy_commit", "app_commit", "git_commit"];

/// Days a running commit may lag the release branch tip before PV008 fires.
pub const DEFAULT_STALE_AFTER_DAYS: u64 = 90;

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// Release branch names; empty means the repository's default branch.
    pub release_branches: Vec<String>,
    /// Keys (anywhere in a resource's attributes, tags and labels) that hold commit claims.
    pub claim_keys: Vec<String>,
    /// PV003: a component with no claim at all is a finding.
    pub require_claims: bool,
    /// PV008: bound in days between a running commit and its release branch tip.
    pub stale_after_days: u64,
    /// Puppet environments (and the like) mapped to release branches: `production = "main"`.
    pub environment_branches: std::collections::BTreeMap<String, String>,
    /// `[puppet] version_pattern`: extracts the commit from a `configuration_version` (its
    /// first capture group, else its whole match); validated when the file is read.
    pub puppet_version_pattern: Option<String>,
    /// Severity per rule id where the policy overrides the rule's default.
    pub severity_overrides: std::collections::BTreeMap<String, crate::model::Severity>,
    /// Extra identity attributes per resource type (`aws_instance = ["tags.Hostname"]`).
    pub identity_keys: std::collections::BTreeMap<String, Vec<String>>,
    /// Approved exceptions, in file order.
    pub exceptions: Vec<Exception>,
    /// Ansible host variables (top level, exact names) whose values are commit claims.
    pub host_claim_keys: Vec<String>,
    /// How to reach the PuppetDBs named by `--puppet URL` (`[puppetdb]`).
    pub puppetdb: PuppetDbSettings,
}

/// The policy file's `[puppetdb]` table. Paths are as written: relative ones are relative to
/// the policy file's directory. Flags override each of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PuppetDbSettings {
    /// Client certificate (PEM).
    pub cert: Option<std::path::PathBuf>,
    /// Its private key (PEM, unencrypted).
    pub key: Option<std::path::PathBuf>,
    /// The CA that signed PuppetDB's certificate (PEM).
    pub cacert: Option<std::path::PathBuf>,
    /// Puppet's `puppetdb.conf`: its `server_urls`, and TLS paths from the `puppet.conf`
    /// beside it.
    pub config: Option<std::path::PathBuf>,
    /// Seconds to wait for an answer.
    pub timeout: Option<std::time::Duration>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            release_branches: Vec::new(),
            claim_keys: DEFAULT_CLAIM_KEYS.iter().map(|k| k.to_string()).collect(),
            require_claims: false,
            stale_after_days: DEFAULT_STALE_AFTER_DAYS,
            environment_branches: Default::default(),
            puppet_version_pattern: None,
            severity_overrides: Default::default(),
            identity_keys: Default::default(),
            exceptions: Vec::new(),
            host_claim_keys: DEFAULT_HOST_CLAIM_KEYS
                .iter()
                .map(|k| k.to_string())
                .collect(),
            puppetdb: PuppetDbSettings::default(),
        }
    }
}

impl Policy {
    /// Whether `key` names a claim: compared without case, `_` or `-`, so `GitCommit`,
    /// `git-commit` and `GIT_COMMIT` all match `git_commit`.
    pub fn is_claim_key(&self, key: &str) -> bool {
        self.is_claim_key_normalised(&normalise_key(key))
    }

    /// [`Policy::is_claim_key`] for a key already through [`normalise_key`]: every key of every
    /// state's attributes is looked up, so nothing is allocated here.
    pub fn is_claim_key_normalised(&self, key: &str) -> bool {
        (self.claim_keys.iter()).any(|k| normalised_chars(k).eq(key.chars()))
    }
}

/// A key reduced to lower-case letters and digits, for comparisons across naming styles.
pub fn normalise_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    normalise_key_into(key, &mut out);
    out
}

/// [`normalise_key`] into `out` (cleared first), for callers that normalise many keys.
pub fn normalise_key_into(key: &str, out: &mut String) {
    out.clear();
    out.extend(normalised_chars(key));
}

fn normalised_chars(key: &str) -> impl Iterator<Item = char> + '_ {
    key.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
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
