//! The one-line description of what was read, shown in the report's scope next to the file:
//! `format 4, Terraform 1.9.0, serial 12, 7 resource instances (2 tainted, 1 deposed),
//! 3 data sources, 2 outputs (1 sensitive)`.

use crate::model::{StateDocument, StateFormat};

pub(crate) fn describe(document: &StateDocument) -> String {
    let mut parts = vec![match &document.format {
        StateFormat::Raw(version) => format!("format {version}"),
        StateFormat::ShowJson(version) => format!("show -json format {version}"),
    }];
    if let Some(version) = &document.terraform_version {
        parts.push(writer(document, version));
    }
    if let Some(serial) = document.serial {
        parts.push(format!("serial {serial}"));
    }

    let managed: Vec<_> = document.managed().collect();
    let tainted = managed
        .iter()
        .filter(|i| i.status.as_deref() == Some("tainted"))
        .count();
    let deposed = managed.iter().filter(|i| i.deposed.is_some()).count();
    let mut resources = plural(managed.len(), "resource instance", "resource instances");
    let notes: Vec<String> = [(tainted, "tainted"), (deposed, "deposed")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !notes.is_empty() {
        resources.push_str(&format!(" ({})", notes.join(", ")));
    }
    parts.push(resources);
    parts.push(plural(
        document.data_sources().count(),
        "data source",
        "data sources",
    ));

    let sensitive = document.outputs.iter().filter(|o| o.sensitive).count();
    let mut outputs = plural(document.outputs.len(), "output", "outputs");
    if sensitive > 0 {
        outputs.push_str(&format!(" ({sensitive} sensitive)"));
    }
    parts.push(outputs);
    parts.join(", ")
}

/// `Terraform 1.9.0`, or `OpenTofu 1.7.2` when the providers come from OpenTofu's registry
/// and the version is one OpenTofu had (both tools write the same `terraform_version` member;
/// OpenTofu started at 1.6).
fn writer(document: &StateDocument, version: &str) -> String {
    let mut numbers = version
        .split(['.', '-'])
        .map(|part| part.parse::<u64>().ok());
    let (major, minor) = match (numbers.next().flatten(), numbers.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor),
        _ => return format!("Terraform version {version:?} (not a version number)"),
    };
    let from_opentofu_registry = document
        .instances
        .iter()
        .any(|i| i.provider.contains("registry.opentofu.org"));
    let tool = if from_opentofu_registry && (major, minor) >= (1, 6) {
        "OpenTofu"
    } else {
        "Terraform"
    };
    format!("{tool} {version}")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
