//! One committed configuration file, parsed into plain blocks and attributes that keep their
//! line: `.tf` and `.tfvars` through hcl-edit (the parser behind hcl-rs, which keeps byte spans
//! where hcl-rs's own body type drops them), `.tf.json` and `.tfvars.json` through serde_json
//! with lines from [`crate::scan::json_lines`]. Expressions are kept as hcl-rs expressions, so
//! the evaluator reads both syntaxes the same way.

use crate::scan::json_lines::{self, Event};
use hcl::edit::Span as _;
use hcl::Expression;
use serde_json::Value;
use std::collections::HashMap;
use std::ops::ControlFlow;

/// A file's top level, or a block's body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

impl Body {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn blocks_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.kind == kind)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// `resource`, `module`, `variable`, or a nested block's type (`root_block_device`).
    pub kind: String,
    pub labels: Vec<String>,
    /// 1-based line where the block starts.
    pub line: u32,
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub line: u32,
    pub expr: Expression,
}

/// Why a file could not be parsed, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: Option<u32>,
    pub message: String,
}

/// The syntax a file is written in, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    Native,
    Json,
}

impl Syntax {
    /// The syntax of a configuration file (`.tf`, `.tf.json`) or `None` for other files.
    pub fn of_config(name: &str) -> Option<Syntax> {
        if name.ends_with(".tf.json") {
            Some(Syntax::Json)
        } else if name.ends_with(".tf") {
            Some(Syntax::Native)
        } else {
            None
        }
    }

    /// The syntax of any variable file (`*.tfvars`, `*.tfvars.json`).
    pub fn of_var_file(name: &str) -> Option<Syntax> {
        if name.ends_with(".tfvars") {
            Some(Syntax::Native)
        } else if name.ends_with(".tfvars.json") {
            Some(Syntax::Json)
        } else {
            None
        }
    }

    /// The syntax of a file Terraform reads variable values from automatically:
    /// `terraform.tfvars`, `terraform.tfvars.json`, `*.auto.tfvars`, `*.auto.tfvars.json`.
    pub fn of_auto_vars(name: &str) -> Option<Syntax> {
        match name {
            "terraform.tfvars" => Some(Syntax::Native),
            "terraform.tfvars.json" => Some(Syntax::Json),
            _ if name.ends_with(".auto.tfvars") => Some(Syntax::Native),
            _ if name.ends_with(".auto.tfvars.json") => Some(Syntax::Json),
            _ => None,
        }
    }
}

/// Parses a file's bytes in the given syntax.
pub fn parse(bytes: &[u8], syntax: Syntax) -> Result<Body, ParseError> {
    let (text, _) = crate::scan::text::decode(bytes).map_err(|e| ParseError {
        line: e.line,
        message: e.message,
    })?;
    match syntax {
        Syntax::Native => parse_native(&text),
        Syntax::Json => parse_json(&text),
    }
}

/// Byte offsets to 1-based lines.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines(starts)
    }

    fn line(&self, offset: usize) -> u32 {
        self.0.partition_point(|&start| start <= offset) as u32
    }
}

pub fn parse_native(text: &str) -> Result<Body, ParseError> {
    let body = hcl::edit::parser::parse_body(text).map_err(|e| ParseError {
        line: Some(e.location().line() as u32),
        message: format!(
            "expected HCL (Terraform's native syntax) at column {}: {}",
            e.location().column(),
            e.message()
        ),
    })?;
    let lines = Lines::new(text);
    Ok(native_body(&body, &lines))
}

