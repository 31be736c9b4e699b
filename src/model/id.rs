//! Content-addressed identifiers: a component's id is the sha256 of its kind and identity, so
//! the same resource in the same state has the same id on every run and every machine.

use sha2::{Digest, Sha256};

/// Lower-case hex of any byte slice.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

/// sha256 of `bytes` as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The id of a component: sha256 over its kind and identity parts, separated so that
/// `("ab", "c")` and `("a", "bc")` differ.
pub fn component_id(kind: &str, identity: &[&str]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(kind.as_bytes());
    for part in identity {
        hasher.update([0u8]);
        hasher.update(part.as_bytes());
    }
    hex(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_empty_input_is_the_well_known_digest() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn identity_parts_are_separated() {
        assert_ne!(
            component_id("k", &["ab", "c"]),
            component_id("k", &["a", "bc"])
        );
    }
}
