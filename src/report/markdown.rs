//! Markdown for a pull-request comment or an audit file: who made the report and its digest,
//! whether it is complete, a summary, every finding (a table, then each with its evidence
//! chain), the findings grouped by the compliance controls their rules serve, the exceptions
//! of the policy and the scope (every repository and input, with its sha256). Names, paths and
//! claims are code spans; free text is escaped, so a value can neither break a table (`|`,
//! line breaks) nor become markup or HTML.

use super::common::{self, Standing};
use super::{Renderer, Report};
use crate::model::{Finding, InputStatus};
use std::io::{self, Write};

pub struct MarkdownRenderer;

impl Renderer for MarkdownRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let numbered = common::numbered(report);
        write_header(report, out)?;
        write_summary(report, out)?;
        write_findings(&numbered, out)?;
        write_controls(report, &numbered, out)?;
        write_exceptions(report, out)?;
        write_scope(report, out)?;
        writeln!(
            out,
            "---\n\nReport digest (sha256 of the canonical JSON report): {}",
            code(&report.digest, false)
        )
    }
}

fn write_header(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "# {} audit report\n", text(&report.tool.name))?;
    writeln!(
        out,
        "{} {} · generated {} · report digest {}",
        text(&report.tool.name),
        text(&report.tool.version),
        text(&report.generated_at),
        code(&report.digest, false)
    )?;
    if let Some(policy) = &report.scope.policy {
        writeln!(
            out,
            "\nPolicy {} (sha256 {})",
            code(&policy.path, false),
            code(&policy.sha256, false)
        )?;
    }
    writeln!(out)?;
    let s = &report.summary;
    if s.inputs_read == 0 {
        writeln!(
            out,
            "> **Incomplete:** no input could be read; nothing was audited.\n"
        )
    } else if !s.complete {
        writeln!(
            out,
            "> **Incomplete:** {} of {} input(s) could not be read; the audit does not cover what they hold.\n",
            s.inputs_unreadable, s.inputs
        )
    } else {
        writeln!(out, "Every input was read: the audit is complete.\n")
    }
}

fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(out, "## Summary\n")?;
    writeln!(out, "| | |\n|---|---|")?;
    writeln!(
        out,
        "| Inputs | {}: {} read, {} skipped, {} unreadable |",
        s.inputs, s.inputs_read, s.inputs_skipped, s.inputs_unreadable
    )?;
    writeln!(
        out,
        "| Components | {}: {} traced to a released commit, {} without a claim |",
        s.components, s.traced, s.unclaimed
    )?;
    writeln!(
        out,
        "| Findings | {}: {} error, {} warning, {} note |",
        report.findings.len(),
        s.findings.error,
        s.findings.warning,
        s.findings.note
    )?;
    let open = report
        .findings
        .iter()
        .filter(|f| Standing::of(f) == Standing::Open)
        .count();
    writeln!(
        out,
        "| Open findings | {open} ({} excepted by the policy, {} unchanged since the baseline) |",
        s.excepted, s.unchanged
    )?;
    writeln!(
        out,
        "| Complete | {} |\n",
        if s.complete { "yes" } else { "**no**" }
    )
}

fn write_findings(numbered: &[(usize, &Finding)], out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Findings\n")?;
    if numbered.is_empty() {
        return writeln!(out, "No findings.\n");
    }
    writeln!(
        out,
        "| # | Severity | Rule | Component | Location | Status |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for (n, finding) in numbered {
        writeln!(
            out,
            "| F{n} | {} | {} {} | {} | {} | {} |",
            finding.severity,
            text(&finding.rule_id),
            text(&finding.slug),
            code(
                finding.labels.first().map(String::as_str).unwrap_or(""),
                true
            ),
            code(&finding.location.to_string(), true),
            Standing::of(finding).as_str()
        )?;
    }
    writeln!(out)?;
    for (n, finding) in numbered {
        write_finding(*n, finding, out)?;
    }
    Ok(())
}

fn write_finding(n: usize, finding: &Finding, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "### F{n} · {} · {} {} · {}\n",
        finding.severity,
        text(&finding.rule_id),
        text(&finding.slug),
        code(
            finding.labels.first().map(String::as_str).unwrap_or(""),
            false
        )
    )?;
    writeln!(out, "{}\n", text(&finding.message))?;
    if let Some(suppression) = &finding.suppression {
        writeln!(
            out,
            "**Excepted** by the policy: {}\n",
            text(&common::justification(suppression))
        )?;
    } else if Standing::of(finding) == Standing::Unchanged {
        writeln!(
            out,
            "**Unchanged** since the baseline: it does not fail the run.\n"
        )?;
    }
    writeln!(out, "Evidence:\n")?;
    for link in &finding.chain {
        match &link.location {
            Some(location) => writeln!(
                out,
                "- **{}**: {} ({})",
                text(&link.relation),
                text(&link.value),
                code(&location.to_string(), false)
            )?,
            None => writeln!(out, "- **{}**: {}", text(&link.relation), text(&link.value))?,
        }
    }
    writeln!(
        out,
        "\nLocation {} · fingerprint {}\n",
        code(&finding.location.to_string(), false),
        code(&common::fingerprint(finding), false)
    )
}

