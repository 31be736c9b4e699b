//! Rules read the audited components and inputs and reach findings. Each rule is a type in a
//! file of its own with a stable id and slug, a default severity, and a documentation page
//! (`docs/rules/<ID>.md`, compiled in, so `provenant explain` and the docs never disagree).
//! [`registry`] lists them in order; adding a rule is adding a file and a line there.

mod pv001_unknown_commit;
mod pv002_unreleased_commit;
mod pv003_no_provenance;
mod pv004_unmanaged_resource;
mod pv005_unknown_content;
mod pv006_drifted_attribute;
mod pv007_corrective_change;
mod pv008_stale_release;
mod pv009_unlisted_host;
mod pv010_unreadable_input;
mod pv011_unapplied_change;
mod pv012_unused_exception;
mod pv013_ambiguous_identity;

pub use pv012_unused_exception::unused_exception_finding;

use crate::git::GitIndex;
use crate::model::{ChainLink, Component, Finding, Input, Location, Severity, Trace};
use crate::policy::Policy;

/// What every rule is known by.
#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub slug: &'static str,
    pub default_severity: Severity,
    /// One sentence: what makes the rule fire.
    pub summary: &'static str,
    /// The compliance controls the rule serves (`SOC 2 CC8.1`, `NIST SP 800-53 CM-3`...).
    pub controls: &'static [&'static str],
    /// The rule's documentation page, Markdown, under the fixed headings
    /// *What it checks*, *Why it matters*, *Example*, *How to fix*.
    pub doc: &'static str,
}

/// Everything a rule may read.
pub struct Context<'a> {
    pub components: &'a [Component],
    pub inputs: &'a [Input],
    pub policy: &'a Policy,
    pub index: &'a GitIndex,
    /// The repository as the report names it (relative to where the audit ran).
    pub repo_display: &'a str,
    /// Resource blocks at the release tip that the state matched with them does not hold.
    pub absent_declarations: &'a [crate::model::AbsentDeclaration],
    /// Changes Puppet made that code did not ask for (PV007).
    pub outside_changes: &'a [crate::correlate::puppet::OutsideChange],
}

pub trait Rule: Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &Context<'_>) -> Vec<Finding>;
}

/// Every rule, in id order.
pub fn registry() -> &'static [&'static dyn Rule] {
    &[
        &pv001_unknown_commit::UnknownCommit,
        &pv002_unreleased_commit::UnreleasedCommit,
        &pv003_no_provenance::NoProvenance,
        &pv004_unmanaged_resource::UnmanagedResource,
        &pv005_unknown_content::UnknownContent,
        &pv006_drifted_attribute::DriftedAttribute,
        &pv007_corrective_change::CorrectiveChange,
        &pv008_stale_release::StaleRelease,
        &pv009_unlisted_host::UnlistedHost,
        &pv010_unreadable_input::UnreadableInput,
        &pv011_unapplied_change::UnappliedChange,
        &pv012_unused_exception::UnusedException,
        &pv013_ambiguous_identity::AmbiguousIdentity,
    ]
}

/// The rule with this id (`PV001`, any case) or slug (`unknown-commit`).
pub fn find(name: &str) -> Option<&'static dyn Rule> {
    registry()
        .iter()
        .copied()
        .find(|r| r.meta().id.eq_ignore_ascii_case(name) || r.meta().slug == name)
}

/// Runs every rule and returns the findings in a stable order.
pub fn run_all(ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = registry().iter().flat_map(|rule| rule.check(ctx)).collect();
    for finding in &mut findings {
        if let Some(severity) = ctx.policy.severity_overrides.get(&finding.rule_id) {
            finding.severity = *severity;
        }
    }
    sort_findings(&mut findings);
    findings
}

/// The report's order: by location, then rule, then component.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            &a.location.path,
            a.location.line,
            &a.rule_id,
            &a.labels,
            &a.message,
        )
            .cmp(&(
                &b.location.path,
                b.location.line,
                &b.rule_id,
                &b.labels,
                &b.message,
            ))
    });
}

