//! Terraform and OpenTofu state: raw format 4 (Terraform 0.12 to 1.x, OpenTofu), raw format 3
//! (Terraform 0.11 and older), and `terraform show -json` / `tofu show -json` documents, all
//! read into one [`StateDocument`]. Files that sit beside states but are not states (backend
//! metadata, lock info, backups, encrypted states, plans) are recognised and reported as what
//! they are.
//!
//! Reading goes: decode the bytes ([`crate::scan::text`]), parse with `serde_json`, decide
//! what the file is ([`detect`]), then read it with the reader for its format ([`v4`], [`v3`],
//! [`show_json`]). Lines come from a second, cheap pass over the text
//! ([`crate::scan::json_lines`]). No input makes this panic: every failure becomes
//! [`StateScan::Unreadable`] with the line and a message saying what was expected where.

mod address;
mod advice;
mod detail;
mod detect;
mod dynamic;
mod errors;
mod outputs;
mod sensitive;
mod show_json;
mod v3;
mod v4;

use crate::model::{InputKind, StateDocument};
use crate::scan::json_lines::line_of_pointer;
use crate::scan::text;
use detect::Detected;
use errors::ShapeError;
use serde_json::{Map, Value};
use std::path::Path;

/// What reading one file gave.
#[derive(Debug, Clone, PartialEq)]
pub enum StateScan {
    /// A state: its kind (`TerraformState` or `TerraformShowJson`), the document, and a
    /// one-line description of what was read (`format 4, Terraform 1.9.0, 12 resource
    /// instances, 2 data sources`).
    State {
        kind: InputKind,
        document: StateDocument,
        detail: String,
    },
    /// A file that holds no resource instances: what it is and what to do instead.
    NotAState { kind: InputKind, detail: String },
    /// A file that could not be read: the line of the problem when known, and a message that
    /// says what was expected (`expected an array of instances at /resources/3/instances`).
    Unreadable {
        kind: InputKind,
        line: Option<u32>,
        detail: String,
    },
}

/// Reads a state from `bytes`. `path` is the file's path (its name tells lock files, backups
/// and `.terraform/` metadata apart); `display_path` is the path every origin carries.
pub fn scan_state_bytes(bytes: &[u8], path: &Path, display_path: &str) -> StateScan {
    let role = Role::of(path);
    let scan = read(bytes, path, display_path, role);
    if role == Role::Backup {
        as_backup(scan)
    } else {
        scan
    }
}

/// What the text is, and where it is shown, for the readers.
pub(crate) struct Source<'a> {
    pub text: &'a str,
    pub display_path: &'a str,
}

/// What the file name says the file should be; used only where the content cannot tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Backup,
    LockInfo,
    State,
    Other,
}

impl Role {
    fn of(path: &Path) -> Role {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if name.ends_with(".backup") {
            Role::Backup
        } else if name.ends_with(".lock.info") {
            Role::LockInfo
        } else if name.ends_with(".tfstate") {
            Role::State
        } else {
            Role::Other
        }
    }

    /// The kind to report for a file whose content could not be parsed.
    fn kind(self, text: Option<&str>) -> InputKind {
        match self {
            Role::Backup => InputKind::TerraformStateBackup,
            Role::LockInfo => InputKind::TerraformLockInfo,
            Role::State => InputKind::TerraformState,
            Role::Other => {
                // A broken `.json`: a glance at its opening tells a show -json document from a
                // raw state.
                let head = text
                    .map(|t| &t[..floor_boundary(t, 4096)])
                    .unwrap_or_default();
                if head.contains("\"format_version\"") {
                    InputKind::TerraformShowJson
                } else if head.contains("\"version\"") {
                    InputKind::TerraformState
                } else {
                    InputKind::Unknown
                }
            }
        }
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn read(bytes: &[u8], path: &Path, display_path: &str, role: Role) -> StateScan {
    if bytes.starts_with(b"tfstate") {
        return StateScan::Unreadable {
            kind: InputKind::TerraformState,
            line: Some(1),
            detail: "a binary state from Terraform 0.6 or older, not supported since Terraform \
                     0.7: upgrade it with Terraform 0.6.16, then read the JSON state"
                .into(),
        };
    }
    let text = match text::decode(bytes) {
        Ok((text, _)) => text,
        Err(error) => {
            return StateScan::Unreadable {
                kind: role.kind(None),
                line: error.line,
                detail: error.message,
            }
        }
    };
    if text.trim().is_empty() {
        return StateScan::Unreadable {
            kind: role.kind(None),
            line: Some(1),
            detail: "the file is empty: there is no state in it".into(),
        };
    }
    let root = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(root)) => root,
        Ok(other) => {
            return StateScan::Unreadable {
                kind: role.kind(Some(&text)),
                line: line_of_pointer(&text, ""),
                detail: detect::not_an_object(&other),
            }
        }
        Err(error) => return json_error(&error, role.kind(Some(&text))),
    };
    let source = Source {
        text: &text,
        display_path,
    };
    match detect::detect(&root, path) {
        Ok(detected) => read_detected(detected, root, &source, role),
        Err(error) => unreadable(InputKind::TerraformState, error, &text),
    }
}

