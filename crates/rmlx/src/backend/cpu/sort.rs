//! Sorting along one axis: full stable sorts and partitions, of values or of indices.
//!
//! The order is MLX's: ascending, NaN after every number (NaNs keep their input order, as
//! do equal values such as -0.0 and 0.0); complex numbers compare by real part, then
//! imaginary part, a NaN in either part counting as NaN. Each row is copied into a scratch
//! buffer of (value, index) pairs taken from the memory manager, sorted there, and written
//! out, so any input layout (strided, broadcast, reversed) is handled the same way. Rows
//! are spread over the kernel threads when the input is large.

use super::elementwise::SendPtr;
use super::reduce::{offset_of, Dim};
use super::scratch::Scratch;
use super::threads::{num_threads, par_chunks_mut, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use crate::dtype::{Element, Scalar};
use crate::error::Result;
use crate::shape::row_major_strides;
use half::{bf16, f16};
use num_complex::Complex32;
use std::cmp::Ordering;

/// MLX's sort order on one element type: a total preorder with NaN last.
pub(crate) trait SortKey: Element {
    fn order(a: Self, b: Self) -> Ordering;
}

macro_rules! key_ord {
    ($($t:ty),*) => {$(
        impl SortKey for $t {
            #[inline(always)]
            fn order(a: Self, b: Self) -> Ordering {
                a.cmp(&b)
            }
        }
    )*};
}
key_ord!(bool, u8, u16, u32, u64, i8, i16, i32, i64);

/// Float order with NaN after everything; equal numbers (-0.0, 0.0) and NaNs tie.
#[inline(always)]
fn float_order<F: PartialOrd>(a: F, b: F, a_nan: bool, b_nan: bool) -> Ordering {
    match (a_nan, b_nan) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

macro_rules! key_float {
    ($($t:ty => $conv:expr),*) => {$(
        impl SortKey for $t {
            #[inline(always)]
            fn order(a: Self, b: Self) -> Ordering {
                let conv = $conv;
                let (a, b) = (conv(a), conv(b));
                float_order(a, b, a.is_nan(), b.is_nan())
            }
        }
    )*};
}
key_float!(f32 => |x: f32| x, f64 => |x: f64| x, f16 => f16::to_f32, bf16 => bf16::to_f32);

impl SortKey for Complex32 {
    #[inline(always)]
    fn order(a: Self, b: Self) -> Ordering {
        let (an, bn) = (a.is_nan(), b.is_nan());
        float_order((a.re, a.im), (b.re, b.im), an, bn)
    }
}

/// What a sort kernel computes for each row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SortMode {
    /// The whole row in order (stable).
    Sort,
    /// The element of sorted rank `kth` at position `kth`, no larger ones before it and no
    /// smaller ones after it (order within each side unspecified, as in MLX).
    Partition(usize),
}

/// A `*mut u8` that kernel threads may share; each writes disjoint rows.
#[derive(Clone, Copy)]
struct OutPtr(*mut u8);
// SAFETY: rows written through it are disjoint across threads, and the buffer outlives the
// kernel call.
unsafe impl Send for OutPtr {}
// SAFETY: as above.
unsafe impl Sync for OutPtr {}

/// Sorts or partitions every row of `x` (shape `shape`) along `axis` into `out`, a fresh
/// row-contiguous array of `shape`: the values (dtype `T`) or, with `indices`, their
/// positions along the axis as uint32.
pub(crate) fn sort_axis<T: SortKey>(
    x: &ArrayData,
    shape: &[i32],
    axis: usize,
    mode: SortMode,
    indices: bool,
    out: &ArrayData,
) -> Result<()> {
    let n = shape[axis] as usize;
    let out_strides = row_major_strides(shape);
    let mut in_dims = Vec::new();
    let mut out_dims = Vec::new();
    for d in (0..shape.len()).filter(|&d| d != axis && shape[d] != 1) {
        in_dims.push(Dim {
            n: shape[d] as usize,
            s: x.strides[d],
        });
        out_dims.push(Dim {
            n: shape[d] as usize,
            s: out_strides[d],
        });
    }
    let rows: usize = in_dims.iter().map(|d| d.n).product();
    if n == 0 || rows == 0 {
        return Ok(());
    }
    let (in_s, out_s) = (x.strides[axis], out_strides[axis]);
    let tasks = if rows * n < PARALLEL_THRESHOLD {
        1
    } else {
        rows.min(num_threads() * 4)
    };
    let per_task = rows.div_ceil(tasks);
    let zero = T::from_scalar(Scalar::Bool(false));
    let mut scratch = Scratch::filled(tasks * n, (zero, 0u32))?;
    let src = SendPtr(x.ptr::<T>());
    let dst = OutPtr(out.ptr_mut::<u8>());
    par_chunks_mut(&mut scratch, n, |t, buf| {
        // Whole-value copies: a closure using only `dst.0` would capture the bare pointer.
        let (src, dst) = (src, dst);
        for row in t * per_task..((t + 1) * per_task).min(rows) {
            let ib = offset_of(&in_dims, row);
            for (i, slot) in buf.iter_mut().enumerate() {
                // SAFETY: offsets follow the input's own shape and strides.
                let v = unsafe { *src.get().offset((ib + i as i64 * in_s) as isize) };
                *slot = (v, i as u32);
            }
            match mode {
                SortMode::Sort => buf.sort_by(|a, b| T::order(a.0, b.0)),
                SortMode::Partition(k) => {
                    buf.select_nth_unstable_by(k, |a, b| T::order(a.0, b.0));
                }
            }
            let ob = offset_of(&out_dims, row);
            for (i, &(v, at)) in buf.iter().enumerate() {
                let o = (ob + i as i64 * out_s) as usize;
                // SAFETY: `out` is a fresh row-contiguous array of `shape` with elements of
                // the written type; `o` is inside it and only this row's task writes it.
                unsafe {
                    if indices {
                        *(dst.0 as *mut u32).add(o) = at;
                    } else {
                        *(dst.0 as *mut T).add(o) = v;
                    }
                }
            }
        }
    });
    Ok(())
}
