//! The report: one value holding the scope (every input, every repository), the components,
//! the findings and a summary. Every output format renders this same value; renderers never
//! compute verdicts. Its JSON form is the archive format, versioned by [`SCHEMA_VERSION`] and
//! documented in `docs/report-format.md`.

mod canonical;
mod canonical_stream;
pub use canonical::{canonical_json, canonical_sha256, write_canonical};
mod common;
mod dot;
mod github;
mod gitlab;
mod graph;
mod html;
mod json;
mod junit;
mod markdown;
mod sarif;
mod table;

pub use dot::DotRenderer;
pub use github::GithubRenderer;
pub use gitlab::GitlabRenderer;
pub use html::HtmlRenderer;
pub use json::JsonRenderer;
pub use junit::JunitRenderer;
pub use markdown::MarkdownRenderer;
pub use sarif::SarifRenderer;
pub use table::TableRenderer;

use crate::model::{Component, Finding, Input, InputStatus, Severity, TraceStatus};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// Bumped when a field changes meaning or disappears; adding a field does not bump it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    /// RFC 3339, UTC: `SOURCE_DATE_EPOCH` when set, else the time of the run.
    pub generated_at: String,
    pub scope: Scope,
    pub components: Vec<Component>,
    pub findings: Vec<Finding>,
    /// The exceptions of the policy and what became of each.
    #[serde(default)]
    pub exceptions: Vec<ExceptionOutcome>,
    /// Every rule the run applied, with the controls it serves.
    #[serde(default)]
    pub rules: Vec<RuleInfo>,
    pub summary: Summary,
    /// sha256 of the report's canonical JSON with this field empty: see [`Report::seal`].
    #[serde(default)]
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    pub id: String,
    pub slug: String,
    pub severity: Severity,
    pub summary: String,
    pub controls: Vec<String>,
}

impl RuleInfo {
    /// Every registered rule.
    pub fn all() -> Vec<RuleInfo> {
        crate::rules::registry()
            .iter()
            .map(|r| {
                let m = r.meta();
                RuleInfo {
                    id: m.id.to_string(),
                    slug: m.slug.to_string(),
                    severity: m.default_severity,
                    summary: m.summary.to_string(),
                    controls: m.controls.iter().map(|c| c.to_string()).collect(),
                }
            })
            .collect()
    }
}

/// A policy exception and its effect on this run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionOutcome {
    pub rule: String,
    /// The label or pattern the exception names.
    pub component: String,
    pub reason: String,
    pub approver: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Where the exception is written in the policy file.
    pub location: crate::model::Location,
    /// `active` (it covers findings), `expired` (its findings are open again) or `unused`
    /// (it matched nothing: a finding of its own).
    pub status: String,
    /// Fingerprints of the findings it matched.
    pub matched: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scope {
    pub inputs: Vec<Input>,
    pub repositories: Vec<RepositoryScope>,
    /// The policy file, when one was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyScope>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyScope {
    pub path: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryScope {
    pub path: String,
    /// The commit HEAD pointed at, if any.
    pub head: Option<String>,
    pub release_branches: Vec<String>,
    /// How the release branches were chosen: `requested`, `remote-head`, `current-branch`
    /// or `conventional` (`main`/`master`).
    pub release_branches_from: String,
    pub commits: usize,
    /// Committed configuration blobs indexed by content digest.
    pub blobs: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub inputs: usize,
    pub inputs_read: usize,
    pub inputs_skipped: usize,
    pub inputs_unreadable: usize,
    pub components: usize,
    /// Components with at least one claim that resolves to a released commit.
    pub traced: usize,
    /// Components with no claim that names a commit or tag.
    pub unclaimed: usize,
    pub findings: SeverityCounts,
    /// Findings an active exception covers (included in `findings`).
    #[serde(default)]
    pub excepted: usize,
    /// Findings the baseline already had (included in `findings`).
    #[serde(default)]
    pub unchanged: usize,
    /// False when an input could not be read: the report does not cover everything.
    pub complete: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub error: usize,
    pub warning: usize,
    pub note: usize,
}

/// `--fail-on`: the least severity that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Severity(Severity),
    Never,
}

