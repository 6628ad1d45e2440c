//! Sorting along one axis: full stable sorts and partitions, of values or of indices.
//!
//! The order is MLX's: ascending, NaN after every number (NaNs keep their input order, as
//! do equal values such as -0.0 and 0.0); complex numbers compare by real part, then
//! imaginary part, a NaN in either part counting as NaN. Each row is copied into a scratch
//! buffer of (value, index) pairs taken from the memory manager, sorted there, and written
//! out, so any input layout (strided, broadcast, reversed) is handled the same way. Rows
//! are spread over the kernel threads when the input is large.

use super::elementwise::SendPtr;
use super::radix::{f32_key, sort_keyed};
use super::radix_f32::{sort_f32_row, RowIo};
use super::reduce::{offset_of, Dim};
use super::scratch::Scratch;
use super::threads::{num_threads, par_chunks_mut, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use crate::dtype::{Dtype, Element, Scalar};
use crate::error::Result;
use crate::shape::row_major_strides;
use half::{bf16, f16};
use num_complex::Complex32;
use std::cmp::Ordering;

/// MLX's sort order on one element type: a total preorder with NaN last.
pub(crate) trait SortKey: Element {
    fn order(a: Self, b: Self) -> Ordering;
    /// Whether [`SortKey::radix_key`] maps the order onto `u32` (full sorts of long rows
    /// then take the radix path).
    const RADIX: bool = false;
    /// An unsigned key with `order(a, b) == radix_key(a).cmp(&radix_key(b))`.
    #[inline(always)]
    fn radix_key(self) -> u32 {
        0
    }
}

macro_rules! key_ord {
    ($($t:ty => $key:expr),*) => {$(
        impl SortKey for $t {
            #[inline(always)]
            fn order(a: Self, b: Self) -> Ordering {
                a.cmp(&b)
            }
            const RADIX: bool = true;
            #[inline(always)]
            fn radix_key(self) -> u32 {
                ($key)(self)
            }
        }
    )*};
}
// Signed integers: sign-extended, then the sign bit flipped so negatives come first.
key_ord!(
    bool => |x: bool| x as u32,
    u8 => |x: u8| x as u32,
    u16 => |x: u16| x as u32,
    u32 => |x: u32| x,
    i8 => |x: i8| (x as i32 as u32) ^ 0x8000_0000,
    i16 => |x: i16| (x as i32 as u32) ^ 0x8000_0000,
    i32 => |x: i32| (x as u32) ^ 0x8000_0000
);

impl SortKey for u64 {
    #[inline(always)]
    fn order(a: Self, b: Self) -> Ordering {
        a.cmp(&b)
    }
}
impl SortKey for i64 {
    #[inline(always)]
    fn order(a: Self, b: Self) -> Ordering {
        a.cmp(&b)
    }
}

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
key_float!(f64 => |x: f64| x);

macro_rules! key_float32 {
    ($($t:ty => $conv:expr),*) => {$(
        impl SortKey for $t {
            #[inline(always)]
            fn order(a: Self, b: Self) -> Ordering {
                let conv = $conv;
                let (a, b) = (conv(a), conv(b));
                float_order(a, b, a.is_nan(), b.is_nan())
            }
            const RADIX: bool = true;
            #[inline(always)]
            fn radix_key(self) -> u32 {
                f32_key(($conv)(self))
            }
        }
    )*};
}
key_float32!(f32 => |x: f32| x, f16 => f16::to_f32, bf16 => bf16::to_f32);

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
    if T::RADIX && mode == SortMode::Sort && n >= RADIX_MIN_ROW && n <= u32::MAX as usize {
        return radix_rows::<T>(x, &in_dims, &out_dims, (n, in_s, out_s), indices, out);
    }
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

/// The bytes of a radix-sortable element (at most 4 bytes: every `SortKey::RADIX` type) in
/// the low bytes of a `u32`.
#[inline(always)]
fn to_bits32<T: SortKey>(v: T) -> u32 {
    const { assert!(!T::RADIX || std::mem::size_of::<T>() <= 4) };
    let mut bits = 0u32;
    // SAFETY: T is plain data of at most 4 bytes (asserted above for radix types, the only
    // callers); the copy reads T's bytes and writes inside `bits`.
    unsafe {
        std::ptr::copy_nonoverlapping(
            &v as *const T as *const u8,
            &mut bits as *mut u32 as *mut u8,
            std::mem::size_of::<T>().min(4),
        )
    };
    bits
}

/// The element whose bytes [`to_bits32`] stored.
#[inline(always)]
fn from_bits32<T: SortKey>(bits: u32) -> T {
    let mut v = T::from_scalar(Scalar::Bool(false));
    // SAFETY: the bytes came from a valid T by `to_bits32`, so they form a valid T again
    // (bool included: 0 or 1); the copy stays inside both values.
    unsafe {
        std::ptr::copy_nonoverlapping(
            &bits as *const u32 as *const u8,
            &mut v as *mut T as *mut u8,
            std::mem::size_of::<T>().min(4),
        )
    };
    v
}

/// Rows at least this long take the radix path (below it a comparison sort is as fast).
const RADIX_MIN_ROW: usize = 1024;

/// Full stable sorts of every row by radix keys ([`sort_keyed`]): same results as the
/// comparison sort, in O(n) per row. `row` is (length, input stride, output stride).
fn radix_rows<T: SortKey>(
    x: &ArrayData,
    in_dims: &[Dim],
    out_dims: &[Dim],
    row: (usize, i64, i64),
    indices: bool,
    out: &ArrayData,
) -> Result<()> {
    let (n, in_s, out_s) = row;
    let rows: usize = in_dims.iter().map(|d| d.n).product();
    let tasks = if rows * n < PARALLEL_THRESHOLD {
        1
    } else {
        rows.min(num_threads() * 4)
    };
    let per_task = rows.div_ceil(tasks);
    if !indices && T::DTYPE == Dtype::Float32 {
        return f32_value_rows(x, in_dims, out_dims, row, (tasks, per_task), out);
    }
    // Two buffers of `n` items per task: the items and the radix passes' second buffer.
    let mut scratch = Scratch::filled(tasks * 2 * n, 0u64)?;
    let src = SendPtr(x.ptr::<T>());
    let dst = OutPtr(out.ptr_mut::<u8>());
    par_chunks_mut(&mut scratch, 2 * n, |t, buf| {
        let (src, dst) = (src, dst);
        let (items, tmp) = buf.split_at_mut(n);
        for r in t * per_task..((t + 1) * per_task).min(rows) {
            let ib = offset_of(in_dims, r);
            let at = |i: usize| {
                // SAFETY: i < n, so the offset follows the input's own shape and strides.
                unsafe { *src.get().offset((ib + i as i64 * in_s) as isize) }
            };
            // The low half: the position (argsort), or the value's own bytes (sort), so
            // sorted values need no second, random-access read of the input.
            for (i, slot) in items.iter_mut().enumerate() {
                let v = at(i);
                let low = if indices { i as u32 } else { to_bits32(v) };
                *slot = (u64::from(v.radix_key()) << 32) | u64::from(low);
            }
            sort_keyed(items, tmp);
            let ob = offset_of(out_dims, r);
            for (i, &it) in items.iter().enumerate() {
                let o = (ob + i as i64 * out_s) as usize;
                // SAFETY: `out` is a fresh row-contiguous array of the row's shape with
                // elements of the written type; `o` is inside it and only this task writes
                // this row.
                unsafe {
                    if indices {
                        *(dst.0 as *mut u32).add(o) = it as u32;
                    } else {
                        *(dst.0 as *mut T).add(o) = from_bits32::<T>(it as u32);
                    }
                }
            }
        }
    });
    Ok(())
}

/// Value sorts of float32 rows by keys alone ([`sort_f32_row`]); a single row (or fewer
/// rows than threads) uses every thread within the row. `tasks` is (count, rows per task).
fn f32_value_rows(
    x: &ArrayData,
    in_dims: &[Dim],
    out_dims: &[Dim],
    row: (usize, i64, i64),
    tasks: (usize, usize),
    out: &ArrayData,
) -> Result<()> {
    let (n, in_s, out_s) = row;
    let rows: usize = in_dims.iter().map(|d| d.n).product();
    let (tasks, per_task) = if rows < num_threads() {
        (1, rows)
    } else {
        tasks
    };
    let parts = if tasks == 1 && n >= PARALLEL_THRESHOLD {
        num_threads()
    } else {
        1
    };
    // Keys and a second buffer for the digit passes, per task.
    let mut scratch = Scratch::filled(tasks * 2 * n, 0u32)?;
    let src = SendPtr(x.ptr::<u32>());
    let dst = OutPtr(out.ptr_mut::<u8>());
    par_chunks_mut(&mut scratch, 2 * n, |t, buf| {
        let (src, dst) = (src, dst);
        let (keys, spare) = buf.split_at_mut(n);
        for r in t * per_task..((t + 1) * per_task).min(rows) {
            let (ib, ob) = (offset_of(in_dims, r), offset_of(out_dims, r));
            // SAFETY: `ib`/`ob` start row `r` of the input (its own shape and strides) and of
            // the fresh row-contiguous output; the row's `n` elements at strides
            // `in_s`/`out_s` lie inside them, and only this task writes this row.
            let io = unsafe {
                RowIo {
                    src: src.get().offset(ib as isize),
                    in_s: in_s as isize,
                    dst: (dst.0 as *mut u32).offset(ob as isize),
                    out_s: out_s as isize,
                    n,
                }
            };
            sort_f32_row(io, keys, spare, parts);
        }
    });
    Ok(())
}
