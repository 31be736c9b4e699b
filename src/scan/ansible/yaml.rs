//! YAML as Ansible reads it: PyYAML's YAML 1.1 typing of plain scalars (`yes`/`no`/`on`/`off`
//! are booleans, `0644` is octal 420, `0x1F`, `1_000`, `1:20` sexagesimal, `~` null), `<<`
//! merge keys, and Ansible's own tags: `!vault` (kept opaque, never decrypted) and `!unsafe`
//! (a plain string here). The YAML crates we could use each get one of these wrong (see
//! `research/crates-and-git-perf.md`), so the document is built from saphyr's parser events
//! and typed here.
//!
//! Aliases are shared, not copied, while the document is built, and expanding them into values
//! is charged against a budget proportional to the input: a "billion laughs" document is an
//! error with the line of the alias, not an exhausted machine.

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;
use std::rc::Rc;

/// The key under which a vault-encrypted value is kept, as `ansible-inventory --list` writes
/// it. Its value here is `sha256:<hex>` of the ciphertext: enough to tell two vaulted values
/// apart, nothing of what they hold.
pub const VAULT_KEY: &str = "__ansible_vault";

/// Deepest nesting of collections accepted.
const MAX_DEPTH: usize = 256;

/// A YAML error with the 1-based line where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: u32,
    pub message: String,
}

/// A key and its value in a mapping.
pub type Entry = (Rc<Node>, Rc<Node>);

/// How a scalar was written: plain scalars are typed, the others are strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
}

/// A node of the document, with the line it starts on.
#[derive(Debug)]
pub enum Node {
    Scalar {
        text: String,
        style: Style,
        tag: Option<Tag>,
        line: u32,
    },
    Seq {
        items: Vec<Rc<Node>>,
        tag: Option<Tag>,
        line: u32,
    },
    Map {
        entries: Vec<(Rc<Node>, Rc<Node>)>,
        tag: Option<Tag>,
        line: u32,
    },
}

impl Node {
    pub fn line(&self) -> u32 {
        match self {
            Node::Scalar { line, .. } | Node::Seq { line, .. } | Node::Map { line, .. } => *line,
        }
    }

    /// The entries of a mapping with merge keys applied: merged entries first, the mapping's own
    /// after them (so they win), as PyYAML's `flatten_mapping` does.
    pub fn map_entries(&self) -> Result<Vec<Entry>, YamlError> {
        let Node::Map { entries, .. } = self else {
            return Ok(Vec::new());
        };
        if !entries.iter().any(|(k, _)| k.is_merge_key()) {
            return Ok(entries.clone());
        }
        let mut merged = Vec::new();
        let mut own = Vec::new();
        for (key, value) in entries {
            if !key.is_merge_key() {
                own.push((key.clone(), value.clone()));
                continue;
            }
            match &**value {
                Node::Map { .. } => merged.extend(value.map_entries()?),
                Node::Seq { items, .. } => {
                    // The first mapping of the list wins: merge them last to first.
                    let mut parts = Vec::new();
                    for item in items {
                        if !matches!(&**item, Node::Map { .. }) {
                            return Err(YamlError {
                                line: item.line(),
                                message: "expected a mapping for merging (`<<`), found a \
                                          sequence item that is not one"
                                    .into(),
                            });
                        }
                        parts.push(item.map_entries()?);
                    }
                    for part in parts.into_iter().rev() {
                        merged.extend(part);
                    }
                }
                Node::Scalar { line, .. } => {
                    return Err(YamlError {
                        line: *line,
                        message: "expected a mapping or a list of mappings for merging (`<<`)"
                            .into(),
                    })
                }
            }
        }
        merged.extend(own);
        Ok(merged)
    }

    fn is_merge_key(&self) -> bool {
        matches!(self, Node::Scalar { text, style: Style::Plain, tag: None, .. } if text == "<<")
    }