fn native_body(body: &hcl::edit::structure::Body, lines: &Lines) -> Body {
    let mut out = Body::default();
    for structure in body.iter() {
        match structure {
            hcl::edit::structure::Structure::Attribute(attr) => {
                let offset = attr.key.span().or(attr.span()).map(|s| s.start);
                out.attributes.push(Attribute {
                    name: attr.key.as_str().to_string(),
                    line: offset.map(|o| lines.line(o)).unwrap_or(0),
                    expr: Expression::from(attr.value.clone()),
                });
            }
            hcl::edit::structure::Structure::Block(block) => {
                let offset = block.ident.span().or(block.span()).map(|s| s.start);
                out.blocks.push(Block {
                    kind: block.ident.as_str().to_string(),
                    labels: block
                        .labels
                        .iter()
                        .map(|l| l.as_str().to_string())
                        .collect(),
                    line: offset.map(|o| lines.line(o)).unwrap_or(0),
                    body: native_body(&block.body, lines),
                });
            }
        }
    }
    out
}

/// Block types whose JSON form nests one object per label.
fn label_count(kind: &str) -> usize {
    match kind {
        "resource" | "data" | "ephemeral" => 2,
        "module" | "variable" | "output" | "provider" => 1,
        _ => 0,
    }
}

/// Parses Terraform's JSON syntax. Keys named `//` are comments at any level. Strings are
/// templates, as Terraform reads them; everything else is a literal.
pub fn parse_json(text: &str) -> Result<Body, ParseError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ParseError {
        line: Some(e.line() as u32),
        message: format!("expected JSON (Terraform's JSON syntax): {e}"),
    })?;
    let Value::Object(top) = &value else {
        return Err(ParseError {
            line: Some(1),
            message: "expected a JSON object at the top of a .tf.json file".into(),
        });
    };
    let lines = json_value_lines(text);
    let mut out = Body::default();
    for (kind, content) in top {
        if kind == "//" {
            continue;
        }
        let pointer = pointer_of(&[kind]);
        let labels = label_count(kind);
        if labels == 0
            && !matches!(
                kind.as_str(),
                "terraform" | "locals" | "moved" | "import" | "removed" | "check"
            )
        {
            // A top-level attribute, as in a .tfvars.json file.
            out.attributes.push(Attribute {
                name: kind.clone(),
                line: lines.get(&pointer).copied().unwrap_or(1),
                expr: json_expr(content),
            });
            continue;
        }
        json_blocks(
            kind,
            content,
            labels,
            &pointer,
            &[],
            &lines,
            &mut out.blocks,
        );
    }
    Ok(out)
}

/// Walks `labels` levels of objects below a block type, then reads the bodies (an object, or
/// an array of objects for repeated blocks).
fn json_blocks(
    kind: &str,
    value: &Value,
    labels_left: usize,
    pointer: &str,
    labels: &[String],
    lines: &HashMap<String, u32>,
    out: &mut Vec<Block>,
) {
    if labels_left > 0 {
        if let Value::Object(map) = value {
            for (label, inner) in map {
                if label == "//" {
                    continue;
                }
                let mut next = labels.to_vec();
                next.push(label.clone());
                let child = format!("{pointer}{}", pointer_of(&[label]));
                json_blocks(kind, inner, labels_left - 1, &child, &next, lines, out);
            }
        }
        return;
    }
    let line = lines.get(pointer).copied().unwrap_or(1);
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let child = format!("{pointer}/{i}");
                let line = lines.get(&child).copied().unwrap_or(line);
                out.push(Block {
                    kind: kind.to_string(),
                    labels: labels.to_vec(),
                    line,
                    body: json_body(item, &child, lines),
                });
            }
        }
        other => out.push(Block {
            kind: kind.to_string(),
            labels: labels.to_vec(),
            line,
            body: json_body(other, pointer, lines),
        }),
    }
}

/// A block body in JSON: every member is an attribute, except the blocks Terraform itself
/// reads by name (`lifecycle`, `provisioner`...), which stay blocks so they are never compared.
fn json_body(value: &Value, pointer: &str, lines: &HashMap<String, u32>) -> Body {
    let mut body = Body::default();
    let Value::Object(map) = value else {
        return body;
    };
    for (key, member) in map {
        if key == "//" {
            continue;
        }
        let child = format!("{pointer}{}", pointer_of(&[key]));
        let line = lines.get(&child).copied().unwrap_or(0);
        if matches!(
            key.as_str(),
            "lifecycle" | "provisioner" | "connection" | "backend" | "cloud" | "required_providers"
        ) {
            let labels = if matches!(key.as_str(), "provisioner" | "backend") {
                1
            } else {
                0
            };
            json_blocks(key, member, labels, &child, &[], lines, &mut body.blocks);
            continue;
        }
        body.attributes.push(Attribute {
            name: key.clone(),
            line,
            expr: json_expr(member),
        });
    }
    body
}

