//! PV006: a running attribute value that matches the value no release-branch commit ever had:
//! it was changed outside code. The chain shows the latest committed value and where the tip
//! sets it; sensitive values were compared by digest and are never shown.

use super::{Context, Rule, RuleMeta};
use crate::model::{AttributeDifference, ChainLink, Component, Finding, Severity};

pub struct DriftedAttribute;

static META: RuleMeta = RuleMeta {
    id: "PV006",
    slug: "drifted-attribute",
    default_severity: Severity::Error,
    summary:
        "A running attribute value matches no committed version of it: it was changed outside code.",
    controls: &[
        "SOC 2 CC8.1",
        "ISO/IEC 27001:2022 A.8.9",
        "PCI DSS 4.0 1.2.2",
        "NIST SP 800-53 CM-3",
        "NIST SP 800-53 CM-6",
    ],
    doc: include_str!("../../docs/rules/PV006.md"),
};

impl Rule for DriftedAttribute {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let mut findings = Vec::new();
        for component in ctx.components {
            let Some(config) = &component.config else {
                continue;
            };
            for difference in config.differences.iter().filter(|d| d.unapplied.is_none()) {
                findings.push(finding(component, difference));
            }
        }
        findings
    }
}

fn finding(component: &Component, d: &AttributeDifference) -> Finding {
    let (running, committed) = shown(d);
    let message = format!(
        "{}: {} is {running}, a value no release-branch commit had; the release tip sets {committed}",
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
        ChainLink::new("committed", format!("{} = {committed}", d.attribute))
            .at(d.committed_at.clone()),
    );
    chain.push(ChainLink::new(
        "history",
        "no release-branch commit ever set the running value",
    ));
    META.finding(component, &d.attribute, message, chain)
}

/// The running and committed values as a message may show them.
pub(super) fn shown(d: &AttributeDifference) -> (String, String) {
    if d.sensitive {
        (
            "(sensitive, compared by digest)".to_string(),
            "another value".to_string(),
        )
    } else {
        (
            d.running.clone().unwrap_or_default(),
            d.committed.clone().unwrap_or_default(),
        )
    }
}
