//! Catalogs, for one question: which managed files take their content from a static `source`
//! (`puppet:///modules/ntp/ntp.conf`, a file committed in a module's `files/`), as opposed to a
//! template or inline `content`, which render per node and match no committed blob.
//!
//! Read from PuppetDB's wire format (`resources` with `parameters`), its query answer
//! (`resources` as `{href, data}`) and its catalog query rows (one row per resource or edge,
//! `parameters` as a JSON string).

use super::model::NodeCatalog;
use super::report::{kind, text};
use crate::model::Location;
use serde_json::Value;
use std::collections::BTreeMap;

/// Whether a JSON object looks like a catalog.
pub fn is_catalog(map: &serde_json::Map<String, Value>) -> bool {
    let resources = match map.get("resources") {
        Some(Value::Array(items)) => Some(items),
        Some(Value::Object(o)) => o.get("data").and_then(Value::as_array),
        _ => None,
    };
    (map.contains_key("edges") || map.contains_key("version"))
        && resources.is_some_and(|items| {
            items.is_empty()
                || items
                    .iter()
                    .any(|r| r.get("type").is_some() && r.get("parameters").is_some())
        })
}

/// One catalog document.
pub fn catalog_from_value(value: &Value, origin: Location) -> Result<NodeCatalog, String> {
    let Value::Object(map) = value else {
        return Err(format!(
            "expected a catalog (an object), found {}",
            kind(value)
        ));
    };
    let certname = text(map.get("certname"))
        .or_else(|| text(map.get("name")))
        .ok_or("a catalog names its node in `certname`; this one does not")?;
    let resources = match map.get("resources") {
        Some(Value::Array(items)) => items.as_slice(),
        Some(Value::Object(o)) => o
            .get("data")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or(&[]),
        _ => &[],
    };
    let mut static_sources = BTreeMap::new();
    for resource in resources {
        let parameters = resource.get("parameters");
        add_static_source(
            &mut static_sources,
            resource.get("type"),
            resource.get("title"),
            parameters,
        );
    }
    Ok(NodeCatalog {
        certname,
        version: text(map.get("version")),
        code_id: text(map.get("code_id")),
        environment: text(map.get("environment")),
        static_sources,
        origin,
    })
}

/// Catalog query rows, one per resource (and edge): grouped into catalogs by certname.
pub fn catalogs_from_rows(rows: &[Value], path: &str) -> Result<Vec<NodeCatalog>, String> {
    let mut by_node: BTreeMap<String, NodeCatalog> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let certname = text(row.get("certname"))
            .ok_or_else(|| format!("catalog row {i} has no `certname`"))?;
        let catalog = by_node
            .entry(certname.clone())
            .or_insert_with(|| NodeCatalog {
                certname,
                version: text(row.get("version")),
                code_id: text(row.get("code_id")),
                environment: text(row.get("environment")),
                static_sources: BTreeMap::new(),
                origin: Location::file(path),
            });
        // `parameters` is a JSON document in a string in these rows.
        let parameters = match row.get("parameters") {
            Some(Value::String(s)) => serde_json::from_str(s).ok(),
            other => other.cloned(),
        };
        add_static_source(
            &mut catalog.static_sources,
            row.get("type"),
            row.get("title"),
            parameters.as_ref(),
        );
    }
    Ok(by_node.into_values().collect())
}

fn add_static_source(
    out: &mut BTreeMap<String, String>,
    resource_type: Option<&Value>,
    title: Option<&Value>,
    parameters: Option<&Value>,
) {
    if resource_type.and_then(Value::as_str) != Some("File") {
        return;
    }
    let (Some(title), Some(parameters)) = (text(title), parameters) else {
        return;
    };
    if parameters.get("content").is_some_and(|c| !c.is_null()) {
        return;
    }
    let source = match parameters.get("source") {
        Some(Value::String(s)) => s.clone(),
        // Puppet takes the first source that exists: only one source is unambiguous.
        Some(Value::Array(list)) if list.len() == 1 => match &list[0] {
            Value::String(s) => s.clone(),
            _ => return,
        },
        _ => return,
    };
    out.insert(title, source);
}

/// The repository path, relative to a module, that a `puppet:///modules/<module>/<path>`
/// source reads: `<module>/files/<path>`. Other sources (other mount points, paths on the
/// node, URLs) are not committed files provenant can name.
pub fn module_file(source: &str) -> Option<String> {
    let rest = source.strip_prefix("puppet:///modules/").or_else(|| {
        // `puppet://server/modules/...` names a server; the path is the same.
        let after = source.strip_prefix("puppet://")?;
        let (_, path) = after.split_once('/')?;
        path.strip_prefix("modules/")
    })?;
    let (module, path) = rest.split_once('/')?;
    (!module.is_empty() && !path.is_empty() && !path.split('/').any(|p| p == ".."))
        .then(|| format!("{module}/files/{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_sources_name_a_files_directory() {
        assert_eq!(
            module_file("puppet:///modules/ntp/etc/ntp.conf").as_deref(),
            Some("ntp/files/etc/ntp.conf")
        );
        assert_eq!(
            module_file("puppet://puppet.example.com/modules/ntp/ntp.conf").as_deref(),
            Some("ntp/files/ntp.conf")
        );
        assert_eq!(module_file("puppet:///mount/ntp.conf"), None);
        assert_eq!(module_file("/etc/ntp.conf"), None);
        assert_eq!(module_file("puppet:///modules/ntp/../x"), None);
    }

    #[test]
    fn only_files_with_a_single_static_source_are_kept() {
        let catalog: Value = serde_json::json!({
            "certname": "web01", "version": "abc1234", "edges": [],
            "resources": [
                {"type": "File", "title": "/etc/a", "parameters": {"source": "puppet:///modules/m/a"}},
                {"type": "File", "title": "/etc/b", "parameters": {"content": "x"}},
                {"type": "File", "title": "/etc/c", "parameters": {"source": ["puppet:///modules/m/c", "puppet:///modules/m/d"]}},
                {"type": "Exec", "title": "x", "parameters": {"source": "y"}}
            ]
        });
        let Value::Object(map) = &catalog else {
            unreachable!()
        };
        assert!(is_catalog(map));
        let c = catalog_from_value(&catalog, Location::file("c.json")).unwrap();
        assert_eq!(c.static_sources.len(), 1);
        assert_eq!(c.static_sources["/etc/a"], "puppet:///modules/m/a");
        assert_eq!(c.version.as_deref(), Some("abc1234"));
    }
}
