//! Fact caches: what hosts report about themselves. Every shape Ansible and the tools around
//! it write is read:
//!
//! * the `jsonfile` cache of ansible-core 2.18 and older: a file named after the host holding
//!   the facts as a plain object (`{"ansible_fqdn": ...}`);
//! * the same cache from ansible-core 2.19: `s1_<host>` holding `{"__payload__": "<json>"}`;
//! * `ansible -m setup --tree DIR`: `{"ansible_facts": {...}, "changed": false}`, or for an
//!   unreachable host `{"unreachable": true, "msg": ...}` with no facts;
//! * wrappers of those (`{"_type": "ansible", "_timestamp": ..., "ansible_facts": ...}`).
//!
//! From the facts come the host's identity (FQDN, hostname, addresses, cloud instance id) and
//! what its last deployment recorded in the custom fact `ansible_local.provenance`: the commit,
//! and a digest per deployed file. `.fact` files (the `facts.d` sources those custom facts come
//! from) and hidden files are reported as skipped; anything else that is not a JSON object is
//! unreadable, with its line.

use crate::audit::display_path;
use crate::model::{Input, InputKind, InputStatus, Location};
use crate::scan::json_lines::line_of_pointer;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const MAX_FACT_BYTES: u64 = 256 << 20;

/// One host's facts.
#[derive(Debug, Clone, PartialEq)]
pub struct FactHost {
    /// The host as the cache names it (the file name, without `s1_` or `.json`).
    pub name: String,
    pub origin: Location,
    pub identity: Identity,
    /// A few descriptive facts for the report: distribution, OS family, virtualization.
    pub properties: BTreeMap<String, String>,
    pub provenance: Option<Provenance>,
}

/// What identifies the machine, each value with the fact it came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identity {
    pub fqdn: Option<String>,
    pub hostname: Option<String>,
    pub default_ipv4: Option<String>,
    pub addresses: Vec<String>,
    /// Cloud instance ids (EC2's `i-...` from the board asset tag or metadata facts).
    pub instance_ids: Vec<String>,
}

/// `ansible_local.provenance`: what the deployment wrote about itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Provenance {
    pub commit: Option<(String, Location)>,
    pub files: Vec<DeployedFile>,
}

/// One file a deployment put on the host.
#[derive(Debug, Clone, PartialEq)]
pub struct DeployedFile {
    /// Where it lives on the host.
    pub path: String,
    /// `sha256` or `sha1`, with the lower-case hex digest.
    pub algorithm: &'static str,
    pub digest: String,
    /// The repository path it was copied from, when the deployment said.
    pub source: Option<String>,
    /// A rendered template: its content is not expected to match a committed blob.
    pub template: bool,
    pub origin: Location,
}

/// What reading the fact directories gave.
#[derive(Debug, Default)]
pub struct FactsScan {
    pub hosts: Vec<FactHost>,
    pub inputs: Vec<Input>,
}

/// Reads every file of every directory (or file) in `paths`.
pub fn read_facts(paths: &[PathBuf], base_dir: &Path) -> FactsScan {
    let mut scan = FactsScan::default();
    for path in paths {
        let files = if path.is_dir() {
            let mut names: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|read| {
                    read.flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_file())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            if names.is_empty() {
                scan.inputs.push(Input {
                    path: display_path(path, base_dir),
                    kind: InputKind::AnsibleFacts,
                    sha256: None,
                    status: InputStatus::Unreadable,
                    detail: "no fact files in this directory (or it cannot be listed)".into(),
                    line: None,
                });
            }
            names
        } else {
            vec![path.clone()]
        };
        for file in files {
            let display = display_path(&file, base_dir);
            let (input, host) = read_fact_file(&file, &display);
            scan.inputs.push(input);
            scan.hosts.extend(host);
        }
    }
    scan
}

