//! The value of an INI inventory variable, as Ansible's INI plugin computes it: Python's
//! `ast.literal_eval` of the text, and the text itself when that fails. So `3` is a number,
//! `3.0` a float, `"a b"` a string without its quotes, `[1, 2]` a list, `{'a': 1}` a mapping,
//! `True` a boolean and `None` null, while `yes`, `0644` and `{{ x }}` stay strings.
//!
//! Only what `literal_eval` accepts is accepted here: numbers (with `_`, `0x`, `0o`, `0b`, one
//! leading sign), strings (prefixes `r`, `u`, `b`; adjacent literals concatenated; escapes),
//! lists, tuples and sets (all become lists), dicts, `True`/`False`/`None`, `...`, `set()`
//! and complex numbers (which Ansible turns back into their text). A Python comment ends the
//! expression, as it does in Python.

use super::yaml::float_value;
use serde_json::{Map, Number, Value};

/// Python refuses to parse more deeply nested brackets than this.
const MAX_NESTING: usize = 199;

/// `literal_eval(text)` turned into the value Ansible keeps, or `None` where Python raises
/// `ValueError` or `SyntaxError` (the caller then keeps the text).
pub fn literal_eval(text: &str) -> Option<Value> {
    let text = text.trim_start_matches([' ', '\t']);
    if let Some(quick) = quick(text) {
        return quick;
    }
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
        depth: 0,
    };
    let value = parser.top()?;
    parser.skip_space();
    (parser.at == parser.chars.len()).then_some(value)
}

/// The answer for the commonest values without parsing: a plain decimal, a word or dotted name
/// (`deploy`, `web01.example.com`, `eu-west-1`: never literals), an address (`10.0.0.5`: two
/// dots make it no number). `None` when the full parser must decide.
fn quick(text: &str) -> Option<Option<Value>> {
    let bytes = text.as_bytes();
    let first = *bytes.first()?;
    if first.is_ascii_digit() {
        if bytes.iter().all(u8::is_ascii_digit)
            && (first != b'0' || bytes.len() == 1)
            && bytes.len() < 18
        {
            return Some(Some(Value::from(text.parse::<u64>().ok()?)));
        }
        let dots = bytes.iter().filter(|&&b| b == b'.').count();
        if dots >= 2 && bytes.iter().all(|&b| b.is_ascii_digit() || b == b'.') {
            return Some(None);
        }
        return None;
    }
    if (first.is_ascii_alphabetic() || first == b'_')
        && bytes.iter().all(|&b| {
            b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/' | b':' | b'@')
        })
        && !matches!(text, "True" | "False" | "None")
    {
        return Some(None);
    }
    None
}

/// What literal_eval gives, before Ansible coerces it.
enum Lit {
    Value(Value),
    /// A number, kept apart for the sign and complex rules.
    Int(Value),
    Float(f64),
    Complex(f64, f64),
}

