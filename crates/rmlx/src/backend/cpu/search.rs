//! Binary search of values in a sorted 1-D sequence (`searchsorted`).
//!
//! The order is the sort kernels' ([`SortKey`]): NaN after every number and equal to other
//! NaNs, complex numbers by real then imaginary part. `left` gives the first position
//! whose element is not less than the value (the count of smaller elements in a sorted
//! sequence), `right` the first whose element is greater. The search halves `[lo, hi)`
//! with `mid = lo + (hi - lo) / 2`, so an unsorted sequence gives the same (meaningless)
//! answer as MLX's. Every read is at a position inside the sequence.

use super::elementwise::{par_chunks, SendPtr};
use super::reduce::{offset_of, Dim};
use super::sort::SortKey;
use crate::array::ArrayData;
use std::cmp::Ordering;

/// Position of `v` in the `n` elements at `seq` (stride `step`), from the left or right.
///
/// # Safety
/// `seq + i * step` must be a readable `T` for every `i < n`.
#[inline]
unsafe fn bound<T: SortKey>(seq: *const T, n: usize, step: i64, v: T, right: bool) -> u32 {
    let (mut lo, mut hi) = (0usize, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        // SAFETY: `mid < n`; the caller vouches for every such position.
        let x = unsafe { *seq.offset((mid as i64 * step) as isize) };
        let go_right = match T::order(x, v) {
            Ordering::Less => true,
            Ordering::Equal => right,
            Ordering::Greater => false,
        };
        if go_right {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo as u32
}

/// Writes into `out` (a fresh row-contiguous uint32 array of `vshape`) the insertion
/// position of each element of `values` (shape `vshape`, any strides) in `seq`, a 1-D
/// array of `n` elements. Both inputs have element type `T`.
pub(crate) fn search_sorted<T: SortKey>(
    seq: &ArrayData,
    n: usize,
    values: &ArrayData,
    vshape: &[i32],
    right: bool,
    out: &ArrayData,
) {
    if vshape.contains(&0) {
        return;
    }
    let dims: Vec<Dim> = vshape
        .iter()
        .zip(&values.strides)
        .map(|(&d, &s)| Dim { n: d as usize, s })
        .collect();
    let step = seq.strides.first().copied().unwrap_or(1);
    let sp = SendPtr(seq.ptr::<T>());
    let vp = SendPtr(values.ptr::<T>());
    // SAFETY: `out` is a fresh buffer that only this kernel writes.
    let dst = unsafe { out.dense_mut::<u32>() };
    par_chunks(dst, |start, chunk| {
        let (sp, vp) = (sp, vp);
        for (i, slot) in chunk.iter_mut().enumerate() {
            let off = offset_of(&dims, start + i);
            // SAFETY: `off` follows the values' own shape and strides; the sequence has
            // `n` elements at stride `step`.
            *slot = unsafe {
                let v = *vp.get().offset(off as isize);
                bound(sp.get(), n, step, v, right)
            };
        }
    });
}
