//! Value sorts of long float32 rows by radix on the 32-bit keys alone.
//!
//! Sorting values (not positions) needs no position beside each key: the key map of
//! [`super::radix::f32_bits_key`] is one-to-one except that -0.0 and 0.0 share a key, and
//! so do all NaNs. Keys are sorted as plain `u32`s (half the memory traffic of the
//! `key << 32 | payload` items of [`super::radix::sort_keyed`]) and mapped back; the two
//! shared keys are then repaired: the run of zeros and the run of NaNs are refilled with the
//! input's own zeros and NaNs in input order, which is exactly what a stable sort leaves
//! there (MLX's order: ties keep their input order, NaN last).
//!
//! One pass splits the row by its top 10 key bits (each thread splits its share of the
//! row); the buckets, small enough to stay in cache, are then spread over the threads and
//! finished by least-significant-digit passes on the lower 22 bits, the last pass writing
//! the output.

use super::radix::f32_bits_key;
use super::threads::run_parallel;

/// Bits of the top digit that splits the row.
const TOP_BITS: u32 = 10;
const TOP: usize = 1 << TOP_BITS;
const TOP_SHIFT: u32 = 32 - TOP_BITS;
/// Buckets up to this length are finished by a comparison sort (equal keys are identical
/// `u32`s, so an unstable sort is exact).
const SMALL: usize = 48;
/// Buckets from this length on take two 11-bit passes; shorter ones three 8-bit passes
/// (smaller histograms to clear and scan).
const WIDE: usize = 4096;

/// Float bits of a key (inverse of [`f32_bits_key`] away from the shared keys).
#[inline(always)]
fn bits_of_key(k: u32) -> u32 {
    if k >> 31 == 1 {
        k & 0x7fff_ffff
    } else {
        !k
    }
}

/// A pointer that kernel threads share; every use says why its accesses are disjoint.
struct Shared<T>(*mut T);
impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for Shared<T> {}
// SAFETY: each user writes disjoint elements from different threads (see the call sites);
// the memory outlives the parallel section.
unsafe impl<T> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Shared<T> {}

/// One row to sort: `n` float32 values read as bits at `src + i * in_s`, written sorted to
/// `dst + i * out_s`.
#[derive(Clone, Copy)]
pub(crate) struct RowIo {
    pub src: *const u32,
    pub in_s: isize,
    pub dst: *mut u32,
    pub out_s: isize,
    pub n: usize,
}
// SAFETY: the row is read from an immutable input and written to disjoint output elements
// (threads write the disjoint bucket ranges of one row); both outlive the kernel call.
unsafe impl Send for RowIo {}
// SAFETY: as above.
unsafe impl Sync for RowIo {}

impl RowIo {
    /// Bits of element `i` (`i < n`).
    #[inline(always)]
    unsafe fn read(&self, i: usize) -> u32 {
        // SAFETY: the caller keeps `i < n`; the row's offsets lie in the input.
        unsafe { *self.src.offset(i as isize * self.in_s) }
    }
    /// Writes output element `i` (`i < n`).
    #[inline(always)]
    unsafe fn write(&self, i: usize, bits: u32) {
        // SAFETY: the caller keeps `i < n`; the row's offsets lie in the output.
        unsafe { *self.dst.offset(i as isize * self.out_s) = bits }
    }
}

/// Per-part counts of the first pass.
struct PartCounts {
    top: [u32; TOP],
    zeros: usize,
    neg_zeros: usize,
}

