//! PV004: a resource in a state that no committed configuration declares, neither at the
//! release tip nor at the commit it claims. Only states matched with a configuration are
//! judged (the state's input says which one, and why).

use super::{Context, Rule, RuleMeta};
use crate::model::{ChainLink, DeclarationStatus, Finding, Severity};

pub struct UnmanagedResource;

static META: RuleMeta = RuleMeta {
    id: "PV004",
    slug: "unmanaged-resource",
    default_severity: Severity::Error,
    summary: "A resource in state is declared in no committed configuration, at the release tip nor at its claimed commit.",
    controls: &[
        "SOC 2 CC8.1",
        "ISO/IEC 27001:2022 A.8.9",
        "PCI DSS 4.0 6.5.1",
        "NIST SP 800-53 CM-8",
    ],
    doc: include_str!("../../docs/rules/PV004.md"),
};

impl Rule for UnmanagedResource {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.components
            .iter()
            .filter_map(|component| {
                let config = component.config.as_ref()?;
                if config.status != DeclarationStatus::Undeclared {
                    return None;
                }
                let message = format!(
                    "{} is in the state but declared by no committed configuration ({}): {}",
                    component.display_name(),
                    config.configuration,
                    config.detail
                );
                let mut chain = vec![
                    ChainLink::new("component", component.display_name())
                        .at(component.origin.clone()),
                    ChainLink::new("configuration", config.configuration.clone()),
                    ChainLink::new("declaration", format!("none: {}", config.detail)),
                ];
                for trace in &component.traces {
                    chain.push(ChainLink::new(
                        "claim",
                        format!("{} = {}", trace.key, trace.claim),
                    ));
                }
                Some(META.finding(component, "", message, chain))
            })
            .collect()
    }
}
