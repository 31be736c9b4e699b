//! Comparing a committed value with the running one. The state holds what the provider
//! recorded after type conversion (`"40"` in code is `40` in state, a set comes back in the
//! provider's order, an object-typed attribute lists its unset members as null), so equality
//! here follows those conversions rather than byte equality. Sensitive values are compared by
//! digest and never leave this module.

use super::eval::Step;
use crate::model::PathStep;
use serde_json::{Map, Value};

/// The running value at `path` in a resource's attributes: nested blocks are lists of objects
/// (`root_block_device[0].volume_size`); flat-map states (`attributes_flat`, format 3) are
/// read through their dotted keys.
pub fn running_value(attributes: &Value, path: &[Step]) -> Option<Value> {
    let Value::Object(map) = attributes else {
        return None;
    };
    if map.contains_key("id") && map.keys().any(|k| k.contains('.')) {
        if let Some(value) = flat_value(map, path) {
            return Some(value);
        }
    }
    let mut current = attributes;
    for step in path {
        current = match step {
            Step::Key(k) => current.get(k)?,
            Step::Block(k, i) => match current.get(k)? {
                Value::Array(items) => items.get(*i)?,
                object @ Value::Object(_) if *i == 0 => object,
                _ => return None,
            },
        };
    }
    Some(current.clone())
}

/// A value of a flat map, rebuilt: `tags.%` / `tags.Name` into an object, `x.#` / `x.0`
/// into an array.
fn flat_value(map: &Map<String, Value>, path: &[Step]) -> Option<Value> {
    let mut prefix = String::new();
    for step in path {
        if !prefix.is_empty() {
            prefix.push('.');
        }
        match step {
            Step::Key(k) => prefix.push_str(k),
            Step::Block(k, i) => prefix.push_str(&format!("{k}.{i}")),
        }
    }
    if let Some(v) = map.get(&prefix) {
        return Some(v.clone());
    }
    let dotted = format!("{prefix}.");
    if let Some(count) = map.get(&format!("{prefix}.#")) {
        let n: usize = count.as_str()?.parse().ok()?;
        let items = (0..n)
            .map(|i| {
                map.get(&format!("{dotted}{i}"))
                    .cloned()
                    .unwrap_or(Value::Null)
            })
            .collect();
        return Some(Value::Array(items));
    }
    if map.contains_key(&format!("{prefix}.%")) {
        let object: Map<String, Value> = map
            .iter()
            .filter_map(|(k, v)| {
                // Map keys may hold dots themselves (`integration.request.path.proxy`).
                let rest = k.strip_prefix(&dotted)?;
                (rest != "%").then(|| (rest.to_string(), v.clone()))
            })
            .collect();
        return Some(Value::Object(object));
    }
    None
}

/// The path as the state's `sensitive_attributes` write it.
pub fn state_path(path: &[Step]) -> Vec<PathStep> {
    let mut out = Vec::new();
    for step in path {
        match step {
            Step::Key(k) => out.push(PathStep::Key(k.clone())),
            Step::Block(k, i) => {
                out.push(PathStep::Key(k.clone()));
                out.push(PathStep::Index(*i as u64));
            }
        }
    }
    out
}

/// Whether a committed value equals the running one, after Terraform's type conversions.
pub fn equal(committed: &Value, running: &Value) -> bool {
    match (committed, running) {
        (Value::Null, Value::Null) => true,
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && (a.iter().zip(b).all(|(x, y)| equal(x, y)) || same_elements(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.iter().all(|(k, v)| {
                b.get(k).is_some_and(|w| equal(v, w)) || (v.is_null() && b.get(k).is_none())
            }) && b.iter().all(|(k, w)| a.contains_key(k) || w.is_null())
        }
        // A nested block written as an object in JSON syntax: the state has a list of one
        // object, with the provider's computed members besides the ones set.
        (Value::Object(a), Value::Array(b)) if b.len() == 1 => match &b[0] {
            Value::Object(o) => a.iter().all(|(k, v)| o.get(k).is_some_and(|w| equal(v, w))),
            _ => false,
        },
        (Value::Array(_) | Value::Object(_), _) | (_, Value::Array(_) | Value::Object(_)) => false,
        (a, b) => match (scalar(a), scalar(b)) {
            (Some(x), Some(y)) => {
                x == y || numbers_equal(&x, &y) || x.eq_ignore_ascii_case(&y) || same_json(&x, &y)
            }
            _ => false,
        },
    }
}

/// Two strings that both hold a JSON object or array with the same content: providers store
/// policy documents normalised (`jsonencode`, whitespace, key order).
fn same_json(a: &str, b: &str) -> bool {
    let parse = |s: &str| -> Option<Value> {
        let t = s.trim_start();
        if !(t.starts_with('{') || t.starts_with('[')) {
            return None;
        }
        serde_json::from_str(s).ok()
    };
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => equal(&x, &y) && equal(&y, &x),
        _ => false,
    }
}

