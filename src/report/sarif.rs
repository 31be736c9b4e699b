//! SARIF 2.1.0, as GitHub code scanning reads it: one run whose driver lists every rule the
//! audit applied (with descriptions, the rule's page as help, a default level, the controls as
//! tags and a `security-severity`), one result per finding with a repository-relative
//! location, the finding's fingerprint as `partialFingerprints`, excepted findings as accepted
//! `suppressions` and the baseline state. The inputs are `artifacts` with their sha256. Nothing
//! varies between runs but what the report holds (SARIF appendix F): no times, no command line.

use super::common::{self, CiLocation, Index};
use super::{Renderer, Report, RuleInfo};
use crate::model::{BaselineState, Finding, Location, Severity};
use serde_json::{json, Map, Value};
use std::io::{self, Write};

pub struct SarifRenderer;

/// The schema the output follows (OASIS SARIF 2.1.0, errata 01).
pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

impl Renderer for SarifRenderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &sarif(report))?;
        out.write_all(b"\n")
    }
}

fn sarif(report: &Report) -> Value {
    let rules = common::rule_catalogue(report);
    let artifacts = artifacts(report);
    let index = Index::new(report);
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| result(&index, &rules, &artifacts, f))
        .collect();
    let mut properties = Map::new();
    properties.insert("reportDigest".into(), json!(report.digest));
    properties.insert("complete".into(), json!(report.summary.complete));
    if let Some(policy) = &report.scope.policy {
        properties.insert("policySha256".into(), json!(policy.sha256));
    }
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "rules": rules.iter().map(rule).collect::<Vec<_>>(),
                }
            },
            "artifacts": artifacts.iter().map(|a| a.value.clone()).collect::<Vec<_>>(),
            "results": results,
            "properties": properties,
        }]
    })
}

pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// GitHub's scale: 7.0 and above is high, 4.0 to 6.9 medium, below that low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Note => "2.0",
    }
}

fn rule(rule: &RuleInfo) -> Value {
    let doc = common::rule_doc(&rule.id);
    let full = doc
        .and_then(common::what_it_checks)
        .unwrap_or_else(|| rule.summary.clone());
    let help = doc
        .map(str::to_string)
        .unwrap_or_else(|| rule.summary.clone());
    let mut tags = vec!["security".to_string(), "traceability".to_string()];
    tags.extend(rule.controls.iter().cloned());
    json!({
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": full },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "tags": tags,
            "precision": "very-high",
            "security-severity": security_severity(rule.severity),
        }
    })
}

/// An input (or the policy file) as a SARIF artifact, and the URI results refer to it by.
struct Artifact {
    uri: String,
    value: Value,
}

fn artifacts(report: &Report) -> Vec<Artifact> {
    let mut artifacts: Vec<Artifact> = report
        .scope
        .inputs
        .iter()
        .map(|input| {
            let uri =
                common::path_uri(&CiLocation::from_location(&Location::file(&input.path)).path);
            let mut value = json!({
                "location": { "uri": uri },
                "roles": ["analysisTarget"],
                "description": { "text": input.detail },
            });
            if let Some(sha256) = &input.sha256 {
                value["hashes"] = json!({ "sha-256": sha256 });
            }
            value["properties"] = json!({
                "kind": input.kind.as_str(),
                "status": serde_json::to_value(input.status).unwrap_or(Value::Null),
            });
            Artifact { uri, value }
        })
        .collect();
    if let Some(policy) = &report.scope.policy {
        let uri = common::path_uri(&CiLocation::from_location(&Location::file(&policy.path)).path);
        let value = json!({
            "location": { "uri": uri },
            "roles": ["userSpecifiedConfiguration"],
            "hashes": { "sha-256": policy.sha256 },
        });
        artifacts.push(Artifact { uri, value });
    }
    artifacts
}

fn physical(location: &CiLocation, artifacts: &[Artifact]) -> Value {
    let uri = common::path_uri(&location.path);
    let mut artifact = json!({ "uri": uri });
    if let Some(i) = artifacts.iter().position(|a| a.uri == uri) {
        artifact["index"] = json!(i);
    }
    json!({
        "artifactLocation": artifact,
        "region": { "startLine": location.line_or_first() },
    })
}

fn result(
    index: &Index<'_>,
    rules: &[RuleInfo],
    artifacts: &[Artifact],
    finding: &Finding,
) -> Value {
    let primary = CiLocation::of(index, finding);
    let mut location = json!({ "physicalLocation": physical(&primary, artifacts) });
    if finding.component_id.is_some() {
        if let Some(name) = finding.labels.first() {
            location["logicalLocations"] =
                json!([{ "name": name, "fullyQualifiedName": name, "kind": "resource" }]);
        }
    }
    let fingerprint = common::fingerprint(finding);
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(finding.rule_id));
    if let Some(i) = rules.iter().position(|r| r.id == finding.rule_id) {
        result.insert("ruleIndex".into(), json!(i));
    }
    result.insert("level".into(), json!(level(finding.severity)));
    result.insert("message".into(), json!({ "text": message(finding) }));
    result.insert("locations".into(), json!([location]));
    let read_at = CiLocation::from_location(&finding.location);
    if read_at != primary {
        result.insert(
            "relatedLocations".into(),
            json!([{
                "id": 1,
                "physicalLocation": physical(&read_at, artifacts),
                "message": { "text": "where the component was read" },
            }]),
        );
    }
    result.insert(
        "partialFingerprints".into(),
        json!({ "primaryLocationLineHash": fingerprint, "provenant/v1": fingerprint }),
    );
    if let Some(suppression) = &finding.suppression {
        result.insert(
            "suppressions".into(),
            json!([{
                "kind": "external",
                "status": "accepted",
                "justification": common::justification(suppression),
            }]),
        );
    }
    if let Some(state) = finding.baseline {
        let state = match state {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
        };
        result.insert("baselineState".into(), json!(state));
    }
    let chain: Vec<Value> = finding
        .chain
        .iter()
        .map(|link| serde_json::to_value(link).unwrap_or(Value::Null))
        .collect();
    result.insert(
        "properties".into(),
        json!({ "labels": finding.labels, "chain": chain }),
    );
    Value::Object(result)
}

/// The finding's message, why it does not fail the run when it does not, and its evidence.
fn message(finding: &Finding) -> String {
    let mut text = finding.message.clone();
    if let Some(note) = common::standing_note(finding) {
        text.push_str(&format!("\n\n{}{}", note[..1].to_uppercase(), &note[1..]));
    }
    let chain = common::chain_lines(finding);
    if !chain.is_empty() {
        text.push_str("\n\nEvidence:");
        for line in chain {
            text.push_str(&format!("\n- {line}"));
        }
    }
    if text.trim().is_empty() {
        text = format!("{} {}", finding.rule_id, finding.slug);
    }
    text
}