impl Lit {
    fn into_value(self) -> Option<Value> {
        match self {
            Lit::Value(v) | Lit::Int(v) => Some(v),
            Lit::Float(f) => Some(float_value(f).unwrap_or_else(|| Value::String(py_float(f)))),
            Lit::Complex(re, im) => Some(Value::String(py_complex(re, im))),
        }
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.at + offset).copied()
    }

    /// Spaces, tabs, form feeds and a comment to the end of the line.
    fn skip_space(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\x0c' => self.at += 1,
                '#' => self.at = self.chars.len(),
                _ => break,
            }
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// The whole expression: a bare `1, 2` is a tuple.
    fn top(&mut self) -> Option<Value> {
        let first = self.expr()?;
        self.skip_space();
        if self.peek() != Some(',') {
            return first.into_value();
        }
        let mut items = vec![first.into_value()?];
        while self.eat(',') {
            self.skip_space();
            if self.peek().is_none() {
                break;
            }
            items.push(self.expr()?.into_value()?);
        }
        Some(Value::Array(items))
    }

    /// A literal, a signed number, or `number ± complex`.
    fn expr(&mut self) -> Option<Lit> {
        let left = self.signed()?;
        self.skip_space();
        let op = match self.peek() {
            Some(c @ ('+' | '-')) => c,
            _ => return Some(left),
        };
        self.at += 1;
        let right = self.signed()?;
        let (lr, li) = match left {
            Lit::Int(v) => (v.as_f64()?, 0.0),
            Lit::Float(f) => (f, 0.0),
            Lit::Complex(r, i) => (r, i),
            Lit::Value(_) => return None,
        };
        // literal_eval allows a binary + or - only with a complex right-hand side.
        let Lit::Complex(rr, ri) = right else {
            return None;
        };
        Some(if op == '+' {
            Lit::Complex(lr + rr, li + ri)
        } else {
            Lit::Complex(lr - rr, li - ri)
        })
    }

    fn signed(&mut self) -> Option<Lit> {
        self.skip_space();
        match self.peek() {
            Some(c @ ('+' | '-')) => {
                self.at += 1;
                self.skip_space();
                let negative = c == '-';
                match self.number()? {
                    Lit::Int(v) if negative => Some(Lit::Int(negate(&v)?)),
                    Lit::Float(f) if negative => Some(Lit::Float(-f)),
                    Lit::Complex(r, i) if negative => Some(Lit::Complex(-r, -i)),
                    other => Some(other),
                }
            }
            _ => self.atom(),
        }
    }

    fn atom(&mut self) -> Option<Lit> {
        self.skip_space();
        let c = self.peek()?;
        match c {
            '[' => self.sequence(']').map(|v| Lit::Value(Value::Array(v))),
            '(' => self.parenthesised(),
            '{' => self.brace(),
            '0'..='9' => self.number(),
            '.' if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => self.number(),
            '.' if self.peek_at(1) == Some('.') && self.peek_at(2) == Some('.') => {
                self.at += 3;
                Some(Lit::Value(Value::String("...".into())))
            }
            '\'' | '"' => self.strings(),
            c if c.is_alphabetic() || c == '_' => self.name_or_string(),
            _ => None,
        }
    }

    fn nest(&mut self) -> Option<()> {
        self.depth += 1;
        (self.depth <= MAX_NESTING).then_some(())
    }

    /// Items up to `close`, commas between, a trailing comma allowed.
    fn sequence(&mut self, close: char) -> Option<Vec<Value>> {
        self.at += 1;
        self.nest()?;
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                break;
            }
            items.push(self.expr()?.into_value()?);
            if self.eat(close) {
                break;
            }
            if !self.eat(',') {
                return None;
            }
        }
        self.depth -= 1;
        Some(items)
    }

    /// `(x)` is x; `()`, `(x,)` and `(x, y)` are tuples.
    fn parenthesised(&mut self) -> Option<Lit> {
        self.at += 1;
        self.nest()?;
        if self.eat(')') {
            self.depth -= 1;
            return Some(Lit::Value(Value::Array(Vec::new())));
        }
        let first = self.expr()?;
        if self.eat(')') {
            self.depth -= 1;
            return Some(first);
        }
        if !self.eat(',') {
            return None;
        }
        let mut items = vec![first.into_value()?];
        loop {
            if self.eat(')') {
                break;
            }
            items.push(self.expr()?.into_value()?);
            if self.eat(')') {
                break;
            }
            if !self.eat(',') {
                return None;
            }
        }
        self.depth -= 1;
        Some(Lit::Value(Value::Array(items)))
    }

    /// `{}` is a dict; `{k: v}` a dict; `{a, b}` a set.
    fn brace(&mut self) -> Option<Lit> {
        self.at += 1;
        self.nest()?;
        if self.eat('}') {
            self.depth -= 1;
            return Some(Lit::Value(Value::Object(Map::new())));
        }
        let first = self.expr()?;
        if self.eat(':') {
            let mut map = Map::new();
            let value = self.expr()?.into_value()?;
            map.insert(key_text(first.into_value()?)?, value);
            loop {
                if self.eat('}') {
                    break;
                }
                if !self.eat(',') {
                    return None;
                }
                if self.eat('}') {
                    break;
                }
                let key = key_text(self.expr()?.into_value()?)?;
                if !self.eat(':') {
                    return None;
                }
                let value = self.expr()?.into_value()?;
                map.insert(key, value);
            }
            self.depth -= 1;
            return Some(Lit::Value(Value::Object(map)));
        }
        let mut items = vec![first.into_value()?];
        loop {
            if self.eat('}') {
                break;
            }
            if !self.eat(',') {
                return None;
            }
            if self.eat('}') {
                break;
            }
            items.push(self.expr()?.into_value()?);
        }
        self.depth -= 1;
        let mut unique: Vec<Value> = Vec::new();
        for item in items {
            if item.is_array() || item.is_object() {
                // An unhashable set member: Python raises TypeError.
                return None;
            }
            if !unique.contains(&item) {
                unique.push(item);
            }
        }
        Some(Lit::Value(Value::Array(unique)))
    }

    fn identifier(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    fn name_or_string(&mut self) -> Option<Lit> {
        let start = self.at;
        let name = self.identifier();
        if matches!(self.peek(), Some('\'' | '"')) {
            let lower = name.to_ascii_lowercase();
            if matches!(lower.as_str(), "r" | "u" | "b" | "br" | "rb") {
                self.at = start;
                return self.strings();
            }
            // f-strings and other prefixes are no literals.
            return None;
        }
        match name.as_str() {
            "True" => Some(Lit::Value(Value::Bool(true))),
            "False" => Some(Lit::Value(Value::Bool(false))),
            "None" => Some(Lit::Value(Value::Null)),
            "set" => {
                if self.eat('(') && self.eat(')') {
                    Some(Lit::Value(Value::Array(Vec::new())))
                } else {
                    None
                }
            }
            _ => None,
        }
    }

    /// One or more adjacent string literals, concatenated; bytes and text do not mix.
    fn strings(&mut self) -> Option<Lit> {
        let mut out = String::new();
        let mut kind: Option<bool> = None;
        loop {
            self.skip_space();
            let start = self.at;
            let prefix = self.identifier().to_ascii_lowercase();
            if !matches!(self.peek(), Some('\'' | '"')) {
                self.at = start;
                break;
            }
            if !matches!(prefix.as_str(), "" | "r" | "u" | "b" | "br" | "rb") {
                return None;
            }
            let bytes = prefix.contains('b');
            if kind.is_some_and(|k| k != bytes) {
                return None;
            }
            kind = Some(bytes);
            out.push_str(&self.string_body(prefix.contains('r'), bytes)?);
        }
        kind.map(|_| Lit::Value(Value::String(out)))
    }

    fn string_body(&mut self, raw: bool, bytes: bool) -> Option<String> {
        let quote = self.peek()?;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        self.at += if triple { 3 } else { 1 };
        let mut out = String::new();
        loop {
            let c = self.peek()?;
            if c == quote {
                if !triple {
                    self.at += 1;
                    return Some(out);
                }
                if self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote) {
                    self.at += 3;
                    return Some(out);
                }
            }
            if (c == '\n' || c == '\r') && !triple {
                return None;
            }
            if bytes && !c.is_ascii() {
                return None;
            }
            self.at += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let next = self.peek()?;
            if raw {
                out.push('\\');
                out.push(next);
                self.at += 1;
                continue;
            }
            self.at += 1;
            match next {
                '\n' => {}
                '\\' => out.push('\\'),
                '\'' => out.push('\''),
                '"' => out.push('"'),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\x0b'),
                '0'..='7' => {
                    let mut code = next.to_digit(8)?;
                    for _ in 0..2 {
                        match self.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                code = code * 8 + d;
                                self.at += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(char::from_u32(code)?);
                }
                'x' => out.push(self.hex_escape(2)?),
                'u' if !bytes => out.push(self.hex_escape(4)?),
                'U' if !bytes => out.push(self.hex_escape(8)?),
                // `\N{NAME}` needs the Unicode name table: not worth carrying.
                'N' if !bytes => return None,
                other => {
                    out.push('\\');
                    out.push(other);
                }
            }
        }
    }

    fn hex_escape(&mut self, digits: usize) -> Option<char> {
        let mut code = 0u32;
        for _ in 0..digits {
            let d = self.peek()?.to_digit(16)?;
            code = code.checked_mul(16)? + d;
            self.at += 1;
        }
        char::from_u32(code)
    }

    /// A Python numeric literal: int (any base, any size), float or imaginary.
    fn number(&mut self) -> Option<Lit> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
            || (matches!(self.peek(), Some('+' | '-'))
                && matches!(self.chars.get(self.at.wrapping_sub(1)), Some('e' | 'E'))
                && !self.chars[start..self.at]
                    .iter()
                    .any(|c| matches!(c, 'x' | 'X' | 'b' | 'B' | 'o' | 'O')))
        {
            self.at += 1;
        }
        let token: String = self.chars[start..self.at].iter().collect();
        parse_number(&token)
    }
}

