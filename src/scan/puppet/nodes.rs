//! `node` definitions in a Puppet manifest: which certnames the committed code classifies.
//!
//! A small scanner, not a Puppet parser: it skips comments, strings, heredocs are not
//! expected at top level, and finds the `node` keyword where a statement starts, followed by
//! its matchers (quoted or bare names, `/regex/`, `default`) up to `{` or `inherits`.
//! Matching follows Puppet: an exact name first, then regular expressions, then `default`;
//! with `strict_hostname_checking` off (Puppet 7's default), `web01.example.com` also tries
//! `web01.example` and `web01`.

use regex::Regex;

/// What a `node` statement names.
#[derive(Debug, Clone)]
pub enum Matcher {
    Name(String),
    Regex {
        source: String,
        regex: Option<Regex>,
    },
    Default,
}

/// One matcher of a `node` statement, with its file and line.
#[derive(Debug, Clone)]
pub struct NodeDefinition {
    pub matcher: Matcher,
    pub file: String,
    pub line: u32,
}

impl NodeDefinition {
    /// How the definition reads in a report: `node 'web01'`, `node /^db\d+$/`, `node default`.
    pub fn describe(&self) -> String {
        let what = match &self.matcher {
            Matcher::Name(n) => format!("node '{n}'"),
            Matcher::Regex { source, .. } => format!("node /{source}/"),
            Matcher::Default => "node default".to_string(),
        };
        format!("{what} ({}:{})", self.file, self.line)
    }
}

/// The node definitions of one manifest file.
pub fn definitions(text: &str, file: &str) -> Vec<NodeDefinition> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1u32;
    // Whether the previous significant character ended a statement (start, `}`, `;`).
    let mut at_statement = true;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                // Puppet needs no statement terminator: a keyword that starts a line starts a
                // statement.
                line += 1;
                i += 1;
                at_statement = true;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i += 2;
            }
            b'\'' | b'"' => {
                let (_, end, lines) = quoted(bytes, i);
                line += lines;
                i = end;
                at_statement = false;
            }
            b'{' | b'}' | b';' => {
                at_statement = true;
                i += 1;
            }
            c if c.is_ascii_whitespace() => i += 1,
            c if is_word(c) => {
                let start = i;
                while i < bytes.len() && (is_word(bytes[i]) || bytes[i] == b':') {
                    i += 1;
                }
                let word = &text[start..i];
                if at_statement && word == "node" {
                    let (found, end, lines) = matchers(text, i, line, file);
                    out.extend(found);
                    line += lines;
                    i = end;
                }
                at_statement = false;
            }
            _ => {
                at_statement = false;
                i += 1;
            }
        }
    }
    out
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' || c == b'$'
}

/// A quoted string from `start` (at the quote): its content, the index after it, and the
/// newlines inside.
fn quoted(bytes: &[u8], start: usize) -> (String, usize, u32) {
    let quote = bytes[start];
    let mut i = start + 1;
    let mut content = Vec::new();
    let mut lines = 0;
    while i < bytes.len() && bytes[i] != quote {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            content.push(bytes[i + 1]);
            i += 2;
            continue;
        }
        if bytes[i] == b'\n' {
            lines += 1;
        }
        content.push(bytes[i]);
        i += 1;
    }
    (String::from_utf8_lossy(&content).into_owned(), i + 1, lines)
}

/// The matchers after `node`, up to `{` or `inherits`.
fn matchers(
    text: &str,
    mut i: usize,
    mut line: u32,
    file: &str,
) -> (Vec<NodeDefinition>, usize, u32) {
    let bytes = text.as_bytes();
    let first_line = line;
    let mut out = Vec::new();
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b',' => i += 1,
            c if c.is_ascii_whitespace() => i += 1,
            b'{' => break,
            b'\'' | b'"' => {
                let at = line;
                let (name, end, lines) = quoted(bytes, i);
                line += lines;
                i = end;
                out.push(definition(
                    Matcher::Name(name.to_ascii_lowercase()),
                    file,
                    at,
                ));
            }
            b'/' => {
                let start = i + 1;
                let mut j = start;
                while j < bytes.len() && bytes[j] != b'/' && bytes[j] != b'\n' {
                    if bytes[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let source = text
                    .get(start..j.min(bytes.len()))
                    .unwrap_or("")
                    .to_string();
                let regex = Regex::new(&source).ok();
                out.push(definition(Matcher::Regex { source, regex }, file, line));
                i = j + 1;
            }
            c if is_word(c) => {
                let start = i;
                while i < bytes.len() && (is_word(bytes[i]) || bytes[i] == b':') {
                    i += 1;
                }
                match &text[start..i] {
                    "inherits" => break,
                    "default" => out.push(definition(Matcher::Default, file, line)),
                    name => out.push(definition(
                        Matcher::Name(name.to_ascii_lowercase()),
                        file,
                        line,
                    )),
                }
            }
            _ => break,
        }
    }
    (out, i, line - first_line)
}

fn definition(matcher: Matcher, file: &str, line: u32) -> NodeDefinition {
    NodeDefinition {
        matcher,
        file: file.to_string(),
        line,
    }
}

/// The definition Puppet would pick for `certname`: an exact name (also the certname with
/// trailing domain parts removed), else the first regex that matches, else `default`.
pub fn classify<'a>(
    definitions: &'a [NodeDefinition],
    certname: &str,
) -> Option<&'a NodeDefinition> {
    let name = certname.to_ascii_lowercase();
    let mut candidates = vec![name.as_str()];
    let mut rest = name.as_str();
    while let Some((head, _)) = rest.rsplit_once('.') {
        candidates.push(head);
        rest = head;
    }
    for candidate in &candidates {
        if let Some(d) = definitions
            .iter()
            .find(|d| matches!(&d.matcher, Matcher::Name(n) if n == candidate))
        {
            return Some(d);
        }
    }
    if let Some(d) = definitions
        .iter()
        .find(|d| matches!(&d.matcher, Matcher::Regex { regex: Some(r), .. } if r.is_match(&name)))
    {
        return Some(d);
    }
    definitions
        .iter()
        .find(|d| matches!(d.matcher, Matcher::Default))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = r#"# site.pp
$x = "node 'not-a-node'"
/* node 'commented' { } */
node 'web01.example.com', 'web02' {
  include role::web
}
node /^db\d+\.example\.com$/ { include role::db }
node default {}
class foo { notify { 'node': } }
"#;

    #[test]
    fn names_regexes_and_default_are_found_with_their_lines() {
        let defs = definitions(SITE, "manifests/site.pp");
        let shown: Vec<String> = defs.iter().map(NodeDefinition::describe).collect();
        assert_eq!(
            shown,
            [
                "node 'web01.example.com' (manifests/site.pp:4)",
                "node 'web02' (manifests/site.pp:4)",
                r"node /^db\d+\.example\.com$/ (manifests/site.pp:7)",
                "node default (manifests/site.pp:8)",
            ]
        );
    }

    #[test]
    fn classification_follows_puppets_order() {
        let defs = definitions(SITE, "site.pp");
        let pick = |n: &str| classify(&defs, n).map(|d| d.line);
        assert_eq!(pick("WEB01.example.com"), Some(4));
        assert_eq!(pick("web02.example.com"), Some(4), "shortened name");
        assert_eq!(pick("db7.example.com"), Some(7));
        assert_eq!(pick("mail.example.com"), Some(8), "default");
        let no_default = definitions("node 'a' {}\n", "site.pp");
        assert!(classify(&no_default, "b").is_none());
    }
}
