//! Line numbers for JSON documents. `serde_json` parses without recording where anything was,
//! but every observation must point at the line it came from, so this module walks the text
//! once more with a small tokenizer that tracks the JSON-pointer path of every value and the
//! line where it starts.
//!
//! The walk is iterative (an explicit stack, no recursion), so no nesting depth can overflow
//! the call stack, and it is tolerant: it never fails and never panics, whatever the bytes.
//! It is only a locator; `serde_json` stays the parser and the judge of validity. Callers say
//! which containers they care about with a predicate on the path, so a 200 MB state does not
//! build a map of every value in it.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::ControlFlow;

/// One step of a path: an object member name (unescaped) or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment<'a> {
    Key(Cow<'a, str>),
    Index(usize),
}

/// What the walk reports.
#[derive(Debug)]
pub enum Event<'p, 'a> {
    /// A value starts at `line` (1-based) at `path`; `container` for objects and arrays.
    Value {
        path: &'p [Segment<'a>],
        line: u32,
        container: bool,
    },
    /// The container whose path had `depth` segments ended.
    Close { depth: usize },
}

/// Lines where the containers chosen by a predicate start, by JSON pointer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineIndex {
    lines: HashMap<String, u32>,
}

impl LineIndex {
    /// The line where the container at `pointer` starts, when it was selected.
    pub fn line(&self, pointer: &str) -> Option<u32> {
        self.lines.get(pointer).copied()
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Records the line where every object or array for which `keep(path)` is true starts.
pub fn container_lines(text: &str, mut keep: impl FnMut(&[Segment<'_>]) -> bool) -> LineIndex {
    let mut index = LineIndex::default();
    walk(text, |event| {
        if let Event::Value {
            path,
            line,
            container: true,
        } = event
        {
            if keep(path) {
                index.lines.insert(pointer(path), line);
            }
        }
        ControlFlow::Continue(())
    });
    index
}

/// The line where the value at `pointer` starts; when there is no such value, the line of
/// its nearest ancestor that exists. `None` only when the text holds no value at all.
pub fn line_of_pointer(text: &str, pointer: &str) -> Option<u32> {
    let target = parse_pointer(pointer);
    let mut best = None;
    // The path length of the deepest open container that lies on the way to the target.
    let mut open_match: Option<usize> = None;
    walk(text, |event| match event {
        Event::Value {
            path,
            line,
            container,
        } => {
            let on_the_way = match path.split_last() {
                None => true,
                Some((last, parent)) => {
                    open_match == Some(parent.len())
                        && target
                            .get(parent.len())
                            .is_some_and(|token| segment_matches(last, token))
                }
            };
            if on_the_way {
                best = Some(line);
                if path.len() == target.len() {
                    return ControlFlow::Break(());
                }
                if container {
                    open_match = Some(path.len());
                }
            }
            ControlFlow::Continue(())
        }
        // The deepest container on the way closed without holding the target: it is not there.
        Event::Close { depth } if open_match == Some(depth) => ControlFlow::Break(()),
        Event::Close { .. } => ControlFlow::Continue(()),
    });
    best
}

/// The JSON pointer (RFC 6901) of `path`.
pub fn pointer(path: &[Segment<'_>]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => push_token(&mut out, key),
            Segment::Index(i) => {
                out.push('/');
                out.push_str(&i.to_string());
            }
        }
    }
    out
}

/// Appends `/token` to a JSON pointer, escaping `~` and `/`.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// A pointer's tokens, unescaped, each with its value as an index when it is one.
fn parse_pointer(pointer: &str) -> Vec<(String, Option<usize>)> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(|token| {
            let token = token.replace("~1", "/").replace("~0", "~");
            let index = token.parse().ok();
            (token, index)
        })
        .collect()
}

fn segment_matches(segment: &Segment<'_>, (token, index): &(String, Option<usize>)) -> bool {
    match segment {
        Segment::Key(key) => key == token,
        Segment::Index(i) => *index == Some(*i),
    }
}

/// An open container and where the walk is inside it.
enum Frame {
    Object { expect_key: bool },
    Array { next: usize },
}

/// Walks every value in `text`, in document order, until the end or until `visit` breaks.
pub fn walk<'a>(text: &'a str, mut visit: impl FnMut(Event<'_, 'a>) -> ControlFlow<()>) {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        line: 1,
    };
    let mut frames: Vec<Frame> = Vec::new();
    // path[i] is the member or element of frames[i] that is being read.
    let mut path: Vec<Segment<'a>> = Vec::new();
    while let Some(byte) = lexer.next_token() {
        let flow = match byte {
            b'{' | b'[' => {
                let line = lexer.line;
                lexer.pos += 1;
                let flow = enter_value(&mut frames, &mut path, line, true, &mut visit);
                if byte == b'{' {
                    frames.push(Frame::Object { expect_key: true });
                    path.push(Segment::Key(Cow::Borrowed("")));
                } else {
                    frames.push(Frame::Array { next: 0 });
                    path.push(Segment::Index(0));
                }
                flow
            }
            b'}' | b']' => {
                lexer.pos += 1;
                if frames.pop().is_some() {
                    path.pop();
                    visit(Event::Close { depth: path.len() })
                } else {
                    ControlFlow::Continue(())
                }
            }
            b',' => {
                lexer.pos += 1;
                if let Some(Frame::Object { expect_key }) = frames.last_mut() {
                    *expect_key = true;
                }
                ControlFlow::Continue(())
            }
            b':' => {
                lexer.pos += 1;
                ControlFlow::Continue(())
            }
            b'"' => {
                let line = lexer.line;
                let (start, end, escaped) = lexer.string();
                match frames.last_mut() {
                    Some(Frame::Object { expect_key }) if *expect_key => {
                        *expect_key = false;
                        if let Some(slot) = path.last_mut() {
                            *slot = Segment::Key(key_text(text, start, end, escaped));
                        }
                        ControlFlow::Continue(())
                    }
                    _ => enter_value(&mut frames, &mut path, line, false, &mut visit),
                }
            }
            _ => {
                let line = lexer.line;
                lexer.scalar();
                enter_value(&mut frames, &mut path, line, false, &mut visit)
            }
        };
        if flow.is_break() {
            return;
        }
    }
}

