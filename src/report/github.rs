//! GitHub Actions workflow commands: one `::error`, `::warning` or `::notice` line per finding,
//! which the runner turns into an annotation on the file and line. An excepted finding (or one
//! the baseline already had) is a `::notice` that says why. Every value is escaped exactly as
//! actions/toolkit's `command.ts` does, so no text from a state file can end the command early
//! or start another one (`::add-mask::`, `::stop-commands::`).

use super::common::{self, CiLocation, Index};
use super::{Renderer, Report};
use crate::model::{Finding, Severity};
use std::io::{self, Write};

pub struct GithubRenderer;

impl Renderer for GithubRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let index = Index::new(report);
        for finding in &report.findings {
            writeln!(out, "{}", command(&index, finding))?;
        }
        Ok(())
    }
}

fn command(index: &Index<'_>, finding: &Finding) -> String {
    let kind = match common::ci_severity(finding) {
        Some(Severity::Error) => "error",
        Some(Severity::Warning) => "warning",
        Some(Severity::Note) | None => "notice",
    };
    let location = CiLocation::of(index, finding);
    let mut title = format!("{} {}", finding.rule_id, finding.slug);
    if let Some(name) = finding.labels.first() {
        title.push_str(&format!(": {name}"));
    }
    let mut properties = vec![("file", location.path.clone())];
    if let Some(line) = location.line {
        properties.push(("line", line.to_string()));
    }
    let mut message = finding.message.clone();
    if let Some(note) = common::standing_note(finding) {
        title.push_str(&format!(" ({})", common::Standing::of(finding).as_str()));
        message = format!("[{note}] {message}");
    }
    properties.push(("title", title));
    for line in common::chain_lines(finding) {
        message.push_str(&format!("\n{line}"));
    }
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| {
            format!(
                "{key}={}",
                escape_property(&common::visible_controls(value))
            )
        })
        .collect();
    let message = escape_data(&common::visible_controls(&message));
    format!("::{kind} {}::{message}", properties.join(","))
}

/// `escapeData` of actions/toolkit: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// `escapeProperty` of actions/toolkit: as data, and `:` and `,`.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("100% a\r\nb:c,d"), "100%25 a%0D%0Ab:c,d");
        assert_eq!(
            escape_property("100% a\r\nb:c,d"),
            "100%25 a%0D%0Ab%3Ac%2Cd"
        );
        assert_eq!(escape_data("x%0A::add-mask::y"), "x%250A::add-mask::y");
    }
}
