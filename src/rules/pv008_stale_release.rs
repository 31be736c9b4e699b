//! PV008: a released commit that lags its release branch tip by more than the policy allows.

use super::{claim_chain, commit_link, plural, Context, Rule, RuleMeta};
use crate::model::{ChainLink, Finding, Severity, TraceStatus};

pub struct StaleRelease;

static META: RuleMeta = RuleMeta {
    id: "PV008",
    slug: "stale-release",
    default_severity: Severity::Warning,
    summary: "The running commit is behind the release branch tip by more than the configured bound (default 90 days).",
    controls: &["ISO/IEC 27001:2022 A.8.9", "NIST SP 800-53 CM-6"],
    doc: include_str!("../../docs/rules/PV008.md"),
};

impl Rule for StaleRelease {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>) -> Vec<Finding> {
        let bound = ctx.policy.stale_after_days;
        let mut findings = Vec::new();
        for component in ctx.components {
            for trace in component
                .traces
                .iter()
                .filter(|t| t.status == TraceStatus::Released)
            {
                let Some(behind) = trace.behind.as_ref().filter(|b| b.days > bound) else {
                    continue;
                };
                let short = trace
                    .commit
                    .as_ref()
                    .map(|c| &c.id[..7])
                    .unwrap_or(&trace.claim);
                let message = format!(
                    "{} runs {short}, {} and {} behind the tip of {} (bound: {bound} days)",
                    component.display_name(),
                    plural(behind.days, "day"),
                    plural(behind.commits, "commit"),
                    behind.branch
                );
                let mut chain = claim_chain(component, trace);
                chain.extend(commit_link(trace));
                chain.push(ChainLink::new(
                    "release-branch",
                    format!(
                        "{} tip {}: {} and {} ahead",
                        behind.branch,
                        &behind.tip[..7],
                        plural(behind.commits, "commit"),
                        plural(behind.days, "day")
                    ),
                ));
                findings.push(META.finding(component, &trace.claim_subject(), message, chain));
            }
        }
        findings
    }
}