fn write_controls(
    report: &Report,
    numbered: &[(usize, &Finding)],
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "## Findings by control\n")?;
    for group in common::by_control(report, numbered) {
        writeln!(out, "### {}\n", text(group.control))?;
        let rules: Vec<String> = group
            .rules
            .iter()
            .map(|r| format!("{} {}", text(&r.id), text(&r.slug)))
            .collect();
        writeln!(out, "Rules: {}\n", rules.join(", "))?;
        write_finding_list(&group.findings, out)?;
    }
    let unmapped = common::unmapped(report, numbered);
    if !unmapped.is_empty() {
        writeln!(out, "### No control mapped\n")?;
        write_finding_list(&unmapped, out)?;
    }
    Ok(())
}

fn write_finding_list(findings: &[(usize, &Finding)], out: &mut dyn Write) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "No findings.\n");
    }
    for (n, finding) in findings {
        writeln!(
            out,
            "- F{n} {} {} {} {} ({})",
            finding.severity,
            text(&finding.rule_id),
            text(&finding.slug),
            code(
                finding.labels.first().map(String::as_str).unwrap_or(""),
                false
            ),
            Standing::of(finding).as_str()
        )?;
    }
    writeln!(out)
}

fn write_exceptions(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Exceptions\n")?;
    if report.exceptions.is_empty() {
        return writeln!(out, "The policy has no exceptions.\n");
    }
    writeln!(
        out,
        "| Rule | Component | Status | Reason | Approver | Ticket | Expires | Findings covered | Where |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
    for e in &report.exceptions {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            text(&e.rule),
            code(&e.component, true),
            text(&e.status),
            text(&e.reason),
            text(&e.approver),
            text(e.ticket.as_deref().unwrap_or("")),
            text(e.expires.as_deref().unwrap_or("")),
            e.matched.len(),
            code(&e.location.to_string(), true)
        )?;
    }
    writeln!(out)
}

fn write_scope(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## Scope\n")?;
    if !report.scope.repositories.is_empty() {
        writeln!(
            out,
            "| Repository | HEAD | Release branches | Chosen from | Commits | Blobs |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|")?;
        for repo in &report.scope.repositories {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                code(&repo.path, true),
                code(repo.head.as_deref().unwrap_or("none"), true),
                text(&repo.release_branches.join(", ")),
                text(&repo.release_branches_from),
                repo.commits,
                repo.blobs
            )?;
        }
        writeln!(out)?;
    }
    writeln!(out, "| Input | Kind | Status | sha256 | Detail |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for input in &report.scope.inputs {
        let status = match input.status {
            InputStatus::Read => "read",
            InputStatus::Skipped => "skipped",
            InputStatus::Unreadable => "**unreadable**",
        };
        writeln!(
            out,
            "| {} | {} | {status} | {} | {} |",
            code(&input.path, true),
            input.kind.as_str(),
            code(input.sha256.as_deref().unwrap_or("none"), true),
            text(&input.detail)
        )?;
    }
    writeln!(out)
}

/// Free text on one line: Markdown punctuation and HTML are backslash-escaped (CommonMark
/// allows it before any ASCII punctuation), line breaks become spaces.
pub fn text(value: &str) -> String {
    let value = common::visible_controls(value);
    let chars: Vec<char> = value.chars().collect();
    let mut out = String::with_capacity(value.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        // An underscore between two letters or digits can neither open nor close emphasis.
        let inside_word = |i: usize| {
            i > 0
                && chars[i - 1].is_alphanumeric()
                && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric())
        };
        match c {
            '_' if inside_word(i) => out.push(c),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span that holds `value` literally: fenced by more backticks than it contains, on
/// one line, with `|` escaped inside tables (GitHub-flavoured Markdown reads `\|` there).
pub fn code(value: &str, in_table: bool) -> String {
    if value.is_empty() {
        return String::new();
    }
    let mut body: String = common::visible_controls(value)
        .chars()
        .map(|c| {
            if matches!(c, '\n' | '\r' | '\t') {
                ' '
            } else {
                c
            }
        })
        .collect();
    if in_table {
        body = body.replace('|', "\\|");
    }
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    if body.starts_with('`') || body.ends_with('`') || body.starts_with(' ') {
        format!("{fence} {body} {fence}")
    } else {
        format!("{fence}{body}{fence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_become_markup() {
        assert_eq!(
            text("a|b <script> *x* [l](u) \\ & #1\nnext _e_ snake_case"),
            "a\\|b \\<script\\> \\*x\\* \\[l\\](u) \\\\ \\& \\#1 next \\_e\\_ snake_case"
        );
    }

    #[test]
    fn code_spans_hold_backticks_and_pipes() {
        assert_eq!(code("aws_instance.web[2]", false), "`aws_instance.web[2]`");
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x`", false), "`` `x` ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
        assert_eq!(code("a\nb", false), "`a b`");
    }
}
