//! Turning the bytes of a text input into a `str`, whatever encoding the tool (or the shell
//! that redirected its output) chose: UTF-8 with or without a byte order mark, and UTF-16
//! little- or big-endian with one (PowerShell's `>` writes UTF-16LE with a BOM). Line endings
//! are left alone: JSON treats `\r` as whitespace and lines are counted at `\n`, so LF and CRLF
//! files number their lines the same way.
//!
//! An input that is not text in any of these encodings is reported with the line of the first
//! bad byte, so the user can find it, instead of being decoded lossily into something that
//! would then fail to parse somewhere else.

use std::borrow::Cow;
use std::fmt;

/// The encoding an input was read in, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf8Bom => "UTF-8 with BOM",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }
}

/// Why the bytes are not text: the 1-based line of the first bad byte when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    pub line: Option<u32>,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16LE_BOM: &[u8] = b"\xFF\xFE";
const UTF16BE_BOM: &[u8] = b"\xFE\xFF";
const UTF32LE_BOM: &[u8] = b"\xFF\xFE\x00\x00";
const UTF32BE_BOM: &[u8] = b"\x00\x00\xFE\xFF";

/// Decodes `bytes` as text. UTF-8 without a BOM is borrowed, not copied, so a large state
/// costs no second copy.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), DecodeError> {
    // UTF-32 must be tested before UTF-16: its little-endian BOM starts with UTF-16LE's.
    if bytes.starts_with(UTF32LE_BOM) || bytes.starts_with(UTF32BE_BOM) {
        return Err(DecodeError {
            line: Some(1),
            message: "the file is UTF-32 text, which is not supported: save it as UTF-8".into(),
        });
    }
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return utf8(rest).map(|s| (Cow::Borrowed(s), Encoding::Utf8Bom));
    }
    if let Some(rest) = bytes.strip_prefix(UTF16LE_BOM) {
        return utf16(rest, u16::from_le_bytes, "UTF-16LE")
            .map(|s| (Cow::Owned(s), Encoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(UTF16BE_BOM) {
        return utf16(rest, u16::from_be_bytes, "UTF-16BE")
            .map(|s| (Cow::Owned(s), Encoding::Utf16Be));
    }
    utf8(bytes).map(|s| (Cow::Borrowed(s), Encoding::Utf8))
}

fn utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    std::str::from_utf8(bytes).map_err(|error| {
        let at = error.valid_up_to();
        let line = line_at(&bytes[..at]);
        let bad = bytes.get(at).copied().unwrap_or_default();
        let message = if looks_like_utf16_without_bom(bytes) {
            format!(
                "not UTF-8 text: byte 0x{bad:02x} at line {line} (the zero bytes suggest UTF-16 \
                 without a byte order mark: save it as UTF-8)"
            )
        } else {
            format!("not UTF-8 text: invalid byte 0x{bad:02x} at line {line}, byte offset {at}")
        };
        DecodeError {
            line: Some(line),
            message,
        }
    })
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16, name: &str) -> Result<String, DecodeError> {
    let chunks = bytes.chunks_exact(2);
    if !chunks.remainder().is_empty() {
        return Err(DecodeError {
            line: None,
            message: format!("{name} text with an odd number of bytes: the file is truncated"),
        });
    }
    let units = chunks.map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut line: u32 = 1;
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok(c) => {
                if c == '\n' {
                    line = line.saturating_add(1);
                }
                text.push(c);
            }
            Err(error) => {
                return Err(DecodeError {
                    line: Some(line),
                    message: format!(
                        "not valid {name} text: unpaired surrogate 0x{:04x} at line {line}",
                        error.unpaired_surrogate()
                    ),
                });
            }
        }
    }
    Ok(text)
}

/// The 1-based line at the end of `prefix`.
fn line_at(prefix: &[u8]) -> u32 {
    let newlines = prefix.iter().filter(|&&b| b == b'\n').count();
    u32::try_from(newlines)
        .unwrap_or(u32::MAX - 1)
        .saturating_add(1)
}

/// ASCII text in UTF-16 has a zero byte in every other position.
fn looks_like_utf16_without_bom(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(64)];
    sample.len() >= 4 && sample.iter().filter(|&&b| b == 0).count() * 3 >= sample.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut out = if bom {
            UTF16LE_BOM.to_vec()
        } else {
            Vec::new()
        };
        out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        out
    }

    #[test]
    fn utf8_is_borrowed_with_or_without_bom() {
        let (text, encoding) = decode(b"{\"a\": 1}").unwrap();
        assert!(matches!(text, Cow::Borrowed("{\"a\": 1}")));
        assert_eq!(encoding, Encoding::Utf8);
        let (text, encoding) = decode(b"\xEF\xBB\xBF{}\r\n").unwrap();
        assert_eq!(text, "{}\r\n");
        assert_eq!(encoding, Encoding::Utf8Bom);
    }

    #[test]
    fn utf16_both_byte_orders() {
        let text = "{\r\n  \"é\": \"😀\"\r\n}";
        let le = utf16le(text, true);
        let (decoded, encoding) = decode(&le).unwrap();
        assert_eq!(decoded, text);
        assert_eq!(encoding, Encoding::Utf16Le);

        let mut be = UTF16BE_BOM.to_vec();
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        let (decoded, encoding) = decode(&be).unwrap();
        assert_eq!(decoded, text);
        assert_eq!(encoding, Encoding::Utf16Be);
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let error = decode(b"{\n\"a\":\n\"\xFF\"}").unwrap_err();
        assert_eq!(error.line, Some(3));
        assert!(error.message.contains("0xff"), "{}", error.message);
    }

    #[test]
    fn utf16_without_bom_gets_advice() {
        let mut bytes = utf16le("{\"version\": 4}", false);
        bytes.push(0xFF);
        bytes.push(0xDB); // lone high surrogate, also invalid UTF-8
        let error = decode(&bytes).unwrap_err();
        assert!(
            error.message.contains("UTF-16 without a byte order mark"),
            "{}",
            error.message
        );
    }

    #[test]
    fn broken_utf16_is_an_error_not_a_panic() {
        let mut odd = utf16le("{}", true);
        odd.push(b'x');
        assert!(decode(&odd)
            .unwrap_err()
            .message
            .contains("odd number of bytes"));

        let mut lone = UTF16LE_BOM.to_vec();
        lone.extend([b'\n', 0, 0x00, 0xD8, b'}', 0]);
        let error = decode(&lone).unwrap_err();
        assert_eq!(error.line, Some(2));
        assert!(error.message.contains("unpaired surrogate"));
    }

    #[test]
    fn utf32_is_refused_clearly() {
        assert!(decode(b"\xFF\xFE\x00\x00{\x00\x00\x00")
            .unwrap_err()
            .message
            .contains("UTF-32"));
    }
}