/// Sorts one row (MLX's order, stably for ties) using `keys` and `spare` (each `row.n`
/// long) as scratch, with `parts` threads of the kernel pool (1: the calling thread).
pub(crate) fn sort_f32_row(row: RowIo, keys: &mut [u32], spare: &mut [u32], parts: usize) {
    let n = row.n;
    assert!(keys.len() >= n && spare.len() >= n);
    if n == 0 {
        return;
    }
    let parts = parts.clamp(1, n.div_ceil(1 << 15));
    let per = n.div_ceil(parts);
    let range = |p: usize| (p * per).min(n)..((p + 1) * per).min(n);

    // 1. Top-digit histogram of each part (and its zeros: see the module notes).
    let mut counts: Vec<PartCounts> = (0..parts)
        .map(|_| PartCounts {
            top: [0; TOP],
            zeros: 0,
            neg_zeros: 0,
        })
        .collect();
    let counts_ptr = Shared(counts.as_mut_ptr());
    run_parallel(parts, &|p| {
        let cp = counts_ptr;
        // SAFETY: part `p` alone touches `counts[p]` (p < parts = counts.len()).
        let c = unsafe { &mut *cp.0.add(p) };
        let (mut z, mut nz) = (0usize, 0usize);
        // Four histograms taken in turn: real data crowds into few top digits, and
        // back-to-back increments of one counter would wait on each other.
        let mut h = [[0u32; TOP]; 4];
        for (j, i) in range(p).enumerate() {
            // SAFETY: i < n.
            let b = unsafe { row.read(i) };
            h[j & 3][(f32_bits_key(b) >> TOP_SHIFT) as usize] += 1;
            z += usize::from(b & 0x7fff_ffff == 0);
            nz += usize::from(b == 0x8000_0000);
        }
        for (d, top) in c.top.iter_mut().enumerate() {
            *top = h[0][d] + h[1][d] + h[2][d] + h[3][d];
        }
        c.zeros = z;
        c.neg_zeros = nz;
    });

    // 2. Bucket starts, and where each part's share of each bucket begins (parts in row
    // order, so the split is stable).
    let mut starts = [0usize; TOP + 1];
    for d in 0..TOP {
        starts[d + 1] = starts[d] + counts.iter().map(|c| c.top[d] as usize).sum::<usize>();
    }
    let mut next: Vec<[usize; TOP]> = vec![[0; TOP]; parts];
    for d in 0..TOP {
        let mut at = starts[d];
        for (p, c) in counts.iter().enumerate() {
            next[p][d] = at;
            at += c.top[d] as usize;
        }
    }

    // 3. Scatter the keys by top digit.
    let keys_ptr = Shared(keys.as_mut_ptr());
    let next_ptr = Shared(next.as_mut_ptr());
    run_parallel(parts, &|p| {
        let (kp, np) = (keys_ptr, next_ptr);
        // SAFETY: part `p` alone touches `next[p]`.
        let nx = unsafe { &mut *np.0.add(p) };
        for i in range(p) {
            // SAFETY: i < n.
            let k = f32_bits_key(unsafe { row.read(i) });
            let d = (k >> TOP_SHIFT) as usize;
            // SAFETY: `nx[d]` runs over this part's own share of bucket `d`, inside
            // `0..n` (the counts of step 1 sum to n), so parts write disjoint slots.
            unsafe { *kp.0.add(nx[d]) = k };
            nx[d] += 1;
        }
    });

    // 4. Finish the buckets, spread over the parts in runs of about equal length.
    let spare_ptr = Shared(spare.as_mut_ptr());
    let groups = if parts > 1 { parts * 4 } else { 1 };
    let mut first_bucket = vec![0usize; groups + 1];
    for (g, fb) in first_bucket.iter_mut().enumerate().skip(1) {
        // The first bucket starting at or after the group's share of the row.
        let target = n * g / groups;
        *fb = starts[..TOP].partition_point(|&s| s < target);
    }
    first_bucket[groups] = TOP;
    run_parallel(groups, &|g| {
        let (kp, sp) = (keys_ptr, spare_ptr);
        for d in first_bucket[g]..first_bucket[g + 1].max(first_bucket[g]) {
            let (lo, hi) = (starts[d], starts[d + 1]);
            if lo == hi {
                continue;
            }
            // SAFETY: buckets are disjoint ranges of `0..n`, each finished by one group.
            let (a, b) = unsafe {
                (
                    std::slice::from_raw_parts_mut(kp.0.add(lo), hi - lo),
                    std::slice::from_raw_parts_mut(sp.0.add(lo), hi - lo),
                )
            };
            // SAFETY: `lo + i` stays in this bucket's range of the row.
            let emit = |i: usize, k: u32| unsafe { row.write(lo + i, bits_of_key(k)) };
            finish_bucket(a, b, emit);
        }
    });

    // 5. Repair the shared keys: zeros (when a -0.0 is among them) and NaNs.
    let zeros: usize = counts.iter().map(|c| c.zeros).sum();
    let neg_zeros: usize = counts.iter().map(|c| c.neg_zeros).sum();
    let nans = starts[TOP] - starts[TOP - 1];
    if neg_zeros > 0 {
        // +0.0's key opens its bucket, before every positive number.
        let zero_bucket = (f32_bits_key(0) >> TOP_SHIFT) as usize;
        refill(row, starts[zero_bucket], zeros, |b| b & 0x7fff_ffff == 0);
    }
    if nans > 0 {
        // Keys of the last bucket are all NaN (numbers' keys stay below 0xFFC0_0000).
        refill(row, n - nans, nans, |b| b & 0x7fff_ffff > 0x7f80_0000);
    }
}