/// A JSON value as an expression: strings are templates (`"${var.x}"`), as Terraform's JSON
/// syntax has it; objects drop `//` comment members.
fn json_expr(value: &Value) -> Expression {
    match value {
        Value::Null => Expression::Null,
        Value::Bool(b) => Expression::Bool(*b),
        Value::Number(n) => {
            let text = n.to_string();
            text.parse::<i64>()
                .map(|i| Expression::Number(i.into()))
                .or_else(|_| {
                    text.parse::<f64>().map(|f| {
                        hcl::Number::from_f64(f)
                            .map(Expression::Number)
                            .unwrap_or(Expression::Null)
                    })
                })
                .unwrap_or(Expression::String(text))
        }
        Value::String(s) if s.contains("${") || s.contains("%{") => {
            Expression::TemplateExpr(Box::new(hcl::TemplateExpr::QuotedString(s.clone())))
        }
        Value::String(s) => Expression::String(s.clone()),
        Value::Array(items) => Expression::Array(items.iter().map(json_expr).collect()),
        Value::Object(map) => Expression::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "//")
                .map(|(k, v)| (hcl::ObjectKey::from(k.as_str()), json_expr(v)))
                .collect(),
        ),
    }
}

fn pointer_of(tokens: &[&String]) -> String {
    let mut out = String::new();
    for token in tokens {
        json_lines::push_token(&mut out, token);
    }
    out
}

/// The line of every value down to the depth a Terraform JSON file needs (block type, two
/// labels, body member, repeated block index, nested member).
fn json_value_lines(text: &str) -> HashMap<String, u32> {
    let mut lines = HashMap::new();
    json_lines::walk(text, |event| {
        if let Event::Value { path, line, .. } = event {
            if path.len() <= 6 {
                lines.insert(json_lines::pointer(path), line);
            }
        }
        ControlFlow::Continue(())
    });
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_blocks_and_attributes_keep_their_lines() {
        let text = "# a comment\n\nresource \"aws_instance\" \"web\" {\n  ami = \"ami-1\"\n\n  root_block_device {\n    volume_size = 40\n  }\n}\n";
        let body = parse_native(text).unwrap();
        let block = &body.blocks[0];
        assert_eq!((block.kind.as_str(), block.line), ("resource", 3));
        assert_eq!(block.labels, vec!["aws_instance", "web"]);
        assert_eq!(block.body.attributes[0].line, 4);
        assert_eq!(block.body.blocks[0].line, 6);
        assert_eq!(block.body.blocks[0].body.attributes[0].line, 7);
    }

    #[test]
    fn native_errors_carry_a_line() {
        let err = parse_native("resource \"a\" \"b\" {\n  x = \n}\n").unwrap_err();
        assert!(err.line.is_some(), "{err:?}");
    }

    #[test]
    fn json_blocks_drop_comments_and_keep_lines() {
        let text = r#"{
  "//": "a comment",
  "resource": {
    "aws_instance": {
      "web": {
        "//": "another",
        "ami": "ami-1",
        "count": 2
      }
    }
  }
}"#;
        let body = parse_json(text).unwrap();
        let block = &body.blocks[0];
        assert_eq!(block.labels, vec!["aws_instance", "web"]);
        assert_eq!(block.line, 5);
        let names: Vec<_> = block
            .body
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        assert_eq!(names, vec!["ami", "count"]);
        assert_eq!(block.body.attributes[0].line, 7);
    }
}
