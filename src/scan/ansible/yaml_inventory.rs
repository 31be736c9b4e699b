//! YAML inventories, as Ansible's `yaml` plugin reads them: a mapping of groups, each with
//! optional `vars`, `children` (a mapping of groups, recursively) and `hosts` (a mapping of
//! host patterns to their variables). Keys other than those three are ignored with a note in
//! Ansible; so they are here. A host pattern that is not a string (`0:`) is an error, as is a
//! section that is not a mapping.

use super::inventory::{Inventory, Var};
use super::yaml::{Converter, Node};
use super::{hostpattern, SourceError};
use crate::model::Location;
use serde_json::Value;
use std::collections::hash_map::{Entry, HashMap};
use std::rc::Rc;

/// A mapping's entries with duplicate keys resolved as a Python dict resolves them: the last
/// value wins, in the place of the first.
pub fn entries(
    node: &Node,
    conv: &mut Converter,
) -> Result<Vec<(Value, Rc<Node>, u32)>, SourceError> {
    let mut out: Vec<(Value, Rc<Node>, u32)> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (key, value) in node.map_entries().map_err(SourceError::from)? {
        let k = conv.value(&key).map_err(SourceError::from)?;
        let line = key.line();
        match seen.entry(k.to_string()) {
            Entry::Occupied(at) => {
                let slot = &mut out[*at.get()];
                slot.1 = value;
                slot.2 = line;
            }
            Entry::Vacant(at) => {
                at.insert(out.len());
                out.push((k, value, line));
            }
        }
    }
    Ok(out)
}

/// Reads the YAML inventory `root` (already parsed) into `inventory`.
pub fn read(
    root: &Node,
    conv: &mut Converter,
    display: &str,
    inventory: &mut Inventory,
) -> Result<(), SourceError> {
    for (name, data, line) in entries(root, conv)? {
        parse_group(&name, &data, line, conv, display, inventory)?;
    }
    Ok(())
}

fn err(line: u32, message: String) -> SourceError {
    SourceError {
        line: Some(line),
        message,
    }
}

fn key_string(key: &Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn parse_group(
    name: &Value,
    data: &Node,
    line: u32,
    conv: &mut Converter,
    display: &str,
    inventory: &mut Inventory,
) -> Result<Option<usize>, SourceError> {
    let is_map = matches!(data, Node::Map { .. });
    if !is_map && !data.is_null() {
        // Ansible warns and skips a group that is not a mapping.
        return Ok(None);
    }
    let Some(name) = key_string(name) else {
        return Err(err(
            line,
            format!("invalid group name {name}: a group name must be a string"),
        ));
    };
    let g = inventory.add_group(&name, Some(Location::at_line(display, Some(line))));
    if !is_map {
        return Ok(Some(g));
    }
    let sections = entries(data, conv)?;
    for (key, value, key_line) in &sections {
        let Some(key) = key_string(key) else { continue };
        if !matches!(key.as_str(), "vars" | "children" | "hosts") {
            continue;
        }
        let found = match &**value {
            Node::Map { .. } => None,
            _ if value.is_null() => None,
            Node::Scalar { .. } => match conv.value(value).map_err(SourceError::from)? {
                Value::String(_) => None,
                other => Some(super::json_type(&other)),
            },
            Node::Seq { .. } => Some("a list"),
        };
        if let Some(found) = found {
            return Err(err(
                *key_line,
                format!(
                    "invalid \"{key}\" entry for group \"{name}\": it must be a mapping, found \
                     {found}"
                ),
            ));
        }
    }
    for (key, value, _) in sections {
        let Some(key) = key_string(&key) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        // `hosts: web1` means `hosts: {web1: null}`.
        let items: Vec<(Value, Rc<Node>, u32)> = match &*value {
            Node::Map { .. } => entries(&value, conv)?,
            Node::Scalar { .. } if matches!(key.as_str(), "vars" | "children" | "hosts") => {
                let v = conv.value(&value).map_err(SourceError::from)?;
                vec![(v, null_node(value.line()), value.line())]
            }
            _ => continue,
        };
        match key.as_str() {
            "vars" => {
                for (var, value, var_line) in items {
                    let var = key_text(&var);
                    let value = conv.value(&value).map_err(SourceError::from)?;
                    inventory
                        .set_group_var(
                            g,
                            &var,
                            Var {
                                value,
                                origin: Location::at_line(display, Some(var_line)),
                            },
                        )
                        .map_err(|m| err(var_line, m))?;
                }
            }
            "children" => {
                for (child, child_data, child_line) in items {
                    let c = parse_group(&child, &child_data, child_line, conv, display, inventory)?;
                    let child_name = key_string(&child).unwrap_or_default();
                    match c {
                        Some(c) => inventory.add_child_group(g, c),
                        None => inventory.add_child(g, &child_name),
                    }
                    .map_err(|m| err(child_line, m))?;
                }
            }
            "hosts" => {
                for (pattern, host_data, host_line) in items {
                    let Some(pattern) = key_string(&pattern) else {
                        return Err(err(
                            host_line,
                            format!(
                                "host pattern {pattern} must be a string: enclose numbers in \
                                 quotation marks"
                            ),
                        ));
                    };
                    let (hosts, port) =
                        hostpattern::expand(&pattern).map_err(|m| err(host_line, m))?;
                    let vars = host_vars(&host_data, conv, display)?;
                    let origin = Location::at_line(display, Some(host_line));
                    for host in hosts {
                        inventory
                            .add_host(&host, Some(g), port, &origin)
                            .map_err(|m| err(host_line, m))?;
                        for (k, v) in &vars {
                            inventory
                                .set_variable(&host, k, v.clone())
                                .map_err(|m| err(host_line, m))?;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(Some(g))
}

fn null_node(line: u32) -> Rc<Node> {
    Rc::new(Node::Scalar {
        text: String::new(),
        style: super::yaml::Style::Plain,
        tag: None,
        line,
    })
}

fn host_vars(
    data: &Node,
    conv: &mut Converter,
    display: &str,
) -> Result<Vec<(String, Var)>, SourceError> {
    if data.is_null() {
        return Ok(Vec::new());
    }
    if !matches!(data, Node::Map { .. }) {
        return Err(err(
            data.line(),
            "invalid host data: expected a mapping of variables".into(),
        ));
    }
    let mut out = Vec::new();
    for (key, value, line) in entries(data, conv)? {
        let value = conv.value(&value).map_err(SourceError::from)?;
        out.push((
            key_text(&key),
            Var {
                value,
                origin: Location::at_line(display, Some(line)),
            },
        ));
    }
    Ok(out)
}

/// A variable name as the JSON output writes it.
fn key_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
