//! A fast, non-cryptographic hasher (the FxHash construction used by rustc)
//! for maps keyed by section and profile names. SipHash's DoS resistance
//! buys nothing for a user's own config file and costs ~10% of resolving a
//! 10,000-profile setup.

use std::hash::{BuildHasherDefault, Hasher};

/// FxHash state.
#[derive(Clone, Copy, Debug, Default)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        // The length keeps zero-padded tails apart ("a" vs "a\0").
        self.add(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weakly mixed, and hashbrown picks
        // buckets by the low bits; rotating the well-mixed high bits down
        // (as rustc-hash 2 does) avoids long probe chains.
        self.hash.rotate_left(26)
    }
}

/// A `BuildHasher` for [`FxHasher`].
pub type FxBuildHasher = BuildHasherDefault<FxHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn distinguishes_lengths_and_content() {
        let b = FxBuildHasher::default();
        let h = |s: &str| b.hash_one(s);
        assert_ne!(h("a"), h("b"));
        assert_ne!(h("a"), h("a\0"));
        assert_ne!(h("profile p1"), h("profile p10"));
        assert_eq!(h("same"), h("same"));
    }
}