    /// The tag's name as written (`!vault`, `!!str`).
    pub fn tag(&self) -> Option<&Tag> {
        match self {
            Node::Scalar { tag, .. } | Node::Seq { tag, .. } | Node::Map { tag, .. } => {
                tag.as_ref()
            }
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Node::Scalar { text, style: Style::Plain, tag: None, .. }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }
}

/// Parses a document. `None` for an empty stream (no document, or only comments).
pub fn parse(text: &str) -> Result<Option<Rc<Node>>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        root: None,
        documents: 0,
    };
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| YamlError {
            line: e.marker().line() as u32,
            message: e.info().to_string(),
        })?;
        builder.event(event, span)?;
    }
    Ok(builder.root)
}

enum Open {
    Seq {
        items: Vec<Rc<Node>>,
        tag: Option<Tag>,
        line: u32,
        anchor: usize,
    },
    Map {
        entries: Vec<(Rc<Node>, Rc<Node>)>,
        pending_key: Option<Rc<Node>>,
        tag: Option<Tag>,
        line: u32,
        anchor: usize,
    },
}

struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Rc<Node>>,
    root: Option<Rc<Node>>,
    documents: usize,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let line = span.start.line() as u32;
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(YamlError {
                        line,
                        message: "expected a single document, found a second one (`---`)".into(),
                    });
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    ScalarStyle::Plain => Style::Plain,
                    _ => Style::Quoted,
                };
                let node = Rc::new(Node::Scalar {
                    text: text.into_owned(),
                    style,
                    tag: tag.map(|t| t.into_owned()),
                    line,
                });
                self.complete(node, anchor, line)?;
            }
            Event::Alias(anchor) => {
                let node = self.anchors.get(&anchor).cloned().ok_or(YamlError {
                    line,
                    message: "an alias refers to an anchor that is not complete yet (a \
                              recursive alias) or not defined"
                        .into(),
                })?;
                self.complete(node, 0, line)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.open(line)?;
                self.stack.push(Open::Seq {
                    items: Vec::new(),
                    tag: tag.map(|t| t.into_owned()),
                    line,
                    anchor,
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.open(line)?;
                self.stack.push(Open::Map {
                    entries: Vec::new(),
                    pending_key: None,
                    tag: tag.map(|t| t.into_owned()),
                    line,
                    anchor,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor, line) = match self.stack.pop() {
                    Some(Open::Seq {
                        items,
                        tag,
                        line,
                        anchor,
                    }) => (Rc::new(Node::Seq { items, tag, line }), anchor, line),
                    Some(Open::Map {
                        entries,
                        tag,
                        line,
                        anchor,
                        ..
                    }) => (Rc::new(Node::Map { entries, tag, line }), anchor, line),
                    None => return Ok(()),
                };
                self.complete(node, anchor, line)?;
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
        }
        Ok(())
    }

    fn open(&self, line: u32) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(YamlError {
                line,
                message: format!("collections nested more than {MAX_DEPTH} levels deep"),
            });
        }
        Ok(())
    }

    fn complete(&mut self, node: Rc<Node>, anchor: usize, _line: u32) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq { items, .. }) => items.push(node),
            Some(Open::Map {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => entries.push((key, node)),
            },
        }
        Ok(())
    }
}

/// How many values the nodes of a document may expand to: every value made is charged, so
/// that aliases cannot multiply a small document into an enormous one.
pub struct ExpansionBudget {
    left: usize,
}

impl ExpansionBudget {
    /// A budget fit for a document of `text_len` bytes: generous for merge keys reused on every
    /// host, far below what an alias bomb asks for.
    pub fn for_text(text_len: usize) -> Self {
        ExpansionBudget {
            left: (text_len.saturating_mul(16)).max(1_000_000),
        }
    }

