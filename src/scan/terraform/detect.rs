//! Deciding what a parsed JSON file is, by its content first and its name only where the
//! content is ambiguous: a raw state (and which format), a `show -json` state document, a
//! plan, backend metadata, a lock, an encrypted state, or something else.
//!
//! The markers are the ones each writer always emits: `version` in raw states, `format_version`
//! in `show -json` output, `planned_values` / `resource_changes` / `prior_state` (and friends)
//! only in plans, a top-level `backend` or `remote` block in `.terraform/terraform.tfstate`,
//! `ID` / `Operation` / `Who` in lock info, `encrypted_data` in OpenTofu's encrypted states.

use super::errors::{type_name, ShapeError};
use serde_json::{Map, Value};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Detected {
    RawV3,
    RawV4,
    /// A raw state of a format this reader does not handle (1, 2, 5...).
    UnsupportedVersion(u64),
    ShowJson,
    /// A `show -json` document of a major format version after 1.
    UnsupportedShowJson(String),
    Plan,
    /// `.terraform/terraform.tfstate`: `legacy` for the pre-0.9 `remote` block.
    BackendMetadata {
        backend_type: Option<String>,
        legacy: bool,
    },
    LockInfo,
    Encrypted,
    /// A JSON object with none of the markers.
    Unrecognised,
}

/// Members only a plan has: a state document never carries them.
const PLAN_MARKERS: &[&str] = &[
    "planned_values",
    "resource_changes",
    "prior_state",
    "output_changes",
    "resource_drift",
    "proposed_unknown",
    "configuration",
    "variables",
    "relevant_attributes",
    "action_invocations",
];

pub(crate) fn detect(root: &Map<String, Value>, path: &Path) -> Result<Detected, ShapeError> {
    let present = |key: &str| root.get(key).is_some_and(|v| !v.is_null());

    if !present("version") && (present("encrypted_data") || present("encryption_version")) {
        return Ok(Detected::Encrypted);
    }
    if present("ID") && present("Operation") && present("Who") {
        return Ok(Detected::LockInfo);
    }
    if let Some(version) = root.get("version").filter(|v| !v.is_null()) {
        let Some(version) = version.as_u64() else {
            return Err(ShapeError::expected("/version", "a whole number", version));
        };
        return Ok(match version {
            4 => Detected::RawV4,
            3 if is_backend_metadata(root, path) => Detected::BackendMetadata {
                backend_type: backend_type(root),
                legacy: !present("backend"),
            },
            3 => Detected::RawV3,
            other => Detected::UnsupportedVersion(other),
        });
    }
    if PLAN_MARKERS.iter().any(|key| present(key)) {
        return Ok(Detected::Plan);
    }
    if let Some(format_version) = root.get("format_version").filter(|v| !v.is_null()) {
        let Some(format_version) = format_version.as_str() else {
            return Err(ShapeError::expected(
                "/format_version",
                "a string",
                format_version,
            ));
        };
        let major = format_version
            .split('.')
            .next()
            .and_then(|m| m.parse::<u64>().ok());
        return Ok(match major {
            Some(0 | 1) => Detected::ShowJson,
            _ => Detected::UnsupportedShowJson(format_version.to_string()),
        });
    }
    Ok(Detected::Unrecognised)
}

/// Backend metadata is format 3 with a `backend` (or legacy `remote`) block and no resources;
/// a remote state pulled by Terraform 0.11 also carries `backend`, but with resources. A
/// resource-less format-3 file inside `.terraform/` is metadata whatever it holds.
fn is_backend_metadata(root: &Map<String, Value>, path: &Path) -> bool {
    let has_block = ["backend", "remote"]
        .iter()
        .any(|key| root.get(*key).is_some_and(Value::is_object));
    let in_dot_terraform = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|dir| dir == ".terraform");
    (has_block || in_dot_terraform) && !has_resources(root)
}

fn has_resources(root: &Map<String, Value>) -> bool {
    let Some(Value::Array(modules)) = root.get("modules") else {
        return false;
    };
    modules.iter().any(|module| {
        module
            .get("resources")
            .and_then(Value::as_object)
            .is_some_and(|r| !r.is_empty())
    })
}

fn backend_type(root: &Map<String, Value>) -> Option<String> {
    ["backend", "remote"]
        .iter()
        .find_map(|key| root.get(*key)?.get("type")?.as_str())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// Up to `limit` member names, for a message about an unrecognised object.
pub(crate) fn some_keys(root: &Map<String, Value>, limit: usize) -> String {
    if root.is_empty() {
        return "it is an empty object".into();
    }
    let mut keys: Vec<String> = root.keys().take(limit).map(|k| format!("{k:?}")).collect();
    if root.len() > limit {
        keys.push("...".into());
    }
    format!("members: {}", keys.join(", "))
}

/// The type of a top-level value that is not an object, for the message.
pub(crate) fn not_an_object(value: &Value) -> String {
    format!(
        "expected a JSON object at the top level, found {}",
        type_name(value)
    )
}
