//! The provenance graph as the DOT and HTML reports draw it, derived from the report alone:
//! input → component → claim → commit → branch, with the committed block that declares a
//! component beside its claims. Nodes carry the worst severity of their findings so a picture
//! shows where the trouble is. Node ids are hashes of what the node is, so they are stable and
//! need no escaping; labels are raw text that each renderer escapes for itself.

use super::common::Standing;
use super::Report;
use crate::model::{Component, Finding, InputStatus, Severity, TraceStatus};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeKind {
    Input,
    Component,
    Claim,
    Declaration,
    Commit,
    /// A claim that resolves to no single commit.
    Unresolved,
    ReleaseBranch,
    Branch,
}

impl NodeKind {
    /// The column of the picture, left to right.
    pub fn column(self) -> usize {
        match self {
            NodeKind::Input => 0,
            NodeKind::Component => 1,
            NodeKind::Claim | NodeKind::Declaration => 2,
            NodeKind::Commit | NodeKind::Unresolved => 3,
            NodeKind::ReleaseBranch | NodeKind::Branch => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Input => "input",
            NodeKind::Component => "component",
            NodeKind::Claim => "claim",
            NodeKind::Declaration => "declaration",
            NodeKind::Commit => "commit",
            NodeKind::Unresolved => "unresolved",
            NodeKind::ReleaseBranch => "release-branch",
            NodeKind::Branch => "branch",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Node {
    /// `n` and 16 hex digits: safe as a DOT id, an XML id or a CSS class.
    pub id: String,
    pub kind: NodeKind,
    pub label: String,
    /// More about the node, for a tooltip.
    pub detail: String,
    /// The worst severity among the node's open findings.
    pub severity: Option<Severity>,
    /// `PV001 unknown-commit` for each finding on the node, in report order, with
    /// `(excepted)` or `(baseline)` after those that do not fail the run.
    pub findings: Vec<String>,
    /// Every finding on the node is excepted or in the baseline.
    pub only_accepted: bool,
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub label: String,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Components in the report.
    pub components_total: usize,
    /// Components drawn: all of them, or the first `limit` (those with findings first).
    pub components_drawn: usize,
    keys: HashMap<String, usize>,
    edge_keys: HashSet<(usize, usize)>,
}

impl Graph {
    /// The graph of the report; with a limit, only that many components (those with findings
    /// first, in report order) and what hangs off them, plus every input.
    pub fn build(report: &Report, limit: Option<usize>) -> Graph {
        let mut graph = Graph {
            components_total: report.components.len(),
            ..Graph::default()
        };
        let mut by_component: HashMap<&str, Vec<&Finding>> = HashMap::new();
        let mut by_input: HashMap<&str, Vec<&Finding>> = HashMap::new();
        let mut elsewhere: Vec<&Finding> = Vec::new();
        let inputs: HashSet<&str> = report
            .scope
            .inputs
            .iter()
            .map(|i| i.path.as_str())
            .collect();
        for finding in &report.findings {
            match &finding.component_id {
                Some(id) => by_component.entry(id.as_str()).or_default().push(finding),
                None if inputs.contains(finding.location.path.as_str()) => by_input
                    .entry(finding.location.path.as_str())
                    .or_default()
                    .push(finding),
                None => elsewhere.push(finding),
            }
        }
        for input in &report.scope.inputs {
            let status = match input.status {
                InputStatus::Read => "read",
                InputStatus::Skipped => "skipped",
                InputStatus::Unreadable => "unreadable",
            };
            let node = graph.node(
                format!("input\0{}", input.path),
                NodeKind::Input,
                &input.path,
                format!("{} ({status}): {}", input.kind.as_str(), input.detail),
            );
            graph.mark(node, by_input.get(input.path.as_str()));
        }
        // A finding about neither a component nor an input (an unused exception) hangs on the
        // file it points at.
        for finding in elsewhere {
            let node = graph.node(
                format!("input\0{}", finding.location.path),
                NodeKind::Input,
                &finding.location.path,
                "file".to_string(),
            );
            graph.mark(node, Some(&vec![finding]));
        }
        let mut chosen: Vec<&Component> = report
            .components
            .iter()
            .filter(|c| by_component.contains_key(c.id.as_str()))
            .collect();
        chosen.extend(
            report
                .components
                .iter()
                .filter(|c| !by_component.contains_key(c.id.as_str())),
        );
        if let Some(limit) = limit {
            chosen.truncate(limit);
        }
        graph.components_drawn = chosen.len();
        for component in chosen {
            graph.add_component(component, by_component.get(component.id.as_str()));
        }
        graph
    }

    fn add_component(&mut self, component: &Component, findings: Option<&Vec<&Finding>>) {
        let input = self.node(
            format!("input\0{}", component.origin.path),
            NodeKind::Input,
            &component.origin.path,
            "input".to_string(),
        );
        let detail = format!(
            "{} ({}) at {}",
            component.labels.join(", "),
            component.kind.as_str(),
            component.origin
        );
        let node = self.node(
            format!("component\0{}", component.id),
            NodeKind::Component,
            component.display_name(),
            detail,
        );
        self.mark(node, findings);
        let line = component
            .origin
            .line
            .map(|l| format!("line {l}"))
            .unwrap_or_else(|| "holds".to_string());
        self.edge(input, node, line);
        if let Some(declared) = &component.declared_at {
            let at = self.node(
                format!("declaration\0{declared}"),
                NodeKind::Declaration,
                &declared.to_string(),
                "the committed block that declares it".to_string(),
            );
            self.edge(node, at, "declared at".to_string());
        }
        for claim in &component.claims {
            let claim_node = self.node(
                format!("claim\0{}\0{}\0{}", component.id, claim.key, claim.value),
                NodeKind::Claim,
                &format!("{} = {}", claim.key, claim.value),
                format!("claimed at {}", claim.origin),
            );
            self.edge(node, claim_node, "claims".to_string());
            let trace = component
                .traces
                .iter()
                .find(|t| t.claim == claim.value && t.key == claim.key);
            if let Some(trace) = trace {
                self.add_trace(&component.id, claim_node, trace);
            }
        }
    }

    fn add_trace(&mut self, component: &str, claim: usize, trace: &crate::model::Trace) {
        let status = match trace.status {
            TraceStatus::Released => "released",
            TraceStatus::Unreleased => "unreleased",
            TraceStatus::Unreferenced => "unreferenced",
            TraceStatus::Unknown => "unknown",
            TraceStatus::Ambiguous => "ambiguous",
        };
        let Some(commit) = &trace.commit else {
            let text = match trace.status {
                TraceStatus::Ambiguous => format!("ambiguous: {} commits", trace.candidates.len()),
                _ => "no such commit or tag".to_string(),
            };
            let node = self.node(
                format!("unresolved\0{component}\0{}\0{}", trace.key, trace.claim),
                NodeKind::Unresolved,
                &text,
                format!("`{}` resolves to no single commit", trace.claim),
            );
            self.nodes[node].severity = Some(Severity::Error);
            self.edge(claim, node, status.to_string());
            return;
        };
        let short = super::common::prefix(&commit.id, 7);
        let node = self.node(
            format!("commit\0{}", commit.id),
            NodeKind::Commit,
            &format!("{short} {}", commit.summary),
            format!("{} by {} on {}", commit.id, commit.author, commit.date),
        );
        let label = match &commit.via_tag {
            Some(tag) => format!("{status} (tag {tag})"),
            None => status.to_string(),
        };
        self.edge(claim, node, label);
        for branch in &trace.release_branches {
            let b = self.node(
                format!("branch\0{branch}"),
                NodeKind::ReleaseBranch,
                branch,
                "release branch".to_string(),
            );
            let label = match &trace.behind {
                Some(behind) if &behind.branch == branch && behind.commits > 0 => format!(
                    "on it, {} commit(s) and {} day(s) behind",
                    behind.commits, behind.days
                ),
                _ => "on it".to_string(),
            };
            self.edge(node, b, label);
        }
        for branch in &trace.branches {
            let b = self.node(
                format!("branch\0{branch}"),
                NodeKind::Branch,
                branch,
                "branch (not a release branch)".to_string(),
            );
            self.edge(node, b, "on it".to_string());
        }
    }

    /// The node for `key`, created on first use.
    fn node(&mut self, key: String, kind: NodeKind, label: &str, detail: String) -> usize {
        if let Some(&index) = self.keys.get(&key) {
            return index;
        }
        let digest = crate::model::id::sha256_hex(key.as_bytes());
        self.nodes.push(Node {
            id: format!("n{}", &digest[..16]),
            kind,
            label: label.to_string(),
            detail,
            severity: None,
            findings: Vec::new(),
            only_accepted: false,
        });
        self.keys.insert(key, self.nodes.len() - 1);
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, label: String) {
        if self.edge_keys.insert((from, to)) {
            self.edges.push(Edge { from, to, label });
        }
    }

    fn mark(&mut self, node: usize, findings: Option<&Vec<&Finding>>) {
        let Some(findings) = findings else { return };
        let node = &mut self.nodes[node];
        for finding in findings {
            let standing = Standing::of(finding);
            if standing == Standing::Open {
                node.findings
                    .push(format!("{} {}", finding.rule_id, finding.slug));
                node.severity = node.severity.max(Some(finding.severity));
            } else {
                node.findings.push(format!(
                    "{} {} ({})",
                    finding.rule_id,
                    finding.slug,
                    standing.as_str()
                ));
            }
        }
        node.only_accepted = node.severity.is_none() && !node.findings.is_empty();
    }
}
