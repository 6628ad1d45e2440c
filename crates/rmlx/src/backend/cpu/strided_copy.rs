//! Dtype-agnostic strided copies: `dst[i] = src[i]` over one logical shape, where both sides
//! may have any strides. Copies only move bits, so kernels are instantiated per element
//! *size* (1, 2, 4, 8 bytes), not per dtype.

use super::strided::{collapse, for_each_row, row_start};
use super::threads::{pool, run_parallel, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use crate::shape::size_of;

/// A writable base pointer shared by threads that write disjoint elements.
#[derive(Clone, Copy)]
struct DstPtr<T>(*mut T);
// SAFETY: each thread writes a disjoint set of destination elements (distinct rows of an
// iteration whose destination strides address distinct slots), and the buffer outlives the
// kernel call.
unsafe impl<T> Send for DstPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for DstPtr<T> {}

#[derive(Clone, Copy)]
struct SrcPtr<T>(*const T);
// SAFETY: read-only access to a buffer that outlives the kernel call.
unsafe impl<T> Send for SrcPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SrcPtr<T> {}

/// Copies one row of `len` elements.
///
/// # Safety
/// `src + so + i*ss` and `dst + d_off + i*ds` must be in bounds for `i < len`, and no other
/// thread may touch the destination slots.
#[inline(always)]
unsafe fn copy_row<T: Copy>(
    src: *const T,
    so: i64,
    ss: i64,
    dst: *mut T,
    d_off: i64,
    ds: i64,
    len: usize,
) {
    // SAFETY: bounds and exclusivity are the caller's contract.
    unsafe {
        if ss == 1 && ds == 1 {
            std::ptr::copy_nonoverlapping(src.offset(so as isize), dst.offset(d_off as isize), len);
        } else {
            for i in 0..len as i64 {
                *dst.offset((d_off + i * ds) as isize) = *src.offset((so + i * ss) as isize);
            }
        }
    }
}

fn copy_typed<T: Copy>(
    src: &ArrayData,
    shape: &[i32],
    dst: &ArrayData,
    dst_offset: i64,
    dst_strides: &[i64],
) {
    let n = size_of(shape);
    if n == 0 {
        return;
    }
    let (cshape, cstrides) = collapse(shape, [&src.strides, dst_strides]);
    let sp = SrcPtr(src.ptr::<T>());
    // SAFETY: `dst_offset` addresses the first destination element inside `dst`'s buffer.
    let dp = DstPtr(unsafe { dst.ptr_mut::<T>().offset(dst_offset as isize) });
    if cshape.is_empty() {
        // A single element (all dimensions of size 1).
        // SAFETY: both pointers address one valid element.
        unsafe { copy_row(sp.0, 0, 1, dp.0, 0, 1, 1) };
        return;
    }
    let inner = *cshape.last().expect("non-empty") as usize;
    let rows = n / inner;
    if n < PARALLEL_THRESHOLD || rows < 2 {
        for_each_row(&cshape, &cstrides, |[so, d_off], len, [ss, ds]| {
            // SAFETY: offsets follow both operands' shapes and strides; one thread.
            unsafe { copy_row(sp.0, so, ss, dp.0, d_off, ds, len) };
        });
        return;
    }
    let steps = [cstrides[0][cshape.len() - 1], cstrides[1][cshape.len() - 1]];
    let per = rows
        .div_ceil(pool().current_num_threads().max(1) * 4)
        .max(1);
    run_parallel(rows.div_ceil(per), &|c| {
        let (sp, dp) = (sp, dp);
        for r in c * per..((c + 1) * per).min(rows) {
            let [so, d_off] = row_start(&cshape, &cstrides, r as i64);
            // SAFETY: rows are disjoint in the destination (it addresses distinct slots
            // per logical element); offsets follow each operand's strides.
            unsafe { copy_row(sp.0, so, steps[0], dp.0, d_off, steps[1], inner) };
        }
    });
}

/// Copies the logical array `src` (of `shape`) into `dst`'s buffer at element `dst_offset`
/// with `dst_strides`. `dst` must be a buffer this kernel owns (fresh or donated), and
/// the destination strides must address distinct slots.
pub(crate) fn copy_general(
    src: &ArrayData,
    shape: &[i32],
    elem_size: usize,
    dst: &ArrayData,
    dst_offset: i64,
    dst_strides: &[i64],
) {
    match elem_size {
        1 => copy_typed::<u8>(src, shape, dst, dst_offset, dst_strides),
        2 => copy_typed::<u16>(src, shape, dst, dst_offset, dst_strides),
        4 => copy_typed::<u32>(src, shape, dst, dst_offset, dst_strides),
        8 => copy_typed::<u64>(src, shape, dst, dst_offset, dst_strides),
        other => unreachable!("no dtype has {other}-byte elements"),
    }
}
