//! Generic elementwise kernels: unary maps and binary zips over any layout.
//!
//! Fast paths: dense inputs (any stride order) map slot by slot and keep their layout; a
//! donated input is overwritten in place; a broadcast scalar operand becomes a loop
//! constant. Everything else takes the strided path, row by row. Large arrays are split
//! across the kernel pool.

use super::simd::multiversion;
use super::strided::{collapse, for_each_row, row_start};
use super::threads::{par_chunks_mut, pool, PARALLEL_THRESHOLD};
use crate::array::ArrayData;
use crate::dtype::Element;
use crate::error::Result;
use crate::primitives::KernelCtx;
use crate::shape::size_of;

multiversion! {
    fn map_slice<T, U, F>(src: &[T], dst: &mut [U], f: &F)
    where T: Copy, U: Copy, F: Fn(T) -> U
    {
        for (o, &x) in dst.iter_mut().zip(src) {
            *o = f(x);
        }
    }
}

multiversion! {
    fn map_inplace<T, F>(buf: &mut [T], f: &F)
    where T: Copy, F: Fn(T) -> T
    {
        for x in buf.iter_mut() {
            *x = f(*x);
        }
    }
}

multiversion! {
    fn zip_slices<T, U, F>(a: &[T], b: &[T], dst: &mut [U], f: &F)
    where T: Copy, U: Copy, F: Fn(T, T) -> U
    {
        for ((o, &x), &y) in dst.iter_mut().zip(a).zip(b) {
            *o = f(x, y);
        }
    }
}

multiversion! {
    fn zip_scalar_a<T, U, F>(a: T, b: &[T], dst: &mut [U], f: &F)
    where T: Copy, U: Copy, F: Fn(T, T) -> U
    {
        for (o, &y) in dst.iter_mut().zip(b) {
            *o = f(a, y);
        }
    }
}

multiversion! {
    fn zip_scalar_b<T, U, F>(a: &[T], b: T, dst: &mut [U], f: &F)
    where T: Copy, U: Copy, F: Fn(T, T) -> U
    {
        for (o, &x) in dst.iter_mut().zip(a) {
            *o = f(x, b);
        }
    }
}

multiversion! {
    fn zip_into_a<T, F>(a: &mut [T], b: &[T], f: &F)
    where T: Copy, F: Fn(T, T) -> T
    {
        for (x, &y) in a.iter_mut().zip(b) {
            *x = f(*x, y);
        }
    }
}

multiversion! {
    fn zip_into_b<T, F>(a: &[T], b: &mut [T], f: &F)
    where T: Copy, F: Fn(T, T) -> T
    {
        for (&x, y) in a.iter().zip(b.iter_mut()) {
            *y = f(x, *y);
        }
    }
}

multiversion! {
    fn zip_into_a_scalar<T, F>(a: &mut [T], b: T, f: &F)
    where T: Copy, F: Fn(T, T) -> T
    {
        for x in a.iter_mut() {
            *x = f(*x, b);
        }
    }
}

multiversion! {
    fn zip_into_b_scalar<T, F>(a: T, b: &mut [T], f: &F)
    where T: Copy, F: Fn(T, T) -> T
    {
        for y in b.iter_mut() {
            *y = f(a, *y);
        }
    }
}

/// Chunk length for parallel splits: a multiple of 64 elements, one chunk per thread.
fn chunk_len(n: usize) -> usize {
    let t = pool().current_num_threads().max(1);
    n.div_ceil(t).div_ceil(64).max(1) * 64
}

/// Runs `f` over matching chunks of `dst` and `src` (in parallel when large).
pub(crate) fn par_zip<U: Send, T: Sync>(
    dst: &mut [U],
    src: &[T],
    f: impl Fn(&mut [U], &[T]) + Sync,
) {
    let n = dst.len();
    if n < PARALLEL_THRESHOLD {
        return f(dst, src);
    }
    let c = chunk_len(n);
    par_chunks_mut(dst, c, |i, d| f(d, &src[i * c..i * c + d.len()]));
}

