//! Resource instance addresses exactly as `terraform state list` prints them:
//! `module.a[0].module.b["k"].aws_instance.web[2]`, `data.aws_ami.x`. String keys are quoted
//! the way Terraform quotes them (HCL string syntax, with `${` and `%{` doubled), so an address
//! read from a raw state, from `show -json` and from Terraform's own output compare equal.
//!
//! Also the two legacy notations of format 3: module paths as lists (`["root", "a"]`) and
//! resource keys with dotted count indexes (`aws_instance.web.0`, `data.aws_ami.x`).

use super::errors::ShapeError;
use crate::model::{IndexKey, ResourceMode};
use serde_json::Value;
use std::fmt::Write;

/// `mode`: `managed` or `data`; Terraform refuses anything else, and so do we.
pub(crate) fn parse_mode(mode: Option<String>, pointer: &str) -> Result<ResourceMode, ShapeError> {
    match mode.as_deref() {
        Some("managed") => Ok(ResourceMode::Managed),
        Some("data") => Ok(ResourceMode::Data),
        Some(other) => Err(ShapeError::invalid(
            pointer,
            format!("expected \"managed\" or \"data\" at {pointer}, found {other:?}"),
        )),
        None => Err(ShapeError::invalid(
            pointer,
            format!("expected \"managed\" or \"data\" at {pointer}, found nothing"),
        )),
    }
}

/// An instance key: an integer (`count`) or a string (`for_each`); absent for a single
/// instance. Whole floats are accepted as integers, as Go's decoder reads every number as a
/// float.
pub(crate) fn parse_index_key(
    key: Option<Value>,
    pointer: &str,
) -> Result<Option<IndexKey>, ShapeError> {
    match key {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(IndexKey::Str(s))),
        Some(Value::Number(n)) => {
            let whole = n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                    .map(|f| f as i64)
            });
            match whole {
                Some(i) => Ok(Some(IndexKey::Int(i))),
                None => Err(ShapeError::invalid(
                    pointer,
                    format!("expected an integer or a string at {pointer}, found the number {n}"),
                )),
            }
        }
        Some(other) => Err(ShapeError::expected(
            pointer,
            "an integer or a string",
            &other,
        )),
    }
}

/// The full address of one resource instance. `module` is `""` for the root module.
pub(crate) fn instance_address(
    module: &str,
    mode: ResourceMode,
    resource_type: &str,
    name: &str,
    key: Option<&IndexKey>,
) -> String {
    let mut out = String::with_capacity(module.len() + resource_type.len() + name.len() + 16);
    if !module.is_empty() {
        out.push_str(module);
        out.push('.');
    }
    if mode == ResourceMode::Data {
        out.push_str("data.");
    }
    out.push_str(resource_type);
    out.push('.');
    out.push_str(name);
    if let Some(key) = key {
        push_key(&mut out, key);
    }
    out
}

/// Appends `[0]` or `["key"]`, quoted as Terraform quotes instance keys.
pub(crate) fn push_key(out: &mut String, key: &IndexKey) {
    let _ = write!(out, "{key}");
}

/// The module address of a format-3 module path: `["root", "a", "b"]` is `module.a.module.b`.
/// Format 3 predates `count` and `for_each` on modules, so there are no keys.
pub(crate) fn legacy_module_path(path: &[String]) -> Option<String> {
    let (root, rest) = path.split_first()?;
    if root != "root" {
        return None;
    }
    Some(
        rest.iter()
            .map(|name| format!("module.{name}"))
            .collect::<Vec<_>>()
            .join("."),
    )
}

/// A format-3 resource key, as Terraform 0.12 parsed it when upgrading such states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LegacyKey {
    pub mode: ResourceMode,
    pub resource_type: String,
    pub name: String,
    pub index: Option<i64>,
}

/// Parses `TYPE.NAME`, `TYPE.NAME.N`, `data.TYPE.NAME` or `data.TYPE.NAME.N`.
pub(crate) fn parse_legacy_key(key: &str) -> Option<LegacyKey> {
    let mut parts: Vec<&str> = key.split('.').collect();
    if !(2..=4).contains(&parts.len()) {
        return None;
    }
    let mut mode = ResourceMode::Managed;
    if parts.len() > 2 && parts[0] == "data" {
        mode = ResourceMode::Data;
        parts.remove(0);
    }
    if parts.len() > 3 {
        return None;
    }
    let index = match parts.get(2) {
        Some(index) => Some(index.parse::<i64>().ok()?),
        None => None,
    };
    let (resource_type, name) = (parts[0], parts[1]);
    if resource_type.is_empty() || name.is_empty() {
        return None;
    }
    Some(LegacyKey {
        mode,
        resource_type: resource_type.into(),
        name: name.into(),
        index,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> IndexKey {
        IndexKey::Str(s.into())
    }

    #[test]
    fn addresses_like_state_list() {
        let managed = ResourceMode::Managed;
        assert_eq!(
            instance_address("", managed, "aws_instance", "web", None),
            "aws_instance.web"
        );
        assert_eq!(
            instance_address(
                "module.a[0].module.b[\"k\"]",
                managed,
                "t",
                "n",
                Some(&IndexKey::Int(2))
            ),
            "module.a[0].module.b[\"k\"].t.n[2]"
        );
        assert_eq!(
            instance_address("", ResourceMode::Data, "aws_ami", "x", Some(&key("eu"))),
            "data.aws_ami.x[\"eu\"]"
        );
    }

    #[test]
    fn string_keys_are_quoted_like_terraform() {
        let quoted = |s: &str| {
            let mut out = String::new();
            push_key(&mut out, &key(s));
            out
        };
        assert_eq!(quoted("b\"q"), r#"["b\"q"]"#);
        assert_eq!(quoted("a\\b"), r#"["a\\b"]"#);
        assert_eq!(quoted("l1\nl2\t"), r#"["l1\nl2\t"]"#);
        assert_eq!(quoted("${x} %{y} $z"), r#"["$${x} %%{y} $z"]"#);
        assert_eq!(quoted("é ü 😀"), r#"["é ü 😀"]"#);
        assert_eq!(quoted("\u{1}\u{a0}"), r#"["\u0001\u00a0"]"#);
        assert_eq!(quoted(""), r#"[""]"#);
    }

    #[test]
    fn legacy_notations() {
        assert_eq!(legacy_module_path(&["root".into()]).as_deref(), Some(""));
        assert_eq!(
            legacy_module_path(&["root".into(), "a".into(), "b".into()]).as_deref(),
            Some("module.a.module.b")
        );
        assert_eq!(legacy_module_path(&["a".into()]), None);
        assert_eq!(legacy_module_path(&[]), None);

        let parsed = parse_legacy_key("aws_instance.web.3").unwrap();
        assert_eq!(
            (parsed.mode, parsed.index),
            (ResourceMode::Managed, Some(3))
        );
        let parsed = parse_legacy_key("data.aws_ami.x").unwrap();
        assert_eq!(
            (parsed.mode, parsed.resource_type.as_str()),
            (ResourceMode::Data, "aws_ami")
        );
        assert_eq!(parse_legacy_key("data.aws_ami.x.1").unwrap().index, Some(1));
        for bad in ["web", "a.b.c.d", "a.b.x", "a..", "data.a.b.c.d", ""] {
            assert_eq!(parse_legacy_key(bad), None, "{bad}");
        }
    }
}