/// A value starts: settle the path slot of its container and report it.
fn enter_value<'a>(
    frames: &mut [Frame],
    path: &mut [Segment<'a>],
    line: u32,
    container: bool,
    visit: &mut impl FnMut(Event<'_, 'a>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    if let (Some(Frame::Array { next }), Some(slot)) = (frames.last_mut(), path.last_mut()) {
        *slot = Segment::Index(*next);
        *next += 1;
    }
    visit(Event::Value {
        path,
        line,
        container,
    })
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
}

impl Lexer<'_> {
    /// Skips whitespace (and anything that cannot start a token) and returns the next byte.
    fn next_token(&mut self) -> Option<u8> {
        while let Some(&byte) = self.bytes.get(self.pos) {
            match byte {
                b'\n' => self.line = self.line.saturating_add(1),
                b' ' | b'\t' | b'\r' => {}
                _ => return Some(byte),
            }
            self.pos += 1;
        }
        None
    }

    /// Reads the string starting at the opening quote; returns the byte range of its content
    /// and whether it holds escapes. An unterminated string runs to the end of the text.
    fn string(&mut self) -> (usize, usize, bool) {
        let start = self.pos + 1;
        let mut pos = start;
        let mut escaped = false;
        let bytes = self.bytes;
        loop {
            pos = skip_plain(bytes, pos);
            match bytes.get(pos) {
                None => {
                    self.pos = bytes.len();
                    return (start, bytes.len(), escaped);
                }
                Some(b'"') => {
                    self.pos = pos + 1;
                    return (start, pos, escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    pos += 2;
                }
                Some(_) => {
                    // A raw newline is invalid JSON, but count it so lines stay right.
                    self.line = self.line.saturating_add(1);
                    pos += 1;
                }
            }
        }
    }

    /// Skips a number, `true`, `false`, `null`, or any other run of stray bytes.
    fn scalar(&mut self) {
        let start = self.pos;
        while let Some(&byte) = self.bytes.get(self.pos) {
            if matches!(byte, b',' | b':' | b'}' | b']' | b'{' | b'[' | b'"')
                || byte.is_ascii_whitespace()
            {
                break;
            }
            self.pos += 1;
        }
        if self.pos == start {
            self.pos += 1; // never stall on a byte nothing else consumes
        }
        // Keep `pos` on a character boundary for the slicing in `key_text`.
        while self.pos < self.bytes.len() && !self.text.is_char_boundary(self.pos) {
            self.pos += 1;
        }
    }
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// Whether any byte of `word` equals `byte` (the classic SWAR test).
#[inline(always)]
fn has_byte(word: u64, byte: u8) -> bool {
    let x = word ^ (LOW_BITS * u64::from(byte));
    (x.wrapping_sub(LOW_BITS) & !x & HIGH_BITS) != 0
}

/// The position of the next `"`, `\` or newline at or after `pos` (or the end). Eight bytes
/// at a time, because string content is most of a state and this loop is the hot path.
fn skip_plain(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(chunk) = bytes.get(pos..pos + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        if has_byte(word, b'"') || has_byte(word, b'\\') || has_byte(word, b'\n') {
            break;
        }
        pos += 8;
    }
    while let Some(&byte) = bytes.get(pos) {
        if matches!(byte, b'"' | b'\\' | b'\n') {
            break;
        }
        pos += 1;
    }
    pos
}

/// A member name as text: borrowed when it has no escapes, unescaped otherwise.
fn key_text(text: &str, start: usize, end: usize, escaped: bool) -> Cow<'_, str> {
    let raw = text.get(start..end).unwrap_or_default();
    if escaped {
        Cow::Owned(unescape(raw))
    } else {
        Cow::Borrowed(raw)
    }
}

/// JSON string unescaping, tolerant of bad escapes (kept as written).
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => out.push(unicode_escape(&mut chars)),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

fn unicode_escape(chars: &mut std::str::Chars<'_>) -> char {
    let first = hex4(chars);
    match first {
        Some(high @ 0xD800..=0xDBFF) => {
            let rest = chars.as_str();
            if let Some(low_text) = rest.strip_prefix("\\u") {
                let mut low_chars = low_text.chars();
                if let Some(low @ 0xDC00..=0xDFFF) = hex4(&mut low_chars) {
                    *chars = low_chars;
                    let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                    return char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
                }
            }
            char::REPLACEMENT_CHARACTER
        }
        Some(code) => char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER),
        None => char::REPLACEMENT_CHARACTER,
    }
}