impl Report {
    pub fn summarise(inputs: &[Input], components: &[Component], findings: &[Finding]) -> Summary {
        let count = |status| inputs.iter().filter(|i| i.status == status).count();
        let mut counts = SeverityCounts::default();
        for finding in findings {
            match finding.severity {
                Severity::Error => counts.error += 1,
                Severity::Warning => counts.warning += 1,
                Severity::Note => counts.note += 1,
            }
        }
        Summary {
            inputs: inputs.len(),
            inputs_read: count(InputStatus::Read),
            inputs_skipped: count(InputStatus::Skipped),
            inputs_unreadable: count(InputStatus::Unreadable),
            components: components.len(),
            traced: components
                .iter()
                .filter(|c| c.traces.iter().any(|t| t.status == TraceStatus::Released))
                .count(),
            unclaimed: components
                .iter()
                .filter(|c| !c.claims.iter().any(|claim| claim.kind.names_a_revision()))
                .count(),
            findings: counts,
            excepted: findings.iter().filter(|f| f.suppression.is_some()).count(),
            unchanged: findings
                .iter()
                .filter(|f| f.baseline == Some(crate::model::BaselineState::Unchanged))
                .count(),
            complete: count(InputStatus::Unreadable) == 0 && count(InputStatus::Read) > 0,
        }
    }

    /// 0 clean, 1 findings at or above `fail_on`, 2 incomplete. An incomplete audit never
    /// exits 0: with `allow_incomplete` it exits 1 instead of 2.
    pub fn exit_code(&self, fail_on: FailOn, allow_incomplete: bool) -> u8 {
        if !self.summary.complete && !allow_incomplete {
            return 2;
        }
        let failing = match fail_on {
            FailOn::Never => false,
            FailOn::Severity(least) => self
                .findings
                .iter()
                .any(|f| f.is_open() && f.severity >= least),
        };
        u8::from(failing || !self.summary.complete)
    }
}

impl Report {
    /// Computes `digest`: the sha256 of the report's canonical JSON (object keys sorted, no
    /// insignificant whitespace: RFC 8785 for the values a report holds) with `digest` empty.
    /// Anyone can recompute it from the JSON report to check it was not altered.
    pub fn seal(&mut self) {
        self.digest = String::new();
        self.digest = canonical::canonical_sha256(self);
    }

    /// Whether `digest` matches the content.
    pub fn verify(&self) -> bool {
        let mut copy = self.clone();
        copy.seal();
        copy.digest == self.digest
    }
}

/// An output format: renders a whole report to a writer.
pub trait Renderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// The formats `--format` accepts; each has one renderer, in a file of its own
/// (`docs/output-formats.md` describes them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people at a terminal, with each finding's evidence chain.
    Table,
    /// The archive format (`docs/report-format.md`).
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML for GitLab, Jenkins and other CI test reports.
    Junit,
    /// GitHub Actions workflow commands: annotations on files and lines.
    Github,
    /// GitLab Code Quality JSON for merge-request widgets.
    Gitlab,
    /// Markdown for a pull-request comment or an audit file.
    Markdown,
    /// One self-contained HTML file for auditors, with the provenance graph.
    Html,
    /// The provenance graph for Graphviz.
    Dot,
}

impl Format {
    /// The renderer of this format, without terminal colour.
    pub fn renderer(self) -> &'static dyn Renderer {
        match self {
            Format::Table => &TableRenderer::PLAIN,
            Format::Json => &JsonRenderer,
            Format::Sarif => &SarifRenderer,
            Format::Junit => &JunitRenderer,
            Format::Github => &GithubRenderer,
            Format::Gitlab => &GitlabRenderer,
            Format::Markdown => &MarkdownRenderer,
            Format::Html => &HtmlRenderer,
            Format::Dot => &DotRenderer,
        }
    }

    /// The renderer for a report written to stdout: the table is coloured when stdout is a
    /// terminal, `NO_COLOR` is unset (or empty) and `TERM` is not `dumb`.
    pub fn stdout_renderer(self) -> &'static dyn Renderer {
        use std::io::IsTerminal;
        let colour = self == Format::Table
            && colour_wanted(
                io::stdout().is_terminal(),
                std::env::var_os("NO_COLOR").as_deref(),
                std::env::var_os("TERM").as_deref(),
            );
        if colour {
            &TableRenderer::COLOUR
        } else {
            self.renderer()
        }
    }
}

/// Colour for a terminal only, never with `NO_COLOR` set to anything but the empty string
/// (no-color.org), never on a `dumb` terminal.
pub fn colour_wanted(
    terminal: bool,
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty()) && term.is_none_or(|t| t != "dumb")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        use std::ffi::OsStr;
        let xterm = Some(OsStr::new("xterm-256color"));
        assert!(colour_wanted(true, None, xterm));
        assert!(colour_wanted(true, Some(OsStr::new("")), xterm));
        assert!(!colour_wanted(false, None, xterm));
        assert!(!colour_wanted(true, Some(OsStr::new("1")), xterm));
        assert!(!colour_wanted(true, None, Some(OsStr::new("dumb"))));
    }
}