/// Reads one fact file.
pub fn read_fact_file(path: &Path, display: &str) -> (Input, Option<FactHost>) {
    let mut input = Input {
        path: display.to_string(),
        kind: InputKind::AnsibleFacts,
        sha256: None,
        status: InputStatus::Unreadable,
        detail: String::new(),
        line: None,
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bytes = match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FACT_BYTES => {
            input.detail = format!("{} bytes: larger than a fact file can be", m.len());
            return (input, None);
        }
        Ok(_) => match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) => {
                input.detail = format!("cannot read: {e}");
                return (input, None);
            }
        },
        Err(e) => {
            input.detail = format!("cannot open: {e}");
            return (input, None);
        }
    };
    input.sha256 = Some(crate::model::id::sha256_hex(&bytes));
    if file_name.starts_with('.') {
        input.status = InputStatus::Skipped;
        input.detail = "a hidden file: not a fact cache entry".into();
        return (input, None);
    }
    if file_name.ends_with(".fact") {
        input.status = InputStatus::Skipped;
        input.detail = "a facts.d source (it becomes ansible_local.<name> when the host runs \
                        setup), not a fact cache entry: give provenant the fact cache"
            .into();
        return (input, None);
    }
    let text = match crate::scan::text::decode(&bytes) {
        Ok((text, _)) => text.into_owned(),
        Err(e) => {
            input.line = e.line;
            input.detail = e.message;
            return (input, None);
        }
    };
    match facts_of(&text, &file_name, display) {
        Ok(Some(host)) => {
            input.status = InputStatus::Read;
            input.detail = describe(&host);
            (input, Some(host))
        }
        Ok(None) => {
            input.status = InputStatus::Skipped;
            input.detail = "a `--tree` result without facts (the host was unreachable or the \
                            module failed)"
                .into();
            (input, None)
        }
        Err((line, detail)) => {
            input.line = line;
            input.detail = detail;
            (input, None)
        }
    }
}

fn describe(host: &FactHost) -> String {
    let mut parts = vec![format!("facts of {}", host.name)];
    if let Some(p) = &host.provenance {
        parts.push(format!(
            "provenance: {}{} deployed file(s)",
            if p.commit.is_some() { "commit, " } else { "" },
            p.files.len()
        ));
    }
    parts.join("; ")
}

type Failure = (Option<u32>, String);

fn json_error(e: &serde_json::Error, what: &str) -> Failure {
    let message = e.to_string();
    let what_went_wrong = message
        .rfind(" at line ")
        .map_or(message.as_str(), |at| &message[..at]);
    (
        u32::try_from(e.line()).ok().filter(|&l| l > 0),
        format!(
            "{what} is not valid JSON (line {}, column {}: {what_went_wrong}): a fact cache entry \
             is a JSON object",
            e.line(),
            e.column()
        ),
    )
}

/// The facts in `text`, unwrapped from whichever shape holds them.
fn facts_of(text: &str, file_name: &str, display: &str) -> Result<Option<FactHost>, Failure> {
    let root: Value = serde_json::from_str(text).map_err(|e| json_error(&e, "the file"))?;
    let Value::Object(mut root) = root else {
        return Err((Some(1), "a fact file must hold a JSON object".into()));
    };
    let mut name = file_name
        .strip_suffix(".json")
        .unwrap_or(file_name)
        .to_string();
    // Where the facts object sits, for the lines of what is read from it.
    let (facts, base_pointer, payload) =
        if let Some(Value::String(payload)) = root.get("__payload__") {
            // ansible-core 2.19's jsonfile cache: `s1_<host>` holding the facts as a JSON string.
            if let Some(rest) = name.strip_prefix("s1_") {
                name = rest.to_string();
            }
            let inner: Value = serde_json::from_str(payload).map_err(|e| {
                (
                    line_of_pointer(text, "/__payload__"),
                    json_error(&e, "`__payload__`").1,
                )
            })?;
            let Value::Object(inner) = inner else {
                return Err((
                    Some(1),
                    "`__payload__` must hold a JSON object of facts".into(),
                ));
            };
            (inner, String::new(), true)
        } else if let Some(Value::Object(_)) = root.get("ansible_facts") {
            let Some(Value::Object(inner)) = root.remove("ansible_facts") else {
                unreachable!("checked above")
            };
            (inner, "/ansible_facts".to_string(), false)
        } else if root.contains_key("unreachable")
            || (root.contains_key("msg") && root.contains_key("changed"))
        {
            return Ok(None);
        } else {
            (root, String::new(), false)
        };
    let line = |pointer: &str| {
        if payload {
            line_of_pointer(text, "/__payload__")
        } else {
            line_of_pointer(text, &format!("{base_pointer}{pointer}"))
        }
    };
    let origin = Location::at_line(display, Some(1));
    Ok(Some(FactHost {
        identity: identity(&facts),
        properties: properties(&facts),
        provenance: provenance(&facts, display, &line, &base_pointer, payload),
        name,
        origin,
    }))
}

