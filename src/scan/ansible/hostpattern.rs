//! Host patterns as Ansible expands them: an optional `:port`, then ranges (`web[01:20]`,
//! `db-[a:f]`, `[1:10:2]` with a step, several ranges in one name, leading zeros kept),
//! following `parse_address` and `expand_hostname_range` step by step, quirks included, so
//! the same line names the same hosts here and in Ansible.

/// More hosts than this from one pattern is a mistake, not an inventory.
pub const MAX_EXPANSION: usize = 5_000_000;

/// The host names a pattern stands for and the port it gives them, or what is wrong with it.
pub fn expand(pattern: &str) -> Result<(Vec<String>, Option<u32>), String> {
    if !pattern.contains([':', '[']) {
        // No port and no range: the pattern is the host, whether or not it reads as one.
        return Ok((vec![pattern.to_string()], None));
    }
    let (pattern, port) = match parse_address(pattern) {
        Some((host, port)) => (host, port),
        None => (pattern.to_string(), None),
    };
    if !pattern.contains('[') {
        return Ok((vec![pattern], port));
    }
    let mut hosts = Vec::new();
    expand_range(&pattern, &mut hosts)?;
    Ok((hosts, port))
}

/// `parse_address(pattern, allow_ranges=True)`: the host and port when the pattern reads as a
/// host (name, IPv4 or IPv6, with ranges) with an optional port, `None` when it does not.
fn parse_address(address: &str) -> Option<(String, Option<u32>)> {
    let mut address = address.to_string();
    let mut port = None;
    // `[host]:port`, then `host:port` on what is left: Ansible tries both in turn.
    if let Some((inner, p)) = bracketed_hostport(&address) {
        port = Some(p);
        address = inner;
    }
    if let Some((host, p)) = hostport(&address) {
        port = Some(p);
        address = host;
    }
    if is_hostname(&address) || is_ipv6(&address) {
        Some((address, port))
    } else {
        None
    }
}

fn digits_port(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Python's int() has no upper bound; a port that big is nonsense either way.
    s.parse().ok()
}

/// `^\[(.+)\]:([0-9]+)$`
fn bracketed_hostport(s: &str) -> Option<(String, u32)> {
    let rest = s.strip_prefix('[')?;
    let (inner, port) = rest.rsplit_once("]:")?;
    if inner.is_empty() {
        return None;
    }
    Some((inner.to_string(), digits_port(port)?))
}

/// `^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$`: a port after a host that has no colon outside
/// brackets.
fn hostport(s: &str) -> Option<(String, u32)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b':' => break,
            b']' => return None,
            b'[' => {
                let close = s[i + 1..].find(']')?;
                i += close + 2;
            }
            _ => i += 1,
        }
    }
    if i >= bytes.len() {
        return None;
    }
    let port = digits_port(&s[i + 1..])?;
    Some((s[..i].to_string(), port))
}

/// The `hostname` pattern: dot-separated labels of word characters, `-` and ranges, each
/// starting with a word character or range and not ending in `-` or `_`.
fn is_hostname(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(is_label)
}

fn is_label(label: &str) -> bool {
    let chars: Vec<char> = label.chars().collect();
    if chars.is_empty() {
        return false;
    }
    let mut i = 0;
    let mut first = true;
    let mut last_plain = None;
    while i < chars.len() {
        let c = chars[i];
        if c == '[' {
            let Some(len) = alphanumeric_range_len(&chars[i..]) else {
                return false;
            };
            i += len;
            last_plain = None;
        } else if c.is_alphanumeric() || c == '_' || (!first && c == '-') {
            last_plain = Some(c);
            i += 1;
        } else {
            return false;
        }
        first = false;
    }
    !matches!(last_plain, Some('-' | '_'))
}

/// `\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]` (any case): its length, if it starts here.
fn alphanumeric_range_len(chars: &[char]) -> Option<usize> {
    let close = chars.iter().position(|&c| c == ']')?;
    let inner: String = chars[1..close].iter().collect();
    let parts: Vec<&str> = inner.split(':').collect();
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let letter = |s: &str| s.len() == 1 && s.as_bytes()[0].is_ascii_alphabetic();
    let ok = match parts.as_slice() {
        [a, b] | [a, b, _] => (letter(a) && letter(b)) || (numeric(a) && numeric(b)),
        _ => false,
    } && (parts.len() == 2 || numeric(parts[2]));
    ok.then_some(close + 1)
}

/// An IPv6 address (ranges in IPv6 addresses are not worth the regular expression).
fn is_ipv6(s: &str) -> bool {
    s.contains(':') && s.parse::<std::net::Ipv6Addr>().is_ok()
}

