//! One self-contained HTML file for auditors: who made it and the digests that pin it, the
//! scope (every repository and input with its sha256 and how it was read), the summary, every
//! finding with its evidence chain, the exceptions, the control mapping, the provenance graph
//! drawn as inline SVG, and every component. Nothing is fetched: styles and the small script
//! are inline and allowed only by their hashes in a Content-Security-Policy that forbids
//! everything else, so even a value that slipped past escaping could not run or load
//! anything. Thousands of components stay usable: a filter box, severity toggles and
//! collapsible sections. Each finding is an `<article data-finding=...>`, so a test (or a
//! person with the browser console) can count them.

mod svg;

use super::common::{self, html, Index, Standing};
use super::{Renderer, Report};
use crate::model::{Component, Finding, InputStatus, TraceStatus};
use std::collections::HashMap;
use std::io::{self, Write};

pub struct HtmlRenderer;

impl HtmlRenderer {
    /// The most components the graph draws; every component is in the components table.
    pub const GRAPH_LIMIT: usize = 40;
}

/// Above this many components the components table starts collapsed.
const OPEN_COMPONENTS_UP_TO: usize = 200;

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

impl Renderer for HtmlRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let numbered = common::numbered(report);
        write_head(report, out)?;
        write_header(report, out)?;
        write_toolbar(out)?;
        writeln!(out, "<main>")?;
        write_summary(report, out)?;
        write_findings(report, &numbered, out)?;
        write_controls(report, &numbered, out)?;
        write_graph(report, out)?;
        write_exceptions(report, out)?;
        write_scope(report, out)?;
        write_components(report, &numbered, out)?;
        writeln!(out, "</main>")?;
        writeln!(
            out,
            "<footer>Report digest (sha256 of the canonical JSON report) <code>{}</code></footer>",
            html(&report.digest)
        )?;
        writeln!(out, "<script>{SCRIPT}</script>\n</body>\n</html>")
    }
}

/// `'sha256-...'` of an inline element's text, for the Content-Security-Policy.
fn csp_hash(text: &str) -> String {
    format!(
        "'sha256-{}'",
        common::base64(&crate::model::id::sha256(text.as_bytes()))
    )
}

fn write_head(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let policy = format!(
        "default-src 'none'; style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    );
    writeln!(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">"
    )?;
    writeln!(out, "<meta name=\"referrer\" content=\"no-referrer\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<meta name=\"generator\" content=\"{} {}\">",
        html(&report.tool.name),
        html(&report.tool.version)
    )?;
    writeln!(
        out,
        "<title>{} audit report {}</title>",
        html(&report.tool.name),
        html(&report.generated_at)
    )?;
    writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>")
}

fn write_header(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<header class=\"top\">")?;
    writeln!(out, "<h1>{} audit report</h1>", html(&report.tool.name))?;
    writeln!(out, "<dl class=\"meta\">")?;
    let mut item = |term: &str, value: String| writeln!(out, "<dt>{term}</dt><dd>{value}</dd>");
    item(
        "Tool",
        format!("{} {}", html(&report.tool.name), html(&report.tool.version)),
    )?;
    item("Generated", html(&report.generated_at))?;
    item(
        "Report digest",
        format!("<code>{}</code>", html(&report.digest)),
    )?;
    if let Some(policy) = &report.scope.policy {
        item(
            "Policy",
            format!(
                "<code>{}</code> sha256 <code>{}</code>",
                html(&policy.path),
                html(&policy.sha256)
            ),
        )?;
    } else {
        item("Policy", "none (defaults)".to_string())?;
    }
    writeln!(out, "</dl>")?;
    let s = &report.summary;
    if s.inputs_read == 0 {
        writeln!(
            out,
            "<p class=\"banner bad\"><strong>Incomplete:</strong> no input could be read; nothing was audited.</p>"
        )?;
    } else if !s.complete {
        writeln!(
            out,
            "<p class=\"banner bad\"><strong>Incomplete:</strong> {} of {} input(s) could not be read; the audit does not cover what they hold.</p>",
            s.inputs_unreadable, s.inputs
        )?;
    } else {
        writeln!(
            out,
            "<p class=\"banner good\">Complete: every input was read.</p>"
        )?;
    }
    writeln!(out, "<nav><a href=\"#summary\">Summary</a> <a href=\"#findings\">Findings</a> <a href=\"#controls\">Controls</a> <a href=\"#graph\">Graph</a> <a href=\"#exceptions\">Exceptions</a> <a href=\"#scope\">Scope</a> <a href=\"#components\">Components</a></nav>")?;
    writeln!(out, "</header>")
}