/// A fact by name, with or without the `ansible_` prefix.
fn fact<'a>(facts: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    facts
        .get(&format!("ansible_{name}"))
        .or_else(|| facts.get(name))
}

fn fact_str(facts: &Map<String, Value>, name: &str) -> Option<String> {
    match fact(facts, name)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        _ => None,
    }
}

fn identity(facts: &Map<String, Value>) -> Identity {
    let mut id = Identity {
        fqdn: fact_str(facts, "fqdn"),
        hostname: fact_str(facts, "hostname").or_else(|| fact_str(facts, "nodename")),
        default_ipv4: fact(facts, "default_ipv4")
            .and_then(|v| v.get("address"))
            .and_then(Value::as_str)
            .map(str::to_string),
        ..Identity::default()
    };
    if let Some(Value::Array(addresses)) = fact(facts, "all_ipv4_addresses") {
        id.addresses = addresses
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
    }
    if let Some(v6) = fact(facts, "default_ipv6")
        .and_then(|v| v.get("address"))
        .and_then(Value::as_str)
    {
        id.addresses.push(v6.to_string());
    }
    for key in ["ec2_instance_id", "board_asset_tag", "ec2_instance-id"] {
        if let Some(value) = fact_str(facts, key) {
            if is_instance_id(&value) && !id.instance_ids.contains(&value) {
                id.instance_ids.push(value);
            }
        }
    }
    id
}

/// EC2 instance ids: `i-` and 8 or 17 hex digits.
fn is_instance_id(value: &str) -> bool {
    value.strip_prefix("i-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn properties(facts: &Map<String, Value>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (key, fact_name) in [
        ("facts.distribution", "distribution"),
        ("facts.distribution_version", "distribution_version"),
        ("facts.os_family", "os_family"),
        ("facts.virtualization_type", "virtualization_type"),
        ("facts.system_vendor", "system_vendor"),
    ] {
        if let Some(v) = fact_str(facts, fact_name) {
            out.insert(key.to_string(), v);
        }
    }
    out
}

fn provenance(
    facts: &Map<String, Value>,
    display: &str,
    line: &dyn Fn(&str) -> Option<u32>,
    _base: &str,
    _payload: bool,
) -> Option<Provenance> {
    let local_key = if facts.contains_key("ansible_local") {
        "ansible_local"
    } else {
        "local"
    };
    let Some(Value::Object(p)) = facts.get(local_key).and_then(|l| l.get("provenance")) else {
        return None;
    };
    let here = format!("/{local_key}/provenance");
    let mut out = Provenance::default();
    if let Some(commit) = p.get("commit").and_then(Value::as_str) {
        let commit = commit.trim();
        if !commit.is_empty() {
            out.commit = Some((
                commit.to_string(),
                Location::at_line(display, line(&format!("{here}/commit"))),
            ));
        }
    }
    if let Some(Value::Object(files)) = p.get("files") {
        for (path, entry) in files {
            let mut pointer = format!("{here}/files");
            crate::scan::json_lines::push_token(&mut pointer, path);
            let origin = Location::at_line(display, line(&pointer));
            if let Some(file) = deployed_file(path, entry, origin) {
                out.files.push(file);
            }
        }
    }
    Some(out)
}

