//! `provenant trace NAME`: the whole chain of one component, found by any of its labels (host
//! name, FQDN, IP, resource address, cloud id) or its id: the sources that saw it, each claim
//! and the commit it resolves to (author, date, message, the branches and tags that hold it),
//! the block that declares it, and its findings. It reads a report, fresh or saved, so a saved
//! report answers without git.

use crate::model::{Component, Finding, TraceStatus};
use crate::report::Report;
use serde::Serialize;
use std::io::{self, Write};

/// One component that answers to the name, with its findings.
#[derive(Debug, Serialize)]
pub struct Match<'a> {
    pub component: &'a Component,
    pub findings: Vec<&'a Finding>,
}

/// Components known by `name`: a label equal to it (ignoring ASCII case, as host names are),
/// or an id starting with it (8 hex digits at least).
pub fn find<'a>(report: &'a Report, name: &str) -> Vec<Match<'a>> {
    let name = name.trim();
    let by_id = name.len() >= 8 && name.bytes().all(|b| b.is_ascii_hexdigit());
    report
        .components
        .iter()
        .filter(|c| {
            c.labels.iter().any(|l| l.eq_ignore_ascii_case(name))
                || (by_id && c.id.starts_with(name))
        })
        .map(|component| Match {
            component,
            findings: report
                .findings
                .iter()
                .filter(|f| f.component_id.as_deref() == Some(component.id.as_str()))
                .collect(),
        })
        .collect()
}

/// Labels that contain `name`, to suggest when nothing answers to it exactly.
pub fn suggestions<'a>(report: &'a Report, name: &str) -> Vec<&'a str> {
    let needle = name.to_ascii_lowercase();
    let mut found: Vec<&str> = report
        .components
        .iter()
        .flat_map(|c| c.labels.iter())
        .filter(|l| l.to_ascii_lowercase().contains(&needle))
        .map(String::as_str)
        .collect();
    found.sort_unstable();
    found.dedup();
    found.truncate(10);
    found
}

pub fn render_json(matches: &[Match<'_>], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &serde_json::json!({ "matches": matches }))?;
    writeln!(out)
}

pub fn render_text(matches: &[Match<'_>], out: &mut dyn Write) -> io::Result<()> {
    for (i, m) in matches.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        render_one(m, out)?;
    }
    Ok(())
}

fn render_one(m: &Match<'_>, out: &mut dyn Write) -> io::Result<()> {
    let c = m.component;
    writeln!(
        out,
        "{}  ({}, id {})",
        c.display_name(),
        c.kind.as_str(),
        &c.id[..12.min(c.id.len())]
    )?;
    writeln!(out, "  known as       {}", c.labels.join(", "))?;
    writeln!(out, "  seen in        {}", c.origin)?;
    for (key, value) in &c.properties {
        writeln!(out, "  {:<14} {value}", key.replace('_', " "))?;
    }
    match &c.declared_at {
        Some(at) => writeln!(out, "  declared at    {at}")?,
        None => writeln!(
            out,
            "  declared at    (no committed configuration was read for it)"
        )?,
    }
    if c.claims.is_empty() {
        writeln!(out, "  claims         none")?;
    }
    for claim in &c.claims {
        writeln!(
            out,
            "  claim          {} = {}  ({})",
            claim.key, claim.value, claim.origin
        )?;
        let Some(trace) = c
            .traces
            .iter()
            .find(|t| t.claim == claim.value && t.key == claim.key)
        else {
            continue;
        };
        if let Some(commit) = &trace.commit {
            writeln!(out, "    commit       {}", commit.id)?;
            if !commit.author.is_empty() {
                writeln!(out, "    author       {}, {}", commit.author, commit.date)?;
                writeln!(out, "    message      {}", commit.summary)?;
            }
        }
        let status = match trace.status {
            TraceStatus::Released => format!("released on {}", trace.release_branches.join(", ")),
            TraceStatus::Unreleased if trace.branches.is_empty() => {
                "on no release branch (only tags reach it)".into()
            }
            TraceStatus::Unreleased => {
                format!("on no release branch; on {}", trace.branches.join(", "))
            }
            TraceStatus::Unreferenced => "reachable from no branch or tag".into(),
            TraceStatus::Unknown => "no such commit or tag in the repository".into(),
            TraceStatus::Ambiguous => format!("ambiguous: {}", trace.candidates.join(", ")),
        };
        writeln!(out, "    status       {status}")?;
        if !trace.tags.is_empty() {
            writeln!(out, "    tags         {}", trace.tags.join(", "))?;
        }
        if let Some(behind) = &trace.behind {
            writeln!(
                out,
                "    behind       {} commit(s) and {} day(s) behind {} ({})",
                behind.commits,
                behind.days,
                behind.branch,
                &behind.tip[..7.min(behind.tip.len())]
            )?;
        }
    }
    if m.findings.is_empty() {
        writeln!(out, "  findings       none")?;
    }
    for finding in &m.findings {
        let mut note = String::new();
        if finding.suppression.is_some() {
            note.push_str(" (excepted)");
        }
        writeln!(
            out,
            "  finding        {} {}{note}: {}",
            finding.rule_id, finding.severity, finding.message
        )?;
    }
    Ok(())
}
