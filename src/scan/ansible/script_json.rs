//! JSON inventories: what `ansible-inventory --list` prints and what a dynamic inventory script
//! prints for `--list`. Groups map to `{"hosts": [...], "vars": {...}, "children": [...]}` (or,
//! in the legacy forms, to a bare list of hosts, or to a mapping with none of those keys, which
//! makes the group its own sole host); `_meta.hostvars` holds each host's variables and counts
//! only for hosts some group lists, as in Ansible's `script` plugin. Values tagged the way
//! `--list` tags them (`{"__ansible_vault": ...}`, `{"__ansible_unsafe": ...}`) are read as a
//! vault stand-in and a plain string.

use super::inventory::{Inventory, Var};
use super::yaml::{vault_value, VAULT_KEY};
use super::SourceError;
use crate::model::Location;
use crate::scan::json_lines::{pointer, walk, Event, Segment};
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::ops::ControlFlow;

/// Whether a JSON object has the shape of `--list` output rather than of a YAML-style
/// inventory written in JSON: a `_meta` member, or a group that maps to a list or whose
/// `hosts` or `children` is a list.
pub fn looks_like_list_output(root: &Map<String, Value>) -> bool {
    root.contains_key("_meta")
        || root.values().any(|group| match group {
            Value::Array(_) => true,
            Value::Object(g) => {
                g.get("hosts").is_some_and(Value::is_array)
                    || g.get("children").is_some_and(Value::is_array)
            }
            _ => false,
        })
}

/// Lines of the values a reader reports: groups, their vars, and `_meta.hostvars` entries.
fn lines(text: &str) -> HashMap<String, u32> {
    let mut out = HashMap::new();
    walk(text, |event| {
        if let Event::Value { path, line, .. } = event {
            let keep = match path {
                [_] | [_, _] | [_, Segment::Key(_), _] => true,
                [Segment::Key(meta), Segment::Key(hv), _, _] => meta == "_meta" && hv == "hostvars",
                _ => false,
            };
            if keep {
                out.insert(pointer(path), line);
            }
        }
        ControlFlow::Continue(())
    });
    out
}

/// Reads `root` (the parsed text of the file shown as `display`) into `inventory`.
pub fn read(
    root: Map<String, Value>,
    text: &str,
    display: &str,
    inventory: &mut Inventory,
) -> Result<(), SourceError> {
    let lines = lines(text);
    let at = |pointer: &str| Location::at_line(display, lines.get(pointer).copied());
    let line = |pointer: &str| lines.get(pointer).copied();
    let mut listed: BTreeSet<String> = BTreeSet::new();
    let mut hostvars: Option<Map<String, Value>> = None;
    for (name, data) in root {
        let group_pointer = child("", &name);
        if name == "_meta" {
            let Value::Object(mut meta) = data else {
                return Err(SourceError {
                    line: line(&group_pointer),
                    message: "`_meta` must be an object".into(),
                });
            };
            match meta.remove("hostvars") {
                Some(Value::Object(vars)) => hostvars = Some(vars),
                None => {}
                Some(_) => {
                    return Err(SourceError {
                        line: line(&child(&group_pointer, "hostvars")),
                        message: "`_meta.hostvars` must be an object of hosts".into(),
                    })
                }
            }
            continue;
        }
        let g = inventory.add_group(&name, Some(at(&group_pointer)));
        let fail = |key: &str, message: String| SourceError {
            line: line(&child(&group_pointer, key)).or(line(&group_pointer)),
            message,
        };
        let data = match data {
            Value::Object(map)
                if ["hosts", "vars", "children"]
                    .iter()
                    .any(|k| map.contains_key(*k)) =>
            {
                map
            }
            Value::Object(map) => {
                // A group with none of the three keys is its own sole host, the map its vars.
                let mut wrapped = Map::new();
                wrapped.insert(
                    "hosts".into(),
                    Value::Array(vec![Value::String(name.clone())]),
                );
                wrapped.insert("vars".into(), Value::Object(map));
                wrapped
            }
            other => {
                let mut wrapped = Map::new();
                wrapped.insert("hosts".into(), other);
                wrapped
            }
        };
        if let Some(hosts) = data.get("hosts") {
            let Value::Array(hosts) = hosts else {
                return Err(fail(
                    "hosts",
                    format!("`{name}.hosts` must be a list of host names"),
                ));
            };
            for (i, host) in hosts.iter().enumerate() {
                let Value::String(host) = host else {
                    return Err(fail(
                        "hosts",
                        format!("`{name}.hosts[{i}]` must be a host name"),
                    ));
                };
                let origin = at(&child(&child(&group_pointer, "hosts"), &i.to_string()));
                inventory
                    .add_host(host, Some(g), None, &origin)
                    .map_err(|m| fail("hosts", m))?;
                listed.insert(host.clone());
            }
        }
        if let Some(vars) = data.get("vars") {
            let Value::Object(vars) = vars else {
                return Err(fail("vars", format!("`{name}.vars` must be an object")));
            };
            let vars_pointer = child(&group_pointer, "vars");
            for (k, v) in vars {
                let var = Var {
                    value: untag(v.clone()),
                    origin: at(&child(&vars_pointer, k)),
                };
                inventory
                    .set_group_var(g, k, var)
                    .map_err(|m| fail("vars", m))?;
            }
        }
        if let Some(children) = data.get("children") {
            let names: Vec<&str> = match children {
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                Value::Object(items) => items.keys().map(String::as_str).collect(),
                _ => Vec::new(),
            };
            for child_name in names {
                let c = inventory.add_group(child_name, None);
                inventory
                    .add_child_group(g, c)
                    .map_err(|m| fail("children", m))?;
            }
        }
    }
    let Some(hostvars) = hostvars else {
        return Ok(());
    };
    for (host, vars) in hostvars {
        if !listed.contains(&host) {
            continue;
        }
        let host_pointer = child("/_meta/hostvars", &host);
        let Value::Object(vars) = vars else {
            return Err(SourceError {
                line: line(&host_pointer),
                message: format!("`_meta.hostvars.{host}` must be an object of variables"),
            });
        };
        for (k, v) in vars {
            let var = Var {
                value: untag(v),
                origin: at(&child(&host_pointer, &k)),
            };
            inventory
                .set_variable(&host, &k, var)
                .map_err(|message| SourceError {
                    line: line(&host_pointer),
                    message,
                })?;
        }
    }
    Ok(())
}

fn child(parent: &str, key: &str) -> String {
    let mut out = parent.to_string();
    crate::scan::json_lines::push_token(&mut out, key);
    out
}

/// `{"__ansible_vault": ciphertext}` becomes the vault stand-in, `{"__ansible_unsafe": s}`
/// the string, at any depth.
pub fn untag(value: Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 => {
            let (key, inner) = map.into_iter().next().expect("one member");
            match (key.as_str(), inner) {
                (VAULT_KEY, Value::String(ciphertext)) => vault_value(&ciphertext),
                ("__ansible_unsafe", Value::String(s)) => Value::String(s),
                (_, inner) => {
                    let mut out = Map::new();
                    out.insert(key, untag(inner));
                    Value::Object(out)
                }
            }
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, untag(v))).collect()),
        Value::Array(items) => Value::Array(items.into_iter().map(untag).collect()),
        other => other,
    }
}
