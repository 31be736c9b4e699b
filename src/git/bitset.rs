//! A fixed-size set of commit indices, one bit per commit.
//!
//! Reachability questions ("does `main` contain this commit?", "how many commits of `main` does
//! this one lack?") become a bit test or a popcount over sets like this one: 97,000 commits fit
//! in 12 KiB, so a set per release branch costs nothing next to the commits themselves.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bitset {
    words: Vec<u64>,
}

impl Bitset {
    pub(super) fn new(len: usize) -> Bitset {
        Bitset {
            words: vec![0; len.div_ceil(64)],
        }
    }

    pub(super) fn get(&self, i: u32) -> bool {
        let i = i as usize;
        self.words[i / 64] & (1 << (i % 64)) != 0
    }

    /// Sets bit `i`; returns whether it was clear before.
    pub(super) fn insert(&mut self, i: u32) -> bool {
        let i = i as usize;
        let mask = 1 << (i % 64);
        let word = &mut self.words[i / 64];
        let was_clear = *word & mask == 0;
        *word |= mask;
        was_clear
    }

    /// How many members the set has.
    pub(super) fn count(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let mut a = Bitset::new(130);
        assert!(a.insert(0));
        assert!(a.insert(129));
        assert!(!a.insert(129));
        let mut b = Bitset::new(130);
        b.insert(64);
        b.insert(129);
        assert!(a.get(0) && a.get(129) && !a.get(1) && !a.get(64));
        assert_eq!((a.count(), b.count(), Bitset::new(130).count()), (2, 2, 0));
    }
}
