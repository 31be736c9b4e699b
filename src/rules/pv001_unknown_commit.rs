//! PV001: a claimed commit or tag that the repository does not have, or an abbreviation that
//! names more than one commit.

use super::{claim_chain, Context, Rule, RuleMeta};
use crate::model::{ChainLink, ClaimKind, Finding, Severity, TraceStatus};
use std::collections::HashSet;

pub struct UnknownCommit;

static META: RuleMeta = RuleMeta {
    id: "PV001",
    slug: "unknown-commit",
    default_severity: Severity::Error,
    summary: "A claimed commit, tag or declaring file (yor git_file) does not exist in the repository, or an abbreviation matches several commits.",
    controls: &["SOC 2 CC8.1", "ISO/IEC 27001:2022 A.8.32", "PCI DSS 4.0 6.5.1", "NIST SP 800-53 CM-3"],
    doc: include_str!("../../docs/rules/PV001.md"),
};

impl Rule for UnknownCommit {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let repo = ctx.repo_display;
        let mut findings = Vec::new();
        for component in ctx.components {
            for trace in &component.traces {
                let (message, last) = match trace.status {
                    TraceStatus::Unknown => (
                        format!(
                            "{} claims `{}` ({}), which is no commit or tag of the repository",
                            component.display_name(),
                            trace.claim,
                            trace.key
                        ),
                        ChainLink::new(
                            "repository",
                            format!("{repo}: no commit or tag `{}`", trace.claim),
                        ),
                    ),
                    TraceStatus::Ambiguous => (
                        format!(
                            "{} claims `{}` ({}), an abbreviation that matches {} commits",
                            component.display_name(),
                            trace.claim,
                            trace.key,
                            trace.candidates.len()
                        ),
                        ChainLink::new("candidates", trace.candidates.join(", ")),
                    ),
                    _ => continue,
                };
                let mut chain = claim_chain(component, trace);
                chain.push(last);
                findings.push(META.finding(component, &trace.claim_subject(), message, chain));
            }
        }
        findings.extend(unknown_declaring_files(ctx));
        findings
    }
}

/// yor's `git_file` claims naming a path that no commit of the repository ever had.
fn unknown_declaring_files(ctx: &Context<'_>) -> Vec<Finding> {
    let claimed = |c: &&crate::model::Claim| c.kind == ClaimKind::DeclaringFile;
    if !ctx
        .components
        .iter()
        .any(|c| c.claims.iter().any(|claim| claimed(&claim)))
    {
        return Vec::new();
    }
    let committed: HashSet<&str> = ctx
        .index
        .blobs()
        .iter()
        .flat_map(|b| b.paths.iter().map(String::as_str))
        .collect();
    let mut findings = Vec::new();
    for component in ctx.components {
        for claim in component.claims.iter().filter(claimed) {
            let path = claim.value.trim().trim_start_matches("./");
            if committed.contains(path) {
                continue;
            }
            let message = format!(
                "{} claims it is declared in `{}` ({}), a file no commit of the repository has",
                component.display_name(),
                claim.value,
                claim.key
            );
            let chain = vec![
                ChainLink::new("component", component.display_name()).at(component.origin.clone()),
                ChainLink::new("claim", format!("{} = {}", claim.key, claim.value))
                    .at(claim.origin.clone()),
                ChainLink::new(
                    "repository",
                    format!("{}: no commit has `{path}`", ctx.repo_display),
                ),
            ];
            let subject = format!("{}={}", claim.key, claim.value);
            findings.push(META.finding(component, &subject, message, chain));
        }
    }
    findings
}