/// `expand_hostname_range`: the first `[` and the first `]` split the pattern in three; the
/// middle is `begin:end[:step]`; every produced name is expanded again while it holds a `[`.
fn expand_range(line: &str, out: &mut Vec<String>) -> Result<(), String> {
    let (Some(open), Some(close)) = (line.find('['), line.find(']')) else {
        return Err(format!("`{line}`: a host range must be closed with `]`"));
    };
    // Ansible replaces both brackets with `|` and splits on `|`: any other `|` breaks it.
    let mut replaced = line.to_string();
    replaced.replace_range(open..open + 1, "|");
    replaced.replace_range(close..close + 1, "|");
    let parts: Vec<&str> = replaced.split('|').collect();
    let [head, range, tail] = parts.as_slice() else {
        return Err(format!("`{line}` is not a valid host range"));
    };
    let bounds: Vec<&str> = range.split(':').collect();
    if bounds.len() != 2 && bounds.len() != 3 {
        return Err(format!(
            "`{line}`: a host range must be begin:end or begin:end:step"
        ));
    }
    let beg = if bounds[0].is_empty() { "0" } else { bounds[0] };
    let end = bounds[1];
    if end.is_empty() {
        return Err(format!("`{line}`: a host range must specify its end"));
    }
    let step = match bounds.get(2) {
        Some(s) => py_int(s).ok_or_else(|| format!("`{line}`: the step `{s}` is not a number"))?,
        None => 1,
    };
    let width = if beg.len() > 1 && beg.starts_with('0') {
        if beg.len() != end.len() {
            return Err(format!(
                "`{line}`: a host range must have begin and end of the same length"
            ));
        }
        Some(beg.len())
    } else {
        None
    };
    let values = range_values(beg, end, step).map_err(|e| format!("`{line}`: {e}"))?;
    if values.len() > MAX_EXPANSION || out.len() + values.len() > MAX_EXPANSION {
        return Err(format!(
            "`{line}` expands to more than {MAX_EXPANSION} hosts"
        ));
    }
    for value in values {
        let value = match width {
            Some(w) => zfill(&value, w),
            None => value,
        };
        let name = format!("{head}{value}{tail}");
        if name.contains('[') {
            expand_range(&name, out)?;
        } else {
            out.push(name);
        }
        if out.len() > MAX_EXPANSION {
            return Err(format!(
                "`{line}` expands to more than {MAX_EXPANSION} hosts"
            ));
        }
    }
    Ok(())
}

const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Letters when both bounds are found in `ascii_letters`, else numbers.
fn range_values(beg: &str, end: &str, step: i64) -> Result<Vec<String>, String> {
    if let (Some(b), Some(e)) = (LETTERS.find(beg), LETTERS.find(end)) {
        if b > e {
            return Err("a host range must have begin <= end".into());
        }
        if step <= 0 {
            return Err("the step of a letter range must be positive".into());
        }
        return Ok(LETTERS[b..=e]
            .chars()
            .step_by(step as usize)
            .map(String::from)
            .collect());
    }
    let b = py_int(beg).ok_or_else(|| format!("`{beg}` is not a number or a letter"))?;
    let e = py_int(end).ok_or_else(|| format!("`{end}` is not a number or a letter"))?;
    if step == 0 {
        return Err("the step of a range cannot be zero".into());
    }
    let count = if step > 0 {
        if e < b {
            0
        } else {
            ((e - b) / step + 1) as u128
        }
    } else if b < e {
        0
    } else {
        ((b - e) / -step + 1) as u128
    };
    if count > MAX_EXPANSION as u128 {
        return Err(format!(
            "the range expands to more than {MAX_EXPANSION} hosts"
        ));
    }
    let mut values = Vec::with_capacity(count as usize);
    let mut v = b;
    for _ in 0..count {
        values.push(v.to_string());
        v += step;
    }
    Ok(values)
}

/// Python's `int()` of a string: optional sign, digits with single underscores, spaces around.
fn py_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let v: i64 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -v } else { v })
}

/// Python's `str.zfill`.
fn zfill(s: &str, width: usize) -> String {
    let len = s.chars().count();
    if len >= width {
        return s.to_string();
    }
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", s),
    };
    format!("{sign}{}{digits}", "0".repeat(width - len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(p: &str) -> Vec<String> {
        expand(p).unwrap().0
    }

    #[test]
    fn ranges_expand_like_ansible() {
        assert_eq!(hosts("web[01:03]"), ["web01", "web02", "web03"]);
        assert_eq!(hosts("db-[a:c]"), ["db-a", "db-b", "db-c"]);
        assert_eq!(hosts("h[1:5:2]"), ["h1", "h3", "h5"]);
        assert_eq!(
            hosts("fe[01:02].dev[1:2].local"),
            [
                "fe01.dev1.local",
                "fe01.dev2.local",
                "fe02.dev1.local",
                "fe02.dev2.local"
            ]
        );
        assert_eq!(hosts("local-[1:3]"), ["local-1", "local-2", "local-3"]);
        assert_eq!(hosts("h[:2]"), ["h0", "h1", "h2"]);
    }

    #[test]
    fn ports_are_split_off() {
        assert_eq!(
            expand("web1:2222").unwrap(),
            (vec!["web1".into()], Some(2222))
        );
        assert_eq!(
            expand("web[1:2]:22").unwrap(),
            (vec!["web1".into(), "web2".into()], Some(22))
        );
        assert_eq!(expand("[::1]:22").unwrap(), (vec!["::1".into()], Some(22)));
        assert_eq!(expand("fe80::1").unwrap(), (vec!["fe80::1".into()], None));
        assert_eq!(
            expand("10.0.0.1:22").unwrap(),
            (vec!["10.0.0.1".into()], Some(22))
        );
    }

    #[test]
    fn broken_ranges_are_errors() {
        assert!(expand("web[01:05").is_err());
        assert!(expand("web[1]").is_err());
        assert!(expand("web[01:5]").is_err());
        assert!(expand("web[5:1]").unwrap().0.is_empty());
        assert!(expand("web[1:100000000]").is_err());
    }
}
