//! A 20-byte object id, independent of the git library that read it.

use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId(pub [u8; 20]);

impl ObjectId {
    pub fn from_hex(hex: &str) -> Option<ObjectId> {
        if hex.len() != 40 {
            return None;
        }
        let mut bytes = [0u8; 20];
        for (i, chunk) in hex.as_bytes().chunks(2).enumerate() {
            let hi = (chunk[0] as char).to_digit(16)?;
            let lo = (chunk[1] as char).to_digit(16)?;
            bytes[i] = (hi * 16 + lo) as u8;
        }
        Some(ObjectId(bytes))
    }

    pub fn to_hex(&self) -> String {
        crate::model::id::hex(&self.0)
    }

    /// The first seven hex digits, as git abbreviates.
    pub fn short(&self) -> String {
        self.to_hex()[..7].to_string()
    }

    /// Whether the id's hex form starts with `prefix` (lower-case hex digits, any length up to
    /// 40). Compared nibble by nibble, so odd-length abbreviations work without padding.
    pub fn starts_with_hex(&self, prefix: &[u8]) -> bool {
        prefix.len() <= 40
            && prefix.iter().enumerate().all(|(i, &digit)| {
                let byte = self.0[i / 2];
                let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0xf };
                hex_value(digit) == Some(nibble)
            })
    }

    pub(crate) fn from_git(oid: git2::Oid) -> ObjectId {
        let mut bytes = [0u8; 20];
        // A SHA-1 repository (the only kind libgit2 opens without its unstable sha256
        // feature) always has 20-byte ids.
        bytes.copy_from_slice(&oid.as_bytes()[..20]);
        ObjectId(bytes)
    }

    pub(crate) fn to_git(self) -> git2::Oid {
        git2::Oid::from_bytes(&self.0).expect("20 bytes is a SHA-1 object id")
    }
}

fn hex_value(digit: u8) -> Option<u8> {
    (digit as char).to_digit(16).map(|v| v as u8)
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips() {
        let hex = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(ObjectId::from_hex(hex).unwrap().to_hex(), hex);
        assert_eq!(ObjectId::from_hex("0123").map(|o| o.to_hex()), None);
        assert_eq!(ObjectId::from_hex(&"g".repeat(40)), None);
    }

    #[test]
    fn prefixes_of_any_length_match() {
        let id = ObjectId::from_hex("0123456789abcdef0123456789abcdef01234567").unwrap();
        assert!(id.starts_with_hex(b"0123456"));
        assert!(id.starts_with_hex(b"01234567"));
        assert!(id.starts_with_hex(id.to_hex().as_bytes()));
        assert!(!id.starts_with_hex(b"0123457"));
        assert!(!id.starts_with_hex(b"012345x"));
    }

    #[test]
    fn git2_ids_convert_both_ways() {
        let id = ObjectId::from_hex("0123456789abcdef0123456789abcdef01234567").unwrap();
        assert_eq!(ObjectId::from_git(id.to_git()), id);
    }
}
