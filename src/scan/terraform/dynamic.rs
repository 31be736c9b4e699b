//! Attributes of dynamic type (`terraform_data.input`, `kubernetes_manifest.manifest`, ...)
//! are stored in a raw state wrapped with their type: `{"value": {...}, "type": ["object",
//! {...}]}`. `terraform show -json` prints them unwrapped, and `sensitive_attributes` paths
//! address the unwrapped value (`input.pw`, not `input.value.pw`). So the wrappers are
//! removed: attributes then read the same from a raw state and from `show -json`, and
//! sensitive paths cover what they are meant to.
//!
//! Without the provider schema a wrapper can only be recognised by its shape: an object with
//! exactly the members `value` and `type`, where `type` is a valid type expression and `value`
//! conforms to it. An ordinary nested object shaped exactly like that (`{"type": "string",
//! "value": "x"}`) is indistinguishable and would be unwrapped too.

use serde_json::{Map, Value};

/// Replaces every dynamic-value wrapper in `attributes` by the value it wraps.
pub(crate) fn unwrap_dynamic(attributes: &mut Value) {
    let mut pending: Vec<&mut Value> = vec![attributes];
    while let Some(value) = pending.pop() {
        if let Some(inner) = take_wrapped(value) {
            // The wrapped value is concrete: no wrappers inside it.
            *value = inner;
            continue;
        }
        match value {
            Value::Object(map) => pending.extend(map.values_mut()),
            Value::Array(items) => pending.extend(items.iter_mut()),
            _ => {}
        }
    }
}

fn take_wrapped(value: &mut Value) -> Option<Value> {
    let map = value.as_object_mut()?;
    if map.len() != 2 {
        return None;
    }
    let (ty, inner) = (map.get("type")?, map.get("value")?);
    if !conforms(inner, ty) {
        return None;
    }
    map.swap_remove("value")
}

/// Whether `ty` is a type expression and `value` a value of that type. Type expressions nest
/// no deeper than the JSON holding them, which the parser already bounded.
fn conforms(value: &Value, ty: &Value) -> bool {
    match ty {
        Value::String(name) => match name.as_str() {
            "dynamic" => true,
            "string" => value.is_string() || value.is_null(),
            "number" => value.is_number() || value.is_null(),
            "bool" => value.is_boolean() || value.is_null(),
            _ => false,
        },
        Value::Array(parts) => match parts.as_slice() {
            [Value::String(kind), element] => match kind.as_str() {
                "list" | "set" => all_items(value, |item| conforms(item, element)),
                "map" => all_members(value, |_, item| conforms(item, element)),
                "tuple" => tuple(value, element),
                "object" => object(value, element),
                _ => false,
            },
            // Objects with optional attributes: ["object", {...}, ["optional", ...]].
            [Value::String(kind), attributes, Value::Array(_)] if kind == "object" => {
                object(value, attributes)
            }
            _ => false,
        },
        _ => false,
    }
}

fn all_items(value: &Value, check: impl Fn(&Value) -> bool) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().all(check),
        _ => false,
    }
}

fn all_members(value: &Value, check: impl Fn(&str, &Value) -> bool) -> bool {
    match value {
        Value::Null => true,
        Value::Object(map) => map.iter().all(|(k, v)| check(k, v)),
        _ => false,
    }
}

fn tuple(value: &Value, elements: &Value) -> bool {
    let Some(types) = elements.as_array() else {
        return false;
    };
    match value {
        Value::Null => true,
        Value::Array(items) => {
            items.len() == types.len() && items.iter().zip(types).all(|(v, t)| conforms(v, t))
        }
        _ => false,
    }
}

fn object(value: &Value, attributes: &Value) -> bool {
    let Some(types): Option<&Map<String, Value>> = attributes.as_object() else {
        return false;
    };
    match value {
        Value::Null => true,
        Value::Object(map) => {
            map.len() == types.len()
                && map
                    .iter()
                    .all(|(k, v)| types.get(k).is_some_and(|t| conforms(v, t)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn terraform_data_input_is_unwrapped() {
        let mut attributes = json!({
            "id": "x",
            "input": {"value": {"open": "visible", "pw": "hunter2"},
                      "type": ["object", {"open": "string", "pw": "string"}]},
            "output": {"value": ["a", 1], "type": ["tuple", ["string", "number"]]},
            "triggers_replace": null,
            "nested": [{"m": {"value": {"k": true}, "type": ["map", "bool"]}}],
            "plain": {"value": "v", "type": "string"}
        });
        unwrap_dynamic(&mut attributes);
        assert_eq!(
            attributes,
            json!({
                "id": "x",
                "input": {"open": "visible", "pw": "hunter2"},
                "output": ["a", 1],
                "triggers_replace": null,
                "nested": [{"m": {"k": true}}],
                "plain": "v"
            })
        );
    }

    #[test]
    fn ordinary_objects_stay() {
        let original = json!({
            "a": {"value": "v", "type": "custom"},
            "b": {"value": 3, "type": "string"},
            "c": {"value": "v", "type": "string", "extra": 1},
            "d": {"value": {"x": 1}, "type": ["object", {"y": "number"}]},
            "e": {"type": ["list", "string"], "value": [1]}
        });
        let mut attributes = original.clone();
        unwrap_dynamic(&mut attributes);
        assert_eq!(attributes, original);
    }
}
