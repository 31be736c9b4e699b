//! The table for people at a terminal: one row per finding, then each finding's evidence
//! chain, then the scope and a summary. It never says "no findings" without also saying what
//! could not be read.
//!
//! Colour is a layer over the plain text, added only when the caller asks for it (stdout is a
//! terminal and `NO_COLOR` is unset: see [`super::Format::stdout_renderer`]), so the plain
//! output never changes. Control characters from the inputs are written visibly (`\x1b`), so a
//! value cannot drive the terminal.

use super::{Renderer, Report};
use crate::model::{Finding, InputStatus};
use std::io::{self, Write};
use tabled::builder::Builder;
use tabled::settings::object::Columns;
use tabled::settings::{Modify, Style, Width};

pub struct TableRenderer {
    colour: bool,
}

impl TableRenderer {
    pub const PLAIN: TableRenderer = TableRenderer { colour: false };
    pub const COLOUR: TableRenderer = TableRenderer { colour: true };
}

impl Renderer for TableRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut plain = Vec::new();
        render_plain(report, &mut plain)?;
        let plain = String::from_utf8_lossy(&plain);
        let text = super::common::visible_controls(&plain);
        if self.colour {
            out.write_all(colour::paint(&text).as_bytes())
        } else {
            out.write_all(text.as_bytes())
        }
    }
}

fn render_plain(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if !report.findings.is_empty() {
        writeln!(out, "{}", findings_table(&report.findings))?;
        writeln!(out)?;
        write_chains(report, out)?;
    }
    write_scope(report, out)?;
    write_summary(report, out)
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
            severity_cell(finding),
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

/// The severity, and why the finding does not fail the run when it does not.
fn severity_cell(finding: &Finding) -> String {
    let mut cell = finding.severity.to_string();
    if finding.suppression.is_some() {
        cell.push_str(" (excepted)");
    } else if finding.baseline == Some(crate::model::BaselineState::Unchanged) {
        cell.push_str(" (baseline)");
    }
    cell
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
    let mut findings = format!(
        "Findings: {} error, {} warning, {} note",
        s.findings.error, s.findings.warning, s.findings.note
    );
    if s.excepted > 0 {
        findings.push_str(&format!("; {} excepted by the policy", s.excepted));
    }
    if s.unchanged > 0 {
        findings.push_str(&format!("; {} unchanged since the baseline", s.unchanged));
    }
    writeln!(out, "{findings}.")?;
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

/// ANSI colours over the plain table: severities in their colour, headings bold, what could
/// not be read in red. It only adds escape codes around words the plain text already has.
mod colour {
    const RESET: &str = "\x1b[0m";
    const BOLD: &str = "\x1b[1m";
    const DIM: &str = "\x1b[2m";
    const RED: &str = "\x1b[1;31m";
    const YELLOW: &str = "\x1b[33m";
    const CYAN: &str = "\x1b[36m";
    const GREEN: &str = "\x1b[32m";

    pub fn paint(text: &str) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 4);
        let mut header_row = true;
        for line in text.split_inclusive('\n') {
            let (body, end) = match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            };
            let painted = if body.starts_with('│') {
                let row = table_row(body, header_row);
                header_row = false;
                row
            } else {
                other_line(body)
            };
            out.push_str(&painted);
            out.push_str(end);
        }
        out
    }

    fn severity_colour(word: &str) -> Option<&'static str> {
        match word {
            "error" => Some(RED),
            "warning" => Some(YELLOW),
            "note" => Some(CYAN),
            _ => None,
        }
    }

    /// A row of the findings table: the severity cell (between the second and third
    /// separator) in its colour, the header row bold.
    fn table_row(line: &str, header: bool) -> String {
        let bars: Vec<usize> = line.match_indices('│').map(|(i, _)| i).take(3).collect();
        if bars.len() < 3 {
            return line.to_string();
        }
        let start = bars[1] + '│'.len_utf8();
        let cell = &line[start..bars[2]];
        let painted = if header {
            format!("{BOLD}{cell}{RESET}")
        } else {
            let trimmed = cell.trim_start();
            let lead = &cell[..cell.len() - trimmed.len()];
            let word_end = trimmed.find(' ').unwrap_or(trimmed.len());
            let (word, rest) = trimmed.split_at(word_end);
            match severity_colour(word) {
                Some(colour) => {
                    let tail = rest.trim_end();
                    let pad = &rest[tail.len()..];
                    let tail = if tail.is_empty() {
                        String::new()
                    } else {
                        format!("{DIM}{tail}{RESET}")
                    };
                    format!("{lead}{colour}{word}{RESET}{tail}{pad}")
                }
                None => cell.to_string(),
            }
        };
        format!("{}{painted}{}", &line[..start], &line[bars[2]..])
    }

    fn other_line(line: &str) -> String {
        if let Some(rest) = line.strip_prefix("INCOMPLETE:") {
            return format!("{RED}INCOMPLETE:{RESET}{rest}");
        }
        if line.starts_with("No findings") {
            return format!("{GREEN}{line}{RESET}");
        }
        if !line.starts_with(' ') && line.ends_with(':') {
            return format!("{BOLD}{line}{RESET}");
        }
        if let Some(rest) = line.strip_prefix("  UNREADABLE") {
            return format!("  {RED}UNREADABLE{RESET}{rest}");
        }
        // An evidence heading: `  PV001 error name`.
        if let Some(rest) = line.strip_prefix("  ") {
            let mut parts = rest.splitn(3, ' ');
            if let (Some(rule), Some(severity)) = (parts.next(), parts.next()) {
                if let Some(colour) = severity_colour(severity) {
                    let name = parts.next().unwrap_or("");
                    return format!("  {BOLD}{rule}{RESET} {colour}{severity}{RESET} {name}");
                }
            }
        }
        line.to_string()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn colour_only_wraps_words_the_plain_text_has() {
            let plain = "┌───┬──────────┬───┐\n│ r │ severity │ c │\n│ a │ error    │ b │\n│ a │ warning (excepted) │ b │\nEvidence:\n  PV001 error web\nINCOMPLETE: 1 input(s)\n";
            let painted = paint(plain);
            let stripped = painted
                .split("\x1b[")
                .enumerate()
                .map(|(i, part)| {
                    if i == 0 {
                        part
                    } else {
                        &part[part.find('m').unwrap() + 1..]
                    }
                })
                .collect::<String>();
            assert_eq!(stripped, plain);
            assert!(painted.contains("│ \x1b[1;31merror\x1b[0m    │"));
            assert!(painted.contains("\x1b[33mwarning\x1b[0m\x1b[2m (excepted)\x1b[0m"));
            assert!(painted.contains("  \x1b[1mPV001\x1b[0m \x1b[1;31merror\x1b[0m web"));
            assert!(painted.contains("\x1b[1;31mINCOMPLETE:\x1b[0m"));
        }
    }
}
