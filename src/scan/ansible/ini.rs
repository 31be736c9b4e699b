//! INI inventories, read line by line as Ansible's `ini` plugin reads them: hosts before the
//! first section belong to `ungrouped`; `[group]` lists hosts (patterns with ranges and a
//! port, then `key=value` words), `[group:children]` lists child groups (which may be
//! declared later in the file), `[group:vars]` sets group variables; `;` and `#` start comment
//! lines. Values go through Python's `literal_eval` ([`super::pyliteral`]).
//!
//! The first problem ends the read, as in Ansible, with its line and the line's text.

use super::hostpattern;
use super::inventory::{Inventory, Var};
use super::pyliteral::literal_eval;
use super::shlex;
use super::SourceError;
use crate::model::Location;
use serde_json::Value;

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Hosts,
    Children,
    Vars,
}

struct Pending {
    line: u32,
    state: State,
    name: String,
    parents: Vec<String>,
}

/// Reads `text` (the file shown as `display`) into `inventory`.
pub fn read(text: &str, display: &str, inventory: &mut Inventory) -> Result<(), SourceError> {
    let mut pending: Vec<Pending> = Vec::new();
    let mut group = "ungrouped".to_string();
    let mut state = State::Hosts;
    for (n, raw) in text.split('\n').enumerate() {
        let number = (n + 1) as u32;
        let fail = |message: String| SourceError {
            line: Some(number),
            message,
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with([';', '#']) {
            continue;
        }
        if let Some((name, kind)) = section(line) {
            state = match kind {
                None | Some("hosts") => State::Hosts,
                Some("children") => State::Children,
                Some("vars") => State::Vars,
                Some(other) => {
                    return Err(fail(format!(
                        "section [{name}:{other}] has unknown type `{other}`: expected hosts, \
                         children or vars"
                    )))
                }
            };
            group = name.to_string();
            if inventory.group(&group).is_none() {
                if state == State::Vars && !pending.iter().any(|p| p.name == group) {
                    pending.push(Pending {
                        line: number,
                        state,
                        name: group.clone(),
                        parents: Vec::new(),
                    });
                }
                inventory.add_group(&group, Some(Location::at_line(display, Some(number))));
            }
            if state != State::Vars {
                if let Some(at) = pending.iter().position(|p| p.name == group) {
                    match pending[at].state {
                        State::Children => {
                            add_pending_children(&group, &mut pending, inventory).map_err(fail)?
                        }
                        _ => {
                            pending.remove(at);
                        }
                    }
                }
            }
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            return Err(fail(format!(
                "invalid section entry `{line}`: a section is [name], [name:vars] or \
                 [name:children], with no spaces in it"
            )));
        }
        let origin = Location::at_line(display, Some(number));
        match state {
            State::Hosts => host_line(line, &group, &origin, inventory).map_err(fail)?,
            State::Vars => {
                let Some((key, value)) = line.split_once('=') else {
                    return Err(fail(format!("expected key=value, got `{line}`")));
                };
                let var = Var {
                    value: parse_value(value.trim()),
                    origin,
                };
                inventory
                    .set_variable(&group, key.trim(), var)
                    .map_err(fail)?;
            }
            State::Children => {
                let child = group_name(line)
                    .ok_or_else(|| fail(format!("expected a group name, got `{line}`")))?;
                if inventory.group(child).is_some() {
                    let parent = inventory.add_group(&group, None);
                    inventory.add_child(parent, child).map_err(fail)?;
                } else if let Some(p) = pending.iter_mut().find(|p| p.name == child) {
                    p.parents.push(group.clone());
                } else {
                    pending.push(Pending {
                        line: number,
                        state,
                        name: child.to_string(),
                        parents: vec![group.clone()],
                    });
                }
            }
        }
    }
    if let Some(p) = pending.first() {
        let message = match p.state {
            State::Vars => format!(
                "section [{}:vars] is not valid for undefined group `{}`",
                p.name, p.name
            ),
            _ => format!(
                "section [{}:children] includes undefined group `{}`",
                p.parents.last().map(String::as_str).unwrap_or("?"),
                p.name
            ),
        };
        return Err(SourceError {
            line: Some(p.line),
            message,
        });
    }
    Ok(())
}

/// `[name]` or `[name:type]`, with optional trailing whitespace and comment.
fn section(line: &str) -> Option<(&str, Option<&str>)> {
    let rest = line.strip_prefix('[')?;
    let name_end = rest.find(|c: char| c == ':' || c == ']' || c.is_whitespace())?;
    let name = &rest[..name_end];
    if name.is_empty() {
        return None;
    }
    let mut rest = &rest[name_end..];
    let mut kind = None;
    if let Some(after) = rest.strip_prefix(':') {
        let end = after.find(|c: char| !(c.is_alphanumeric() || c == '_'))?;
        if end == 0 {
            return None;
        }
        kind = Some(&after[..end]);
        rest = &after[end..];
    }
    let rest = rest.strip_prefix(']')?.trim_start();
    (rest.is_empty() || rest.starts_with('#')).then_some((name, kind))
}

/// A group name alone on its line (under `[x:children]`), with an optional comment.
fn group_name(line: &str) -> Option<&str> {
    let end = line
        .find(|c: char| c == ':' || c == ']' || c.is_whitespace())
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(end);
    let rest = rest.trim_start();
    (!name.is_empty() && (rest.is_empty() || rest.starts_with('#'))).then_some(name)
}

fn host_line(
    line: &str,
    group: &str,
    origin: &Location,
    inventory: &mut Inventory,
) -> Result<(), String> {
    let tokens = shlex::split(line)
        .map_err(|e| format!("cannot split the host definition `{line}`: {e}"))?;
    let Some(pattern) = tokens.first() else {
        return Err(format!("expected a host, got `{line}`"));
    };
    let (hosts, port) = hostpattern::expand(pattern)?;
    if pattern.trim().ends_with(':') && port.is_none() {
        return Err(format!(
            "invalid host pattern `{pattern}`: it ends in `:`, which is kept for a port"
        ));
    }
    if hosts.iter().any(|h| h.trim() == "---") {
        return Err(format!(
            "invalid host pattern `{pattern}`: `---` is normally a sign this is a YAML file"
        ));
    }
    let mut vars = Vec::with_capacity(tokens.len() - 1);
    for token in &tokens[1..] {
        let Some((key, value)) = token.split_once('=') else {
            return Err(format!(
                "expected key=value host variable assignment, got `{token}`"
            ));
        };
        vars.push((key.to_string(), parse_value(value)));
    }
    let g = inventory.add_group(group, None);
    for host in &hosts {
        let h = inventory.add_host(host, Some(g), port, origin)?;
        // As in Ansible, a group of the host's name takes the variables instead.
        let same_name_group = inventory.group(host);
        for (key, value) in &vars {
            let var = Var {
                value: value.clone(),
                origin: origin.clone(),
            };
            match same_name_group {
                Some(named) => inventory.set_group_var(named, key, var)?,
                None => {
                    inventory.hosts[h].vars.insert(key.clone(), var);
                }
            }
        }
    }
    Ok(())
}

/// `_parse_value`: `literal_eval` of the text, or the text.
fn parse_value(text: &str) -> Value {
    literal_eval(text).unwrap_or_else(|| Value::String(text.to_string()))
}

/// Adds `group` to the parents that named it before it was declared, recursively.
fn add_pending_children(
    group: &str,
    pending: &mut Vec<Pending>,
    inventory: &mut Inventory,
) -> Result<(), String> {
    let Some(at) = pending.iter().position(|p| p.name == group) else {
        return Ok(());
    };
    let parents = pending[at].parents.clone();
    for parent in &parents {
        let p = inventory.add_group(parent, None);
        inventory.add_child(p, group)?;
        if pending
            .iter()
            .any(|x| &x.name == parent && x.state == State::Children)
        {
            add_pending_children(parent, pending, inventory)?;
        }
    }
    pending.retain(|p| p.name != group);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::ansible::inventory::{ALL, UNGROUPED};

    fn read_ok(text: &str) -> Inventory {
        let mut inv = Inventory::new();
        read(text, "inv.ini", &mut inv).unwrap();
        inv.reconcile();
        inv
    }

    #[test]
    fn sections_hosts_children_and_vars() {
        let inv = read_ok(
            "lonely a=1\n[web]\nweb[1:2] x=\"a b\" n=3\n[prod:children]\nweb\n[prod:vars]\nenv=prod # kept\n",
        );
        let lonely = inv.host("lonely").unwrap();
        assert!(inv.groups[UNGROUPED].hosts.contains(&lonely));
        let web2 = inv.host("web2").unwrap();
        let vars = inv.host_vars(web2);
        assert_eq!(vars["x"].value, Value::from("a b"));
        assert_eq!(vars["n"].value, Value::from(3));
        assert_eq!(vars["env"].value, Value::from("prod # kept"));
        assert_eq!(vars["env"].origin.line, Some(7));
        let prod = inv.group("prod").unwrap();
        assert!(inv.groups[ALL].children.contains(&prod));
    }

    #[test]
    fn problems_name_their_line() {
        let mut inv = Inventory::new();
        let e = read("[web]\nweb1\nweb2 novalue\n", "i", &mut inv).unwrap_err();
        assert_eq!(e.line, Some(3));
        let e = read("[web]\nweb[01:05\n", "i", &mut Inventory::new()).unwrap_err();
        assert_eq!(e.line, Some(2));
        let e = read("[a:children]\nb\n", "i", &mut Inventory::new()).unwrap_err();
        assert!(e.message.contains("undefined group"), "{e:?}");
        let e = read("[a b]\n", "i", &mut Inventory::new()).unwrap_err();
        assert!(e.message.contains("invalid section"), "{e:?}");
    }
}
