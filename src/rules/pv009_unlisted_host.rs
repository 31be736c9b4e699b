//! PV009: a host with no committed inventory record. Three ways to get there:
//!
//! * a host reports in (a fact cache entry) but no inventory lists it, or only an inventory
//!   that is not committed does;
//! * an inventory read from the working tree has uncommitted changes, or is not committed at
//!   all: every host it defines is listed only by that uncommitted record.
//!
//! * a Puppet node that no committed `node` definition classifies (no name or regex matches
//!   its certname and there is no `node default`), and that no committed inventory lists.
//!
//! All say the same thing to an auditor: what is running includes a machine whose listing
//! nobody reviewed. A host that joined a Terraform resource is still judged: the resource's
//! declaration is PV004's business, the inventory's is this rule's.

use super::{Context, Rule, RuleMeta};
use crate::correlate::hosts::{
    COMMITTED, FACTS, INVENTORY, INVENTORY_FILE, INVENTORY_LINE, INVENTORY_STATUS,
};
use crate::model::{ChainLink, Component, Finding, Location, Severity};

pub struct UnlistedHost;

static META: RuleMeta = RuleMeta {
    id: "PV009",
    slug: "unlisted-host",
    default_severity: Severity::Warning,
    summary: "A host reports in (facts) but no committed inventory lists it, or the inventory that lists it has uncommitted changes.",
    controls: &[
        "ISO/IEC 27001:2022 A.5.9",
        "NIST SP 800-53 CM-8",
        "PCI DSS 4.0 12.5.1",
        "SOC 2 CC8.1",
    ],
    doc: include_str!("../../docs/rules/PV009.md"),
};

impl Rule for UnlistedHost {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.components.iter().filter_map(check).collect()
    }
}

fn check(component: &Component) -> Option<Finding> {
    if let Some(finding) = unclassified_node(component) {
        return Some(finding);
    }
    let facts = component.properties.get(FACTS);
    let status = component.properties.get(INVENTORY_STATUS);
    let file = component.properties.get(INVENTORY_FILE);
    let name = component.display_name();
    let line = component
        .properties
        .get(INVENTORY_LINE)
        .and_then(|l| l.parse().ok());
    let mut chain = vec![ChainLink::new("component", name).at(component.origin.clone())];
    let message = match (facts, status, file) {
        (_, Some(status), Some(file)) if status != COMMITTED => {
            chain.push(
                ChainLink::new("inventory", format!("{file} ({status})"))
                    .at(Location::at_line(file.clone(), line)),
            );
            if let Some(facts) = facts {
                chain
                    .push(ChainLink::new("facts", facts.clone()).at(Location::file(facts.clone())));
            }
            format!(
                "{name} is listed only in {file}, which has no committed record ({status}): commit \
                 the inventory change through review"
            )
        }
        (Some(facts), None, _) => {
            chain.push(ChainLink::new("facts", facts.clone()).at(Location::file(facts.clone())));
            chain.push(ChainLink::new(
                "inventory",
                "no inventory read lists this host",
            ));
            format!(
                "{name} reports facts ({facts}) but no inventory read lists it: a machine \
                 outside the managed estate, or an inventory provenant was not given"
            )
        }
        _ => return None,
    };
    let subject = component
        .properties
        .get(INVENTORY)
        .cloned()
        .unwrap_or_else(|| facts.cloned().unwrap_or_default());
    let mut finding = META.finding(component, &subject, message, chain);
    // Point at the listing (or the facts) rather than at a merged resource's state.
    finding.location = match (file, facts) {
        (Some(file), _) => Location::at_line(file.clone(), line),
        (None, Some(facts)) => Location::file(facts.clone()),
        (None, None) => finding.location,
    };
    Some(finding)
}

/// A Puppet node the committed code does not classify, unless a committed inventory lists it.
fn unclassified_node(component: &Component) -> Option<Finding> {
    use crate::correlate::puppet::{CERTNAME, CLASSIFICATION, CLASSIFIED, REPORT};
    if component.properties.get(CLASSIFIED).map(String::as_str) != Some("no") {
        return None;
    }
    if component
        .properties
        .get(INVENTORY_STATUS)
        .map(String::as_str)
        == Some(COMMITTED)
    {
        return None;
    }
    let certname = component.properties.get(CERTNAME)?;
    let why = component
        .properties
        .get(CLASSIFICATION)
        .cloned()
        .unwrap_or_default();
    let report = component.properties.get(REPORT).cloned();
    let mut chain =
        vec![ChainLink::new("component", component.display_name()).at(component.origin.clone())];
    chain.push(ChainLink::new("certname", certname.clone()));
    chain.push(ChainLink::new("classification", why.clone()));
    chain.push(ChainLink::new(
        "inventory",
        "no committed inventory lists this host",
    ));
    let message = format!(
        "{certname} reports to Puppet but the committed code does not classify it ({why}): a \
         machine outside the managed estate, or a node definition that was never committed"
    );
    let mut finding = META.finding(component, &format!("puppet:{certname}"), message, chain);
    if let Some(report) = report {
        finding.location = Location::file(report);
    }
    Some(finding)
}