fn deployed_file(path: &str, entry: &Value, origin: Location) -> Option<DeployedFile> {
    let (digest_text, source, template) = match entry {
        Value::String(digest) => (Some(digest.as_str()), None, false),
        Value::Object(e) => {
            let digest = ["sha256", "sha1", "checksum"]
                .iter()
                .find_map(|k| e.get(*k).and_then(Value::as_str));
            let source = e.get("source").and_then(Value::as_str).map(str::to_string);
            (digest, source, truthy(e.get("template")))
        }
        _ => return None,
    };
    let digest = digest_text?.trim().to_ascii_lowercase();
    let digest = digest
        .strip_prefix("sha256:")
        .or_else(|| digest.strip_prefix("sha1:"))
        .unwrap_or(&digest)
        .to_string();
    if !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let algorithm = match digest.len() {
        64 => "sha256",
        40 => "sha1",
        _ => return None,
    };
    Some(DeployedFile {
        path: path.to_string(),
        algorithm,
        digest,
        source,
        template,
        origin,
    })
}

/// `true`, `"true"`, `"yes"`, `1`: facts.d INI files make everything a string.
fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        Some(Value::String(s)) => matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "true" | "yes" | "on" | "1"
        ),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_cache_shape_gives_the_same_facts() {
        let facts = r#"{"ansible_fqdn": "web1.example.com", "ansible_hostname": "web1",
            "ansible_default_ipv4": {"address": "10.0.0.5"},
            "ansible_all_ipv4_addresses": ["10.0.0.5", "172.17.0.1"],
            "ansible_board_asset_tag": "i-0123456789abcdef0",
            "ansible_local": {"provenance": {"commit": "3f2a1c9",
                "files": {"/etc/app.conf": {"sha256": "AB12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12", "source": "roles/app/files/app.conf"},
                          "/etc/motd": {"sha1": "0123456789abcdef0123456789abcdef01234567", "template": "true"}}}}}"#;
        let payload = serde_json::json!({ "__payload__": facts }).to_string();
        let tree = format!(r#"{{"ansible_facts": {facts}, "changed": false}}"#);
        let plain = facts_of(facts, "web1", "d/web1").unwrap().unwrap();
        let v219 = facts_of(&payload, "s1_web1", "d/s1_web1").unwrap().unwrap();
        let from_tree = facts_of(&tree, "web1", "t/web1").unwrap().unwrap();
        for host in [&plain, &v219, &from_tree] {
            assert_eq!(host.name, "web1");
            assert_eq!(host.identity.fqdn.as_deref(), Some("web1.example.com"));
            assert_eq!(host.identity.default_ipv4.as_deref(), Some("10.0.0.5"));
            assert_eq!(host.identity.instance_ids, ["i-0123456789abcdef0"]);
            let p = host.provenance.as_ref().unwrap();
            assert_eq!(p.commit.as_ref().unwrap().0, "3f2a1c9");
            assert_eq!(p.files.len(), 2);
            assert_eq!(p.files[0].algorithm, "sha256");
            assert!(p.files[0].digest.starts_with("ab12"));
            assert!(p.files[1].template);
        }
    }

    #[test]
    fn unreachable_and_broken_files() {
        assert_eq!(
            facts_of(
                r#"{"changed": false, "msg": "x", "unreachable": true}"#,
                "h",
                "h"
            )
            .unwrap(),
            None
        );
        let (line, message) = facts_of("{\n\"a\": 1,\n oops", "h", "h").unwrap_err();
        assert_eq!(line, Some(3));
        assert!(message.contains("not valid JSON"), "{message}");
    }
}
