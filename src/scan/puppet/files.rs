//! Reading `--puppet PATH`: a file, or a directory searched for `.yaml`, `.yml` and `.json`
//! files (the `reports=store` layout is `REPORTDIR/<certname>/<timestamp>.yaml`). Each file is
//! one input: read (a report, facts, a catalog, or a list of them) or unreadable with the line
//! and the reason.

use super::catalog::{catalog_from_value, catalogs_from_rows, is_catalog};
use super::facts::{facts_from_value, is_facts};
use super::model::{NodeCatalog, NodeFacts, NodeReport};
use super::report::{kind, push_event_row, report_from_value, text};
use super::yaml;
use crate::model::{Input, InputKind, InputStatus, Location};
use crate::scan::json_lines::container_lines;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Reports, facts and catalogs larger than this are refused rather than read into memory.
const MAX_FILE_BYTES: u64 = 512 << 20;

/// Directories deeper than this below a `--puppet` directory are not searched (a symlink loop
/// ends here).
const MAX_DEPTH: usize = 32;

/// What one file held.
#[derive(Debug, Default)]
pub struct Parsed {
    pub reports: Vec<NodeReport>,
    pub facts: Vec<NodeFacts>,
    pub catalogs: Vec<NodeCatalog>,
}

/// The files below a directory that may be Puppet documents, sorted; a file is itself.
pub fn list(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut pending = vec![(path.to_path_buf(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let mut file_type = entry.file_type()?;
            if file_type.is_symlink() {
                // Followed, as `find -L` would; a loop ends at the depth limit.
                match std::fs::metadata(&path) {
                    Ok(meta) => file_type = meta.file_type(),
                    Err(_) => continue,
                }
            }
            if file_type.is_dir() {
                if entry.file_name() != ".git" && depth < MAX_DEPTH {
                    pending.push((path, depth + 1));
                }
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads one file into its scope entry and what it held.
pub fn read_file(path: &Path, display: &str) -> (Input, Parsed) {
    let failed = |detail: String| entry(display, None, Err((InputKind::Unknown, detail, None)));
    match std::fs::metadata(path) {
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            return failed(format!(
                "{} bytes: larger than the 512 MiB a Puppet document may be",
                meta.len()
            ))
        }
        Ok(_) => {}
        Err(e) => return failed(format!("cannot open: {e}")),
    }
    match std::fs::read(path) {
        Ok(bytes) => read_bytes(&bytes, display),
        Err(e) => failed(format!("cannot read: {e}")),
    }
}

/// Reads a document's bytes (from a file, or fetched).
pub fn read_bytes(bytes: &[u8], display: &str) -> (Input, Parsed) {
    let sha256 = Some(crate::model::id::sha256_hex(bytes));
    let result = match crate::scan::text::decode(bytes) {
        Err(e) => Err((InputKind::Unknown, e.to_string(), None)),
        Ok((text, _)) => {
            let trimmed = text.trim_start();
            if trimmed.starts_with('{') || trimmed.starts_with('[') {
                read_json(&text, display)
            } else {
                read_yaml(&text, display)
            }
        }
    };
    entry(display, sha256, result)
}

/// The scope entry for what reading a document came to.
fn entry(display: &str, sha256: Option<String>, outcome: Outcome) -> (Input, Parsed) {
    let (kind, status, detail, line, parsed) = match outcome {
        Ok((kind, detail, parsed)) => (kind, InputStatus::Read, detail, None, parsed),
        Err((kind, detail, line)) => (
            kind,
            InputStatus::Unreadable,
            detail,
            line,
            Parsed::default(),
        ),
    };
    let input = Input {
        path: display.to_string(),
        kind,
        sha256,
        status,
        detail,
        line,
    };
    (input, parsed)
}

type Outcome = Result<(InputKind, String, Parsed), (InputKind, String, Option<u32>)>;

fn read_yaml(text: &str, display: &str) -> Outcome {
    let doc =
        match yaml::parse(text) {
            Ok(Some(doc)) => doc,
            Ok(None) => return Err((
                InputKind::Unknown,
                "empty: expected a Puppet report (`--- !ruby/object:Puppet::Transaction::Report`)"
                    .into(),
                None,
            )),
            Err(e) => {
                return Err((
                    InputKind::PuppetReport,
                    format!("not valid YAML: {}", e.message),
                    Some(e.line),
                ))
            }
        };
    let lines = &doc.lines;
    let line_of = |p: &str| lines.get(p).copied();
    let class = doc.root_class.as_deref();
    let map = doc.value.as_object();
    if class == Some("Puppet::Node::Facts") || (class.is_none() && map.is_some_and(is_facts)) {
        let facts = facts_from_value(&doc.value, Location::at_line(display, Some(1)))
            .map_err(|e| (InputKind::PuppetFacts, e, Some(1)))?;
        let detail = format!("facts of {}", facts.certname);
        return Ok((
            InputKind::PuppetFacts,
            detail,
            Parsed {
                facts: vec![facts],
                ..Parsed::default()
            },
        ));
    }
    let looks_like_report = class == Some("Puppet::Transaction::Report")
        || map.is_some_and(|m| m.contains_key("host") && m.contains_key("resource_statuses"));
    if !looks_like_report {
        return Err((
            InputKind::Unknown,
            format!(
                "not a Puppet report: expected `--- !ruby/object:Puppet::Transaction::Report` (or a \
                 mapping with `host` and `resource_statuses`), found {}",
                match (class, map) {
                    (Some(c), _) => format!("a `{c}` object"),
                    (None, Some(_)) => "a mapping without them".into(),
                    (None, None) => kind(&doc.value).to_string(),
                }
            ),
            Some(1),
        ));
    }
    let report = report_from_value(&doc.value, display, &line_of)
        .map_err(|e| (InputKind::PuppetReport, e, Some(1)))?;
    Ok((
        InputKind::PuppetReport,
        report_detail(&report),
        Parsed {
            reports: vec![report],
            ..Parsed::default()
        },
    ))
}

fn report_detail(report: &NodeReport) -> String {
    let mut detail = format!("report of {}", report.certname);
    if let Some(f) = &report.report_format {
        detail.push_str(&format!(", report_format {f}"));
    }
    if let Some(t) = &report.time {
        detail.push_str(&format!(", run at {t}"));
    }
    detail
}

fn read_json(text: &str, display: &str) -> Outcome {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        (
            InputKind::Unknown,
            format!("not valid JSON: {e}"),
            Some(e.line() as u32),
        )
    })?;
    // Lines of the containers reports are made of: the report, its resources and events.
    let lines = container_lines(text, |path| path.len() <= 4);
    let line_of = |p: &str| lines.line(p);
    match &value {
        Value::Object(map) if map.contains_key("resource_statuses") || map.contains_key("host") => {
            let report = report_from_value(&value, display, &line_of)
                .map_err(|e| (InputKind::PuppetReport, e, Some(1)))?;
            Ok((
                InputKind::PuppetReport,
                report_detail(&report),
                one_report(report),
            ))
        }
        Value::Object(map) if is_facts(map) => {
            let facts = facts_from_value(&value, Location::at_line(display, Some(1)))
                .map_err(|e| (InputKind::PuppetFacts, e, Some(1)))?;
            Ok((
                InputKind::PuppetFacts,
                format!("facts of {}", facts.certname),
                Parsed {
                    facts: vec![facts],
                    ..Parsed::default()
                },
            ))
        }
        Value::Object(map) if is_catalog(map) => {
            let catalog = catalog_from_value(&value, Location::at_line(display, Some(1)))
                .map_err(|e| (InputKind::PuppetCatalog, e, Some(1)))?;
            Ok((
                InputKind::PuppetCatalog,
                format!(
                    "catalog of {}, {} file(s) from a static source",
                    catalog.certname,
                    catalog.static_sources.len()
                ),
                Parsed {
                    catalogs: vec![catalog],
                    ..Parsed::default()
                },
            ))
        }
        Value::Object(map) if map.contains_key("certname") => {
            let report = report_from_value(&value, display, &line_of)
                .map_err(|e| (InputKind::PuppetdbReport, e, Some(1)))?;
            Ok((
                InputKind::PuppetdbReport,
                report_detail(&report),
                one_report(report),
            ))
        }
        Value::Array(rows) => read_rows(rows, display, &line_of),
        other => Err((
            InputKind::Unknown,
            format!(
                "not a Puppet document: expected a report (`host` or `certname`), facts \
                 (`certname` and `values`) or a catalog (`resources` and `edges`), found {}",
                match other {
                    Value::Object(_) => "an object with none of those keys".to_string(),
                    v => kind(v).to_string(),
                }
            ),
            Some(1),
        )),
    }
}

fn one_report(report: NodeReport) -> Parsed {
    Parsed {
        reports: vec![report],
        ..Parsed::default()
    }
}

/// A JSON list: PuppetDB query answers saved to a file. Event rows of the reports query (one
/// row per event, with the report's `hash`), catalog rows, reports, facts or inventory rows.
fn read_rows(rows: &[Value], display: &str, line_of: &dyn Fn(&str) -> Option<u32>) -> Outcome {
    let Some(first) = rows.first().and_then(Value::as_object) else {
        return Err((
            InputKind::Unknown,
            if rows.is_empty() {
                "an empty list: no report, facts or catalog in it".to_string()
            } else {
                format!(
                    "expected a list of PuppetDB rows (objects), found {}",
                    kind(&rows[0])
                )
            },
            Some(1),
        ));
    };
    let has = |k: &str| first.contains_key(k);
    if has("type") && has("title") && has("parameters") && has("certname") {
        let catalogs = catalogs_from_rows(rows, display)
            .map_err(|e| (InputKind::PuppetCatalog, e, Some(1)))?;
        return Ok((
            InputKind::PuppetCatalog,
            format!("catalog rows of {} node(s)", catalogs.len()),
            Parsed {
                catalogs,
                ..Parsed::default()
            },
        ));
    }
    if has("hash") && has("certname") && (has("resource_title") || has("event_status")) {
        let reports = reports_from_event_rows(rows, display, line_of)
            .map_err(|e| (InputKind::PuppetdbReport, e, Some(1)))?;
        return Ok((
            InputKind::PuppetdbReport,
            format!("event rows of {} report(s)", reports.len()),
            Parsed {
                reports,
                ..Parsed::default()
            },
        ));
    }
    let mut parsed = Parsed::default();
    for (i, row) in rows.iter().enumerate() {
        let line = line_of(&format!("/{i}"));
        let origin = Location::at_line(display, line);
        let Value::Object(map) = row else {
            return Err((
                InputKind::Unknown,
                format!("item {i} is {}, not an object", kind(row)),
                line,
            ));
        };
        if is_facts(map) {
            parsed.facts.push(
                facts_from_value(row, origin).map_err(|e| (InputKind::PuppetFacts, e, line))?,
            );
        } else if is_catalog(map) {
            parsed.catalogs.push(
                catalog_from_value(row, origin).map_err(|e| (InputKind::PuppetCatalog, e, line))?,
            );
        } else if map.contains_key("certname") || map.contains_key("host") {
            let prefix = format!("/{i}");
            let nested = |p: &str| line_of(&format!("{prefix}{p}"));
            parsed.reports.push(
                report_from_value(row, display, &nested)
                    .map_err(|e| (InputKind::PuppetdbReport, e, line))?,
            );
        } else {
            return Err((
                InputKind::Unknown,
                format!("item {i} is neither a report, facts nor a catalog"),
                line,
            ));
        }
    }
    let kind = if !parsed.reports.is_empty() {
        InputKind::PuppetdbReport
    } else if !parsed.facts.is_empty() {
        InputKind::PuppetFacts
    } else {
        InputKind::PuppetCatalog
    };
    let detail = format!(
        "{} report(s), facts of {} node(s), {} catalog(s)",
        parsed.reports.len(),
        parsed.facts.len(),
        parsed.catalogs.len()
    );
    Ok((kind, detail, parsed))
}

/// Event rows (one per event, each carrying its report's fields and `hash`) grouped back
/// into reports.
fn reports_from_event_rows(
    rows: &[Value],
    display: &str,
    line_of: &dyn Fn(&str) -> Option<u32>,
) -> Result<Vec<NodeReport>, String> {
    let mut by_hash: BTreeMap<String, NodeReport> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let hash = text(row.get("hash")).ok_or_else(|| format!("row {i} has no report `hash`"))?;
        let pointer = format!("/{i}");
        let origin = Location::at_line(display, line_of(&pointer)).with_pointer(pointer);
        if !by_hash.contains_key(&hash) {
            let mut head = row.clone();
            if let Value::Object(m) = &mut head {
                m.remove("resource_events");
                m.remove("resources");
                m.remove("resource_statuses");
            }
            let nested = |p: &str| if p.is_empty() { origin.line } else { None };
            let mut report = report_from_value(&head, display, &nested)?;
            report.events_only = true;
            by_hash.insert(hash.clone(), report);
        }
        let report = by_hash.get_mut(&hash).expect("inserted above");
        if row.get("resource_type").is_some() {
            push_event_row(&mut report.resources, row, origin)?;
        }
    }
    Ok(by_hash.into_values().collect())
}