    /// Takes `amount` from the budget, or fails at `node`'s line when it is spent.
    pub fn charge(&mut self, node: &Node, amount: usize) -> Result<(), YamlError> {
        match self.left.checked_sub(amount) {
            Some(rest) => {
                self.left = rest;
                Ok(())
            }
            None => Err(YamlError {
                line: node.line(),
                message: "aliases expand this document to far more values than it holds \
                          (an alias bomb?): refusing to expand it"
                    .into(),
            }),
        }
    }
}

/// Turns nodes into values under an [`ExpansionBudget`].
pub struct Converter {
    budget: ExpansionBudget,
}

impl Converter {
    pub fn for_text(text_len: usize) -> Self {
        Converter {
            budget: ExpansionBudget::for_text(text_len),
        }
    }

    fn charge(&mut self, node: &Node, amount: usize) -> Result<(), YamlError> {
        self.budget.charge(node, amount)
    }

    /// The value of a node, typed as Ansible types it.
    pub fn value(&mut self, node: &Node) -> Result<Value, YamlError> {
        self.charge(node, 1)?;
        let tag = node.tag().map(tag_name);
        match tag.as_deref() {
            Some("!vault") => return vault(node),
            Some("!unsafe") => return self.unsafe_value(node),
            _ => {}
        }
        match node {
            Node::Scalar {
                text, style, line, ..
            } => {
                self.charge(node, text.len() / 64)?;
                scalar(text, *style, tag.as_deref(), *line)
            }
            Node::Seq { items, .. } => {
                check_collection_tag(tag.as_deref(), &["!!seq"], node)?;
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.value(item)?);
                }
                Ok(Value::Array(out))
            }
            Node::Map { .. } => {
                check_collection_tag(tag.as_deref(), &["!!map", "!!set", "!!omap"], node)?;
                let mut out = Map::new();
                for (key, value) in node.map_entries()? {
                    let key = self.key(&key)?;
                    let value = self.value(&value)?;
                    out.insert(key, value);
                }
                Ok(Value::Object(out))
            }
        }
    }

    /// A mapping key as the string JSON output gives it (`0`, `true`, `null`...).
    pub fn key(&mut self, node: &Node) -> Result<String, YamlError> {
        match self.value(node)? {
            Value::String(s) => Ok(s),
            Value::Null => Ok("null".into()),
            Value::Bool(b) => Ok(b.to_string()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Object(map) if map.contains_key(VAULT_KEY) => Err(YamlError {
                line: node.line(),
                message: "a vault-encrypted value cannot be a mapping key".into(),
            }),
            _ => Err(YamlError {
                line: node.line(),
                message: "a mapping or a sequence cannot be a mapping key (unhashable key)".into(),
            }),
        }
    }

    /// `!unsafe` marks strings that must never be templated; to us they are plain strings,
    /// and the mark reaches into collections.
    fn unsafe_value(&mut self, node: &Node) -> Result<Value, YamlError> {
        match node {
            Node::Scalar { text, .. } => Ok(Value::String(text.clone())),
            Node::Seq { items, .. } => items
                .iter()
                .map(|item| self.unsafe_or_typed(item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Node::Map { .. } => {
                let mut out = Map::new();
                for (key, value) in node.map_entries()? {
                    let key = self.key(&key)?;
                    let value = self.unsafe_or_typed(&value)?;
                    out.insert(key, value);
                }
                Ok(Value::Object(out))
            }
        }
    }

    fn unsafe_or_typed(&mut self, node: &Node) -> Result<Value, YamlError> {
        self.charge(node, 1)?;
        match node {
            Node::Scalar { text, .. } => Ok(Value::String(text.clone())),
            _ => self.unsafe_value(node),
        }
    }
}

/// `!vault` or `!!str`, as written.
fn tag_name(tag: &Tag) -> String {
    if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else if tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!" {
        format!("!!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

fn check_collection_tag(tag: Option<&str>, allowed: &[&str], node: &Node) -> Result<(), YamlError> {
    match tag {
        None => Ok(()),
        Some(t) if allowed.contains(&t) => Ok(()),
        Some(t) => Err(YamlError {
            line: node.line(),
            message: format!("could not determine a constructor for the tag `{t}`"),
        }),
    }
}

/// The opaque stand-in of a vault-encrypted value: the digest of its ciphertext.
fn vault(node: &Node) -> Result<Value, YamlError> {
    match node {
        Node::Scalar { text, .. } => Ok(vault_value(text)),
        _ => Err(YamlError {
            line: node.line(),
            message: "`!vault` must tag a string (the ciphertext)".into(),
        }),
    }
}

/// `{"__ansible_vault": "sha256:<hex>"}` for a ciphertext.
pub fn vault_value(ciphertext: &str) -> Value {
    let mut map = Map::new();
    map.insert(
        VAULT_KEY.to_string(),
        Value::String(format!(
            "sha256:{}",
            crate::model::id::sha256_hex(ciphertext.as_bytes())
        )),
    );
    Value::Object(map)
}

/// Whether `value` is the stand-in of a vault-encrypted value.
pub fn is_vault(value: &Value) -> bool {
    matches!(value, Value::Object(map) if map.len() == 1 && map.contains_key(VAULT_KEY))
}

fn scalar(text: &str, style: Style, tag: Option<&str>, line: u32) -> Result<Value, YamlError> {
    let bad = |what: &str| YamlError {
        line,
        message: format!("`{text}` is not {what}"),
    };
    match tag {
        None if style == Style::Quoted => Ok(Value::String(text.to_string())),
        None => Ok(resolve_plain(text)),
        Some("!!str") => Ok(Value::String(text.to_string())),
        Some("!!null") => Ok(Value::Null),
        Some("!!bool") => bool_1_1(text)
            .map(Value::Bool)
            .ok_or_else(|| bad("a boolean")),
        Some("!!int") => int_1_1(text).ok_or_else(|| bad("an integer")),
        Some("!!float") => float_1_1(text)
            .or_else(|| int_1_1(text).and_then(|v| v.as_f64()).and_then(float_value))
            .ok_or_else(|| bad("a number")),
        Some("!!timestamp") | Some("!!binary") => Ok(Value::String(text.to_string())),
        Some(other) => Err(YamlError {
            line,
            message: format!("could not determine a constructor for the tag `{other}`"),
        }),
    }
}

/// PyYAML's implicit resolvers for a plain scalar (YAML 1.1).
pub fn resolve_plain(text: &str) -> Value {
    if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
        return Value::Null;
    }
    if let Some(b) = bool_1_1(text) {
        return Value::Bool(b);
    }
    if let Some(v) = int_1_1(text) {
        return v;
    }
    if let Some(v) = float_1_1(text) {
        return v;
    }
    Value::String(text.to_string())
}

fn bool_1_1(text: &str) -> Option<bool> {
    match text {
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => Some(true),
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

fn split_sign(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// `int` of YAML 1.1: `0b1010`, `0644` (octal), `0x1F`, `1_000`, `190:20:30` (base 60).
fn int_1_1(text: &str) -> Option<Value> {
    let (negative, body) = split_sign(text);
    if body.is_empty() {
        return None;
    }
    let digits_ok =
        |s: &str, ok: fn(u8) -> bool| !s.is_empty() && s.bytes().all(|b| ok(b) || b == b'_');
    let (radix, digits) = if let Some(rest) = body.strip_prefix("0b") {
        if !digits_ok(rest, |b| b == b'0' || b == b'1') {
            return None;
        }
        (2, rest)
    } else if let Some(rest) = body.strip_prefix("0x") {
        if !digits_ok(rest, |b| b.is_ascii_hexdigit()) {
            return None;
        }
        (16, rest)
    } else if body == "0" {
        (10, body)
    } else if let Some(rest) = body.strip_prefix('0') {
        if !digits_ok(rest, |b| (b'0'..=b'7').contains(&b)) {
            return None;
        }
        (8, rest)
    } else if body.contains(':') {
        return sexagesimal_int(negative, body);
    } else {
        if !body.as_bytes()[0].is_ascii_digit() || !digits_ok(body, |b| b.is_ascii_digit()) {
            return None;
        }
        (10, body)
    };
    let cleaned: String = digits.chars().filter(|&c| c != '_').collect();
    if cleaned.is_empty() {
        // `0b_` or `0x__`: Python's int() refuses it too.
        return None;
    }
    big_int_value(negative, &cleaned, radix)
}

fn sexagesimal_int(negative: bool, body: &str) -> Option<Value> {
    let mut parts = body.split(':');
    let first = parts.next()?;
    if first.is_empty()
        || !first.as_bytes()[0].is_ascii_digit()
        || first.starts_with('0')
        || !first.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let mut total: i128 = first.replace('_', "").parse().ok()?;
    for part in parts {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digit: i128 = part.parse().ok()?;
        if part.len() == 2 && part.as_bytes()[0] > b'5' {
            return None;
        }
        total = total.checked_mul(60)?.checked_add(digit)?;
    }
    Some(Value::Number(Number::from_i128(if negative {
        -total
    } else {
        total
    })?))
}

/// An integer of any size, as Python keeps it.
pub(crate) fn big_int_value(negative: bool, digits: &str, radix: u32) -> Option<Value> {
    if let Ok(v) = u128::from_str_radix(digits, radix) {
        let v = i128::try_from(v).ok();
        if let Some(v) = v {
            let v = if negative { -v } else { v };
            return Number::from_i128(v).map(Value::Number);
        }
    }
    // Larger than 128 bits: convert the digits to decimal by hand.
    let mut decimal: Vec<u8> = vec![0];
    for c in digits.chars() {
        let mut carry = c.to_digit(radix)?;
        for d in decimal.iter_mut() {
            let x = u32::from(*d) * radix + carry;
            *d = (x % 10) as u8;
            carry = x / 10;
        }
        while carry > 0 {
            decimal.push((carry % 10) as u8);
            carry /= 10;
        }
    }
    let mut text: String = if negative { "-".into() } else { String::new() };
    text.extend(decimal.iter().rev().map(|d| char::from(b'0' + d)));
    serde_json::from_str::<Number>(&text)
        .ok()
        .map(Value::Number)
}

/// `float` of YAML 1.1: a dot is required (`1e3` is a string), `.5`, `1_0.5`, `.inf`, `.nan`.
fn float_1_1(text: &str) -> Option<Value> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" | "-.inf" | "-.Inf" | "-.INF"
        | ".nan" | ".NaN" | ".NAN" => {
            // JSON has no infinity or NaN: keep the text.
            return Some(Value::String(text.to_string()));
        }
        _ => {}
    }
    let (negative, body) = split_sign(text);
    if body.contains(':') {
        return sexagesimal_float(negative, body);
    }
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    let dot = mantissa.find('.')?;
    let (int_part, frac_part) = (&mantissa[..dot], &mantissa[dot + 1..]);
    let int_ok = if int_part.is_empty() {
        // `.5`: a digit must follow the dot, and no sign may precede it.
        body.len() == text.len() && frac_part.as_bytes().first().is_some_and(u8::is_ascii_digit)
    } else {
        int_part.as_bytes()[0].is_ascii_digit()
            && int_part.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    };
    if !int_ok || !frac_part.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return None;
    }
    if let Some(exp) = exponent {
        // YAML 1.1 wants a sign in the exponent: `1.0e+3`.
        let digits = exp.strip_prefix(['+', '-'])?;
        if exp.len() == digits.len()
            || digits.is_empty()
            || !digits.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
    }
    let cleaned: String = body.chars().filter(|&c| c != '_').collect();
    let v: f64 = cleaned.parse().ok()?;
    float_value(if negative { -v } else { v })
}

fn sexagesimal_float(negative: bool, body: &str) -> Option<Value> {
    let (whole, frac) = body.rsplit_once('.')?;
    let mut parts = whole.split(':');
    let first = parts.next()?;
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return None;
    }
    let mut total: f64 = first.replace('_', "").parse().ok()?;
    for part in parts {
        if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        total = total * 60.0 + part.parse::<f64>().ok()?;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit() || b == b'_') {
        return None;
    }
    let frac: f64 = format!("0.{}", frac.replace('_', "")).parse().ok()?;
    let v = total + frac;
    float_value(if negative { -v } else { v })
}

/// A float as a JSON number, written as Python writes floats (`3.0`, not `3`).
pub fn float_value(v: f64) -> Option<Value> {
    if !v.is_finite() {
        return None;
    }
    let mut text = format!("{v:?}");
    if !text.contains(['.', 'e', 'E']) {
        text.push_str(".0");
    }
    serde_json::from_str::<Number>(&text)
        .ok()
        .map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Value, YamlError> {
        let node = parse(text)?.expect("a document");
        Converter::for_text(text.len()).value(&node)
    }

    #[test]
    fn plain_scalars_are_typed_as_yaml_1_1() {
        let v = load(
            "a: yes\nb: Off\nc: 0644\nd: 0x1F\ne: 1_000\nf: 1:20\ng: 1.5\nh: 1e3\ni: ~\nj: '0644'\nk: 2001-12-14\nl: 0b101\nm: -17\nn: 09\no: 1.0e+3\np: 3.\n",
        )
        .unwrap();
        assert_eq!(v["a"], Value::Bool(true));
        assert_eq!(v["b"], Value::Bool(false));
        assert_eq!(v["c"], serde_json::json!(420));
        assert_eq!(v["d"], serde_json::json!(31));
        assert_eq!(v["e"], serde_json::json!(1000));
        assert_eq!(v["f"], serde_json::json!(80));
        assert_eq!(v["g"].to_string(), "1.5");
        assert_eq!(v["h"], Value::String("1e3".into()));
        assert_eq!(v["i"], Value::Null);
        assert_eq!(v["j"], Value::String("0644".into()));
        assert_eq!(v["k"], Value::String("2001-12-14".into()));
        assert_eq!(v["l"], serde_json::json!(5));
        assert_eq!(v["m"], serde_json::json!(-17));
        assert_eq!(v["n"], Value::String("09".into()));
        assert_eq!(v["o"].to_string(), "1000.0");
        assert_eq!(v["p"].to_string(), "3.0");
    }

    #[test]
    fn merge_keys_apply_with_own_keys_winning() {
        let v =
            load("d: &d {a: 1, b: 2}\ne: &e {b: 3, c: 4}\nx:\n  b: 9\n  <<: [*d, *e]\n").unwrap();
        assert_eq!(v["x"], serde_json::json!({"a": 1, "b": 9, "c": 4}));
    }

    #[test]
    fn vault_is_opaque_and_unsafe_is_a_string() {
        let v = load("s: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\nu: !unsafe '{{ x }}'\n")
            .unwrap();
        assert!(is_vault(&v["s"]));
        assert!(!v.to_string().contains("ANSIBLE_VAULT"));
        assert_eq!(v["u"], Value::String("{{ x }}".into()));
    }

    #[test]
    fn an_alias_bomb_is_refused_quickly() {
        let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..10 {
            let prev = format!("*a{}", i - 1);
            text.push_str(&format!(
                "a{i}: &a{i} [{}]\n",
                [prev.as_str(); 9].join(", ")
            ));
        }
        let started = std::time::Instant::now();
        let error = load(&text).unwrap_err();
        assert!(error.message.contains("alias bomb"), "{error:?}");
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn errors_carry_lines() {
        let error = load("a: 1\nb: [1, 2\n").unwrap_err();
        assert!(error.line >= 2, "{error:?}");
        let error = load("a: !foo 1\n").unwrap_err();
        assert_eq!(error.line, 1);
        assert!(error.message.contains("!foo"));
    }
}
