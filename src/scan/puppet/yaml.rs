//! Puppet's YAML, as Ruby's Psych writes it: `--- !ruby/object:Puppet::Transaction::Report`,
//! objects of Puppet's report classes tagged the same way, symbols as `!ruby/sym info` or
//! `:info` (also as mapping keys), anchors and aliases for values Ruby shared.
//!
//! The document is read with the parser the Ansible readers use (saphyr's events; aliases
//! shared while building, nesting bounded), then turned into a JSON value in which every plain
//! scalar other than null and the booleans stays the text it was written as: Puppet's
//! `configuration_version: 0012345` is that string, not the number 12345. Expanding aliases is
//! charged against a budget proportional to the input, so an alias bomb is an error naming its
//! line. Only the classes Puppet writes into reports are accepted, as Puppet's own loader
//! accepts only those: `!ruby/object:Kernel` or any other class is refused, with its line.

use crate::scan::ansible::yaml::{ExpansionBudget, Node, Style, YamlError};
use crate::scan::json_lines::push_token;
use saphyr_parser::Tag;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The Ruby classes a Puppet report may contain.
const REPORT_CLASSES: &[&str] = &[
    "Puppet::Transaction::Report",
    "Puppet::Resource::Status",
    "Puppet::Transaction::Event",
    "Puppet::Util::Log",
    "Puppet::Util::Metric",
    "Puppet::Util::TagSet",
];

/// Top-level sections of a report that provenant does not read: the log lines and the
/// metrics make up most of a report's size.
const SKIPPED_SECTIONS: &[&str] = &["logs", "metrics"];

/// Containers deeper than this get no line of their own (they are reported at the line of
/// their nearest recorded parent).
const LINE_DEPTH: usize = 4;

/// A report document as a JSON value, and the line where each container (down to
/// [`LINE_DEPTH`]) starts, by JSON pointer.
pub struct Document {
    pub value: Value,
    pub lines: HashMap<String, u32>,
    /// The Ruby class of the root object (`Puppet::Transaction::Report`), when tagged.
    pub root_class: Option<String>,
}

/// Parses Puppet's YAML. `Ok(None)` for a stream with no document.
pub fn parse(text: &str) -> Result<Option<Document>, YamlError> {
    let Some(root) = crate::scan::ansible::yaml::parse(text)? else {
        return Ok(None);
    };
    let root_class = match root.tag().map(tag_text) {
        Some(t) => t.strip_prefix("!ruby/object:").map(str::to_string),
        None => None,
    };
    let mut converter = Converter {
        budget: ExpansionBudget::for_text(text.len()),
        lines: HashMap::new(),
    };
    let mut pointer = String::new();
    let value = converter.value(&root, &mut pointer, 0)?;
    Ok(Some(Document {
        value,
        lines: converter.lines,
        root_class,
    }))
}

struct Converter {
    budget: ExpansionBudget,
    lines: HashMap<String, u32>,
}

impl Converter {
    fn charge(&mut self, node: &Node, amount: usize) -> Result<(), YamlError> {
        self.budget.charge(node, amount)
    }

    fn value(
        &mut self,
        node: &Node,
        pointer: &mut String,
        depth: usize,
    ) -> Result<Value, YamlError> {
        self.charge(node, 1)?;
        let tag = node.tag().map(tag_text);
        if let Some(tag) = &tag {
            check_tag(tag, node)?;
        }
        match node {
            Node::Scalar {
                text, style, line, ..
            } => {
                self.charge(node, text.len() / 64)?;
                scalar(text, *style, tag.as_deref(), *line)
            }
            Node::Seq { items, line, .. } => {
                if depth <= LINE_DEPTH {
                    self.lines.insert(pointer.clone(), *line);
                }
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let len = pointer.len();
                    pointer.push('/');
                    pointer.push_str(&i.to_string());
                    out.push(self.value(item, pointer, depth + 1)?);
                    pointer.truncate(len);
                }
                Ok(Value::Array(out))
            }
            Node::Map { line, .. } => {
                if depth <= LINE_DEPTH {
                    self.lines.insert(pointer.clone(), *line);
                }
                let mut out = Map::new();
                for (key_node, value) in node.map_entries()? {
                    let key = self.key(&key_node)?;
                    if depth == 0 && SKIPPED_SECTIONS.contains(&key.as_str()) {
                        // Most of a report, and nothing provenant reads: checked, not
                        // converted.
                        self.check(&value)?;
                        out.insert(key, Value::Null);
                        continue;
                    }
                    let len = pointer.len();
                    push_token(pointer, &key);
                    let key_line = key_node.line();
                    let value = self.value(&value, pointer, depth + 1)?;
                    // A block mapping or sequence under a key starts on the next line; the
                    // reader looks for the key (`File[/etc/motd]:`), so that is its line.
                    if value.is_object() || value.is_array() {
                        if let Some(line) = self.lines.get_mut(pointer.as_str()) {
                            *line = key_line;
                        }
                    }
                    pointer.truncate(len);
                    out.insert(key, value);
                }
                Ok(Value::Object(out))
            }
        }
    }

    /// Checks the tags of a subtree without building it, under the same budget.
    fn check(&mut self, node: &Node) -> Result<(), YamlError> {
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            self.charge(node, 1)?;
            if let Some(tag) = node.tag().map(tag_text) {
                check_tag(&tag, node)?;
            }
            match node {
                Node::Scalar { .. } => {}
                Node::Seq { items, .. } => stack.extend(items.iter().map(|i| &**i)),
                Node::Map { entries, .. } => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
            }
        }
        Ok(())
    }

    fn key(&mut self, node: &Node) -> Result<String, YamlError> {
        let mut scratch = String::new();
        match self.value(node, &mut scratch, usize::MAX)? {
            Value::String(s) => Ok(s),
            Value::Null => Ok(String::new()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(YamlError {
                line: node.line(),
                message: "expected a scalar mapping key, found a mapping or a sequence".into(),
            }),
        }
    }
}

