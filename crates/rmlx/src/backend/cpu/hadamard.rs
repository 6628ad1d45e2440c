//! The Walsh–Hadamard transform of contiguous rows, in place.
//!
//! A row of length `n = m · 2^k` (`m` in {1, 12, 20, 28}) is multiplied by the Kronecker
//! product `H_m ⊗ H_{2^k}`: `H_{2^k}` is Sylvester's matrix (the fast butterfly, applied to
//! each of the `m` contiguous pieces of length `2^k`), `H_m` one fixed Hadamard matrix of
//! order `m`, applied across the pieces (to the elements `2^k` apart). The matrices of order
//! 12, 20 and 28 are the ones MLX uses, so results agree element for element.

/// Rows of the Hadamard matrices of orders 12, 20 and 28 (`+` is 1, `-` is -1).
const H12: [&str; 12] = [
    "+-++++++++++",
    "--+-+-+-+-+-",
    "+++-++----++",
    "+---+--+-++-",
    "+++++-++----",
    "+-+---+--+-+",
    "++--+++-++--",
    "+--++---+--+",
    "++----+++-++",
    "+--+-++---+-",
    "++++----+++-",
    "+-+--+-++---",
];
const H20: [&str; 20] = [
    "+----+----++--++-++-",
    "-+----+---+++---+-++",
    "--+----+---+++-+-+-+",
    "---+----+---+++++-+-",
    "----+----++--++-++-+",
    "-+++++-----+--+++--+",
    "+-+++-+---+-+--+++--",
    "++-++--+---+-+--+++-",
    "+++-+---+---+-+--+++",
    "++++-----++--+-+--++",
    "--++-+-++-+-----++++",
    "---++-+-++-+---+-+++",
    "+---++-+-+--+--++-++",
    "++---++-+----+-+++-+",
    "-++---++-+----+++++-",
    "-+--+--++-+----+----",
    "+-+-----++-+----+---",
    "-+-+-+---+--+----+--",
    "--+-+++------+----+-",
    "+--+--++------+----+",
];
const H28: [&str; 28] = [
    "+------++----++-+--+-+--++--",
    "-+-----+++-----+-+--+-+--++-",
    "--+-----+++---+-+-+----+--++",
    "---+-----+++---+-+-+-+--+--+",
    "----+-----+++---+-+-+++--+--",
    "-----+-----++++--+-+--++--+-",
    "------++----++-+--+-+--++--+",
    "--++++-+-------++--+++-+--+-",
    "---++++-+-----+-++--+-+-+--+",
    "+---+++--+----++-++--+-+-+--",
    "++---++---+----++-++--+-+-+-",
    "+++---+----+----++-++--+-+-+",
    "++++--------+-+--++-++--+-+-",
    "-++++--------+++--++--+--+-+",
    "-+-++-++--++--+--------++++-",
    "+-+-++--+--++--+--------++++",
    "-+-+-++--+--++--+----+---+++",
    "+-+-+-++--+--+---+---++---++",
    "++-+-+-++--+------+--+++---+",
    "-++-+-+-++--+------+-++++---",
    "+-++-+---++--+------+-++++--",
    "-++--++-+-++-+++----++------",
    "+-++--++-+-++-+++-----+-----",
    "++-++---+-+-++-+++-----+----",
    "-++-++-+-+-+-+--+++-----+---",
    "--++-++++-+-+----+++-----+--",
    "+--++-+-++-+-+----+++-----+-",
    "++--++-+-++-+-+----++------+",
];

/// The odd factor `m` of a supported transform length `n` (`n = m · 2^k`), or `None`.
pub(crate) fn hadamard_factor(n: usize) -> Option<usize> {
    [28usize, 20, 12, 1]
        .into_iter()
        .find(|&m| n.is_multiple_of(m) && (n / m).is_power_of_two())
}

fn signs(m: usize) -> &'static [&'static str] {
    match m {
        12 => &H12,
        20 => &H20,
        28 => &H28,
        _ => &[],
    }
}

/// Transforms one row (`row.len() == m · 2^k`) in place and multiplies it by `scale`.
pub(crate) fn transform_row(row: &mut [f32], m: usize, scale: f32) {
    let p = row.len() / m;
    // Sylvester butterflies on each contiguous piece of length p.
    for piece in row.chunks_exact_mut(p) {
        let mut h = 1;
        while h < p {
            for block in piece.chunks_exact_mut(2 * h) {
                let (lo, hi) = block.split_at_mut(h);
                for (x, y) in lo.iter_mut().zip(hi.iter_mut()) {
                    let (u, v) = (*x, *y);
                    *x = u + v;
                    *y = u - v;
                }
            }
            h *= 2;
        }
    }
    if m > 1 {
        // H_m across the pieces: element j of every piece forms one length-m vector.
        let rows = signs(m);
        let mut v = [0f32; 28];
        for j in 0..p {
            for (i, slot) in v.iter_mut().take(m).enumerate() {
                *slot = row[i * p + j];
            }
            for (i, signs) in rows.iter().enumerate() {
                let mut acc = 0f32;
                for (s, x) in signs.bytes().zip(&v[..m]) {
                    acc += if s == b'+' { *x } else { -*x };
                }
                row[i * p + j] = acc;
            }
        }
    }
    if scale != 1.0 {
        for x in row.iter_mut() {
            *x *= scale;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrices_are_hadamard() {
        for m in [12usize, 20, 28] {
            let h = signs(m);
            for r in 0..m {
                for s in 0..m {
                    let dot: i32 = h[r]
                        .bytes()
                        .zip(h[s].bytes())
                        .map(|(x, y)| if x == y { 1 } else { -1 })
                        .sum();
                    assert_eq!(dot, if r == s { m as i32 } else { 0 }, "H{m} rows {r},{s}");
                }
            }
        }
    }

    #[test]
    fn factors() {
        assert_eq!(hadamard_factor(1), Some(1));
        assert_eq!(hadamard_factor(64), Some(1));
        assert_eq!(hadamard_factor(24), Some(12));
        assert_eq!(hadamard_factor(160), Some(20));
        assert_eq!(hadamard_factor(56), Some(28));
        assert_eq!(hadamard_factor(36), None);
        assert_eq!(hadamard_factor(6), None);
    }

    #[test]
    fn butterfly_of_a_delta_is_a_row_of_ones() {
        let mut r = vec![0f32; 8];
        r[0] = 1.0;
        transform_row(&mut r, 1, 1.0);
        assert_eq!(r, vec![1.0; 8]);
    }
}
