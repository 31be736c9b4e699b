//! Writing and reading the cache's binary encoding: little-endian integers, LEB128 lengths,
//! length-prefixed byte strings.
//!
//! Reading never trusts the data: every read is bounds-checked, and a count is checked against
//! the bytes left before anything is allocated for it, so a damaged file is an error, never a
//! panic or a huge allocation.

use crate::git::ObjectId;

#[derive(Default)]
pub(super) struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub(super) fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    pub(super) fn u32(&mut self, n: u32) {
        self.raw(&n.to_le_bytes());
    }

    pub(super) fn u64(&mut self, n: u64) {
        self.raw(&n.to_le_bytes());
    }

    pub(super) fn i64(&mut self, n: i64) {
        self.raw(&n.to_le_bytes());
    }

    /// LEB128: seven bits a byte, low bits first.
    pub(super) fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.buf.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.buf.push(n as u8);
    }

    pub(super) fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    pub(super) fn bytes(&mut self, bytes: &[u8]) {
        self.len(bytes.len());
        self.raw(bytes);
    }

    pub(super) fn id(&mut self, id: &ObjectId) {
        self.raw(&id.0);
    }
}

/// What is wrong with the data, in words for the warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Damage(pub String);

pub(super) struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, at: 0 }
    }

    /// How many bytes have been read.
    pub(super) fn position(&self) -> usize {
        self.at
    }

    /// Skips a length-prefixed byte string.
    pub(super) fn skip_bytes(&mut self) -> Result<(), Damage> {
        self.bytes().map(|_| ())
    }

    pub(super) fn remaining(&self) -> usize {
        self.data.len() - self.at
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], Damage> {
        if n > self.remaining() {
            return Err(Damage(format!(
                "ends at byte {} where {n} more bytes were expected",
                self.data.len()
            )));
        }
        let bytes = &self.data[self.at..self.at + n];
        self.at += n;
        Ok(bytes)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], Damage> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(super) fn u8(&mut self) -> Result<u8, Damage> {
        Ok(self.array::<1>()?[0])
    }

    pub(super) fn u32(&mut self) -> Result<u32, Damage> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(super) fn u64(&mut self) -> Result<u64, Damage> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    pub(super) fn i64(&mut self) -> Result<i64, Damage> {
        Ok(i64::from_le_bytes(self.array()?))
    }

    pub(super) fn varint(&mut self) -> Result<u64, Damage> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.u8()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.damage("a number longer than 64 bits"))
    }

    /// A count of items each at least `min_size` bytes long, checked against what is left.
    pub(super) fn count(&mut self, min_size: usize) -> Result<usize, Damage> {
        let n = self.varint()?;
        let fits = (self.remaining() / min_size.max(1)) as u64;
        if n > fits {
            return Err(self.damage(&format!(
                "a count of {n} where at most {fits} items fit in the rest"
            )));
        }
        Ok(n as usize)
    }

    pub(super) fn bytes(&mut self) -> Result<&'a [u8], Damage> {
        let n = self.count(1)?;
        self.take(n)
    }

    pub(super) fn string(&mut self) -> Result<String, Damage> {
        let bytes = self.bytes()?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(text.to_string()),
            Err(_) => Err(self.damage("text that is not UTF-8")),
        }
    }

    pub(super) fn id(&mut self) -> Result<ObjectId, Damage> {
        Ok(ObjectId(self.array()?))
    }

    /// An index below `len`.
    pub(super) fn index(&mut self, len: usize, what: &str) -> Result<usize, Damage> {
        let n = self.varint()?;
        if n >= len as u64 {
            return Err(self.damage(&format!("{what} {n} out of range (there are {len})")));
        }
        Ok(n as usize)
    }

    pub(super) fn damage(&self, what: &str) -> Damage {
        Damage(format!("{what} at byte {}", self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let mut w = Writer::default();
        for n in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            w.varint(n);
        }
        w.i64(-5);
        w.bytes("päth".as_bytes());
        w.id(&ObjectId([7; 20]));
        let mut r = Reader::new(&w.buf);
        for n in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            assert_eq!(r.varint().unwrap(), n);
        }
        assert_eq!(r.i64().unwrap(), -5);
        assert_eq!(r.string().unwrap(), "päth");
        assert_eq!(r.id().unwrap(), ObjectId([7; 20]));
        assert_eq!(r.remaining(), 0);
        assert!(r.u8().is_err());
    }

    #[test]
    fn bad_data_is_an_error_not_a_panic() {
        assert!(Reader::new(&[0xff; 11]).varint().is_err(), "too long");
        assert!(Reader::new(&[0x80]).varint().is_err(), "cut short");
        // A count far beyond the bytes left, and text that is not UTF-8.
        assert!(Reader::new(&[0xff, 0xff, 0x03, 1]).count(1).is_err());
        assert!(Reader::new(&[2, 0xff, 0xfe]).string().is_err());
        assert!(Reader::new(&[5]).index(5, "commit").is_err());
    }
}