/// Runs `f` over matching chunks of `dst`, `a` and `b`.
pub(crate) fn par_zip3<U: Send, T: Sync>(
    dst: &mut [U],
    a: &[T],
    b: &[T],
    f: impl Fn(&mut [U], &[T], &[T]) + Sync,
) {
    let n = dst.len();
    if n < PARALLEL_THRESHOLD {
        return f(dst, a, b);
    }
    let c = chunk_len(n);
    par_chunks_mut(dst, c, |i, d| {
        let r = i * c..i * c + d.len();
        f(d, &a[r.clone()], &b[r])
    });
}

/// Runs `f` over chunks of `dst` with each chunk's starting index.
pub(crate) fn par_chunks<U: Send>(dst: &mut [U], f: impl Fn(usize, &mut [U]) + Sync) {
    let n = dst.len();
    if n < PARALLEL_THRESHOLD {
        return f(0, dst);
    }
    let c = chunk_len(n);
    par_chunks_mut(dst, c, |i, d| f(i * c, d));
}

/// Fills a row-major `dst` by walking `N` strided operands row by row; `row` gets the
/// destination row and the operands' start offsets and steps.
pub(crate) fn strided_rows<U: Send, const N: usize>(
    shape: &[i32],
    strides: [&[i64]; N],
    dst: &mut [U],
    row: impl Fn(&mut [U], [i64; N], [i64; N]) + Sync,
) {
    let (cshape, cstrides) = collapse(shape, strides);
    if cshape.is_empty() {
        if !dst.is_empty() {
            row(&mut dst[..1], [0; N], [0; N]);
        }
        return;
    }
    let inner = *cshape.last().expect("non-empty") as usize;
    if inner == 0 {
        return;
    }
    let steps: [i64; N] = std::array::from_fn(|k| *cstrides[k].last().expect("non-empty"));
    if dst.len() < PARALLEL_THRESHOLD || dst.len() / inner < 2 {
        let mut pos = 0;
        for_each_row(&cshape, &cstrides, |offs, len, st| {
            row(&mut dst[pos..pos + len], offs, st);
            pos += len;
        });
        return;
    }
    let rows_per = (dst.len() / inner)
        .div_ceil(pool().current_num_threads().max(1) * 4)
        .max(1);
    par_chunks_mut(dst, rows_per * inner, |ci, chunk| {
        let first = (ci * rows_per) as i64;
        for (r, out_row) in chunk.chunks_mut(inner).enumerate() {
            let offs = row_start(&cshape, &cstrides, first + r as i64);
            row(out_row, offs, steps);
        }
    });
}

/// `out = f(x)` elementwise. Dense inputs keep their layout and may be overwritten in place
/// when donated (same element type only).
pub(crate) fn unary<T: Element, U: Element>(
    ctx: &KernelCtx<'_>,
    f: impl Fn(T) -> U + Sync + Copy,
) -> Result<ArrayData> {
    let x = ctx.input(0);
    let out_arr = ctx.output(0);
    let shape = out_arr.shape();
    if x.flags.contiguous {
        if T::DTYPE == U::DTYPE && ctx.can_donate(0, out_arr.nbytes()) {
            let out = x.clone();
            // SAFETY: donation guarantees this task holds the only reference to the buffer;
            // T and U are the same type (same dtype), checked above.
            let buf: &mut [U] = unsafe { out.dense_mut::<U>() };
            let buf: &mut [T] =
                // SAFETY: same type, so a no-op reinterpretation.
                unsafe { std::slice::from_raw_parts_mut(buf.as_mut_ptr() as *mut T, buf.len()) };
            let g = |v: T| -> T {
                let r = f(v);
                // SAFETY: T == U (checked via dtype), so this transmute is the identity.
                unsafe { std::mem::transmute_copy::<U, T>(&r) }
            };
            par_chunks(buf, |_, c| map_inplace(c, &g));
            return Ok(out);
        }
        let out = ArrayData::alloc_like(x, shape, U::DTYPE, ctx.device)?;
        // SAFETY: fresh buffer, exclusively ours.
        let dst = unsafe { out.dense_mut::<U>() };
        par_zip(dst, x.dense::<T>(), |d, s| map_slice(s, d, &f));
        return Ok(out);
    }
    let out = ArrayData::alloc(shape, U::DTYPE, ctx.device)?;
    // SAFETY: fresh buffer, exclusively ours.
    let dst = unsafe { out.dense_mut::<U>() };
    let base = SendPtr(x.ptr::<T>());
    strided_rows(shape, [&x.strides], dst, |d, [off], [step]| {
        let p = base.get();
        for (i, o) in d.iter_mut().enumerate() {
            // SAFETY: offsets follow the input's own shape and strides.
            *o = f(unsafe { *p.offset((off + i as i64 * step) as isize) });
        }
    });
    Ok(out)
}