fn negate(v: &Value) -> Option<Value> {
    let text = v.to_string();
    let negated = match text.strip_prefix('-') {
        Some(rest) => rest.to_string(),
        None if text == "0" => text,
        None => format!("-{text}"),
    };
    serde_json::from_str::<Number>(&negated)
        .ok()
        .map(Value::Number)
}

/// Digits with single underscores between them (`1_000`, not `1__0` or `1_`).
fn valid_digits(s: &str, ok: impl Fn(char) -> bool) -> bool {
    !s.is_empty()
        && !s.starts_with('_')
        && !s.ends_with('_')
        && !s.contains("__")
        && s.chars().all(|c| c == '_' || ok(c))
}

fn parse_number(token: &str) -> Option<Lit> {
    let lower = token.to_ascii_lowercase();
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            let rest = rest.strip_prefix('_').unwrap_or(rest);
            if !valid_digits(rest, |c| c.is_digit(radix)) {
                return None;
            }
            let digits: String = rest.chars().filter(|&c| c != '_').collect();
            return super::yaml::big_int_value(false, &digits, radix).map(Lit::Int);
        }
    }
    let (body, imaginary) = match lower.strip_suffix('j') {
        Some(body) => (body, true),
        None => (lower.as_str(), false),
    };
    let (mantissa, exponent) = match body.find('e') {
        Some(at) => (&body[..at], Some(&body[at + 1..])),
        None => (body, None),
    };
    if let Some(exp) = exponent {
        let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
        if !valid_digits(digits, |c| c.is_ascii_digit()) {
            return None;
        }
    }
    let is_float = mantissa.contains('.') || exponent.is_some();
    match mantissa.split_once('.') {
        Some((int_part, frac_part)) => {
            if int_part.is_empty() && frac_part.is_empty() {
                return None;
            }
            if !int_part.is_empty() && !valid_digits(int_part, |c| c.is_ascii_digit()) {
                return None;
            }
            if !frac_part.is_empty() && !valid_digits(frac_part, |c| c.is_ascii_digit()) {
                return None;
            }
        }
        None => {
            if !valid_digits(mantissa, |c| c.is_ascii_digit()) {
                return None;
            }
            // `0644`: leading zeros are a SyntaxError in Python 3, unless all digits are 0.
            if !is_float
                && !imaginary
                && mantissa.len() > 1
                && mantissa.starts_with('0')
                && mantissa.chars().any(|c| c != '0' && c != '_')
            {
                return None;
            }
        }
    }
    let cleaned: String = body.chars().filter(|&c| c != '_').collect();
    if imaginary {
        return Some(Lit::Complex(0.0, cleaned.parse().ok()?));
    }
    if is_float {
        return Some(Lit::Float(cleaned.parse().ok()?));
    }
    super::yaml::big_int_value(false, &cleaned, 10).map(Lit::Int)
}

