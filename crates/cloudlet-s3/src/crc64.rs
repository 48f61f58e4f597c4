//! CRC-64/NVME, S3's default checksum, computed on every upload: slicing-by-8 tables, and
//! on x86-64 CPUs with PCLMULQDQ (checked at run time) a carry-less-multiply folding of
//! 128 bytes at a time, several times faster. Both work on the pre-inverted state. Pure.
//!
//! The folding, for a reflected CRC: a 16-byte little-endian block `X` stands for a
//! polynomial of degree < 128 whose first byte holds the highest coefficients; the low
//! 64-bit half `h` is its high part. Multiplying two reflected 64-bit values carry-less
//! gives `x·A·B`, so `X·x^d ≡ clmul(h, x^(d+63) mod P) ⊕ clmul(l, x^(d-1) mod P)`: eight
//! accumulators fold by 1024 bits over each 128-byte chunk, then into one by 128 bits; the
//! table CRC of that block from state 0 is `X·x^64 mod P`, the CRC of everything folded.

/// The reflected polynomial.
const POLY: u64 = 0x9A6C_9329_AC4B_C9B5;

/// This CRC's slicing-by-8 tables.
pub static TABLE: [[u64; 256]; 8] = tables(POLY);

/// Slicing-by-8 tables of a reflected CRC of up to 64 bits (a narrower CRC's entries are
/// these, truncated): `t[0]` is the classic byte table and `t[k][i]` advances `t[k-1][i]`
/// by one more zero byte, so eight input bytes cost eight independent lookups instead of
/// eight dependent ones.
pub const fn tables(poly: u64) -> [[u64; 256]; 8] {
    let mut t = [[0u64; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u64;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { (c >> 1) ^ poly } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut s = 1;
    while s < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[s - 1][i];
            t[s][i] = (prev >> 8) ^ t[0][(prev & 0xFF) as usize];
            i += 1;
        }
        s += 1;
    }
    t
}

/// Feeds `bytes` to the state `c`, eight bytes at a time, with the tables.
pub fn update_table(mut c: u64, bytes: &[u8]) -> u64 {
    let t = &TABLE;
    let mut blocks = bytes.chunks_exact(8);
    for b in &mut blocks {
        let x = c ^ u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
        c = t[7][(x & 0xFF) as usize]
            ^ t[6][((x >> 8) & 0xFF) as usize]
            ^ t[5][((x >> 16) & 0xFF) as usize]
            ^ t[4][((x >> 24) & 0xFF) as usize]
            ^ t[3][((x >> 32) & 0xFF) as usize]
            ^ t[2][((x >> 40) & 0xFF) as usize]
            ^ t[1][((x >> 48) & 0xFF) as usize]
            ^ t[0][(x >> 56) as usize];
    }
    for &b in blocks.remainder() {
        c = t[0][((c ^ u64::from(b)) & 0xFF) as usize] ^ (c >> 8);
    }
    c
}

/// Inputs shorter than this are not worth the folding's set-up.
#[cfg(target_arch = "x86_64")]
const FOLD_MIN: usize = 256;

/// Feeds `bytes` to the state `c` the fastest way this CPU allows.
pub fn update(c: u64, bytes: &[u8]) -> u64 {
    #[cfg(target_arch = "x86_64")]
    if bytes.len() >= FOLD_MIN && clmul::available() {
        return clmul::update(c, bytes);
    }
    update_table(c, bytes)
}

/// `x^n mod P`, reflected (bit `i` is the coefficient of `x^(63-i)`).
#[cfg(any(target_arch = "x86_64", test))]
const fn xpow(n: u32) -> u64 {
    let mut r = 1u64 << 63;
    let mut i = 0;
    while i < n {
        r = if r & 1 != 0 { (r >> 1) ^ POLY } else { r >> 1 };
        i += 1;
    }
    r
}

#[cfg(target_arch = "x86_64")]
pub mod clmul {
    use std::arch::x86_64::{
        __m128i, _mm_clmulepi64_si128, _mm_cvtsi128_si64, _mm_set_epi64x, _mm_unpackhi_epi64,
        _mm_xor_si128,
    };

    use super::{update_table, xpow};

    /// Folding constants by 1024 bits (eight blocks) and by 128 bits (one), as
    /// `[for the low half, for the high half]` of a block.
    const BY_1024: [u64; 2] = [xpow(1024 + 63), xpow(1024 - 1)];
    const BY_128: [u64; 2] = [xpow(128 + 63), xpow(128 - 1)];

    /// Whether this CPU multiplies carry-less.
    pub fn available() -> bool {
        std::arch::is_x86_feature_detected!("pclmulqdq")
    }

