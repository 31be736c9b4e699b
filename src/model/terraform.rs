//! A Terraform or OpenTofu state, whatever format it was read from (raw v3, raw v4, or
//! `show -json`), in one shape: resource instances with their full address, attributes and
//! the place in the file where each instance's object starts.

use super::Location;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateFormat {
    /// Raw state file of the given format version (3 or 4).
    Raw(u32),
    /// `terraform show -json` document with its `format_version`.
    ShowJson(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct StateDocument {
    pub format: StateFormat,
    pub terraform_version: Option<String>,
    pub serial: Option<u64>,
    pub lineage: Option<String>,
    /// Managed resources and data sources, in file order.
    pub instances: Vec<ResourceInstance>,
    pub outputs: Vec<Output>,
}

impl StateDocument {
    pub fn managed(&self) -> impl Iterator<Item = &ResourceInstance> {
        self.instances
            .iter()
            .filter(|i| i.mode == ResourceMode::Managed)
    }

    pub fn data_sources(&self) -> impl Iterator<Item = &ResourceInstance> {
        self.instances
            .iter()
            .filter(|i| i.mode == ResourceMode::Data)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceMode {
    Managed,
    Data,
}

/// `count` gives integer keys, `for_each` string keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IndexKey {
    Int(i64),
    Str(String),
}

impl std::fmt::Display for IndexKey {
    /// As Terraform writes it in an address: `[0]`, or `["key"]` as an HCL quoted string.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IndexKey::Int(i) => write!(f, "[{i}]"),
            IndexKey::Str(s) => {
                f.write_str("[")?;
                write_quoted(f, s)?;
                f.write_str("]")
            }
        }
    }
}

/// `s` as an HCL quoted string, as Terraform writes instance keys.
fn write_quoted(f: &mut std::fmt::Formatter<'_>, s: &str) -> std::fmt::Result {
    f.write_str("\"")?;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '$' | '%' => {
                write!(f, "{c}")?;
                // `${` and `%{` would start a template: Terraform doubles the sigil.
                if chars.peek() == Some(&'{') {
                    write!(f, "{c}")?;
                }
            }
            c if !is_printable(c) => {
                let code = u32::from(c);
                if code < 0x10000 {
                    write!(f, "\\u{code:04x}")?
                } else {
                    write!(f, "\\U{code:08x}")?
                }
            }
            c => write!(f, "{c}")?,
        }
    }
    f.write_str("\"")
}

/// Close to Go's `unicode.IsPrint`: no control or format characters, and no spaces but
/// U+0020.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    !(c.is_control()
        || c.is_whitespace()
        || matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}' | '\u{feff}'))
}

/// One step of a path into attributes, as in `sensitive_attributes`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    Key(String),
    Index(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResourceInstance {
    /// Full instance address: `module.a[0].module.b["k"].aws_instance.web[2]`, with
    /// `data.` before the type for data sources.
    pub address: String,
    /// Module path, `""` for the root module.
    pub module: String,
    pub mode: ResourceMode,
    pub resource_type: String,
    pub name: String,
    pub index_key: Option<IndexKey>,
    /// The provider configuration address as written in the state.
    pub provider: String,
    /// `tainted` when Terraform will replace the object at the next apply.
    pub status: Option<String>,
    /// The deposed key when this is a deposed object (replaced under create_before_destroy and
    /// not yet destroyed).
    pub deposed: Option<String>,
    pub create_before_destroy: bool,
    pub schema_version: Option<u64>,
    /// Attribute values as an object; flat-map states (`attributes_flat`, v3 `primary.attributes`)
    /// are kept flat, keyed as written.
    pub attributes: Attributes,
    /// Paths Terraform marked sensitive; values under them are never printed.
    pub sensitive_paths: Vec<Vec<PathStep>>,
    pub identity: Option<Value>,
    pub origin: Location,
}

/// An instance's attribute values, kept as compact JSON text.
///
/// Attributes are most of a state's size, and held as `serde_json::Value`s (an allocation per
/// string, number and object) they took five times the file's size in memory: 750 MiB for
/// 138 MiB of states. The stages that read them (claims, identity keys, the configuration
/// comparison) parse one instance's at a time with [`Attributes::value`].
#[derive(Clone, PartialEq, Eq)]
pub struct Attributes(Box<str>);

impl Attributes {
    /// The attributes of an instance that has none: an empty object.
    pub fn empty() -> Self {
        Attributes("{}".into())
    }

    /// The values, parsed afresh: the caller owns them and drops them when done.
    pub fn value(&self) -> Value {
        // The text is serde_json's own rendering of a `Value` read with the default depth
        // limit, so it always parses back; `Null` stands for the impossible failure rather
        // than a panic.
        serde_json::from_str(&self.0).unwrap_or(Value::Null)
    }

    /// The compact JSON text.
    pub fn json(&self) -> &str {
        &self.0
    }
}

impl From<Value> for Attributes {
    fn from(value: Value) -> Self {
        Attributes::from(&value)
    }
}

impl From<&Value> for Attributes {
    fn from(value: &Value) -> Self {
        Attributes(value.to_string().into_boxed_str())
    }
}

impl std::fmt::Debug for Attributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl ResourceInstance {
    /// Whether the value at `path` (or one of its ancestors) is marked sensitive.
    pub fn is_sensitive(&self, path: &[PathStep]) -> bool {
        self.sensitive_paths.iter().any(|p| path.starts_with(p))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub name: String,
    pub sensitive: bool,
    /// `None` for a sensitive output: its value is never kept.
    pub value: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_give_back_the_values_they_were_made_from() {
        let text = r#"{"zone": "b", "big": 123456789012345678901234567890, "ratio": 1.50,
            "tags": {"Name": "web", "Env": "prod"}, "list": [null, true, "é\u0000"]}"#;
        let value: Value = serde_json::from_str(text).unwrap();
        let attributes = Attributes::from(&value);
        assert_eq!(attributes.value(), value);
        // Compact, in the order written, numbers as written.
        assert_eq!(
            attributes.json(),
            r#"{"zone":"b","big":123456789012345678901234567890,"ratio":1.50,"tags":{"Name":"web","Env":"prod"},"list":[null,true,"é\u0000"]}"#
        );
        assert_eq!(Attributes::empty().value(), serde_json::json!({}));
    }
}
