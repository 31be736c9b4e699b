//! PV013: a host and Terraform resources that could be the same machine, but not unambiguously:
//! one host matching several resources, or one resource matched by several hosts. Identity
//! resolution merges none of them; this rule makes the conflict visible instead of silent.

use super::{Context, Rule, RuleMeta};
use crate::correlate::identity::CONFLICT;
use crate::model::{ChainLink, Finding, Severity};

pub struct AmbiguousIdentity;

static META: RuleMeta = RuleMeta {
    id: "PV013",
    slug: "ambiguous-identity",
    default_severity: Severity::Warning,
    summary: "A host matches several resources (or a resource several hosts) by identity keys: none was merged.",
    controls: &["NIST SP 800-53 CM-8", "ISO/IEC 27001:2022 A.8.9"],
    doc: include_str!("../../docs/rules/PV013.md"),
};

impl Rule for AmbiguousIdentity {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.components
            .iter()
            .filter_map(|component| {
                let conflict = component.properties.get(CONFLICT)?;
                Some(META.finding(
                    component,
                    conflict,
                    format!(
                        "{}: {conflict}; it was merged with none of them",
                        component.display_name()
                    ),
                    vec![
                            ChainLink::new("component", component.display_name())
                                .at(component.origin.clone()),
                            ChainLink::new("identity", conflict.clone()),
                        ],
                ))
            })
            .collect()
    }
}
