//! PV011: a committed change that production has not taken yet. Three shapes: a running
//! attribute value that an earlier release-branch commit had and a later one changed (the chain
//! names both commits); a resource block at the release tip that the state does not hold; a
//! resource still in the state that a `removed` block at the tip removes from configuration.

use super::{Context, Rule, RuleMeta};
use crate::model::{
    AbsentDeclaration, AttributeDifference, ChainLink, CommitRef, Component, DeclarationStatus,
    Finding, Severity, UnappliedValue,
};

pub struct UnappliedChange;

static META: RuleMeta = RuleMeta {
    id: "PV011",
    slug: "unapplied-change",
    default_severity: Severity::Warning,
    summary: "A running value matches an earlier release-branch commit but the tip says otherwise, or the tip declares a resource the state lacks: committed, not yet applied.",
    controls: &[
        "SOC 2 CC8.1",
        "ISO/IEC 27001:2022 A.8.32",
        "NIST SP 800-53 CM-3",
    ],
    doc: include_str!("../../docs/rules/PV011.md"),
};

impl Rule for UnappliedChange {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        for component in ctx.components {
            let Some(config) = &component.config else {
                continue;
            };
            if config.status == DeclarationStatus::Removed {
                findings.push(removed(component, &config.detail));
            }
            for difference in &config.differences {
                if let Some(unapplied) = &difference.unapplied {
                    findings.push(attribute(component, difference, unapplied));
                }
            }
        }
        findings.extend(ctx.absent_declarations.iter().map(absent));
        findings
    }
}

/// `1a2b3c4 by Alice <a@x> on 2026-01-05: summary`.
fn commit_text(commit: &CommitRef) -> String {
    let short = &commit.id[..7.min(commit.id.len())];
    if commit.author.is_empty() {
        return short.to_string();
    }
    format!(
        "{short} by {} on {}: {}",
        commit.author,
        &commit.date[..10.min(commit.date.len())],
        commit.summary
    )
}

fn attribute(
    component: &Component,
    d: &AttributeDifference,
    unapplied: &UnappliedValue,
) -> Finding {
    let (running, committed) = super::pv006_drifted_attribute::shown(d);
    let had = &unapplied.had.id[..7.min(unapplied.had.id.len())];
    let changed = &unapplied.changed_by.id[..7.min(unapplied.changed_by.id.len())];
    let message = format!(
        "{}: {} is {running}, as commit {had} set it; commit {changed} changed it to {committed}, not yet applied",
        component.display_name(),
        d.attribute,
    );
    let mut chain =
        vec![ChainLink::new("component", component.display_name()).at(component.origin.clone())];
    chain.extend(super::declaration_link(component));
    chain.push(
        ChainLink::new("running", format!("{} = {running}", d.attribute))
            .at(component.origin.clone()),
    );
    chain.push(
        ChainLink::new("commit", format!("set by {}", commit_text(&unapplied.had)))
            .at(unapplied.had_at.clone()),
    );
    chain.push(
        ChainLink::new(
            "changed-by",
            format!(
                "{} = {committed} since {}",
                d.attribute,
                commit_text(&unapplied.changed_by)
            ),
        )
        .at(d.committed_at.clone()),
    );
    META.finding(component, &d.attribute, message, chain)
}

fn removed(component: &Component, detail: &str) -> Finding {
    let message = format!(
        "{} is still in the state, but {detail}",
        component.display_name()
    );
    let mut chain =
        vec![ChainLink::new("component", component.display_name()).at(component.origin.clone())];
    chain.extend(super::declaration_link(component));
    META.finding(component, "removed", message, chain)
}

fn absent(a: &AbsentDeclaration) -> Finding {
    let message = format!(
        "{} is declared at the release tip ({}) but not in {}: committed, not yet applied",
        a.address, a.declared_at, a.state
    );
    let mut chain = vec![
        ChainLink::new("declaration", a.address.clone()).at(a.declared_at.clone()),
        ChainLink::new("configuration", a.configuration.clone()),
    ];
    if let Some(commit) = &a.introduced_by {
        chain.push(ChainLink::new(
            "commit",
            format!("declared as it is since {}", commit_text(commit)),
        ));
    }
    chain.push(ChainLink::new(
        "state",
        format!("{}: no such resource", a.state),
    ));
    Finding {
        rule_id: META.id.to_string(),
        slug: META.slug.to_string(),
        severity: META.default_severity,
        component_id: None,
        labels: vec![a.address.clone()],
        message,
        location: a.declared_at.clone(),
        chain,
        fingerprint: super::fingerprint(META.id, &a.state, &a.address),
        suppression: None,
        baseline: None,
    }
}
