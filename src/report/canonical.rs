//! Canonical JSON: object keys sorted by their UTF-16 code units, no insignificant whitespace
//! (RFC 8785 for the values a report holds). The report's digest is the sha256 of its
//! canonical text.
//!
//! The value is serialised once, compactly, and that text is rewritten with its keys sorted
//! straight into the consumer (a hasher, for the digest), object by object. Going through
//! `serde_json::Value` instead held the whole report as a tree, several times the size of its
//! text: most of an audit's peak memory on a large estate. Only the items of arrays (a
//! component, a finding) are parsed into a tree, one at a time, and those of long arrays on
//! every thread, a run at a time. The digest of a struct (the report) does not even hold the
//! compact text: [`super::canonical_stream`] writes it a field at a time.

use super::canonical_stream;
use crate::model::id::Sha256;
use rayon::prelude::*;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Serialize;
use serde_json::value::RawValue;
use std::io::{self, Write};

/// The canonical JSON text of any serialisable value.
pub fn canonical_json<T: Serialize>(value: &T) -> String {
    let mut out = Vec::new();
    write_canonical(value, &mut out).expect("writing to memory does not fail");
    String::from_utf8(out).expect("JSON text is UTF-8")
}

/// sha256 of the canonical JSON text, as lower-case hex.
pub fn canonical_sha256<T: Serialize>(value: &T) -> String {
    // A struct (a report) is written a field at a time, its whole text never held; anything
    // else, or a struct with a field that does not serialise, through its compact text.
    let streamed = hashed(|out| matches!(canonical_stream::write_struct(value, out), Ok(true)));
    let digest = streamed
        .or_else(|| hashed(|out| write_canonical(value, out).is_ok()))
        .expect("hashing does not fail");
    crate::model::id::hex(&digest)
}

/// The sha256 of what `write` writes, or `None` when it answers that it failed.
fn hashed(write: impl FnOnce(&mut dyn Write) -> bool) -> Option<[u8; 32]> {
    // Buffered: the canonical text arrives a token at a time, and each call into the hasher
    // has a cost of its own.
    let mut hasher = io::BufWriter::with_capacity(1 << 16, Sha256::new());
    if !write(&mut hasher) || hasher.flush().is_err() {
        return None;
    }
    let (hasher, _) = hasher.into_parts();
    Some(hasher.finish())
}

/// Writes the canonical JSON text of `value`; a value JSON cannot represent (a map with
/// non-string keys) is written as `null`.
pub fn write_canonical<T: Serialize>(value: &T, out: &mut dyn Write) -> io::Result<()> {
    let Ok(compact) = serde_json::to_string(value) else {
        return out.write_all(b"null");
    };
    write_compact(&compact, out)
}

/// The canonical text of a value's compact text.
pub(super) fn write_compact(compact: &str, out: &mut dyn Write) -> io::Result<()> {
    let raw: &RawValue = serde_json::from_str(compact).map_err(io::Error::other)?;
    write_sorted(raw, out)
}

/// Compact JSON text rewritten with every object's keys sorted. Strings and numbers are copied
/// as serde_json wrote them; keys are written again by serde_json, escaped the same way.
fn write_sorted(raw: &RawValue, out: &mut dyn Write) -> io::Result<()> {
    let text = raw.get();
    match text.as_bytes().first() {
        Some(b'{') => {
            let Entries(mut entries) = serde_json::from_str(text).map_err(io::Error::other)?;
            // Stable: of keys written twice, the last one holds (as in a parsed object).
            entries.sort_by(|a, b| utf16_order(&a.0, &b.0));
            out.write_all(b"{")?;
            let mut first = true;
            for (i, (key, value)) in entries.iter().enumerate() {
                if entries.get(i + 1).is_some_and(|next| next.0 == *key) {
                    continue;
                }
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                serde_json::to_writer(&mut *out, key).map_err(io::Error::other)?;
                out.write_all(b":")?;
                write_sorted(value, out)?;
            }
            out.write_all(b"}")
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text).map_err(io::Error::other)?;
            out.write_all(b"[")?;
            // A report's components and findings: their items are rewritten on every thread,
            // a run at a time so that only one run's text is held, and written in order.
            for (run, items) in items.chunks(PARALLEL_RUN).enumerate() {
                let compact: Vec<&[u8]> = items.iter().map(|i| i.get().as_bytes()).collect();
                for (i, text) in sorted_run(&compact).into_iter().enumerate() {
                    if run > 0 || i > 0 {
                        out.write_all(b",")?;
                    }
                    out.write_all(&text.map_err(io::Error::other)?)?;
                }
            }
            out.write_all(b"]")
        }
        _ => out.write_all(text.as_bytes()),
    }
}

/// Items of arrays at least this long are rewritten in parallel, this many at a time.
pub(super) const PARALLEL_RUN: usize = 2048;

/// The items of a run (compact texts) rewritten sorted, in order: on every thread when the
/// run is a full one.
pub(super) fn sorted_run<T: AsRef<[u8]> + Sync>(
    items: &[T],
) -> Vec<Result<Vec<u8>, serde_json::Error>> {
    if items.len() >= PARALLEL_RUN {
        items
            .par_iter()
            .map(|item| sorted_item_text(item.as_ref()))
            .collect()
    } else {
        (items.iter())
            .map(|item| sorted_item_text(item.as_ref()))
            .collect()
    }
}

