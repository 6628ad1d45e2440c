//! Threefry-2x32 with 20 rounds (Salmon et al., "Parallel random numbers: as easy as
//! 1, 2, 3", SC'11), the counter-based generator JAX and MLX use, and MLX's layout of a
//! key's output words.

/// Rotation distances of the eight rounds that alternate through the cipher.
const ROTATIONS: [u32; 8] = [13, 15, 26, 6, 17, 29, 16, 24];
/// Skein's key-schedule parity constant.
const PARITY: u32 = 0x1BD1_1BDA;

/// Encrypts the counter `(c0, c1)` under the key `(k0, k1)`.
pub fn threefry2x32(key: [u32; 2], counter: [u32; 2]) -> [u32; 2] {
    let ks = [key[0], key[1], key[0] ^ key[1] ^ PARITY];
    let mut x0 = counter[0].wrapping_add(ks[0]);
    let mut x1 = counter[1].wrapping_add(ks[1]);
    // Five groups of four rounds; a key injection follows each group.
    for group in 0..5u32 {
        let rots = if group % 2 == 0 {
            &ROTATIONS[..4]
        } else {
            &ROTATIONS[4..]
        };
        for &r in rots {
            x0 = x0.wrapping_add(x1);
            x1 = x1.rotate_left(r) ^ x0;
        }
        let g = group as usize;
        x0 = x0.wrapping_add(ks[(g + 1) % 3]);
        x1 = x1.wrapping_add(ks[(g + 2) % 3]).wrapping_add(group + 1);
    }
    [x0, x1]
}

/// Fills `out` (any length) with the random bytes MLX draws from one key.
///
/// The bytes are `ceil(len / 4)` little-endian words, truncated. With `n` words and
/// `half = n / 2`, the pair from counter `(i, i + half + n % 2)` lands at words `i` and
/// `i + half + n % 2`; an odd `n` puts the first word of counter `(half, 0)` in the middle.
pub fn fill_bytes(key: [u32; 2], out: &mut [u8]) {
    let n = out.len().div_ceil(4);
    let half = n / 2;
    let odd = n % 2;
    let mut put = |word: usize, v: u32| {
        let start = word * 4;
        let end = (start + 4).min(out.len());
        out[start..end].copy_from_slice(&v.to_le_bytes()[..end - start]);
    };
    for i in 0..half {
        let hi = i + half + odd;
        let [a, b] = threefry2x32(key, [i as u32, hi as u32]);
        put(i, a);
        put(hi, b);
    }
    if odd == 1 {
        put(half, threefry2x32(key, [half as u32, 0])[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_zero_first_word() {
        assert_eq!(threefry2x32([0, 0], [0, 0]), [1797259609, 2579123966]);
    }
}