impl RuleMeta {
    /// A finding about `component`, located at the component's origin. `subject` is what in
    /// the component the finding is about (a claim), so that two findings of one rule on one
    /// component have different fingerprints.
    fn finding(
        &self,
        component: &Component,
        subject: &str,
        message: String,
        chain: Vec<ChainLink>,
    ) -> Finding {
        Finding {
            fingerprint: fingerprint(self.id, &component.id, subject),
            suppression: None,
            baseline: None,
            rule_id: self.id.to_string(),
            slug: self.slug.to_string(),
            severity: self.default_severity,
            component_id: Some(component.id.clone()),
            labels: component.labels.clone(),
            message,
            location: component.origin.clone(),
            chain,
        }
    }
}

/// The start of every component chain: the component where it was read, then the claim.
fn claim_chain(component: &Component, trace: &Trace) -> Vec<ChainLink> {
    let claim_origin = component
        .claims
        .iter()
        .find(|c| c.value == trace.claim)
        .map(|c| c.origin.clone())
        .unwrap_or_else(|| component.origin.clone());
    let mut chain =
        vec![ChainLink::new("component", component.display_name()).at(component.origin.clone())];
    chain.extend(declaration_link(component));
    chain
        .push(ChainLink::new("claim", format!("{} = {}", trace.key, trace.claim)).at(claim_origin));
    chain
}

/// The committed block that declares the component, when configuration was read.
fn declaration_link(component: &Component) -> Option<ChainLink> {
    let at = component.declared_at.clone()?;
    let what = component
        .config
        .as_ref()
        .map(|c| c.status.as_str())
        .unwrap_or("declared");
    Some(ChainLink::new("declaration", format!("{what} at {at}")).at(at))
}

/// The chain link describing a resolved commit: id, author, date and summary.
fn commit_link(trace: &Trace) -> Option<ChainLink> {
    let commit = trace.commit.as_ref()?;
    let mut value = commit.id.clone();
    if let Some(tag) = &commit.via_tag {
        value = format!("{value} (tag {tag})");
    }
    if !commit.author.is_empty() {
        value = format!(
            "{value} by {} on {}: {}",
            commit.author,
            &commit.date[..10.min(commit.date.len())],
            commit.summary
        );
    }
    Some(ChainLink::new("commit", value))
}

/// The stable identity of a finding: rule, component (or input path) and subject.
pub fn fingerprint(rule_id: &str, component: &str, subject: &str) -> String {
    crate::model::id::component_id(rule_id, &[component, subject])
}

/// `1 commit`, `2 commits`.
fn plural(count: u64, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Where an input finding points: the input itself.
fn input_location(input: &Input) -> Location {
    Location::at_line(input.path.clone(), input.line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn ids_and_slugs_are_unique_and_well_formed() {
        let mut ids = BTreeSet::new();
        let mut slugs = BTreeSet::new();
        for rule in registry() {
            let meta = rule.meta();
            assert!(ids.insert(meta.id), "duplicate id {}", meta.id);
            assert!(slugs.insert(meta.slug), "duplicate slug {}", meta.slug);
            assert!(
                meta.id.len() == 5 && meta.id.starts_with("PV"),
                "{}",
                meta.id
            );
            assert!(
                meta.slug
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                meta.slug
            );
            assert_eq!(find(meta.id).map(|r| r.meta().id), Some(meta.id));
            assert_eq!(find(meta.slug).map(|r| r.meta().id), Some(meta.id));
        }
        let listed: Vec<_> = registry().iter().map(|r| r.meta().id).collect();
        let mut sorted = listed.clone();
        sorted.sort();
        assert_eq!(listed, sorted, "the registry is in id order");
    }

    #[test]
    fn every_rule_has_a_page_under_the_fixed_headings() {
        for rule in registry() {
            let meta = rule.meta();
            assert!(
                meta.doc
                    .starts_with(&format!("# {} {}", meta.id, meta.slug)),
                "{}",
                meta.id
            );
            for heading in [
                "## What it checks",
                "## Why it matters",
                "## Example",
                "## How to fix",
            ] {
                assert!(meta.doc.contains(heading), "{} lacks {heading}", meta.id);
            }
            assert!(!meta.summary.is_empty());
        }
    }

    #[test]
    fn the_list_of_rules_is_stable() {
        let listed: Vec<_> = registry()
            .iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.meta().id,
                    r.meta().slug,
                    r.meta().default_severity
                )
            })
            .collect();
        insta::assert_snapshot!(listed.join("\n"));
    }
}