fn write_toolbar(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "<div class=\"toolbar\" role=\"search\">")?;
    writeln!(out, "<input type=\"search\" id=\"filter\" placeholder=\"Filter findings, components, inputs\u{2026}\" aria-label=\"Filter\">")?;
    for severity in ["error", "warning", "note"] {
        writeln!(
            out,
            "<label class=\"sev-{severity}\"><input type=\"checkbox\" class=\"severity\" value=\"{severity}\" checked> {severity}</label>"
        )?;
    }
    writeln!(out, "<label><input type=\"checkbox\" id=\"show-accepted\" checked> excepted and baseline</label>")?;
    writeln!(out, "<button type=\"button\" id=\"expand\">Expand all</button> <button type=\"button\" id=\"collapse\">Collapse all</button>")?;
    writeln!(out, "<output id=\"shown\"></output>")?;
    writeln!(out, "</div>")
}

fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    writeln!(
        out,
        "<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">"
    )?;
    let mut card = |class: &str, value: usize, label: &str| {
        writeln!(
            out,
            "<div class=\"card {class}\"><b>{value}</b><span>{label}</span></div>"
        )
    };
    card("", s.inputs, "inputs")?;
    card("", s.inputs_read, "read")?;
    card("", s.inputs_skipped, "skipped")?;
    card(
        if s.inputs_unreadable > 0 {
            "sev-error"
        } else {
            ""
        },
        s.inputs_unreadable,
        "unreadable",
    )?;
    card("", s.components, "components")?;
    card("good", s.traced, "traced to a released commit")?;
    card("", s.unclaimed, "without a claim")?;
    card("sev-error", s.findings.error, "error")?;
    card("sev-warning", s.findings.warning, "warning")?;
    card("sev-note", s.findings.note, "note")?;
    card("accepted", s.excepted, "excepted by the policy")?;
    card("accepted", s.unchanged, "unchanged since the baseline")?;
    writeln!(out, "</div></section>")
}

fn write_findings(
    report: &Report,
    numbered: &[(usize, &Finding)],
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        out,
        "<details open id=\"findings\"><summary><h2>Findings ({})</h2></summary>",
        numbered.len()
    )?;
    if numbered.is_empty() {
        writeln!(out, "<p class=\"empty\">No findings.</p>")?;
    }
    let index = Index::new(report);
    for (n, finding) in numbered {
        write_finding(&index, *n, finding, out)?;
    }
    writeln!(out, "</details>")
}

fn write_finding(
    index: &Index<'_>,
    n: usize,
    finding: &Finding,
    out: &mut dyn Write,
) -> io::Result<()> {
    let standing = Standing::of(finding);
    let severity = finding.severity.as_str();
    writeln!(
        out,
        "<article class=\"finding sev-{severity} {}\" id=\"F{n}\" data-filter data-finding=\"{}\" data-rule=\"{}\" data-severity=\"{severity}\" data-standing=\"{}\">",
        standing.as_str(),
        html(&common::fingerprint(finding)),
        html(&finding.rule_id),
        standing.as_str()
    )?;
    let name = finding.labels.first().map(String::as_str).unwrap_or("");
    write!(
        out,
        "<h3><a class=\"num\" href=\"#F{n}\">F{n}</a> <span class=\"badge sev-{severity}\">{severity}</span> <span class=\"rule\">{} {}</span> <code class=\"name\">{}</code>",
        html(&finding.rule_id),
        html(&finding.slug),
        html(name)
    )?;
    if standing != Standing::Open {
        write!(
            out,
            " <span class=\"badge accepted\">{}</span>",
            standing.as_str()
        )?;
    }
    writeln!(out, "</h3>")?;
    writeln!(out, "<p class=\"message\">{}</p>", html(&finding.message))?;
    if let Some(note) = common::standing_note(finding) {
        writeln!(out, "<p class=\"why\">{}</p>", html(&note))?;
    }
    writeln!(out, "<ol class=\"chain\">")?;
    for link in &finding.chain {
        write!(
            out,
            "<li><span class=\"rel\">{}</span> <span class=\"val\">{}</span>",
            html(&link.relation),
            html(&link.value)
        )?;
        if let Some(location) = &link.location {
            write!(
                out,
                " <code class=\"loc\">{}</code>",
                html(&location.to_string())
            )?;
        }
        writeln!(out, "</li>")?;
    }
    writeln!(out, "</ol>")?;
    let controls = index
        .rule(&finding.rule_id)
        .map(|(_, rule)| rule.controls.join(", "))
        .unwrap_or_default();
    writeln!(
        out,
        "<p class=\"small\">at <code>{}</code> · controls: {} · fingerprint <code>{}</code></p>",
        html(&finding.location.to_string()),
        html(&controls),
        html(&common::fingerprint(finding))
    )?;
    writeln!(out, "</article>")
}