fn read_detected(
    detected: Detected,
    root: Map<String, Value>,
    source: &Source<'_>,
    role: Role,
) -> StateScan {
    let text = source.text;
    match detected {
        Detected::RawV4 => state(v4::read(root, source), InputKind::TerraformState, text),
        Detected::RawV3 => state(v3::read(root, source), InputKind::TerraformState, text),
        Detected::ShowJson => state(
            show_json::read(root, source),
            InputKind::TerraformShowJson,
            text,
        ),
        Detected::UnsupportedVersion(version) => StateScan::Unreadable {
            kind: InputKind::TerraformState,
            line: line_of_pointer(text, "/version"),
            detail: advice::unsupported_version(version, &root),
        },
        Detected::UnsupportedShowJson(version) => StateScan::Unreadable {
            kind: InputKind::TerraformShowJson,
            line: line_of_pointer(text, "/format_version"),
            detail: format!(
                "`show -json` format version {version} is not supported: provenant reads \
                 formats 0.x and 1.x"
            ),
        },
        Detected::Plan => StateScan::NotAState {
            kind: InputKind::TerraformPlan,
            detail: advice::plan(&root),
        },
        Detected::BackendMetadata {
            backend_type,
            legacy,
        } => StateScan::NotAState {
            kind: InputKind::TerraformBackendMetadata,
            detail: advice::backend_metadata(backend_type.as_deref(), legacy),
        },
        Detected::LockInfo => StateScan::NotAState {
            kind: InputKind::TerraformLockInfo,
            detail: advice::lock(&root),
        },
        Detected::Encrypted => StateScan::Unreadable {
            kind: InputKind::OpentofuEncryptedState,
            line: line_of_pointer(text, "/encrypted_data"),
            detail: advice::encrypted(&root),
        },
        Detected::Unrecognised => StateScan::Unreadable {
            kind: if role == Role::Other {
                InputKind::Unknown
            } else {
                role.kind(None)
            },
            line: line_of_pointer(text, ""),
            detail: format!(
                "a JSON object that is not a Terraform state: it has neither \"version\" nor \
                 \"format_version\" ({})",
                detect::some_keys(&root, 6)
            ),
        },
    }
}

fn state(read: Result<StateDocument, ShapeError>, kind: InputKind, text: &str) -> StateScan {
    match read {
        Ok(document) => StateScan::State {
            kind,
            detail: detail::describe(&document),
            document,
        },
        Err(error) => unreadable(kind, error, text),
    }
}

fn unreadable(kind: InputKind, error: ShapeError, text: &str) -> StateScan {
    StateScan::Unreadable {
        kind,
        line: line_of_pointer(text, &error.pointer),
        detail: error.message,
    }
}

fn json_error(error: &serde_json::Error, kind: InputKind) -> StateScan {
    let message = error.to_string();
    // serde_json appends " at line L column C"; the line goes in its own field.
    let what = message
        .rfind(" at line ")
        .map_or(message.as_str(), |at| &message[..at]);
    let (line, column) = (error.line(), error.column());
    let detail = if what.contains("recursion limit") {
        format!(
            "JSON nested more than 128 levels deep at line {line}, column {column}: no \
             Terraform state nests this deep"
        )
    } else if error.classify() == serde_json::error::Category::Eof {
        format!("the JSON ends early, at line {line}, column {column} ({what}): the file looks truncated")
    } else {
        format!("invalid JSON at line {line}, column {column}: {what}")
    };
    StateScan::Unreadable {
        kind,
        line: u32::try_from(line).ok().filter(|&l| l > 0),
        detail,
    }
}

/// A backup holds the state before the last write: reported, not audited.
fn as_backup(scan: StateScan) -> StateScan {
    match scan {
        StateScan::State { detail, .. } => StateScan::NotAState {
            kind: InputKind::TerraformStateBackup,
            detail: advice::backup(&detail),
        },
        StateScan::Unreadable { line, detail, .. } => StateScan::Unreadable {
            kind: InputKind::TerraformStateBackup,
            line,
            detail,
        },
        other => other,
    }
}
