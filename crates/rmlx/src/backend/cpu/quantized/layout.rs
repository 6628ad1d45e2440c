//! MLX's packed layout: each row of a quantized matrix is a little-endian bit stream in
//! which element `i` occupies bits `[i·b, (i+1)·b)`.
//!
//! For b in {1, 2, 4, 8} that is "32/b elements per uint32, the first in the lowest bits";
//! for b = 3 and 5 MLX packs 8 elements into 3 and 5 bytes, for b = 6 four elements into 3
//! bytes, least significant bits first — the same bit stream. A row of `len` elements is
//! `len·b/8` bytes (`len·b/32` uint32 words: `len` is a multiple of the group size, 16 or
//! more, so the words are whole).

/// Elements and bytes of the smallest whole-byte unit of a row: (elements, bytes).
pub(crate) const fn pack_unit(bits: u32) -> (usize, usize) {
    match bits {
        3 => (8, 3),
        5 => (8, 5),
        6 => (4, 3),
        b => ((8 / b) as usize, 1),
    }
}

/// Writes the `bits`-bit codes `codes` (each below `2^bits`) as a bit stream into `out`
/// (`codes.len()·bits/8` bytes, starting on a unit boundary).
pub(crate) fn pack_codes(codes: &[u8], bits: u32, out: &mut [u8]) {
    let (elems, bytes) = pack_unit(bits);
    for (unit, dst) in codes.chunks_exact(elems).zip(out.chunks_exact_mut(bytes)) {
        let mut acc = 0u64;
        for (k, &c) in unit.iter().enumerate() {
            acc |= (c as u64) << (k as u32 * bits);
        }
        for (j, d) in dst.iter_mut().enumerate() {
            *d = (acc >> (8 * j)) as u8;
        }
    }
}

/// Reads `out.len()` codes of `bits` bits from the bit stream `row`, starting at element
/// `start` (a multiple of the unit's element count), as `f(code)`.
#[inline]
pub(crate) fn unpack_codes<V: Copy>(
    row: &[u8],
    bits: u32,
    start: usize,
    out: &mut [V],
    f: impl Fn(u32) -> V,
) {
    let (elems, bytes) = pack_unit(bits);
    let mask = (1u64 << bits) - 1;
    let first = start / elems * bytes;
    let src = &row[first..first + out.len() / elems * bytes];
    for (unit, dst) in src.chunks_exact(bytes).zip(out.chunks_exact_mut(elems)) {
        let mut acc = 0u64;
        for (j, &b) in unit.iter().enumerate() {
            acc |= (b as u64) << (8 * j);
        }
        for (k, d) in dst.iter_mut().enumerate() {
            *d = f(((acc >> (k as u32 * bits)) & mask) as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_then_unpack_is_identity() {
        for bits in [1u32, 2, 3, 4, 5, 6, 8] {
            let n = 64;
            let codes: Vec<u8> = (0..n).map(|i| ((i * 7 + 3) % (1 << bits)) as u8).collect();
            let mut packed = vec![0u8; n * bits as usize / 8];
            pack_codes(&codes, bits, &mut packed);
            let mut back = vec![0u8; 32];
            unpack_codes(&packed, bits, 32, &mut back, |c| c as u8);
            assert_eq!(&back[..], &codes[32..], "bits {bits}");
        }
    }

    #[test]
    fn four_bit_words_put_the_first_element_lowest() {
        let codes = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let mut packed = [0u8; 4];
        pack_codes(&codes, 4, &mut packed);
        assert_eq!(u32::from_le_bytes(packed), 0x8765_4321);
    }
}