fn write_controls(
    report: &Report,
    numbered: &[(usize, &Finding)],
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(
        out,
        "<details open id=\"controls\"><summary><h2>Control mapping</h2></summary>"
    )?;
    writeln!(out, "<p class=\"small\">Each rule serves the controls listed; a finding counts under every control of its rule.</p>")?;
    writeln!(
        out,
        "<table><thead><tr><th>Control</th><th>Rules</th><th>Findings</th></tr></thead><tbody>"
    )?;
    for group in common::by_control(report, numbered) {
        let rules: Vec<String> = group
            .rules
            .iter()
            .map(|r| format!("{} {}", html(&r.id), html(&r.slug)))
            .collect();
        write_control_row(
            &html(group.control),
            &rules.join("<br>"),
            &group.findings,
            out,
        )?;
    }
    let unmapped = common::unmapped(report, numbered);
    if !unmapped.is_empty() {
        write_control_row("<em>no control mapped</em>", "", &unmapped, out)?;
    }
    writeln!(out, "</tbody></table></details>")
}

/// One row of the control mapping; `control` and `rules` are HTML already.
fn write_control_row(
    control: &str,
    rules: &str,
    findings: &[(usize, &Finding)],
    out: &mut dyn Write,
) -> io::Result<()> {
    let links: Vec<String> = findings
        .iter()
        .map(|(n, f)| {
            format!(
                "<a class=\"sev-{} {}\" href=\"#F{n}\">F{n}</a>",
                f.severity.as_str(),
                Standing::of(f).as_str()
            )
        })
        .collect();
    let links = if links.is_empty() {
        "none".to_string()
    } else {
        format!("{} finding(s): {}", links.len(), links.join(" "))
    };
    writeln!(
        out,
        "<tr><th scope=\"row\">{control}</th><td>{rules}</td><td>{links}</td></tr>"
    )
}

fn write_graph(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let graph = super::graph::Graph::build(report, Some(HtmlRenderer::GRAPH_LIMIT));
    writeln!(
        out,
        "<details open id=\"graph\"><summary><h2>Provenance graph</h2></summary>"
    )?;
    let left_out = graph.components_total - graph.components_drawn;
    write!(
        out,
        "<p class=\"small\">Input \u{2192} component \u{2192} claim (and the committed block that declares it) \u{2192} commit \u{2192} branch. {} of {} component(s) drawn",
        graph.components_drawn, graph.components_total
    )?;
    if left_out > 0 {
        write!(
            out,
            ", those with findings first; {left_out} left out (every component is in the table below, and <code>--format dot</code> draws them all)"
        )?;
    }
    writeln!(out, ". Hover a box for details.</p>")?;
    svg::write(&graph, out)?;
    writeln!(out, "</details>")
}

fn write_exceptions(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<details open id=\"exceptions\"><summary><h2>Exceptions ({})</h2></summary>",
        report.exceptions.len()
    )?;
    if report.exceptions.is_empty() {
        writeln!(out, "<p class=\"empty\">The policy has no exceptions.</p>")?;
        return writeln!(out, "</details>");
    }
    writeln!(out, "<table><thead><tr><th>Rule</th><th>Component</th><th>Status</th><th>Reason</th><th>Approver</th><th>Ticket</th><th>Expires</th><th>Findings covered</th><th>Where</th></tr></thead><tbody>")?;
    for e in &report.exceptions {
        writeln!(
            out,
            "<tr data-filter class=\"exception {}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            html(&e.status),
            html(&e.rule),
            html(&e.component),
            html(&e.status),
            html(&e.reason),
            html(&e.approver),
            html(e.ticket.as_deref().unwrap_or("")),
            html(e.expires.as_deref().unwrap_or("")),
            e.matched.len(),
            html(&e.location.to_string())
        )?;
    }
    writeln!(out, "</tbody></table></details>")
}

