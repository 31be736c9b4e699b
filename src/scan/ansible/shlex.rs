//! Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible's INI plugin uses to
//! cut a host line into the host pattern and its `key=value` words: quotes group words and are
//! removed, a backslash escapes the next character (inside double quotes only `"` and `\`),
//! and `#` starts a comment even in the middle of a word.

/// The words of `line`, or the message Python gives when a quote or escape is left open.
pub fn split(line: &str) -> Result<Vec<String>, &'static str> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        Between,
        Word,
        Quote(char),
        Escape(Return),
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Return {
        Word,
        Double,
    }
    let mut words = Vec::new();
    let mut token = String::new();
    let mut quoted = false;
    let mut state = State::Between;
    let mut chars = line.chars();
    loop {
        let next = chars.next();
        match state {
            State::Between => match next {
                None => break,
                Some(c) if is_space(c) => {}
                Some('#') => break,
                Some('\\') => state = State::Escape(Return::Word),
                Some(c @ ('\'' | '"')) => {
                    quoted = true;
                    state = State::Quote(c);
                }
                Some(c) => {
                    token.push(c);
                    state = State::Word;
                }
            },
            State::Word => match next {
                None => break,
                Some(c) if is_space(c) => {
                    words.push(std::mem::take(&mut token));
                    quoted = false;
                    state = State::Between;
                }
                Some('#') => {
                    // The rest of the line is a comment, even mid-word.
                    break;
                }
                Some('\\') => state = State::Escape(Return::Word),
                Some(c @ ('\'' | '"')) => {
                    quoted = true;
                    state = State::Quote(c);
                }
                Some(c) => token.push(c),
            },
            State::Quote(q) => match next {
                None => return Err("No closing quotation"),
                Some(c) if c == q => state = State::Word,
                Some('\\') if q == '"' => state = State::Escape(Return::Double),
                Some(c) => token.push(c),
            },
            State::Escape(back) => match next {
                None => return Err("No escaped character"),
                Some(c) => {
                    if back == Return::Double && c != '"' && c != '\\' {
                        token.push('\\');
                    }
                    token.push(c);
                    state = match back {
                        Return::Word => State::Word,
                        Return::Double => State::Quote('"'),
                    };
                }
            },
        }
    }
    if !token.is_empty() || quoted {
        words.push(token);
    }
    Ok(words)
}

/// shlex's whitespace: space, tab, carriage return, newline.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_python() {
        assert_eq!(
            split(r#"web1 a=1 c="x y" d='p q' # comment"#).unwrap(),
            ["web1", "a=1", "c=x y", "d=p q"]
        );
        assert_eq!(split("a=b#c d").unwrap(), ["a=b"]);
        assert_eq!(split(r#"a="x\"y\z" b=\q"#).unwrap(), [r#"a=x"y\z"#, "b=q"]);
        assert_eq!(split("a ''").unwrap(), ["a", ""]);
        assert_eq!(split("a 'b").unwrap_err(), "No closing quotation");
        assert_eq!(split("a \\").unwrap_err(), "No escaped character");
    }
}
