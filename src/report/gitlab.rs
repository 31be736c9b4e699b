//! GitLab's Code Quality report (`artifacts:reports:codequality`): a JSON array with, per
//! finding, `description`, `check_name` (the rule), a `fingerprint`, a `severity` (`info`,
//! `minor`, `major`, `critical` or `blocker`) and `location.path` with `location.lines.begin`.
//! GitLab merges entries whose fingerprints are equal, so each finding's is unique: a repeat
//! gets a suffix. An excepted finding (or one the baseline already had) stays in the list as
//! `info`, its description saying why. No byte-order mark.

use super::common::{self, CiLocation, Index};
use super::{Renderer, Report};
use crate::model::{Finding, Severity};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::io::{self, Write};

pub struct GitlabRenderer;

impl Renderer for GitlabRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let index = Index::new(report);
        let mut seen = HashSet::new();
        let issues: Vec<Value> = report
            .findings
            .iter()
            .map(|finding| issue(&index, finding, &mut seen))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &issues)?;
        out.write_all(b"\n")
    }
}

/// Code Quality's severity for a finding.
pub fn severity(finding: &Finding) -> &'static str {
    match common::ci_severity(finding) {
        Some(Severity::Error) => "critical",
        Some(Severity::Warning) => "major",
        Some(Severity::Note) => "minor",
        None => "info",
    }
}

fn issue(index: &Index<'_>, finding: &Finding, seen: &mut HashSet<String>) -> Value {
    let location = CiLocation::of(index, finding);
    let mut description = format!("{} {}: {}", finding.rule_id, finding.slug, finding.message);
    if let Some(note) = common::standing_note(finding) {
        description.push_str(&format!(" [{note}]"));
    }
    let base = common::fingerprint(finding).into_owned();
    let mut fingerprint = base.clone();
    let mut n = 2;
    while !seen.insert(fingerprint.clone()) {
        fingerprint = format!("{base}-{n}");
        n += 1;
    }
    json!({
        "type": "issue",
        "description": description,
        "check_name": finding.rule_id,
        "fingerprint": fingerprint,
        "severity": severity(finding),
        "categories": ["Security"],
        "location": {
            "path": location.path,
            "lines": { "begin": location.line_or_first() },
        },
    })
}