/// A dict key as JSON output writes it.
fn key_text(key: Value) -> Option<String> {
    match key {
        Value::String(s) => Some(s),
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(if b { "true" } else { "false" }.into()),
        Value::Number(n) => Some(n.to_string()),
        // Lists and dicts are unhashable: Python raises TypeError.
        _ => None,
    }
}

/// Python's `repr` of a float, close enough for the rare infinite case.
fn py_float(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        }
    } else {
        let text = format!("{f:?}");
        text.strip_suffix(".0").map(str::to_string).unwrap_or(text)
    }
}

/// Python's `str` of a complex number: `2j`, `(1+2j)`.
fn py_complex(re: f64, im: f64) -> String {
    if re == 0.0 && re.is_sign_positive() {
        format!("{}j", py_float(im))
    } else {
        let sign = if im.is_sign_negative() { "-" } else { "+" };
        format!("({}{sign}{}j)", py_float(re), py_float(im.abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn eval(text: &str) -> Option<Value> {
        literal_eval(text)
    }

    #[test]
    fn numbers_strings_and_names() {
        assert_eq!(eval("3"), Some(json!(3)));
        assert_eq!(eval("-3"), Some(json!(-3)));
        assert_eq!(eval("3.0").unwrap().to_string(), "3.0");
        assert_eq!(eval("1_000"), Some(json!(1000)));
        assert_eq!(eval("0x1F"), Some(json!(31)));
        assert_eq!(eval("0o644"), Some(json!(420)));
        assert_eq!(eval("0644"), None);
        assert_eq!(eval("00"), Some(json!(0)));
        assert_eq!(eval("1e3").unwrap().to_string(), "1000.0");
        assert_eq!(eval("'a b'"), Some(json!("a b")));
        assert_eq!(eval("\"a\" 'b'"), Some(json!("ab")));
        assert_eq!(eval("r'\\d'"), Some(json!("\\d")));
        assert_eq!(eval("'\\x41\\n'"), Some(json!("A\n")));
        assert_eq!(eval("True"), Some(json!(true)));
        assert_eq!(eval("None"), Some(Value::Null));
        assert_eq!(eval("yes"), None);
        assert_eq!(eval("{{ x }}"), None);
        assert_eq!(eval("1 # comment"), Some(json!(1)));
        assert_eq!(eval("value # comment"), None);
        assert_eq!(eval("2j"), Some(json!("2j")));
        assert_eq!(eval("1+2j"), Some(json!("(1+2j)")));
        assert_eq!(eval("1+2"), None);
        assert_eq!(eval("..."), Some(json!("...")));
        assert_eq!(eval("f'x'"), None);
        assert_eq!(
            eval("12345678901234567890123456789").unwrap().to_string(),
            "12345678901234567890123456789"
        );
    }

    #[test]
    fn collections() {
        assert_eq!(eval("[1, 'a', [2]]"), Some(json!([1, "a", [2]])));
        assert_eq!(eval("(1,)"), Some(json!([1])));
        assert_eq!(eval("(1)"), Some(json!(1)));
        assert_eq!(eval("1, 2"), Some(json!([1, 2])));
        assert_eq!(eval("{'a': 1, 2: None,}"), Some(json!({"a": 1, "2": null})));
        assert_eq!(eval("{1, 1, 2}"), Some(json!([1, 2])));
        assert_eq!(eval("set()"), Some(json!([])));
        assert_eq!(eval("[1, 2"), None);
        assert_eq!(eval(&"[".repeat(300)), None);
        assert_eq!(
            eval("[{'name': 'htpasswd_auth', 'login': 'true'}]"),
            Some(json!([{"name": "htpasswd_auth", "login": "true"}]))
        );
    }
}
