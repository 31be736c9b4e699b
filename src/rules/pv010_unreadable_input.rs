//! PV010: an input that could not be read or parsed. The audit does not cover what it holds.

use super::{input_location, Context, Rule, RuleMeta};
use crate::model::{ChainLink, Finding, InputStatus, Severity};

pub struct UnreadableInput;

static META: RuleMeta = RuleMeta {
    id: "PV010",
    slug: "unreadable-input",
    default_severity: Severity::Error,
    summary: "A source could not be read or parsed: the audit is incomplete.",
    controls: &[
        "SOC 2 CC8.1",
        "ISO/IEC 27001:2022 A.8.9",
        "NIST SP 800-53 CM-8",
    ],
    doc: include_str!("../../docs/rules/PV010.md"),
};

impl Rule for UnreadableInput {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        ctx.inputs
            .iter()
            .filter(|input| input.status == InputStatus::Unreadable)
            .map(|input| Finding {
                fingerprint: super::fingerprint(META.id, &input.path, ""),
                suppression: None,
                baseline: None,
                rule_id: META.id.to_string(),
                slug: META.slug.to_string(),
                severity: META.default_severity,
                component_id: None,
                labels: vec![input.path.clone()],
                message: format!("{} could not be read: {}", input.path, input.detail),
                location: input_location(input),
                chain: vec![ChainLink::new(
                    "input",
                    format!("{} ({})", input.path, input.kind.as_str()),
                )
                .at(input_location(input))],
            })
            .collect()
    }
}
