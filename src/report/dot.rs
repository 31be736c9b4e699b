//! The provenance graph for Graphviz (`dot -Tsvg`): every input, component, claim, declaring
//! block, commit and branch of the report, with labelled edges, in the report's order. Nodes
//! with findings are outlined in their severity's colour and name the rules (dashed when every
//! finding on them is excepted or in the baseline). Node ids are hashes, so they need no
//! escaping; labels and tooltips are quoted with `"` and `\` escaped, and line breaks written
//! as `\n`, so no value can end a string or add a statement.

use super::graph::{Graph, NodeKind};
use super::{Renderer, Report};
use crate::model::Severity;
use std::io::{self, Write};

pub struct DotRenderer;

impl Renderer for DotRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let graph = Graph::build(report, None);
        writeln!(out, "digraph provenance {{")?;
        writeln!(
            out,
            "  graph [rankdir=LR, fontname=\"Helvetica\", label={}, labelloc=t];",
            quote(&format!(
                "{} {} · {} · report {}",
                report.tool.name,
                report.tool.version,
                report.generated_at,
                super::common::prefix(&report.digest, 12)
            ))
        )?;
        writeln!(
            out,
            "  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\", fillcolor=white];"
        )?;
        writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];")?;
        for node in &graph.nodes {
            let (shape, fill) = match node.kind {
                NodeKind::Input => ("note", "#eef2f7"),
                NodeKind::Component => ("box", "white"),
                NodeKind::Claim => ("ellipse", "#f7f4ec"),
                NodeKind::Declaration => ("component", "#eef7ef"),
                NodeKind::Commit => ("box", "#f1f0fa"),
                NodeKind::Unresolved => ("octagon", "#fbe1df"),
                NodeKind::ReleaseBranch => ("cds", "#e4f3e6"),
                NodeKind::Branch => ("cds", "#fdf1e0"),
            };
            let mut label = node.label.clone();
            if !node.findings.is_empty() {
                label.push('\n');
                label.push_str(&node.findings.join("\n"));
            }
            let mut attributes = format!(
                "label={}, tooltip={}, shape={shape}, fillcolor=\"{fill}\", class=\"{}\"",
                quote(&label),
                quote(&node.detail),
                node.kind.as_str()
            );
            let colour = match node.severity {
                Some(Severity::Error) => Some("#b3261e"),
                Some(Severity::Warning) => Some("#9a5b00"),
                Some(Severity::Note) => Some("#1f5fa8"),
                None => None,
            };
            if let Some(colour) = colour {
                attributes.push_str(&format!(", color=\"{colour}\", penwidth=2"));
            } else if node.only_accepted {
                attributes.push_str(", style=\"rounded,filled,dashed\", penwidth=2");
            }
            writeln!(out, "  \"{}\" [{attributes}];", node.id)?;
        }
        for edge in &graph.edges {
            writeln!(
                out,
                "  \"{}\" -> \"{}\" [label={}];",
                graph.nodes[edge.from].id,
                graph.nodes[edge.to].id,
                quote(&edge.label)
            )?;
        }
        writeln!(out, "}}")
    }
}

/// A DOT quoted string: `"` and `\` escaped, line breaks as the `\n` label escape, other
/// control characters made visible.
pub fn quote(text: &str) -> String {
    let text = super::common::visible_controls(text);
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoted_strings_cannot_be_left() {
        assert_eq!(quote("a\"; x -> y; \""), "\"a\\\"; x -> y; \\\"\"");
        assert_eq!(quote("a\\\"b\nc"), "\"a\\\\\\\"b\\nc\"");
    }
}
