//! Stable LSD radix sort of one row by 32-bit keys, the fast path of full sorts
//! ([`super::sort`]) for element types whose MLX order maps onto unsigned integers.
//!
//! Items are `key << 32 | position`: the low half carries the element's position along the
//! row (the argsort answer, and where a sorted value is read back from), the high half a
//! key whose unsigned order is MLX's order. Equal keys keep their input order because every
//! pass is stable, which is what MLX's stable sort does for ties (-0.0 and 0.0, NaNs).

/// Bits per digit: three passes cover a 32-bit key with 2048-entry histograms, small
/// enough to stay in L1.
const DIGIT: u32 = 11;
const BUCKETS: usize = 1 << DIGIT;
const PASSES: usize = 32usize.div_ceil(DIGIT as usize);

/// Unsigned key of a float32 in MLX's order: numbers ascending, -0.0 and 0.0 equal, every
/// NaN equal and after +inf.
#[inline(always)]
pub(crate) fn f32_key(x: f32) -> u32 {
    f32_bits_key(x.to_bits())
}

/// [`f32_key`] of a float32's bits. Integer operations only: float arithmetic would see
/// subnormals as zero on kernel threads (flush-to-zero), merging them with 0.0.
#[inline(always)]
pub(crate) fn f32_bits_key(b: u32) -> u32 {
    // -0.0 reads as +0.0, so the two tie.
    let b = if b == 0x8000_0000 { 0 } else { b };
    let k = if b >> 31 == 1 { !b } else { b | 0x8000_0000 };
    if b & 0x7fff_ffff > 0x7f80_0000 {
        u32::MAX
    } else {
        k
    }
}

/// Rows at least this long are split by their top digit first ([`sort_keyed`]).
const MSD_MIN: usize = 1 << 16;
/// Buckets shorter than this are finished with a comparison sort.
const SMALL_BUCKET: usize = 256;

/// Sorts `items` (built by the caller as `key << 32 | position`) by key, stably, using
/// `tmp` (same length) as the second buffer. The result ends in `items`.
///
/// Long rows take one pass on the top digit (most significant first), which leaves
/// buckets small enough to stay in cache, then finish each bucket on the lower digits:
/// one scatter over the whole row instead of three, the costly part being the cache and
/// TLB misses of those scatters.
pub(crate) fn sort_keyed(items: &mut [u64], tmp: &mut [u64]) {
    let n = items.len();
    if n < MSD_MIN {
        lsd(items, tmp, 0..PASSES);
        return;
    }
    let top = PASSES - 1;
    let shift = 32 + top as u32 * DIGIT;
    let mut starts = [0usize; BUCKETS + 1];
    for &it in items.iter() {
        starts[((it >> shift) as usize & (BUCKETS - 1)) + 1] += 1;
    }
    if starts.contains(&n) {
        // One top digit for every item: nothing to split on.
        lsd(items, tmp, 0..top);
        return;
    }
    for b in 0..BUCKETS {
        starts[b + 1] += starts[b];
    }
    let mut next = starts;
    for &it in items.iter() {
        let d = (it >> shift) as usize & (BUCKETS - 1);
        tmp[next[d]] = it;
        next[d] += 1;
    }
    for b in 0..BUCKETS {
        let (lo, hi) = (starts[b], starts[b + 1]);
        let (bucket, spare) = (&mut tmp[lo..hi], &mut items[lo..hi]);
        if bucket.len() < SMALL_BUCKET {
            // Stable: equal keys keep the order the stable top pass left them in.
            bucket.sort_by_key(|&it| it >> 32);
        } else {
            lsd(bucket, spare, 0..top);
        }
        items[lo..hi].copy_from_slice(&tmp[lo..hi]);
    }
}

/// Stable least-significant-digit passes `passes` over `items` (result in `items`).
fn lsd(items: &mut [u64], tmp: &mut [u64], passes: std::ops::Range<usize>) {
    let mut counts = [[0u32; BUCKETS]; PASSES];
    for &it in items.iter() {
        let k = (it >> 32) as u32;
        for p in passes.clone() {
            counts[p][((k >> (p as u32 * DIGIT)) as usize) & (BUCKETS - 1)] += 1;
        }
    }
    let n = items.len() as u32;
    let (mut src, mut dst) = (items, tmp);
    let mut in_items = true;
    for p in passes {
        let c = &mut counts[p];
        // A digit every item shares moves nothing: skip the pass.
        if c.contains(&n) {
            continue;
        }
        let mut sum = 0u32;
        for v in c.iter_mut() {
            let here = *v;
            *v = sum;
            sum += here;
        }
        let shift = 32 + p as u32 * DIGIT;
        for &it in src.iter() {
            let d = ((it >> shift) as usize) & (BUCKETS - 1);
            dst[c[d] as usize] = it;
            c[d] += 1;
        }
        std::mem::swap(&mut src, &mut dst);
        in_items = !in_items;
    }
    if !in_items {
        // The sorted run sits in `tmp` (now `src`); `dst` is `items`.
        dst.copy_from_slice(src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_keys_follow_mlx_order() {
        let xs = [
            f32::NEG_INFINITY,
            -2.5,
            -1e-45,
            -0.0,
            0.0,
            1e-45,
            3.0,
            f32::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(f32_key(w[0]) <= f32_key(w[1]), "{} {}", w[0], w[1]);
        }
        assert_eq!(f32_key(-0.0), f32_key(0.0));
        assert_eq!(f32_key(f32::NAN), f32_key(-f32::NAN));
        assert!(f32_key(f32::INFINITY) < f32_key(f32::NAN));
    }

    #[test]
    fn sorts_stably() {
        // Short rows (LSD only) and long ones (a top pass first), with many ties.
        for (len, modulus) in [
            (5000u32, 97u32),
            (200_000, 97),
            (200_000, u32::MAX),
            (70_000, 1 << 30),
        ] {
            check_stable(len, modulus);
        }
    }

    fn check_stable(len: u32, modulus: u32) {
        let keys: Vec<u32> = (0..len)
            .map(|i| i.wrapping_mul(2654435761).rotate_left(7) % modulus)
            .collect();
        let mut items: Vec<u64> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (u64::from(k) << 32) | i as u64)
            .collect();
        let mut tmp = vec![0u64; items.len()];
        sort_keyed(&mut items, &mut tmp);
        let mut want: Vec<(u32, u32)> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| (k, i as u32))
            .collect();
        want.sort_by_key(|p| p.0);
        let got: Vec<(u32, u32)> = items
            .iter()
            .map(|&it| ((it >> 32) as u32, it as u32))
            .collect();
        assert_eq!(got, want);
    }
}