/// Whether every member of a committed object equals the running member of the same name: for
/// `tags` under a provider's `default_tags`, which providers have merged into `tags` in some
/// versions.
pub fn equal_members(committed: &Value, running: &Value) -> bool {
    match (committed, running) {
        (Value::Object(a), Value::Object(b)) => {
            a.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => equal(committed, running),
    }
}

/// Multiset equality, for sets the provider returns in its own order.
fn same_elements(a: &[Value], b: &[Value]) -> bool {
    let mut used = vec![false; b.len()];
    a.iter().all(|x| {
        let hit = b
            .iter()
            .enumerate()
            .find(|(j, y)| !used[*j] && equal(x, y))
            .map(|(j, _)| j);
        match hit {
            Some(j) => {
                used[j] = true;
                true
            }
            None => false,
        }
    })
}

/// A scalar as the string Terraform would convert it to.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => None,
        _ => None,
    }
}

fn numbers_equal(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// sha256 of a value's canonical form (scalars as the strings Terraform converts them to),
/// for comparing sensitive values without keeping them side by side.
pub fn digest(value: &Value) -> String {
    crate::model::id::sha256_hex(canonical(value).as_bytes())
}

fn canonical(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical).collect();
            format!("[{}]", inner.join(","))
        }
        Value::Object(map) => {
            let mut members: Vec<(String, String)> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), canonical(v)))
                .collect();
            members.sort();
            let inner: Vec<String> = members
                .into_iter()
                .map(|(k, v)| format!("{}:{v}", Value::String(k)))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Number(n) => {
            let text = n.to_string();
            match text.parse::<f64>() {
                Ok(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                _ => text,
            }
        }
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
    }
}

/// A value for a message: compact JSON, cut at 80 characters.
pub fn show(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        let cut: String = text.chars().take(77).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conversions_terraform_makes_compare_equal() {
        assert!(equal(&json!("40"), &json!(40)));
        assert!(equal(&json!(40), &json!(40.0)));
        assert!(equal(&json!(true), &json!("true")));
        assert!(equal(&json!(["a", "b"]), &json!(["b", "a"])));
        assert!(equal(&json!({"a": 1}), &json!({"a": 1, "b": null})));
        assert!(equal(
            &json!({"size": 40}),
            &json!([{"size": 40, "iops": 3000}])
        ));
        assert!(!equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!equal(&json!("t3.small"), &json!("t3.large")));
        assert!(!equal(&json!(["a"]), &json!(["a", "a"])));
        assert!(equal(&json!("Dynamic"), &json!("dynamic")));
        assert!(equal(
            &json!("{\n  \"Version\": \"2012-10-17\", \"Statement\": []\n}"),
            &json!("{\"Statement\":[],\"Version\":\"2012-10-17\"}")
        ));
    }

    #[test]
    fn blocks_and_flat_maps_are_read() {
        let attrs = json!({"id": "i-1", "root_block_device": [{"volume_size": 40}]});
        let path = [
            Step::Block("root_block_device".into(), 0),
            Step::Key("volume_size".into()),
        ];
        assert_eq!(running_value(&attrs, &path), Some(json!(40)));
        let flat = json!({"id": "x", "tags.%": "1", "tags.Name": "web", "ami": "a"});
        assert_eq!(
            running_value(&flat, &[Step::Key("tags".into())]),
            Some(json!({"Name": "web"}))
        );
        assert_eq!(
            running_value(&flat, &[Step::Key("ami".into())]),
            Some(json!("a"))
        );
    }

    #[test]
    fn digests_follow_the_same_conversions() {
        assert_eq!(digest(&json!("40")), digest(&json!(40)));
        assert_ne!(digest(&json!("a")), digest(&json!("b")));
    }
}
