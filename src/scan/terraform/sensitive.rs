//! Which attribute paths Terraform marked sensitive, in both places it records them:
//!
//! * raw format 4 `sensitive_attributes`: a list of paths, each a list of steps
//!   `{"type":"get_attr","value":"password"}` or
//!   `{"type":"index","value":{"type":"string","value":"k"}}`;
//! * `show -json` `sensitive_values`: a mirror of `values` with `true` at sensitive leaves.
//!
//! Reading errs on the side of secrecy: a step that cannot be understood ends its path there,
//! so the whole value above it counts as sensitive (an empty path covers every attribute).
//! Over-redacting costs some detail in a report; under-redacting leaks a secret.

use crate::model::PathStep;
use serde_json::Value;

/// Paths from a raw state's `sensitive_attributes`, tolerant of older and hand-written shapes.
pub(crate) fn from_sensitive_attributes(value: Value) -> Vec<Vec<PathStep>> {
    match value {
        Value::Array(paths) => paths.into_iter().flat_map(path).collect(),
        // A single path or name where a list was expected.
        Value::String(_) => path(value),
        Value::Bool(false) | Value::Null => Vec::new(),
        // Anything else: we cannot tell what is secret, so everything is.
        _ => vec![Vec::new()],
    }
}

/// One entry of `sensitive_attributes`, as one or more paths.
fn path(value: Value) -> Vec<Vec<PathStep>> {
    match value {
        Value::Array(steps) => {
            let mut out = Vec::with_capacity(steps.len());
            for raw in steps {
                match step(raw) {
                    Some(step) => out.push(step),
                    None => break,
                }
            }
            vec![out]
        }
        // `"password"` or a flat-map style `"tags.secret"`: keep the literal key (flat-map
        // attributes are keyed that way) and, when dotted, the structured path as well.
        Value::String(name) => {
            let mut out = vec![vec![PathStep::Key(name.clone())]];
            if name.contains('.') {
                out.push(name.split('.').map(dotted_step).collect());
            }
            out
        }
        Value::Number(n) => vec![n.as_u64().map(PathStep::Index).into_iter().collect()],
        _ => vec![Vec::new()],
    }
}

fn dotted_step(part: &str) -> PathStep {
    match part.parse::<u64>() {
        Ok(i) => PathStep::Index(i),
        Err(_) => PathStep::Key(part.to_string()),
    }
}

/// One step; `None` when it cannot be understood.
fn step(raw: Value) -> Option<PathStep> {
    match raw {
        Value::String(name) => Some(PathStep::Key(name)),
        Value::Number(n) => n.as_u64().map(PathStep::Index),
        Value::Object(mut map) => {
            let kind = map
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let value = map.swap_remove("value")?;
            match (kind.as_str(), value) {
                ("get_attr", Value::String(name)) => Some(PathStep::Key(name)),
                ("index", Value::Object(mut key)) => key_step(key.swap_remove("value")?),
                // Some writers put the key itself in `value`.
                ("index", bare) => key_step(bare),
                _ => None,
            }
        }
        _ => None,
    }
}

/// An index step's key: a number indexes a list, a string a map.
fn key_step(key: Value) -> Option<PathStep> {
    match key {
        Value::String(s) => Some(PathStep::Key(s)),
        Value::Number(n) => match n.as_u64() {
            Some(i) => Some(PathStep::Index(i)),
            None => Some(PathStep::Key(n.to_string())),
        },
        _ => None,
    }
}

/// Paths to every `true` in a `sensitive_values` mirror.
pub(crate) fn from_sensitive_values(mirror: &Value) -> Vec<Vec<PathStep>> {
    let mut found = Vec::new();
    // Explicit stack, children pushed in reverse so paths come out in document order.
    let mut pending: Vec<(Vec<PathStep>, &Value)> = vec![(Vec::new(), mirror)];
    while let Some((at, value)) = pending.pop() {
        match value {
            Value::Bool(true) => found.push(at),
            Value::Object(map) => {
                for (key, child) in map.iter().rev() {
                    let mut path = at.clone();
                    path.push(PathStep::Key(key.clone()));
                    pending.push((path, child));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    let mut path = at.clone();
                    path.push(PathStep::Index(i as u64));
                    pending.push((path, child));
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(s: &str) -> PathStep {
        PathStep::Key(s.into())
    }

    #[test]
    fn terraform_path_steps() {
        let paths = from_sensitive_attributes(json!([
            [{"type": "get_attr", "value": "password"}],
            [{"type": "get_attr", "value": "tags"}, {"type": "index", "value": {"type": "string", "value": "secret"}}],
            [{"type": "get_attr", "value": "disks"}, {"type": "index", "value": {"type": "number", "value": 1}}]
        ]));
        assert_eq!(
            paths,
            vec![
                vec![key("password")],
                vec![key("tags"), key("secret")],
                vec![key("disks"), PathStep::Index(1)],
            ]
        );
        assert!(from_sensitive_attributes(json!([])).is_empty());
    }

    #[test]
    fn odd_shapes_are_read_or_over_redacted() {
        assert_eq!(
            from_sensitive_attributes(json!(["password", "tags.0"])),
            vec![
                vec![key("password")],
                vec![key("tags.0")],
                vec![key("tags"), PathStep::Index(0)],
            ]
        );
        // An unknown step keeps the path up to it.
        assert_eq!(
            from_sensitive_attributes(
                json!([[{"type": "get_attr", "value": "a"}, {"type": "splat"}]])
            ),
            vec![vec![key("a")]]
        );
        assert_eq!(
            from_sensitive_attributes(json!({"weird": true})),
            vec![Vec::<PathStep>::new()]
        );
        assert_eq!(
            from_sensitive_attributes(json!([[{"type": "index", "value": 2}]])),
            vec![vec![PathStep::Index(2)]]
        );
    }

    #[test]
    fn mirror_of_values() {
        let mirror = json!({"ami": true, "tags": {}, "disks": [false, {"key": true}], "x": false});
        assert_eq!(
            from_sensitive_values(&mirror),
            vec![
                vec![key("ami")],
                vec![key("disks"), PathStep::Index(1), key("key")]
            ]
        );
        assert_eq!(
            from_sensitive_values(&json!(true)),
            vec![Vec::<PathStep>::new()]
        );
        assert!(from_sensitive_values(&json!({})).is_empty());
    }
}
