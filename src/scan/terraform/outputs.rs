//! Root module outputs, in every format: a map from name to `{"value", "type", "sensitive"}`.
//! A sensitive output keeps its name and flag but never its value: the value is dropped here,
//! at the first step, so no later stage can print it.

use super::errors::{child, Fields, ShapeError};
use crate::model::Output;
use serde_json::{Map, Value};

/// Reads the outputs object found at `pointer` (absent or null: no outputs).
pub(crate) fn read(
    map: Option<Map<String, Value>>,
    pointer: &str,
) -> Result<Vec<Output>, ShapeError> {
    let Some(map) = map else {
        return Ok(Vec::new());
    };
    let mut outputs = Vec::with_capacity(map.len());
    for (name, value) in map {
        let at = child(pointer, &name);
        let mut fields = Fields::new(value, &at)?;
        let sensitive = fields.bool("sensitive")?.unwrap_or(false);
        let value = fields.take("value").unwrap_or(Value::Null);
        outputs.push(Output {
            name,
            sensitive,
            value: (!sensitive).then_some(value),
        });
    }
    Ok(outputs)
}

/// Format 3 outputs: objects like format 4's, or (before 0.7) a bare string value.
pub(crate) fn read_legacy(
    map: Option<Map<String, Value>>,
    pointer: &str,
) -> Result<Vec<Output>, ShapeError> {
    let Some(map) = map else {
        return Ok(Vec::new());
    };
    let mut outputs = Vec::with_capacity(map.len());
    for (name, value) in map {
        if value.is_object() {
            let single = Map::from_iter([(name, value)]);
            outputs.extend(read(Some(single), pointer)?);
        } else {
            outputs.push(Output {
                name,
                sensitive: false,
                value: Some(value),
            });
        }
    }
    Ok(outputs)
}
