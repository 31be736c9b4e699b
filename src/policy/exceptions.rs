//! Approved exceptions: a finding of a given rule on a component (named by any of its labels,
//! or a glob over them) that a named approver accepted, for a reason, until a date. A covered
//! finding stays in every report, marked as excepted, and does not fail the run. An expired
//! exception covers nothing, so its findings are open again; an exception that matches no
//! finding is itself a finding (PV012), so stale exceptions do not pile up unseen.

use super::pattern;
use crate::model::{ChainLink, Finding, Location, Suppression};
use crate::report::ExceptionOutcome;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// Rule id (`PV002`).
    pub rule: String,
    /// A label or a glob over labels.
    pub component: String,
    pub reason: String,
    pub approver: String,
    pub ticket: Option<String>,
    /// Last day the exception applies, `YYYY-MM-DD`.
    pub expires: String,
    /// Where it is written in the policy file.
    pub location: Location,
}

impl Exception {
    fn covers(&self, finding: &Finding) -> bool {
        finding.rule_id == self.rule
            && finding
                .labels
                .iter()
                .any(|l| pattern::matches(&self.component, l))
    }

    fn justification(&self) -> String {
        let mut text = format!("{} (approved by {}", self.reason, self.approver);
        if let Some(ticket) = &self.ticket {
            text.push_str(&format!(", {ticket}"));
        }
        text.push_str(&format!(", until {})", self.expires));
        text
    }
}

/// Marks the findings that active exceptions cover, adds a chain link to findings whose
/// exception has expired, and returns what became of each exception plus a PV012 finding for
/// each one that matched nothing. `today` is `YYYY-MM-DD`.
pub fn apply_exceptions(
    findings: &mut [Finding],
    exceptions: &[Exception],
    today: &str,
) -> (Vec<ExceptionOutcome>, Vec<Finding>) {
    let mut outcomes = Vec::with_capacity(exceptions.len());
    let mut unused = Vec::new();
    for exception in exceptions {
        let expired = exception.expires.as_str() < today;
        let mut matched = Vec::new();
        for finding in findings.iter_mut().filter(|f| exception.covers(f)) {
            matched.push(finding.fingerprint.clone());
            if expired {
                finding.chain.push(
                    ChainLink::new(
                        "exception",
                        format!(
                            "expired on {}: {}",
                            exception.expires,
                            exception.justification()
                        ),
                    )
                    .at(exception.location.clone()),
                );
            } else if finding.suppression.is_none() {
                finding.suppression = Some(Suppression {
                    reason: exception.reason.clone(),
                    approver: exception.approver.clone(),
                    ticket: exception.ticket.clone(),
                    expires: Some(exception.expires.clone()),
                });
                finding.chain.push(
                    ChainLink::new("exception", exception.justification())
                        .at(exception.location.clone()),
                );
            }
        }
        let status = match (matched.is_empty(), expired) {
            (true, _) => "unused",
            (false, true) => "expired",
            (false, false) => "active",
        };
        if matched.is_empty() {
            unused.push(crate::rules::unused_exception_finding(exception));
        }
        outcomes.push(ExceptionOutcome {
            rule: exception.rule.clone(),
            component: exception.component.clone(),
            reason: exception.reason.clone(),
            approver: exception.approver.clone(),
            ticket: exception.ticket.clone(),
            expires: Some(exception.expires.clone()),
            location: exception.location.clone(),
            status: status.to_string(),
            matched,
        });
    }
    (outcomes, unused)
}