fn hex4(chars: &mut std::str::Chars<'_>) -> Option<u32> {
    let mut code = 0;
    for _ in 0..4 {
        code = code * 16 + chars.next()?.to_digit(16)?;
    }
    Some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
  "version": 4,
  "resources": [
    {
      "name": "a",
      "instances": [
        {
          "attributes": {"id": "x", "list": [1, {"deep": true}]}
        },
        {"index_key": "k"}
      ]
    },
    {
      "name": "b\"q",
      "instances": []
    }
  ],
  "a/b~c": {"\u00e9\ud83d\ude00": [null]}
}"#;

    fn all_lines(text: &str) -> Vec<(String, u32, bool)> {
        let mut out = Vec::new();
        walk(text, |event| {
            if let Event::Value {
                path,
                line,
                container,
            } = event
            {
                out.push((pointer(path), line, container));
            }
            ControlFlow::Continue(())
        });
        out
    }

    #[test]
    fn every_value_with_its_pointer_and_line() {
        let seen = all_lines(SAMPLE);
        let find = |p: &str| {
            seen.iter()
                .find(|(ptr, ..)| ptr == p)
                .map(|(_, l, c)| (*l, *c))
        };
        assert_eq!(find(""), Some((1, true)));
        assert_eq!(find("/version"), Some((2, false)));
        assert_eq!(find("/resources"), Some((3, true)));
        assert_eq!(find("/resources/0"), Some((4, true)));
        assert_eq!(find("/resources/0/instances/0"), Some((7, true)));
        assert_eq!(
            find("/resources/0/instances/0/attributes/list/1/deep"),
            Some((8, false))
        );
        assert_eq!(find("/resources/0/instances/1"), Some((10, true)));
        assert_eq!(
            find("/resources/0/instances/1/index_key"),
            Some((10, false))
        );
        assert_eq!(find("/resources/1/name"), Some((14, false)));
        assert_eq!(find("/resources/1/instances"), Some((15, true)));
        assert_eq!(find("/a~1b~0c/é😀/0"), Some((18, false)));
    }

    #[test]
    fn predicate_selects_containers() {
        let index = container_lines(SAMPLE, |path| {
            matches!(path, [Segment::Key(r), Segment::Index(_), Segment::Key(i), Segment::Index(_)]
                if r == "resources" && i == "instances")
        });
        assert_eq!(index.len(), 2);
        assert_eq!(index.line("/resources/0/instances/0"), Some(7));
        assert_eq!(index.line("/resources/0/instances/1"), Some(10));
        assert_eq!(index.line("/resources/1"), None);
    }

    #[test]
    fn pointer_lookup_falls_back_to_the_nearest_ancestor() {
        assert_eq!(line_of_pointer(SAMPLE, ""), Some(1));
        assert_eq!(
            line_of_pointer(SAMPLE, "/resources/0/instances/1"),
            Some(10)
        );
        assert_eq!(
            line_of_pointer(SAMPLE, "/resources/1/instances/0"),
            Some(15)
        );
        assert_eq!(line_of_pointer(SAMPLE, "/resources/7/type"), Some(3));
        assert_eq!(line_of_pointer(SAMPLE, "/nothing"), Some(1));
        assert_eq!(line_of_pointer(SAMPLE, "/a~1b~0c"), Some(18));
        assert_eq!(line_of_pointer("", ""), None);
        assert_eq!(line_of_pointer("  \n 7", ""), Some(2));
    }

    #[test]
    fn crlf_counts_like_lf() {
        let crlf = SAMPLE.replace('\n', "\r\n");
        assert_eq!(line_of_pointer(&crlf, "/resources/1/instances"), Some(15));
    }

    #[test]
    fn ten_thousand_levels_do_not_overflow() {
        let depth = 10_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let deepest = "/0".repeat(depth - 1);
        assert_eq!(line_of_pointer(&text, &deepest), Some(1));
        let objects = format!("{}1{}", "{\"a\":\n".repeat(depth), "}".repeat(depth));
        assert_eq!(
            line_of_pointer(&objects, &"/a".repeat(depth)),
            Some(depth as u32 + 1)
        );
    }

    #[test]
    fn garbage_never_panics() {
        let samples: &[&[u8]] = &[
            b"",
            b"}}}]]]",
            b"{\"a",
            b"{\"a\\",
            b"{\"\\u12",
            b"{\"\\ud800\\u",
            b"[1,,2,]",
            b"{:::,,,}",
            b"\"unterminated\nstring",
            "{\"é\":[\"ü\"],ß:1}".as_bytes(),
        ];
        for sample in samples {
            let text = String::from_utf8_lossy(sample);
            let _ = all_lines(&text);
            let _ = line_of_pointer(&text, "/a/0/b");
        }
        // Every prefix of a real document, cut at every character boundary.
        for end in (0..=SAMPLE.len()).filter(|&i| SAMPLE.is_char_boundary(i)) {
            let _ = all_lines(&SAMPLE[..end]);
            let _ = line_of_pointer(&SAMPLE[..end], "/resources/1/instances");
        }
    }

    #[test]
    fn escapes_in_keys_are_decoded() {
        assert_eq!(
            unescape(r#"a\"b\\c\/d\n\u00e9\ud83d\ude00"#),
            "a\"b\\c/d\né😀"
        );
        assert_eq!(unescape(r"\ud800x"), "\u{FFFD}x");
        assert_eq!(unescape("trailing\\"), "trailing\\");
    }
}