/// Writes the input's elements matching `pick`, in input order, to output `at..at + count`.
fn refill(row: RowIo, at: usize, count: usize, pick: impl Fn(u32) -> bool) {
    let mut j = 0;
    for i in 0..row.n {
        if j == count {
            break;
        }
        // SAFETY: i < n.
        let b = unsafe { row.read(i) };
        if pick(b) {
            // SAFETY: the run `at..at + count` lies in the row (it is the sorted position
            // of exactly `count` elements), and j < count.
            unsafe { row.write(at + j, b) };
            j += 1;
        }
    }
}

/// Sorts the keys of one bucket (all sharing their top digit) and emits them in order:
/// `emit(i, key)` for each output position `i` of the bucket.
fn finish_bucket(a: &mut [u32], b: &mut [u32], emit: impl Fn(usize, u32)) {
    if a.len() <= SMALL {
        a.sort_unstable();
        for (i, &k) in a.iter().enumerate() {
            emit(i, k);
        }
    } else if a.len() >= WIDE {
        lsd::<11, 2048, 2>(a, b, emit);
    } else {
        lsd::<8, 256, 3>(a, b, emit);
    }
}

/// Least-significant-digit passes over the low `BITS * PASSES` bits (`R = 1 << BITS`
/// buckets each); passes on a digit all keys share are skipped, and the last pass emits.
fn lsd<const BITS: u32, const R: usize, const PASSES: usize>(
    a: &mut [u32],
    b: &mut [u32],
    emit: impl Fn(usize, u32),
) {
    let mut counts = [[0u32; R]; PASSES];
    for &k in a.iter() {
        for (p, c) in counts.iter_mut().enumerate() {
            c[(k >> (p as u32 * BITS)) as usize & (R - 1)] += 1;
        }
    }
    let len = a.len() as u32;
    let active: Vec<usize> = (0..PASSES).filter(|&p| !counts[p].contains(&len)).collect();
    let (mut src, mut dst) = (a, b);
    for (j, &p) in active.iter().enumerate() {
        let c = &mut counts[p];
        let mut sum = 0u32;
        for v in c.iter_mut() {
            let here = *v;
            *v = sum;
            sum += here;
        }
        let shift = p as u32 * BITS;
        if j + 1 == active.len() {
            for &k in src.iter() {
                let d = (k >> shift) as usize & (R - 1);
                emit(c[d] as usize, k);
                c[d] += 1;
            }
            return;
        }
        for &k in src.iter() {
            let d = (k >> shift) as usize & (R - 1);
            dst[c[d] as usize] = k;
            c[d] += 1;
        }
        std::mem::swap(&mut src, &mut dst);
    }
    // No pass moved anything: the keys are already in order.
    for (i, &k) in src.iter().enumerate() {
        emit(i, k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::cpu::radix::f32_key;

    fn check(xs: &[f32], parts: usize) {
        let n = xs.len();
        let bits: Vec<u32> = xs.iter().map(|x| x.to_bits()).collect();
        let mut out = vec![0u32; n];
        let (mut k, mut s) = (vec![0u32; n], vec![0u32; n]);
        let row = RowIo {
            src: bits.as_ptr(),
            in_s: 1,
            dst: out.as_mut_ptr(),
            out_s: 1,
            n,
        };
        sort_f32_row(row, &mut k, &mut s, parts);
        let mut want = bits.clone();
        want.sort_by_key(|&b| f32_key(f32::from_bits(b)));
        assert_eq!(out, want);
    }

    #[test]
    fn matches_a_stable_sort() {
        let mut xs: Vec<f32> = (0..300_000u32)
            .map(|i| {
                let h = i.wrapping_mul(2654435761).rotate_left(13);
                (h as i32 as f32) * 1e-7
            })
            .collect();
        for (i, v) in [
            0.0,
            -0.0,
            f32::NAN,
            -f32::NAN,
            f32::from_bits(0x7fa0_0001),
            f32::INFINITY,
            f32::NEG_INFINITY,
            1e-45,
            -1e-45,
        ]
        .into_iter()
        .enumerate()
        {
            for j in 0..50 {
                xs[(i * 7919 + j * 104_729) % 300_000] = v;
            }
        }
        for parts in [1, 2, 3] {
            check(&xs, parts);
            check(&xs[..5000], parts);
            check(&xs[..40], parts);
        }
        // Few distinct values (one big bucket) and all-equal rows.
        let few: Vec<f32> = (0..100_000).map(|i| (i % 7) as f32 - 3.0).collect();
        check(&few, 2);
        check(&vec![-0.0; 70_000], 2);
    }
}
