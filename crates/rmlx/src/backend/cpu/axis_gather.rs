//! Per-axis gathers: `out[i0, .., ik] = src[t0[i0], .., tk[ik]]`, where each axis has its
//! own table of source positions, and a table entry of `None` stands for a fill value.
//!
//! One pass over the output serves `pad` (every mode: constant, edge, reflect, symmetric)
//! and `roll` (rotated tables), where MLX composes slices and concatenations. The tables
//! are built from shapes alone, never from array values; still, an entry outside its
//! source axis is treated as a fill rather than read, so no table can lead outside `src`.
//! Copies move bits, so the kernel is instantiated per element size.

use super::threads::{run_parallel, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use crate::shape::size_of;

/// Byte offsets per table entry along one axis: `Some(position * stride)`, or `None`
/// (fill) for entries marked as fills or outside `0..n`.
fn offsets(table: &[Option<i64>], n: i32, stride: i64) -> Vec<Option<i64>> {
    table
        .iter()
        .map(|t| {
            t.filter(|&p| (0..n as i64).contains(&p))
                .map(|p| p * stride)
        })
        .collect()
}

/// A writable base pointer shared by threads that write disjoint output rows.
#[derive(Clone, Copy)]
struct Out<T>(*mut T);
// SAFETY: every thread writes its own rows of a fresh output buffer that outlives the call.
unsafe impl<T> Send for Out<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Out<T> {}

#[derive(Clone, Copy)]
struct Src<T>(*const T);
// SAFETY: read-only access to an evaluated input that outlives the call.
unsafe impl<T> Send for Src<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Src<T> {}

// Methods rather than field access, so closures capture the Send/Sync wrappers whole.
impl<T> Out<T> {
    fn get(self) -> *mut T {
        self.0
    }
}
impl<T> Src<T> {
    fn get(self) -> *const T {
        self.0
    }
}

/// Fills the row-contiguous `out` (shape: the tables' lengths) from `src` of `in_shape`.
/// `fill` holds the bits of one element (`elem` bytes) used where a table says `None`.
pub(crate) fn axis_gather(
    src: &ArrayData,
    in_shape: &[i32],
    tables: &[Vec<Option<i64>>],
    fill: u64,
    out: &ArrayData,
    elem: usize,
) {
    match elem {
        1 => gather_typed::<u8>(src, in_shape, tables, fill as u8, out),
        2 => gather_typed::<u16>(src, in_shape, tables, fill as u16, out),
        4 => gather_typed::<u32>(src, in_shape, tables, fill as u32, out),
        8 => gather_typed::<u64>(src, in_shape, tables, fill, out),
        other => unreachable!("no dtype has {other}-byte elements"),
    }
}

fn gather_typed<T: Copy + Send + Sync>(
    src: &ArrayData,
    in_shape: &[i32],
    tables: &[Vec<Option<i64>>],
    fill: T,
    out: &ArrayData,
) {
    let out_shape: Vec<i32> = tables.iter().map(|t| t.len() as i32).collect();
    let n = size_of(&out_shape);
    if n == 0 {
        return;
    }
    let dst = Out(out.ptr_mut::<T>());
    let sp = Src(src.ptr::<T>());
    let nd = tables.len();
    if nd == 0 {
        // A 0-d array: one element, read as is.
        // SAFETY: both arrays hold exactly one element at their pointers.
        unsafe { *dst.get() = *sp.get() };
        return;
    }
    let offs: Vec<Vec<Option<i64>>> = (0..nd)
        .map(|ax| offsets(&tables[ax], in_shape[ax], src.strides[ax]))
        .collect();
    let inner = out_shape[nd - 1] as usize;
    let rows = n / inner;
    let row = |r: usize| {
        // The source offset of the row's leading coordinates (None: the row is all fill).
        let mut rem = r;
        let mut base = Some(0i64);
        for ax in (0..nd - 1).rev() {
            let d = out_shape[ax] as usize;
            let i = rem % d;
            rem /= d;
            base = match (base, offs[ax][i]) {
                (Some(b), Some(o)) => Some(b + o),
                _ => None,
            };
        }
        for (j, o) in offs[nd - 1].iter().enumerate() {
            let v = match (base, o) {
                // SAFETY: every offset is a checked in-range position times its stride, so
                // `base + o` addresses an element of `src`.
                (Some(b), Some(o)) => unsafe { *sp.get().offset((b + o) as isize) },
                _ => fill,
            };
            // SAFETY: `r * inner + j < n` indexes the fresh row-contiguous output; rows are
            // disjoint between threads.
            unsafe { *dst.get().add(r * inner + j) = v };
        }
    };
    if n < PARALLEL_THRESHOLD || rows < 2 {
        (0..rows).for_each(row);
    } else {
        run_parallel(rows, &row);
    }
}
