//! PV003: with the policy `require_claims`, a component that carries no claim at all.

use super::{Context, Rule, RuleMeta};
use crate::model::{ChainLink, Finding, Severity};

pub struct NoProvenance;

static META: RuleMeta = RuleMeta {
    id: "PV003",
    slug: "no-provenance",
    default_severity: Severity::Warning,
    summary: "A component carries no claim at all and nothing declares it in code (only with the policy require_claims).",
    controls: &["SOC 2 CC8.1", "ISO/IEC 27001:2022 A.8.9", "NIST SP 800-53 CM-8"],
    doc: include_str!("../../docs/rules/PV003.md"),
};

impl Rule for NoProvenance {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        if !ctx.policy.require_claims {
            return Vec::new();
        }
        let keys = ctx.policy.claim_keys.join(", ");
        ctx.components
            .iter()
            .filter(|c| c.claims.is_empty())
            .map(|component| {
                META.finding(
                    component,
                    "",
                    format!(
                        "{} carries no claim: none of {keys} or yor_trace",
                        component.display_name()
                    ),
                    vec![
                        ChainLink::new("component", component.display_name())
                            .at(component.origin.clone()),
                        ChainLink::new("claims", format!("none under {keys}")),
                    ],
                )
            })
            .collect()
    }
}
