//! What went wrong where: a shape error names the JSON pointer of the offending value and says
//! what was expected there and what was found (`expected an array at /resources/3/instances,
//! found a string`), so the user can go straight to it.
//!
//! [`Fields`] reads the members of one object the way Go's `encoding/json` does for the state
//! structs Terraform declares: a missing member and a `null` are the same (the zero value),
//! anything else must have the declared type. Members are moved out, never cloned, so a large
//! state is not copied on its way into the model.

use crate::scan::json_lines::push_token;
use serde_json::{Map, Value};

/// A value in the wrong place or of the wrong type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ShapeError {
    /// Where: the JSON pointer whose line the report shows.
    pub pointer: String,
    pub message: String,
}

impl ShapeError {
    /// `expected <what> at <pointer>, found <the type of value>`.
    pub fn expected(pointer: &str, what: &str, value: &Value) -> Self {
        ShapeError {
            message: format!(
                "expected {what} at {}, found {}",
                at(pointer),
                type_name(value)
            ),
            pointer: pointer.to_string(),
        }
    }

    /// A required member is absent (or null) in the object at `pointer`.
    pub fn missing(pointer: &str, key: &str, what: &str) -> Self {
        ShapeError {
            message: format!(
                "expected {what} in \"{key}\" of the object at {}",
                at(pointer)
            ),
            pointer: pointer.to_string(),
        }
    }

    pub fn invalid(pointer: &str, message: String) -> Self {
        ShapeError {
            pointer: pointer.to_string(),
            message,
        }
    }
}

/// How a pointer reads in a sentence: the empty pointer is the whole document.
fn at(pointer: &str) -> &str {
    if pointer.is_empty() {
        "the top level"
    } else {
        pointer
    }
}

/// The JSON type of `value`, with its article, for messages.
pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `parent` + `/key`, escaped.
pub(crate) fn child(parent: &str, key: &str) -> String {
    let mut pointer = String::with_capacity(parent.len() + key.len() + 1);
    pointer.push_str(parent);
    push_token(&mut pointer, key);
    pointer
}

/// The members of one JSON object, taken out one by one with their types checked.
pub(crate) struct Fields<'p> {
    map: Map<String, Value>,
    pointer: &'p str,
}

impl<'p> Fields<'p> {
    /// `value` must be an object.
    pub fn new(value: Value, pointer: &'p str) -> Result<Self, ShapeError> {
        match value {
            Value::Object(map) => Ok(Fields { map, pointer }),
            other => Err(ShapeError::expected(pointer, "an object", &other)),
        }
    }

    pub fn from_map(map: Map<String, Value>, pointer: &'p str) -> Self {
        Fields { map, pointer }
    }

    /// The pointer of member `key`.
    pub fn child(&self, key: &str) -> String {
        child(self.pointer, key)
    }

    /// Any value; `None` when absent or null.
    pub fn take(&mut self, key: &str) -> Option<Value> {
        match self.map.swap_remove(key) {
            None | Some(Value::Null) => None,
            Some(value) => Some(value),
        }
    }

    pub fn string(&mut self, key: &str) -> Result<Option<String>, ShapeError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(ShapeError::expected(&self.child(key), "a string", &other)),
        }
    }

    pub fn required_string(&mut self, key: &str) -> Result<String, ShapeError> {
        self.string(key)?
            .ok_or_else(|| ShapeError::missing(self.pointer, key, "a string"))
    }

    pub fn bool(&mut self, key: &str) -> Result<Option<bool>, ShapeError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(ShapeError::expected(
                &self.child(key),
                "true or false",
                &other,
            )),
        }
    }

    /// A non-negative whole number (`schema_version`, `serial`).
    pub fn u64(&mut self, key: &str) -> Result<Option<u64>, ShapeError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
            Some(other) => Err(ShapeError::expected(
                &self.child(key),
                "a non-negative integer",
                &other,
            )),
        }
    }

    pub fn array(&mut self, key: &str) -> Result<Option<Vec<Value>>, ShapeError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items)),
            Some(other) => Err(ShapeError::expected(&self.child(key), "an array", &other)),
        }
    }

    pub fn object(&mut self, key: &str) -> Result<Option<Map<String, Value>>, ShapeError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map)),
            Some(other) => Err(ShapeError::expected(&self.child(key), "an object", &other)),
        }
    }

    /// An array of strings (`dependencies`, `depends_on`): checked, then dropped.
    pub fn check_strings(&mut self, key: &str) -> Result<(), ShapeError> {
        let pointer = self.child(key);
        for (i, item) in self.array(key)?.unwrap_or_default().iter().enumerate() {
            if !item.is_string() {
                return Err(ShapeError::expected(
                    &child(&pointer, &i.to_string()),
                    "a string",
                    item,
                ));
            }
        }
        Ok(())
    }
}
