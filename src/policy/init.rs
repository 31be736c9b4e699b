//! `provenant init`: a commented starting `provenant.toml`, filled from what the current
//! directory holds: the repository's default branch, the states below it and the claim keys
//! their resources carry. Every setting is written with its default and an explanation, so the
//! file documents itself.

use crate::policy::{Policy, DEFAULT_CLAIM_KEYS, DEFAULT_STALE_AFTER_DAYS};
use std::collections::BTreeSet;
use std::path::Path;

/// What `init` found in the directory.
#[derive(Debug, Default)]
pub struct Survey {
    /// The default branch, when the directory is a git repository that has one.
    pub release_branch: Option<String>,
    /// State files found below the directory (display paths).
    pub states: Vec<String>,
    /// Claim keys seen on resources in those states (the default keys that occur).
    pub claim_keys_seen: BTreeSet<String>,
}

/// Looks at `dir`: its git repository (if any) and the states below it.
pub fn survey(dir: &Path) -> Survey {
    let mut survey = Survey::default();
    if let Ok(index) = crate::git::GitIndex::open(dir, &[]) {
        survey.release_branch = index.release_branches().first().map(|b| b.name.clone());
    }
    let policy = Policy::default();
    for path in crate::scan::discover::discover_states(dir).unwrap_or_default() {
        let display = crate::audit::display_path(&path, dir);
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if let crate::scan::StateScan::State { document, .. } =
            crate::scan::scan_state_bytes(&bytes, &path, &display)
        {
            for instance in document.managed() {
                let claims = crate::correlate::claims_from_attributes(
                    &instance.attributes.value(),
                    &instance.sensitive_paths,
                    &policy,
                    &instance.origin,
                );
                for claim in claims.iter().filter(|c| c.kind.names_a_revision()) {
                    let leaf = claim.key.rsplit('.').next().unwrap_or(&claim.key);
                    survey.claim_keys_seen.insert(leaf.to_string());
                }
            }
        }
        survey.states.push(display);
    }
    survey
}

/// The text of a starting policy file for what `survey` found.
pub fn starting_policy(survey: &Survey) -> String {
    let mut out = String::from(
        "# provenant policy: how this repository's production is audited.\n\
         # Reference: docs/policy.md. Flags given to `provenant audit` override these settings.\n\n",
    );
    out.push_str("# Branches whose commits count as released.\n");
    match &survey.release_branch {
        Some(branch) => out.push_str(&format!("release_branches = [\"{branch}\"]\n\n")),
        None => out.push_str("# (no git repository here: name your release branch)\nrelease_branches = [\"main\"]\n\n"),
    }
    out.push_str(
        "# Keys holding commit claims, anywhere in a resource's attributes, tags and labels.\n",
    );
    if !survey.claim_keys_seen.is_empty() {
        let seen: Vec<&str> = survey.claim_keys_seen.iter().map(String::as_str).collect();
        out.push_str(&format!(
            "# Seen in the states here: {}.\n",
            seen.join(", ")
        ));
    }
    let keys: Vec<String> = DEFAULT_CLAIM_KEYS
        .iter()
        .map(|k| format!("\"{k}\""))
        .collect();
    out.push_str(&format!("claim_keys = [{}]\n\n", keys.join(", ")));
    out.push_str(
        "# Report components that carry no claim at all (PV003).\nrequire_claims = false\n\n",
    );
    out.push_str(&format!(
        "# Days a running commit may lag its release branch tip before PV008 fires.\nstale_after_days = {DEFAULT_STALE_AFTER_DAYS}\n\n"
    ));
    if !survey.states.is_empty() {
        out.push_str(
            "# States found below this directory (provenant audit reads them all by default):\n",
        );
        for state in &survey.states {
            out.push_str(&format!("#   {state}\n"));
        }
        out.push('\n');
    }
    out.push_str(
        "# Severity per rule (id or slug): \"error\", \"warning\" or \"note\".\n\
         [severity]\n\
         # PV008 = \"error\"\n\n\
         # Environments (Puppet's, for instance) and the branch each deploys from.\n\
         [environments]\n\
         # production = \"main\"\n\n\
         # Approved exceptions: each needs rule, component (a label or a glob), reason, approver\n\
         # and expires; ticket is optional. An exception that matches nothing is a finding (PV012).\n\
         # [[exception]]\n\
         # rule = \"PV002\"\n\
         # component = \"module.cache.*\"\n\
         # reason = \"Cache trial approved for the load test\"\n\
         # approver = \"alice@example.com\"\n\
         # ticket = \"OPS-1234\"\n\
         # expires = 2026-12-31\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starting_policy_is_a_valid_policy_with_the_defaults() {
        let survey = Survey {
            release_branch: Some("trunk".into()),
            states: vec!["prod/terraform.tfstate".into()],
            claim_keys_seen: ["git_commit".to_string()].into_iter().collect(),
        };
        let text = starting_policy(&survey);
        let policy = crate::policy::file::parse_policy(&text, "provenant.toml").unwrap();
        assert_eq!(policy.release_branches, ["trunk"]);
        assert_eq!(
            policy,
            Policy {
                release_branches: vec!["trunk".into()],
                ..Policy::default()
            }
        );
        assert!(text.contains("# Seen in the states here: git_commit."));
        assert!(text.contains("#   prod/terraform.tfstate"));
        let empty =
            crate::policy::file::parse_policy(&starting_policy(&Survey::default()), "p").unwrap();
        assert_eq!(empty.release_branches, ["main"]);
    }
}
