//! The gather kernel: for every position of the index shape `I`, copy one slice of the
//! source (of `slice_sizes`, starting where the indices point) into a row-major output of
//! shape `I ++ slice_sizes`.
//!
//! Gathers only move bits, so the copy is instantiated per element size (1, 2, 4, 8 bytes),
//! never per dtype. Out-of-range indices are clamped (`index_cursor::Resolve::Clamp`), so
//! no index value reads outside the source buffer. Large gathers split the index positions
//! across the kernel pool; each position writes its own output rows.

use super::index_cursor::{IndexCursor, IndexOperand, Resolve};
use super::strided::{collapse, for_each_row};
use super::threads::{num_threads, run_parallel, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use crate::shape::{row_major_strides, size_of};

/// Read-only source base pointer shared by kernel threads.
#[derive(Clone, Copy)]
struct Src<T>(*const T);
// SAFETY: the source buffer is immutable and outlives the kernel call.
unsafe impl<T> Send for Src<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Src<T> {}

/// Output base pointer shared by threads that write disjoint index positions.
#[derive(Clone, Copy)]
struct Dst<T>(*mut T);
// SAFETY: each thread writes the output rows of its own index positions only; the buffer
// is fresh (exclusively the kernel's) and outlives the call.
unsafe impl<T> Send for Dst<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for Dst<T> {}

/// What a gather reads and writes, independent of the element type.
pub(crate) struct GatherPlan<'a> {
    /// The source data.
    pub src: &'a ArrayData,
    /// The index arrays, broadcast to `index_shape`.
    pub indices: &'a [IndexOperand],
    /// The broadcast index shape `I`.
    pub index_shape: &'a [i32],
    /// Slice sizes, one per source axis.
    pub slice_sizes: &'a [i32],
    /// The fresh row-contiguous output of shape `I ++ slice_sizes`.
    pub out: &'a ArrayData,
}

/// Runs the gather for elements of `elem_size` bytes.
pub(crate) fn gather(plan: &GatherPlan<'_>, elem_size: usize) {
    match elem_size {
        1 => gather_typed::<u8>(plan),
        2 => gather_typed::<u16>(plan),
        4 => gather_typed::<u32>(plan),
        8 => gather_typed::<u64>(plan),
        other => unreachable!("no dtype has {other}-byte elements"),
    }
}

fn gather_typed<T: Copy>(plan: &GatherPlan<'_>) {
    let n_index = size_of(plan.index_shape);
    let slice_len = size_of(plan.slice_sizes);
    if n_index == 0 || slice_len == 0 {
        return;
    }
    // One slice: rows over the source's strides and the output's row-major strides.
    let out_slice_strides = row_major_strides(plan.slice_sizes);
    let (cshape, cstrides) = collapse(plan.slice_sizes, [&plan.src.strides, &out_slice_strides]);
    let index_shape: Vec<i64> = plan.index_shape.iter().map(|&d| d as i64).collect();
    let src = Src(plan.src.ptr::<T>());
    let dst = Dst(plan.out.ptr_mut::<T>());

    // Slices that are one contiguous run in the source and the output (whole rows of a
    // row-major table: `take(table, idx, axis=0)`) are copied with one block copy each.
    let contiguous =
        cshape.len() == 1 && cstrides[0][0] == 1 && cstrides[1][0] == 1 && cshape[0] > 1;
    // Copies the slices of index positions [first, last).
    let run = |first: usize, last: usize| {
        let (src, dst) = (src, dst);
        let mut cur = IndexCursor::new(&index_shape, plan.indices, &[], first);
        if contiguous {
            let bytes = slice_len * std::mem::size_of::<T>();
            for i in first..last {
                let base = cur
                    .target_offset(Resolve::Clamp)
                    .expect("clamping always yields a position");
                // SAFETY: `base` is a clamped slice start and the slice is `slice_len`
                // contiguous source elements from it; the output slice is position `i`'s
                // own `slice_len` elements of a buffer of `n_index * slice_len` elements.
                unsafe {
                    let s = src.0.offset(base as isize) as *const u8;
                    let d = dst.0.add(i * slice_len) as *mut u8;
                    std::ptr::copy_nonoverlapping(s, d, bytes);
                }
                cur.advance();
            }
            return;
        }
        for i in first..last {
            let base = cur
                .target_offset(Resolve::Clamp)
                .expect("clamping always yields a position");
            let out_base = (i * slice_len) as i64;
            for_each_row(&cshape, &cstrides, |[so, d_off], len, [ss, ds]| {
                // SAFETY: `base` is a clamped slice start, so `base + so + j*ss` stays in the
                // source (the slice fits its axes); the output row lies in position `i`'s
                // own `slice_len` elements of a buffer of `n_index * slice_len` elements.
                unsafe {
                    let s = src.0.offset((base + so) as isize);
                    let d = dst.0.offset((out_base + d_off) as isize);
                    if ss == 1 && ds == 1 {
                        std::ptr::copy_nonoverlapping(s, d, len);
                    } else {
                        for j in 0..len as isize {
                            *d.offset(j * ds as isize) = *s.offset(j * ss as isize);
                        }
                    }
                }
            });
            cur.advance();
        }
    };

    let total = n_index * slice_len;
    if total < PARALLEL_THRESHOLD || n_index < 2 {
        run(0, n_index);
        return;
    }
    let chunks = (num_threads() * 4).min(n_index).max(1);
    let per = n_index.div_ceil(chunks);
    run_parallel(n_index.div_ceil(per), &|c| {
        run(c * per, ((c + 1) * per).min(n_index));
    });
}
