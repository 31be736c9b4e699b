//! The provenance graph as inline SVG: one column per kind of node (inputs, components,
//! claims and declarations, commits, branches), boxes joined by curves. Claims are stacked in
//! component order; each other column sits at the mean height of its neighbours (components
//! and inputs by what they lead to, commits and branches by what leads to them), pushed apart
//! where boxes would overlap. Styling is by class only (the report's stylesheet), labels are
//! truncated with the full text in a `<title>` tooltip, and every text is escaped.

use super::super::common::{html, truncate};
use super::super::graph::{Graph, Node, NodeKind};
use crate::model::Severity;
use std::io::{self, Write};

const COLUMNS: usize = 5;
const BOX_W: f64 = 215.0;
const BOX_H: f64 = 34.0;
const GAP_X: f64 = 70.0;
const GAP_Y: f64 = 10.0;
const MARGIN: f64 = 16.0;
const TOP: f64 = 36.0;
const LABEL_CHARS: usize = 32;

const HEADINGS: [&str; COLUMNS] = [
    "Inputs",
    "Components",
    "Claims and declarations",
    "Commits",
    "Branches",
];

pub fn write(graph: &Graph, out: &mut dyn Write) -> io::Result<()> {
    let y = layout(graph);
    let height = y.iter().copied().fold(TOP, |max, y| max.max(y + BOX_H)) + MARGIN;
    let width = MARGIN * 2.0 + COLUMNS as f64 * BOX_W + (COLUMNS - 1) as f64 * GAP_X;
    writeln!(out, "<div class=\"graph\">")?;
    writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width:.0} {height:.0}\" width=\"{width:.0}\" height=\"{height:.0}\" role=\"img\" aria-label=\"Provenance graph\">"
    )?;
    for (column, heading) in HEADINGS.iter().enumerate() {
        writeln!(
            out,
            "<text class=\"column\" x=\"{:.0}\" y=\"20\">{heading}</text>",
            x(column)
        )?;
    }
    for edge in &graph.edges {
        let (from, to) = (&graph.nodes[edge.from], &graph.nodes[edge.to]);
        let (x1, y1) = (x(from.kind.column()) + BOX_W, y[edge.from] + BOX_H / 2.0);
        let (x2, y2) = (x(to.kind.column()), y[edge.to] + BOX_H / 2.0);
        let mid = (x1 + x2) / 2.0;
        let bad = if to.kind == NodeKind::Unresolved
            || edge.label.starts_with("unreleased")
            || edge.label.starts_with("unreferenced")
        {
            " bad"
        } else {
            ""
        };
        writeln!(
            out,
            "<path class=\"edge{bad}\" d=\"M{x1:.1} {y1:.1} C{mid:.1} {y1:.1} {mid:.1} {y2:.1} {x2:.1} {y2:.1}\"><title>{}</title></path>",
            html(&edge.label)
        )?;
        if from.kind == NodeKind::Claim {
            writeln!(
                out,
                "<text class=\"edge-label{bad}\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x1 + 6.0,
                y1 - 4.0,
                html(&truncate(&edge.label, 18))
            )?;
        }
    }
    for (i, node) in graph.nodes.iter().enumerate() {
        write_node(node, x(node.kind.column()), y[i], out)?;
    }
    writeln!(out, "</svg>\n</div>")
}

fn x(column: usize) -> f64 {
    MARGIN + column as f64 * (BOX_W + GAP_X)
}

fn write_node(node: &Node, x: f64, y: f64, out: &mut dyn Write) -> io::Result<()> {
    let severity = match node.severity {
        Some(Severity::Error) => " sev-error",
        Some(Severity::Warning) => " sev-warning",
        Some(Severity::Note) => " sev-note",
        None if node.only_accepted => " accepted",
        None => "",
    };
    let mut tooltip = format!("{}\n{}", node.label, node.detail);
    if !node.findings.is_empty() {
        tooltip.push_str(&format!("\nfindings: {}", node.findings.join(", ")));
    }
    let sub = if node.findings.is_empty() {
        node.kind.as_str().replace('-', " ")
    } else {
        let mut ids: Vec<&str> = node
            .findings
            .iter()
            .filter_map(|f| f.split(' ').next())
            .collect();
        ids.dedup();
        ids.join(" · ")
    };
    writeln!(
        out,
        "<g class=\"node k-{}{severity}\" id=\"{}\"><title>{}</title><rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{BOX_W:.0}\" height=\"{BOX_H:.0}\" rx=\"5\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text><text class=\"sub\" x=\"{:.1}\" y=\"{:.1}\">{}</text></g>",
        node.kind.as_str(),
        node.id,
        html(&tooltip),
        x + 8.0,
        y + 14.0,
        html(&truncate(&node.label, LABEL_CHARS)),
        x + 8.0,
        y + 28.0,
        html(&truncate(&sub, LABEL_CHARS + 6)),
    )
}

/// The top of each node's box.
fn layout(graph: &Graph) -> Vec<f64> {
    let n = graph.nodes.len();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    for edge in &graph.edges {
        children[edge.from].push(edge.to);
        parents[edge.to].push(edge.from);
    }
    let mut y = vec![f64::NAN; n];
    let column = |c: usize| -> Vec<usize> {
        (0..n)
            .filter(|&i| graph.nodes[i].kind.column() == c)
            .collect()
    };
    // Claims and declarations: stacked in the order they were added, i.e. by component.
    place(&mut y, column(2).into_iter().map(|i| (i, None)).collect());
    // Leftwards by what each node leads to, rightwards by what leads to it.
    for (c, towards_children) in [(1, true), (0, true), (3, false), (4, false)] {
        let wanted: Vec<(usize, Option<f64>)> = column(c)
            .into_iter()
            .map(|i| {
                let near = if towards_children {
                    &children[i]
                } else {
                    &parents[i]
                };
                let placed: Vec<f64> = near.iter().map(|&j| y[j]).filter(|v| !v.is_nan()).collect();
                let mean =
                    (!placed.is_empty()).then(|| placed.iter().sum::<f64>() / placed.len() as f64);
                (i, mean)
            })
            .collect();
        place(&mut y, wanted);
    }
    y
}

/// Stacks one column: nodes with a wanted height in that order, the others after them in
/// their own order, each at least a box below the previous.
fn place(y: &mut [f64], mut wanted: Vec<(usize, Option<f64>)>) {
    wanted.sort_by(|a, b| match (a.1, b.1) {
        (Some(p), Some(q)) => p.total_cmp(&q).then(a.0.cmp(&b.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.0.cmp(&b.0),
    });
    let mut next = TOP;
    for (i, want) in wanted {
        let top = want.unwrap_or(next).max(next);
        y[i] = top;
        next = top + BOX_H + GAP_Y;
    }
}