/// One item of a long array (a component, a finding: a few KiB) rewritten from its compact
/// text through a parsed tree: one pass over its text, where [`write_sorted`] would scan each
/// nested value again at every level.
fn sorted_item_text(compact: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    let mut text = Vec::with_capacity(compact.len());
    let value: serde_json::Value = serde_json::from_slice(compact)?;
    write_value(&value, &mut text).map_err(serde_json::Error::io)?;
    Ok(text)
}

/// A parsed value's canonical text.
fn write_value(value: &serde_json::Value, out: &mut Vec<u8>) -> io::Result<()> {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| utf16_order(a.0, b.0));
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut *out, key).map_err(io::Error::other)?;
                out.push(b':');
                write_value(value, out)?;
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out)?;
            }
            out.push(b']');
        }
        scalar => serde_json::to_writer(&mut *out, scalar).map_err(io::Error::other)?,
    }
    Ok(())
}

/// Keys ordered by their UTF-16 code units (RFC 8785). That is byte order but where a
/// character beyond U+FFFF meets one from U+E000 to U+FFFF; only then are the code units
/// compared.
pub(super) fn utf16_order(a: &str, b: &str) -> std::cmp::Ordering {
    let high = |s: &str| s.bytes().any(|c| c >= 0xee);
    if high(a) && high(b) {
        a.encode_utf16().cmp(b.encode_utf16())
    } else {
        a.cmp(b)
    }
}

/// An object's entries in the order written, values left as text.
struct Entries<'a>(Vec<(String, &'a RawValue)>);

impl<'de> serde::Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Entries<'de>, M::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry::<String, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What canonical JSON was before: through serde_json's `Value`, keys sorted there.
    fn through_value<T: Serialize>(value: &T) -> String {
        fn sorted(value: serde_json::Value) -> serde_json::Value {
            match value {
                serde_json::Value::Object(map) => {
                    let mut entries: Vec<_> =
                        map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
                    entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
                    serde_json::Value::Object(entries.into_iter().collect())
                }
                serde_json::Value::Array(items) => {
                    serde_json::Value::Array(items.into_iter().map(sorted).collect())
                }
                other => other,
            }
        }
        serde_json::to_string(&sorted(serde_json::to_value(value).unwrap())).unwrap()
    }

    #[test]
    fn keys_are_sorted_and_whitespace_dropped() {
        let value = serde_json::json!({"b": [1, {"z": true, "a": null}], "a": "x"});
        assert_eq!(
            canonical_json(&value),
            r#"{"a":"x","b":[1,{"a":null,"z":true}]}"#
        );
    }

    #[test]
    fn keys_sort_by_utf16_code_units_not_bytes() {
        // U+FF21 is one UTF-16 unit above the surrogates U+1F600 is written with; in UTF-8
        // it sorts first.
        let value = serde_json::json!({"\u{1F600}": 1, "\u{FF21}": 2, "a": 3});
        assert_eq!(
            canonical_json(&value),
            "{\"a\":3,\"\u{1F600}\":1,\"\u{FF21}\":2}"
        );
    }

    #[test]
    fn escaped_keys_and_long_arrays_are_what_the_value_tree_gave() {
        // Keys with escapes are rewritten by serde_json, the others copied; arrays longer than
        // a parallel run are rewritten on several threads and must keep their order.
        let items: Vec<serde_json::Value> = (0..PARALLEL_RUN * 2 + 7)
            .map(|i| {
                serde_json::json!({"z": i, "q\"uote": [i, {"b\tt": "x", "a": null}],
                    "\u{1F600}": "e", "\u{FF21}": i % 3, "a": "é"})
            })
            .collect();
        let value = serde_json::json!({"items": items, "k\\": {"y": 1, "x": 2}});
        assert_eq!(canonical_json(&value), through_value(&value));
    }

    #[test]
    fn text_is_what_the_value_tree_gave() {
        let text = r#"{"n": [1.5e300, -0.0, 12345678901234567890123, 1E2], "s": "tab\t\"q\" \u00e9 \u0001 </",
            "nested": {"k": {"z": [], "y": {}, "x": [{"b": 1, "a": 2}]}}, "float": 0.1}"#;
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(canonical_json(&value), through_value(&value));
        #[derive(Serialize)]
        struct Typed {
            zeta: f64,
            alpha: Option<u8>,
            kind: Kind,
            map: std::collections::BTreeMap<String, Vec<i64>>,
        }
        #[derive(Serialize)]
        enum Kind {
            Wrapped(String),
        }
        let typed = Typed {
            zeta: 2.5e-7,
            alpha: None,
            kind: Kind::Wrapped("w".into()),
            map: [("b".to_string(), vec![-1]), ("a".to_string(), vec![])].into(),
        };
        assert_eq!(canonical_json(&typed), through_value(&typed));
        assert_eq!(
            canonical_sha256(&typed),
            crate::model::id::sha256_hex(through_value(&typed).as_bytes())
        );
    }
}
