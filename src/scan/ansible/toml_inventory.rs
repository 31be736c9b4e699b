//! TOML inventories (`.toml`), as Ansible's `toml` plugin reads them: tables of groups with
//! `vars` (a table), `children` (a list of group names) and `hosts` (a table of host patterns
//! to their variables). Lines are those of the `[group...]` header or the key that names the
//! host or variable.

use super::inventory::{Inventory, Var};
use super::{hostpattern, SourceError};
use crate::model::Location;
use serde_json::{Map, Value};

pub fn read(text: &str, display: &str, inventory: &mut Inventory) -> Result<(), SourceError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| SourceError {
        line: e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u32 + 1),
        message: format!("not valid TOML: {}", e.message()),
    })?;
    if table.is_empty() {
        return Err(SourceError {
            line: Some(1),
            message: "the TOML file is empty".into(),
        });
    }
    if table.contains_key("plugin") {
        return Err(SourceError {
            line: line_of_key(text, "plugin"),
            message: "an inventory plugin configuration, not an inventory".into(),
        });
    }
    for (name, data) in &table {
        parse_group(name, Some(data), text, display, inventory)?;
    }
    Ok(())
}

fn parse_group(
    name: &str,
    data: Option<&toml::Value>,
    text: &str,
    display: &str,
    inventory: &mut Inventory,
) -> Result<usize, SourceError> {
    let fail = |key: &str, message: String| SourceError {
        line: line_of_key(text, key).or_else(|| line_of_key(text, name)),
        message,
    };
    let g = inventory.add_group(
        name,
        Some(Location::at_line(display, line_of_key(text, name))),
    );
    let Some(toml::Value::Table(data)) = data else {
        return Ok(g);
    };
    for (key, value) in data {
        match key.as_str() {
            "vars" => {
                let toml::Value::Table(vars) = value else {
                    return Err(fail("vars", format!("`{name}.vars` must be a table")));
                };
                for (k, v) in vars {
                    let var = Var {
                        value: json(v),
                        origin: Location::at_line(display, line_of_key(text, k)),
                    };
                    inventory.set_group_var(g, k, var).map_err(|m| fail(k, m))?;
                }
            }
            "children" => {
                let toml::Value::Array(children) = value else {
                    return Err(fail(
                        "children",
                        format!("`{name}.children` must be a list"),
                    ));
                };
                for child in children {
                    let Some(child) = child.as_str() else {
                        return Err(fail(
                            "children",
                            format!("`{name}.children` must list names"),
                        ));
                    };
                    let c = parse_group(child, None, text, display, inventory)?;
                    inventory
                        .add_child_group(g, c)
                        .map_err(|m| fail("children", m))?;
                }
            }
            "hosts" => {
                let toml::Value::Table(hosts) = value else {
                    return Err(fail("hosts", format!("`{name}.hosts` must be a table")));
                };
                for (pattern, host_vars) in hosts {
                    let (names, port) =
                        hostpattern::expand(pattern).map_err(|m| fail(pattern, m))?;
                    let toml::Value::Table(host_vars) = host_vars else {
                        return Err(fail(
                            pattern,
                            format!("host `{pattern}` must map to a table"),
                        ));
                    };
                    let origin = Location::at_line(display, line_of_key(text, pattern));
                    for host in names {
                        inventory
                            .add_host(&host, Some(g), port, &origin)
                            .map_err(|m| fail(pattern, m))?;
                        for (k, v) in host_vars {
                            let var = Var {
                                value: json(v),
                                origin: origin.clone(),
                            };
                            inventory
                                .set_variable(&host, k, var)
                                .map_err(|m| fail(k, m))?;
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(g)
}

/// The first line where `key` starts a key (`key =`, `key.`, `[key`, `"key"`).
fn line_of_key(text: &str, key: &str) -> Option<u32> {
    text.lines()
        .position(|line| {
            let line = line.trim_start().trim_start_matches('[');
            let line = line.strip_prefix('"').unwrap_or(line);
            line.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(['=', '.', ']', '"']))
        })
        .map(|i| i as u32 + 1)
}

fn json(value: &toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => {
            super::yaml::float_value(*f).unwrap_or_else(|| Value::String(f.to_string()))
        }
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.iter().map(json).collect()),
        toml::Value::Table(t) => Value::Object(
            t.iter()
                .map(|(k, v)| (k.clone(), json(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}
