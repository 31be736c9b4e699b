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
}