fn write_scope(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<details open id=\"scope\"><summary><h2>Scope</h2></summary>"
    )?;
    writeln!(out, "<h3>Repositories</h3>")?;
    if report.scope.repositories.is_empty() {
        writeln!(out, "<p class=\"empty\">No repository.</p>")?;
    } else {
        writeln!(out, "<table><thead><tr><th>Repository</th><th>HEAD</th><th>Release branches</th><th>Chosen from</th><th>Commits</th><th>Blobs indexed</th></tr></thead><tbody>")?;
        for repo in &report.scope.repositories {
            writeln!(
                out,
                "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html(&repo.path),
                html(repo.head.as_deref().unwrap_or("none")),
                html(&repo.release_branches.join(", ")),
                html(&repo.release_branches_from),
                repo.commits,
                repo.blobs
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(out, "<h3>Inputs ({})</h3>", report.scope.inputs.len())?;
    writeln!(out, "<table><thead><tr><th>Input</th><th>Kind</th><th>Status</th><th>sha256</th><th>How it was read</th></tr></thead><tbody>")?;
    for input in &report.scope.inputs {
        let status = match input.status {
            InputStatus::Read => "read",
            InputStatus::Skipped => "skipped",
            InputStatus::Unreadable => "unreadable",
        };
        let line = input
            .line
            .map(|l| format!(" (line {l})"))
            .unwrap_or_default();
        writeln!(
            out,
            "<tr data-filter data-input class=\"input {status}\"><td><code>{}</code></td><td>{}</td><td>{status}</td><td><code class=\"hash\">{}</code></td><td>{}{line}</td></tr>",
            html(&input.path),
            input.kind.as_str(),
            html(input.sha256.as_deref().unwrap_or("none")),
            html(&input.detail)
        )?;
    }
    writeln!(out, "</tbody></table></details>")
}

fn write_components(
    report: &Report,
    numbered: &[(usize, &Finding)],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut numbers: HashMap<&str, Vec<(usize, &Finding)>> = HashMap::new();
    for (n, finding) in numbered {
        if let Some(id) = &finding.component_id {
            numbers.entry(id.as_str()).or_default().push((*n, finding));
        }
    }
    let open = if report.components.len() <= OPEN_COMPONENTS_UP_TO {
        " open"
    } else {
        ""
    };
    writeln!(
        out,
        "<details{open} id=\"components\"><summary><h2>Components ({})</h2></summary>",
        report.components.len()
    )?;
    writeln!(out, "<table><thead><tr><th>Component</th><th>Read at</th><th>Claims and traces</th><th>Declared at</th><th>Findings</th></tr></thead><tbody>")?;
    for component in &report.components {
        write_component(component, numbers.get(component.id.as_str()), out)?;
    }
    writeln!(out, "</tbody></table></details>")
}

fn write_component(
    component: &Component,
    findings: Option<&Vec<(usize, &Finding)>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let others: Vec<String> = component.labels.iter().skip(1).map(|l| html(l)).collect();
    let mut claims = Vec::new();
    for claim in &component.claims {
        let trace = component
            .traces
            .iter()
            .find(|t| t.claim == claim.value && t.key == claim.key);
        let status = trace.map(|t| match t.status {
            TraceStatus::Released => "released",
            TraceStatus::Unreleased => "unreleased",
            TraceStatus::Unreferenced => "unreferenced",
            TraceStatus::Unknown => "unknown",
            TraceStatus::Ambiguous => "ambiguous",
        });
        let commit = trace
            .and_then(|t| t.commit.as_ref())
            .map(|c| format!(" \u{2192} <code>{}</code>", html(common::prefix(&c.id, 12))))
            .unwrap_or_default();
        claims.push(format!(
            "<code>{} = {}</code> <span class=\"trace {s}\">{s}</span>{commit}",
            html(&claim.key),
            html(&claim.value),
            s = status.unwrap_or("not traced")
        ));
    }
    let declared = component
        .declared_at
        .as_ref()
        .map(|d| format!("<code>{}</code>", html(&d.to_string())))
        .unwrap_or_default();
    let links: Vec<String> = findings
        .map(|fs| {
            fs.iter()
                .map(|(n, f)| {
                    format!(
                        "<a class=\"sev-{}\" href=\"#F{n}\">F{n} {}</a>",
                        f.severity.as_str(),
                        html(&f.rule_id)
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    writeln!(
        out,
        "<tr data-filter data-component=\"{}\"><td><code>{}</code>{}<br><span class=\"small\">{}</span></td><td><code>{}</code></td><td>{}</td><td>{declared}</td><td>{}</td></tr>",
        html(&component.id),
        html(component.display_name()),
        if others.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"small\">({})</span>", others.join(", "))
        },
        component.kind.as_str(),
        html(&component.origin.to_string()),
        claims.join("<br>"),
        links.join(" ")
    )
}