/// A raw pointer that may cross to kernel threads (reads only, within one kernel call).
#[derive(Clone, Copy)]
pub(crate) struct SendPtr<T>(pub *const T);
// SAFETY: used only for reads of buffers that outlive the kernel call.
unsafe impl<T> Send for SendPtr<T> {}
// SAFETY: as above.
unsafe impl<T> Sync for SendPtr<T> {}
impl<T> SendPtr<T> {
    pub fn get(self) -> *const T {
        self.0
    }
}

/// True when every stride is 0: the operand is one broadcast element.
fn is_scalar(d: &ArrayData) -> bool {
    d.strides.iter().all(|&s| s == 0)
}

/// Input `i` seen with the output's shape: itself when the shapes agree, else a broadcast
/// view (stride 0 on new and size-1 dimensions). Ops may leave broadcasting to the kernel,
/// which saves a graph node per operand.
pub(crate) fn input_as_output_shape<'a>(
    ctx: &KernelCtx<'a>,
    i: usize,
    shape: &[i32],
) -> std::borrow::Cow<'a, ArrayData> {
    let d = ctx.input(i);
    let in_shape = ctx.inputs[i].shape();
    if in_shape == shape {
        return std::borrow::Cow::Borrowed(d);
    }
    let lead = shape.len() - in_shape.len();
    let mut strides = vec![0i64; shape.len()];
    for (k, (&n, &s)) in in_shape.iter().zip(&d.strides).enumerate() {
        strides[lead + k] = if n == 1 { 0 } else { s };
    }
    std::borrow::Cow::Owned(d.view(shape, strides, d.offset))
}

