//! PV012: an exception in the policy file that matched no finding. Its findings come from the
//! exception stage (after every other rule), so `check` has nothing to do.

use super::{Context, Rule, RuleMeta};
use crate::model::{ChainLink, Finding, Severity};
use crate::policy::Exception;

pub struct UnusedException;

pub(super) static META: RuleMeta = RuleMeta {
    id: "PV012",
    slug: "unused-exception",
    default_severity: Severity::Warning,
    summary: "An exception in the policy file matched no finding: it is stale or misspelt.",
    controls: &["NIST SP 800-53 CM-6", "PCI DSS 4.0 6.5.1"],
    doc: include_str!("../../docs/rules/PV012.md"),
};

impl Rule for UnusedException {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _ctx: &Context<'_>) -> Vec<Finding> {
        Vec::new()
    }
}

/// The finding for an exception that matched nothing, pointing at its line in the policy.
pub fn unused_exception_finding(exception: &Exception) -> Finding {
    let subject = format!("{}:{}", exception.rule, exception.component);
    Finding {
        rule_id: META.id.to_string(),
        slug: META.slug.to_string(),
        severity: META.default_severity,
        component_id: None,
        labels: vec![exception.component.clone()],
        message: format!(
            "the exception for {} on `{}` matched no finding; remove it or correct it",
            exception.rule, exception.component
        ),
        location: exception.location.clone(),
        chain: vec![ChainLink::new(
            "exception",
            format!(
                "{} on `{}`, approved by {}, until {}",
                exception.rule, exception.component, exception.approver, exception.expires
            ),
        )
        .at(exception.location.clone())],
        fingerprint: super::fingerprint(META.id, &exception.location.path, &subject),
        suppression: None,
        baseline: None,
    }
}
