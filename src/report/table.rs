//! The table for people at a terminal: one row per finding, then each finding's evidence
//! chain, then the scope and a summary. It never says "no findings" without also saying what
//! could not be read.

use super::{Renderer, Report};
use crate::model::{Finding, InputStatus};
use std::io::{self, Write};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Modify, Style, Width};

pub struct TableRenderer;

impl Renderer for TableRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        if !report.findings.is_empty() {
            writeln!(out, "{}", findings_table(&report.findings))?;
            writeln!(out)?;
            write_chains(report, out)?;
        }
        write_scope(report, out)?;
        write_summary(report, out)
    }
}

/// Findings, most severe first; within a severity in the report's (location) order.
fn ordered(findings: &[Finding]) -> Vec<&Finding> {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.severity));
    ordered
}

fn findings_table(findings: &[Finding]) -> String {
    let mut builder = Builder::default();
    builder.push_record(["rule", "severity", "component", "message", "location"]);
    for finding in ordered(findings) {
        builder.push_record([
            format!("{} {}", finding.rule_id, finding.slug),
            finding.severity.to_string(),
            finding.labels.first().cloned().unwrap_or_default(),
            finding.message.clone(),
            finding.location.to_string(),
        ]);
    }
    let mut table = builder.build();
    table
        .with(Style::sharp())
        .with(Modify::new(Columns::one(2)).with(Width::wrap(36).keep_words(true)))
        .with(Modify::new(Columns::one(3)).with(Width::wrap(56).keep_words(true)))
        .with(Modify::new(Columns::one(4)).with(Width::wrap(32).keep_words(true)));
    table.to_string()
}

fn write_chains(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Evidence:")?;
    for finding in ordered(&report.findings) {
        let name = finding.labels.first().map(String::as_str).unwrap_or("");
        writeln!(out, "  {} {} {}", finding.rule_id, finding.severity, name)?;
        for link in &finding.chain {
            match &link.location {
                Some(location) => writeln!(
                    out,
                    "    {:<16} {}  ({location})",
                    link.relation, link.value
                )?,
                None => writeln!(out, "    {:<16} {}", link.relation, link.value)?,
            }
        }
    }
    writeln!(out)
}

fn write_scope(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "Scope:")?;
    for repo in &report.scope.repositories {
        let head = repo
            .head
            .as_deref()
            .map(|h| &h[..7.min(h.len())])
            .unwrap_or("none");
        writeln!(
            out,
            "  repository {} (HEAD {head}, {} commits, release branches: {} from {})",
            repo.path,
            repo.commits,
            repo.release_branches.join(", "),
            repo.release_branches_from
        )?;
    }
    for input in &report.scope.inputs {
        let status = match input.status {
            InputStatus::Read => "read",
            InputStatus::Skipped => "skipped",
            InputStatus::Unreadable => "UNREADABLE",
        };
        writeln!(
            out,
            "  {status:<10} {} [{}]: {}",
            input.path,
            input.kind.as_str(),
            input.detail
        )?;
    }
    writeln!(out)
}

fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "Inputs: {} read, {} skipped, {} unreadable. Components: {}, {} traced to a released commit, {} without a claim.",
        s.inputs_read, s.inputs_skipped, s.inputs_unreadable, s.components, s.traced, s.unclaimed
    )?;
    writeln!(
        out,
        "Findings: {} error, {} warning, {} note.",
        s.findings.error, s.findings.warning, s.findings.note
    )?;
    if s.inputs_read == 0 {
        writeln!(
            out,
            "INCOMPLETE: no input could be read; nothing was audited."
        )
    } else if !s.complete {
        writeln!(
            out,
            "INCOMPLETE: {} input(s) could not be read; the audit does not cover what they hold.",
            s.inputs_unreadable
        )
    } else if report.findings.is_empty() {
        writeln!(
            out,
            "No findings in the {} component(s) audited.",
            s.components
        )
    } else {
        Ok(())
    }
}
