//! What to tell the user about a file that is not a state we can read: what it is, and what
//! to give provenant instead. Each message names the file's own facts (the backend type, who
//! holds a lock, which tool wrote a newer format) so the user can act without opening it.

use serde_json::{Map, Value};

/// A backup: the state as it was before Terraform last wrote the current one.
pub(crate) fn backup(state_detail: &str) -> String {
    format!(
        "the previous state Terraform keeps as a backup ({state_detail}): audit the current \
         state instead"
    )
}

/// A non-empty string member.
fn str_member<'a>(root: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    root.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A raw state of a format other than 3 and 4.
pub(crate) fn unsupported_version(version: u64, root: &Map<String, Value>) -> String {
    let advice = if version < 3 {
        "; Terraform 0.11 upgrades it to format 3 the next time it writes the state".to_string()
    } else {
        let writer = str_member(root, "terraform_version")
            .map(|v| format!(" (Terraform {v})"))
            .unwrap_or_default();
        format!(
            "; it was written by a newer tool{writer}: run `terraform show -json` with that \
             tool and give its output"
        )
    };
    format!(
        "state format version {version} is not supported: provenant reads format 3 (Terraform \
         0.11 and older), format 4 (Terraform 0.12 and later, OpenTofu) and `terraform show \
         -json` documents{advice}"
    )
}

/// What `terraform show -json PLANFILE` gave.
pub(crate) fn plan(root: &Map<String, Value>) -> String {
    let mut from = Vec::new();
    if let Some(format) = str_member(root, "format_version") {
        from.push(format!("format {format}"));
    }
    if let Some(version) = str_member(root, "terraform_version") {
        from.push(format!("Terraform {version}"));
    }
    let from = if from.is_empty() {
        String::new()
    } else {
        format!(" ({})", from.join(", "))
    };
    format!(
        "a plan, not a state{from}: run `terraform show -json` without a plan file, or give \
         the state file"
    )
}

/// `.terraform/terraform.tfstate`.
pub(crate) fn backend_metadata(backend_type: Option<&str>, legacy: bool) -> String {
    let what = if legacy {
        "legacy remote-state metadata (Terraform 0.8 and older)"
    } else {
        "backend metadata"
    };
    let whose = match backend_type {
        Some(backend) => {
            format!(" for the {backend} backend: the state itself is kept by that backend")
        }
        None => ": the state itself is kept by the configured backend".to_string(),
    };
    format!(
        "{what}{whose}. This file, written by `terraform init`, only says where; audit that \
         state (`terraform state pull` prints it)"
    )
}

/// `.terraform.tfstate.lock.info`.
pub(crate) fn lock(root: &Map<String, Value>) -> String {
    let field = |key| str_member(root, key).unwrap_or("?");
    let mut detail = format!(
        "a lock left by `{}` by {} at {}",
        field("Operation"),
        field("Who"),
        field("Created")
    );
    if let Some(version) = str_member(root, "Version") {
        detail.push_str(&format!(" (Terraform {version})"));
    }
    if let Some(path) = str_member(root, "Path") {
        detail.push_str(&format!(" on {path}"));
    }
    detail.push_str(": not a state. If no run is in progress the lock is stale");
    if let Some(id) = str_member(root, "ID") {
        detail.push_str(&format!(" (`terraform force-unlock {id}` releases it)"));
    }
    detail
}

/// An OpenTofu state encrypted client-side.
pub(crate) fn encrypted(root: &Map<String, Value>) -> String {
    let version = str_member(root, "encryption_version")
        .map(|v| format!(" (encryption_version {v})"))
        .unwrap_or_default();
    format!(
        "an OpenTofu state encrypted client-side{version}: provenant cannot read it; decrypt \
         with `tofu show -json` (with the same encryption configuration) and give its output"
    )
}
