//! XXH64, the checksum that guards a cache file against damage (a truncated write, a flipped
//! bit, a file cut short by a full disk).
//!
//! Not sha256: the cache is tens of megabytes and read on every warm audit, and sha256 in
//! software (this project's machines have no SHA extensions) would cost a large part of the
//! warm audit's budget; XXH64 runs at memory speed. A cryptographic hash would not buy trust
//! either: whoever can write the cache file can write a matching digest beside it. Written
//! here (it is forty lines) rather than taken as a dependency, and checked against the
//! reference implementation's outputs below.

const P1: u64 = 0x9E37_79B1_85EB_CA87;
const P2: u64 = 0xC2B2_AE3D_27D4_EB4F;
const P3: u64 = 0x1656_67B1_9E37_79F9;
const P4: u64 = 0x85EB_CA77_C2B2_AE63;
const P5: u64 = 0x27D4_EB2F_1656_67C5;

/// The XXH64 hash of `data` with seed 0.
pub(super) fn xxh64(data: &[u8]) -> u64 {
    let mut rest = data;
    let mut hash = if data.len() >= 32 {
        let mut lanes = [P1.wrapping_add(P2), P2, 0, 0u64.wrapping_sub(P1)];
        while rest.len() >= 32 {
            for (lane, word) in lanes.iter_mut().zip(rest.chunks_exact(8)) {
                *lane = round(*lane, u64_at(word));
            }
            rest = &rest[32..];
        }
        let mut hash = lanes[0]
            .rotate_left(1)
            .wrapping_add(lanes[1].rotate_left(7))
            .wrapping_add(lanes[2].rotate_left(12))
            .wrapping_add(lanes[3].rotate_left(18));
        for lane in lanes {
            hash = (hash ^ round(0, lane)).wrapping_mul(P1).wrapping_add(P4);
        }
        hash
    } else {
        P5
    };
    hash = hash.wrapping_add(data.len() as u64);
    while rest.len() >= 8 {
        hash ^= round(0, u64_at(rest));
        hash = hash.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        let word = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]);
        hash ^= u64::from(word).wrapping_mul(P1);
        hash = hash.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = &rest[4..];
    }
    for &byte in rest {
        hash ^= u64::from(byte).wrapping_mul(P5);
        hash = hash.rotate_left(11).wrapping_mul(P1);
    }
    hash ^= hash >> 33;
    hash = hash.wrapping_mul(P2);
    hash ^= hash >> 29;
    hash = hash.wrapping_mul(P3);
    hash ^ (hash >> 32)
}

fn round(lane: u64, word: u64) -> u64 {
    lane.wrapping_add(word.wrapping_mul(P2))
        .rotate_left(31)
        .wrapping_mul(P1)
}

/// The little-endian u64 at the start of `bytes`, which holds at least eight.
fn u64_at(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    word.copy_from_slice(&bytes[..8]);
    u64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_implementation() {
        // Outputs of the reference XXH64 (xxhsum -H1, python-xxhash) with seed 0.
        assert_eq!(xxh64(b""), 0xEF46_DB37_51D8_E999);
        assert_eq!(xxh64(b"a"), 0xD24E_C4F1_A98C_6E5B);
        assert_eq!(xxh64(b"abc"), 0x44BC_2CF5_AD77_0999);
        assert_eq!(
            xxh64(b"Nobody inspects the spammish repetition"),
            0xFBCE_A83C_8A37_8BF1
        );
    }

    #[test]
    fn every_length_and_any_single_bit_flip_changes_it() {
        let data: Vec<u8> = (0..200u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in 0..data.len() {
            let whole = xxh64(&data[..len]);
            assert_ne!(whole, xxh64(&data[..len + 1]), "length {len}");
            for bit in 0..len * 8 {
                let mut flipped = data[..len].to_vec();
                flipped[bit / 8] ^= 1 << (bit % 8);
                assert_ne!(whole, xxh64(&flipped), "length {len}, bit {bit}");
            }
        }
    }
}