    /// [`super::update`] by folding.
    ///
    /// Panics if the CPU lacks PCLMULQDQ (callers check [`available`]).
    #[allow(unsafe_code)]
    pub fn update(c: u64, bytes: &[u8]) -> u64 {
        assert!(available(), "PCLMULQDQ is not available");
        // SAFETY: `fold` only needs the CPU features checked just above.
        unsafe { fold(c, bytes) }
    }

    #[target_feature(enable = "pclmulqdq,sse2")]
    fn load(b: &[u8]) -> __m128i {
        let half = |i: usize| {
            let mut q = [0u8; 8];
            q.copy_from_slice(&b[i..i + 8]);
            u64::from_le_bytes(q) as i64
        };
        _mm_set_epi64x(half(8), half(0))
    }

    /// `x` moved forward by the distance `k` was made for (see the module documentation).
    #[target_feature(enable = "pclmulqdq,sse2")]
    fn fold16(x: __m128i, k: __m128i) -> __m128i {
        _mm_xor_si128(
            _mm_clmulepi64_si128(x, k, 0x00),
            _mm_clmulepi64_si128(x, k, 0x11),
        )
    }

    #[target_feature(enable = "pclmulqdq,sse2")]
    fn fold(c: u64, bytes: &[u8]) -> u64 {
        let mut chunks = bytes.chunks_exact(128);
        let Some(first) = chunks.next() else {
            return update_table(c, bytes);
        };
        let mut x = [_mm_set_epi64x(0, 0); 8];
        for (i, xi) in x.iter_mut().enumerate() {
            *xi = load(&first[16 * i..]);
        }
        // The state enters as if XORed into the first eight bytes.
        x[0] = _mm_xor_si128(x[0], _mm_set_epi64x(0, c as i64));
        let k = _mm_set_epi64x(BY_1024[1] as i64, BY_1024[0] as i64);
        for chunk in &mut chunks {
            for (i, xi) in x.iter_mut().enumerate() {
                *xi = _mm_xor_si128(fold16(*xi, k), load(&chunk[16 * i..]));
            }
        }
        let k = _mm_set_epi64x(BY_128[1] as i64, BY_128[0] as i64);
        let mut acc = x[0];
        for xi in &x[1..] {
            acc = _mm_xor_si128(fold16(acc, k), *xi);
        }
        let lo = _mm_cvtsi128_si64(acc) as u64;
        let hi = _mm_cvtsi128_si64(_mm_unpackhi_epi64(acc, acc)) as u64;
        let mut block = [0u8; 16];
        block[..8].copy_from_slice(&lo.to_le_bytes());
        block[8..].copy_from_slice(&hi.to_le_bytes());
        update_table(update_table(0, &block), chunks.remainder())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bit-at-a-time definition the faster versions must agree with.
    fn bitwise(mut c: u64, bytes: &[u8]) -> u64 {
        for &b in bytes {
            c ^= u64::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ POLY } else { c >> 1 };
            }
        }
        c
    }

    fn data(n: usize) -> Vec<u8> {
        (0..n as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect()
    }

    #[test]
    fn check_value_and_powers() {
        assert_eq!(!update(!0, b"123456789"), 0xAE8B_1486_0A79_9888);
        // x^0 and x^64 ≡ the polynomial's low terms.
        assert_eq!(xpow(0), 1 << 63);
        assert_eq!(xpow(64), POLY);
    }

    #[test]
    fn tables_match_the_definition_at_every_length_and_split() {
        let d = data(300);
        for len in 0..d.len() {
            let want = bitwise(!0, &d[..len]);
            for split in [0, 1, 3, 7, 8, 9, len / 2, len] {
                let split = split.min(len);
                let got = update_table(update_table(!0, &d[..split]), &d[split..len]);
                assert_eq!(got, want, "len {len} split {split}");
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn folding_matches_the_tables_at_many_lengths_alignments_and_states() {
        if !clmul::available() {
            return;
        }
        let d = data(5000);
        let lengths = (0..=600)
            .chain([1023, 1024, 1025, 2047, 2048, 4095, 4096, 4900])
            .collect::<Vec<_>>();
        for start in [0, 1, 3, 8, 15, 16, 17] {
            for &len in &lengths {
                let bytes = &d[start..start + len];
                for state in [!0u64, 0, 0x0123_4567_89AB_CDEF] {
                    assert_eq!(
                        clmul::update(state, bytes),
                        update_table(state, bytes),
                        "start {start} len {len} state {state:x}"
                    );
                }
            }
        }
        assert_eq!(update(!0, &d), update_table(!0, &d));
    }
}
