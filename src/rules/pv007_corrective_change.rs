//! PV007: Puppet put back a change made outside code. Either Puppet said so (an event with
//! `corrective_change: true`, which Puppet Enterprise reports), or two runs of a node that
//! applied the same configuration version show it: the earlier left the resource in sync, the
//! later had to change it again, so something else changed it in between (marked inferred).

use super::{Context, Rule, RuleMeta};
use crate::correlate::puppet::{OutsideChange, CERTNAME};
use crate::model::{ChainLink, Component, Finding, Location, Severity};
use std::collections::HashMap;

pub struct CorrectiveChange;

static META: RuleMeta = RuleMeta {
    id: "PV007",
    slug: "corrective-change",
    default_severity: Severity::Warning,
    summary: "Puppet corrected a change made outside code (reported by Puppet, or inferred from two runs of the same code).",
    controls: &[
        "SOC 2 CC8.1",
        "NIST SP 800-53 CM-3",
        "NIST SP 800-53 CM-6",
        "ISO/IEC 27001:2022 A.8.9",
        "PCI DSS 4.0 11.5.2",
    ],
    doc: include_str!("../../docs/rules/PV007.md"),
};

impl Rule for CorrectiveChange {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        if ctx.outside_changes.is_empty() {
            return Vec::new();
        }
        let by_certname: HashMap<String, &Component> = ctx
            .components
            .iter()
            .filter_map(|c| Some((c.properties.get(CERTNAME)?.to_ascii_lowercase(), c)))
            .collect();
        ctx.outside_changes
            .iter()
            .filter_map(|change| {
                let component = by_certname.get(&change.certname.to_ascii_lowercase())?;
                Some(finding(component, change))
            })
            .collect()
    }
}

fn finding(component: &Component, change: &OutsideChange) -> Finding {
    let property = change.property.as_deref().unwrap_or("state");
    let values = match (&change.previous_value, &change.desired_value) {
        (Some(old), Some(new)) => format!("{property}: {old} → {new}"),
        (None, Some(new)) => format!("{property}: → {new}"),
        (Some(old), None) => format!("{property}: {old} →"),
        (None, None) => property.to_string(),
    };
    let how = if change.inferred_from.is_some() {
        "inferred: the previous run of the same configuration version left it in sync"
    } else {
        "reported by Puppet as a corrective change"
    };
    let message = format!(
        "{}: Puppet changed {} ({values}) that code had not changed ({how}): something changed \
         it outside code",
        component.display_name(),
        change.resource
    );
    let mut chain =
        vec![ChainLink::new("component", component.display_name()).at(component.origin.clone())];
    let run = match (&change.run_time, &change.configuration_version) {
        (Some(t), Some(v)) => format!("run at {t}, configuration_version {v}"),
        (Some(t), None) => format!("run at {t}"),
        (None, Some(v)) => format!("configuration_version {v}"),
        (None, None) => "run".to_string(),
    };
    chain.push(ChainLink::new("report", run).at(Location::file(change.at.path.clone())));
    chain.push(ChainLink::new("resource", change.resource.clone()).at(change.at.clone()));
    if let Some(manifest) = &change.manifest {
        let at = match change.manifest_line {
            Some(line) => format!("{manifest}:{line}"),
            None => manifest.clone(),
        };
        chain.push(
            ChainLink::new("manifest", at)
                .at(Location::at_line(manifest.clone(), change.manifest_line)),
        );
    }
    chain.push(ChainLink::new("change", values));
    if let Some((earlier, time)) = &change.inferred_from {
        chain.push(
            ChainLink::new(
                "previous run",
                format!(
                    "{}same configuration version, resource in sync",
                    time.as_ref()
                        .map(|t| format!("at {t}: "))
                        .unwrap_or_default()
                ),
            )
            .at(earlier.clone()),
        );
    }
    let subject = format!(
        "{}|{}|{}|{}",
        change.resource,
        property,
        change.run_time.as_deref().unwrap_or(""),
        change.at.path
    );
    let mut finding = META.finding(component, &subject, message, chain);
    finding.location = change.at.clone();
    finding
}