/// `out = f(a, b)` elementwise; inputs are broadcast to the output shape here.
pub(crate) fn binary<T: Element, U: Element>(
    ctx: &KernelCtx<'_>,
    f: impl Fn(T, T) -> U + Sync + Copy,
) -> Result<ArrayData> {
    let out_arr = ctx.output(0);
    let shape = out_arr.shape();
    let a_view = input_as_output_shape(ctx, 0, shape);
    let b_view = input_as_output_shape(ctx, 1, shape);
    let (a, b) = (a_view.as_ref(), b_view.as_ref());
    // Only an input seen without a broadcast view may give its buffer.
    let donate_a = matches!(a_view, std::borrow::Cow::Borrowed(_));
    let donate_b = matches!(b_view, std::borrow::Cow::Borrowed(_));
    let n = size_of(shape);
    let same = T::DTYPE == U::DTYPE;
    let as_t = |v: U| -> T {
        // SAFETY: only called when T == U (same dtype), so this is the identity.
        unsafe { std::mem::transmute_copy::<U, T>(&v) }
    };
    let g = move |x: T, y: T| as_t(f(x, y));
    let nbytes = out_arr.nbytes();
    let dense_same = a.flags.contiguous && b.flags.contiguous && a.strides == b.strides;
    let a_scalar = is_scalar(a) && n > 0;
    let b_scalar = is_scalar(b) && n > 0;
    if dense_same || (a_scalar && b.flags.contiguous) || (b_scalar && a.flags.contiguous) {
        // In place into a donated operand.
        if same && !a_scalar && donate_a && ctx.can_donate(0, nbytes) {
            let out = a.clone();
            // SAFETY: donation: this task holds the only reference to a's buffer.
            let buf = unsafe { out.dense_mut::<T>() };
            if b_scalar {
                // SAFETY: a broadcast scalar has one readable element.
                let s = unsafe { *b.ptr::<T>() };
                par_chunks(buf, |_, c| zip_into_a_scalar(c, s, &g));
            } else {
                par_zip(buf, b.dense::<T>(), |d, y| zip_into_a(d, y, &g));
            }
            return Ok(out);
        }
        if same && !b_scalar && donate_b && ctx.can_donate(1, nbytes) {
            let out = b.clone();
            // SAFETY: donation, as above.
            let buf = unsafe { out.dense_mut::<T>() };
            if a_scalar {
                // SAFETY: a broadcast scalar has one readable element.
                let s = unsafe { *a.ptr::<T>() };
                par_chunks(buf, |_, c| zip_into_b_scalar(s, c, &g));
            } else {
                par_zip(buf, a.dense::<T>(), |d, x| zip_into_b(x, d, &g));
            }
            return Ok(out);
        }
        let like = if a_scalar { b } else { a };
        let out = ArrayData::alloc_like(like, shape, U::DTYPE, ctx.device)?;
        // SAFETY: fresh buffer, exclusively ours.
        let dst = unsafe { out.dense_mut::<U>() };
        if a_scalar && b_scalar {
            // SAFETY: both have one readable element.
            let (x, y) = unsafe { (*a.ptr::<T>(), *b.ptr::<T>()) };
            dst.iter_mut().for_each(|o| *o = f(x, y));
        } else if a_scalar {
            // SAFETY: a broadcast scalar has one readable element.
            let x = unsafe { *a.ptr::<T>() };
            par_zip(dst, b.dense::<T>(), |d, y| zip_scalar_a(x, y, d, &f));
        } else if b_scalar {
            // SAFETY: a broadcast scalar has one readable element.
            let y = unsafe { *b.ptr::<T>() };
            par_zip(dst, a.dense::<T>(), |d, x| zip_scalar_b(x, y, d, &f));
        } else {
            par_zip3(dst, a.dense::<T>(), b.dense::<T>(), |d, x, y| {
                zip_slices(x, y, d, &f)
            });
        }
        return Ok(out);
    }
    let out = ArrayData::alloc(shape, U::DTYPE, ctx.device)?;
    // SAFETY: fresh buffer, exclusively ours.
    let dst = unsafe { out.dense_mut::<U>() };
    let (pa, pb) = (SendPtr(a.ptr::<T>()), SendPtr(b.ptr::<T>()));
    strided_rows(
        shape,
        [&a.strides, &b.strides],
        dst,
        |d, [oa, ob], [sa, sb]| {
            let (pa, pb) = (pa.get(), pb.get());
            // SAFETY: in every arm, offsets follow each input's own shape and strides.
            unsafe {
                match (sa, sb) {
                    (1, 1) => zip_slices(
                        std::slice::from_raw_parts(pa.offset(oa as isize), d.len()),
                        std::slice::from_raw_parts(pb.offset(ob as isize), d.len()),
                        d,
                        &f,
                    ),
                    (0, 1) => zip_scalar_a(
                        *pa.offset(oa as isize),
                        std::slice::from_raw_parts(pb.offset(ob as isize), d.len()),
                        d,
                        &f,
                    ),
                    (1, 0) => zip_scalar_b(
                        std::slice::from_raw_parts(pa.offset(oa as isize), d.len()),
                        *pb.offset(ob as isize),
                        d,
                        &f,
                    ),
                    _ => {
                        for (i, o) in d.iter_mut().enumerate() {
                            let i = i as i64;
                            *o = f(
                                *pa.offset((oa + i * sa) as isize),
                                *pb.offset((ob + i * sb) as isize),
                            );
                        }
                    }
                }
            }
        },
    );
    Ok(out)
}