/// A tag as written: `!ruby/sym`, `!ruby/object:Puppet::Util::Log`, `!!str`.
fn tag_text(tag: &Tag) -> String {
    if tag.handle == "tag:yaml.org,2002:" {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

fn check_tag(tag: &str, node: &Node) -> Result<(), YamlError> {
    let scalar = matches!(node, Node::Scalar { .. });
    let known = match tag.strip_prefix("!ruby/object:") {
        Some(class) => REPORT_CLASSES.contains(&class),
        None => match tag {
            "!ruby/sym" | "!ruby/symbol" | "!binary" | "!!binary" | "!!str" | "!!int"
            | "!!float" | "!!bool" | "!!null" | "!!timestamp" => scalar,
            "!!map" | "!!omap" => matches!(node, Node::Map { .. }),
            "!!seq" | "!ruby/array:Puppet::Util::TagSet" => matches!(node, Node::Seq { .. }),
            _ => false,
        },
    };
    if known {
        return Ok(());
    }
    let expected =
        "Puppet's report classes (Puppet::Transaction::Report, Puppet::Resource::Status, \
                    Puppet::Transaction::Event, Puppet::Util::Log, Puppet::Util::Metric), \
                    !ruby/sym or YAML's own tags";
    Err(YamlError {
        line: node.line(),
        message: match tag.strip_prefix("!ruby/object:") {
            Some(class) => format!(
                "unknown Ruby class `{class}` (tag `{tag}`): a Puppet report holds only {expected}; \
                 refusing a document that would make Ruby build other objects"
            ),
            None => format!("unexpected tag `{tag}` here; expected {expected}"),
        },
    })
}

/// A scalar: null and booleans are typed; everything else stays its text. Ruby symbols lose
/// their colon (`:info` is `info`), binary scalars are decoded.
fn scalar(text: &str, style: Style, tag: Option<&str>, line: u32) -> Result<Value, YamlError> {
    match tag {
        Some("!binary" | "!!binary") => {
            use base64::Engine;
            let compact: String = text.split_whitespace().collect();
            return base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .map(|bytes: Vec<u8>| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
                .map_err(|e| YamlError {
                    line,
                    message: format!("a !binary scalar is not base64: {e}"),
                });
        }
        Some("!ruby/sym" | "!ruby/symbol" | "!!str") => return Ok(Value::String(text.into())),
        _ => {}
    }
    if style == Style::Quoted {
        return Ok(Value::String(text.into()));
    }
    Ok(match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" => Value::Bool(true),
        "false" | "False" | "FALSE" => Value::Bool(false),
        _ => match text.strip_prefix(':') {
            // Psych writes a symbol as `:name` (and a symbol with spaces as `:"a b"`).
            Some(symbol) if !symbol.is_empty() && !symbol.starts_with(':') => {
                Value::String(symbol.trim_matches('"').to_string())
            }
            _ => Value::String(text.into()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> Document {
        parse(text).expect("parses").expect("a document")
    }

    #[test]
    fn versions_stay_the_text_puppet_wrote() {
        let doc = parse_ok(
            "--- !ruby/object:Puppet::Transaction::Report\nconfiguration_version: 0012345\n\
             a: 12e4567\nb: 1234567\nc: true\nd:\n",
        );
        assert_eq!(doc.value["configuration_version"], "0012345");
        assert_eq!(doc.value["a"], "12e4567");
        assert_eq!(doc.value["b"], "1234567");
        assert_eq!(doc.value["c"], true);
        assert_eq!(doc.value["d"], Value::Null);
        assert_eq!(
            doc.root_class.as_deref(),
            Some("Puppet::Transaction::Report")
        );
    }

    #[test]
    fn symbols_lose_their_colon_even_as_keys() {
        let doc = parse_ok(
            "--- !ruby/object:Puppet::Transaction::Report\n  external_times:\n    \
             !ruby/sym config_retrieval: 0.17\n  level: :info\n  other: !ruby/sym notice\n",
        );
        assert_eq!(doc.value["external_times"]["config_retrieval"], "0.17");
        assert_eq!(doc.value["level"], "info");
        assert_eq!(doc.value["other"], "notice");
    }

    #[test]
    fn anchors_and_aliases_share_values() {
        let doc = parse_ok("a: &id001 2.6.1\nb: *id001\n");
        assert_eq!(doc.value["b"], "2.6.1");
    }

    #[test]
    fn a_class_outside_puppets_reports_is_refused_with_its_line() {
        let err = parse("--- !ruby/object:Puppet::Transaction::Report\nx: !ruby/object:Gem::Installer\n  i: x\n")
            .err()
            .expect("refused");
        assert_eq!(err.line, 2);
        assert!(
            err.message.contains("unknown Ruby class `Gem::Installer`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn an_alias_bomb_is_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!(
                "a{i}: &a{i} [{p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}]\n",
                p = prev
            ));
        }
        let err = parse(&text).err().expect("refused");
        assert!(err.message.contains("alias bomb"), "{}", err.message);
    }

    #[test]
    fn lines_are_recorded_for_containers() {
        let doc = parse_ok("a: 1\nresource_statuses:\n  File[/x]:\n    title: /x\n");
        assert_eq!(doc.lines["/resource_statuses"], 2);
        assert_eq!(doc.lines["/resource_statuses/File[~1x]"], 3);
    }
}
