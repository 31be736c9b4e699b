//! PV002: a claimed commit that exists but that no release branch contains.

use super::{claim_chain, commit_link, Context, Rule, RuleMeta};
use crate::model::{ChainLink, Finding, Severity, TraceStatus};

pub struct UnreleasedCommit;

static META: RuleMeta = RuleMeta {
    id: "PV002",
    slug: "unreleased-commit",
    default_severity: Severity::Error,
    summary: "A claimed commit exists but is not reachable from any release branch.",
    controls: &[
        "SOC 2 CC8.1",
        "ISO/IEC 27001:2022 A.8.32",
        "PCI DSS 4.0 6.5.1",
        "NIST SP 800-53 CM-3",
    ],
    doc: include_str!("../../docs/rules/PV002.md"),
};

impl Rule for UnreleasedCommit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let release: Vec<&str> = ctx
            .index
            .release_branches()
            .iter()
            .map(|b| b.name.as_str())
            .collect();
        let release = release.join(", ");
        let mut findings = Vec::new();
        for component in ctx.components {
            for trace in &component.traces {
                let whereabouts = match trace.status {
                    TraceStatus::Unreleased if trace.branches.is_empty() => {
                        "reachable only from tags".to_string()
                    }
                    TraceStatus::Unreleased => format!("on {}", trace.branches.join(", ")),
                    TraceStatus::Unreferenced => "reachable from no branch or tag".to_string(),
                    _ => continue,
                };
                let short = trace
                    .commit
                    .as_ref()
                    .map(|c| &c.id[..7])
                    .unwrap_or(&trace.claim);
                let (judge, relation, verdict) = match &trace.required_branch {
                    None => (
                        format!("release branch {release}"),
                        "release-branches",
                        format!("{release}: does not contain it"),
                    ),
                    Some(branch) => {
                        let environment = component
                            .properties
                            .get(crate::correlate::puppet::ENVIRONMENT)
                            .map(|e| format!(" (environment {e})"))
                            .unwrap_or_default();
                        let exists = crate::correlate::traces::branch_ref(ctx.index, branch);
                        (
                            format!("branch {branch}{environment}"),
                            "environment-branch",
                            match exists {
                                Some(name) => format!("{name}: does not contain it"),
                                None => format!("{branch}: no such branch in the repository"),
                            },
                        )
                    }
                };
                let message = format!(
                    "{} runs commit {short} ({whereabouts}), which {judge} does not contain",
                    component.display_name()
                );
                let mut chain = claim_chain(component, trace);
                chain.extend(commit_link(trace));
                chain.push(ChainLink::new("branches", whereabouts));
                chain.push(ChainLink::new(relation, verdict));
                findings.push(META.finding(component, &trace.claim_subject(), message, chain));
            }
        }
        findings
    }
}
