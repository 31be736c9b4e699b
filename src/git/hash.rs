//! A fast hasher for the history walk's hash tables, whose keys are object ids and small
//! integers.
//!
//! The standard library's SipHash guards against keys chosen to collide, and costs several
//! times more per lookup than the walk's other per-entry work. Object ids are SHA-1 output, so
//! no one can choose them to collide, and interned indices are handed out by us; for those keys
//! this multiply-rotate hash (the one rustc uses internally) is enough. Tables keyed by text
//! taken from the repository (file names) keep SipHash.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
pub(super) type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[derive(Default, Clone, Copy)]
pub(super) struct FastHasher(u64);

const SEED: u64 = 0xf135_7aea_2e62_a9c5;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = self.0.wrapping_add(word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weakest; hashbrown takes its bucket from them.
        self.0.rotate_left(26)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_small_keys_spread() {
        let hashes: HashSet<u64> = (0u32..1000)
            .map(|i| {
                let mut h = FastHasher::default();
                h.write_u32(i);
                h.finish() & 0x3ff
            })
            .collect();
        assert!(hashes.len() > 500, "{}", hashes.len());
    }
}
