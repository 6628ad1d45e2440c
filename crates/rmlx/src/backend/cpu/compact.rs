//! A compact binary kernel for element functions that gain little from wide SIMD: integer
//! division and powers, libm calls, half-precision conversions, complex math, bool logic.
//!
//! `elementwise::binary` compiles seven slice loops three times each (AVX-512, AVX2,
//! baseline) per instantiation; for functions that do not vectorize well that multiplies
//! code size and build time for nothing. This kernel has one loop per operand layout
//! (both dense, one broadcast scalar, general strides), compiled once for the baseline
//! target, where LLVM still vectorizes the simple ones with SSE2. Output is row-major.

use super::elementwise::{input_as_output_shape, par_chunks, strided_rows, SendPtr};
use crate::array::ArrayData;
use crate::dtype::Element;
use crate::error::Result;
use crate::primitives::KernelCtx;
use crate::shape::size_of;

/// How an operand is read in the flat path.
#[derive(Clone, Copy)]
enum Flat {
    /// Row-major dense: element `i` at slot `i`.
    Dense,
    /// One broadcast element.
    Scalar,
}

fn flat_kind(d: &ArrayData, n: usize) -> Option<Flat> {
    if d.strides.iter().all(|&s| s == 0) {
        Some(Flat::Scalar)
    } else if d.flags.row_contiguous && d.data_size == n {
        Some(Flat::Dense)
    } else {
        None
    }
}

/// `out = f(a, b)` elementwise; inputs are broadcast to the output shape here.
pub(crate) fn binary_compact<T: Element, U: Element>(
    ctx: &KernelCtx<'_>,
    f: impl Fn(T, T) -> U + Sync + Copy,
) -> Result<ArrayData> {
    let shape = ctx.output(0).shape();
    let a_view = input_as_output_shape(ctx, 0, shape);
    let b_view = input_as_output_shape(ctx, 1, shape);
    let (a, b) = (a_view.as_ref(), b_view.as_ref());
    let n = size_of(shape);
    let out = ArrayData::alloc(shape, U::DTYPE, ctx.device)?;
    // SAFETY: fresh buffer, exclusively ours.
    let dst = unsafe { out.dense_mut::<U>() };
    if n == 0 {
        return Ok(out);
    }
    let (pa, pb) = (SendPtr(a.ptr::<T>()), SendPtr(b.ptr::<T>()));
    if let (Some(ka), Some(kb)) = (flat_kind(a, n), flat_kind(b, n)) {
        par_chunks(dst, |start, d| {
            let len = d.len();
            // SAFETY: dense operands have `n` elements from their pointer and this chunk is
            // `start..start + len` of them; a scalar operand has one readable element.
            unsafe {
                let slice = |p: SendPtr<T>| std::slice::from_raw_parts(p.get().add(start), len);
                match (ka, kb) {
                    (Flat::Dense, Flat::Dense) => {
                        for ((o, &x), &y) in d.iter_mut().zip(slice(pa)).zip(slice(pb)) {
                            *o = f(x, y);
                        }
                    }
                    (Flat::Scalar, Flat::Dense) => {
                        let x = *pa.get();
                        for (o, &y) in d.iter_mut().zip(slice(pb)) {
                            *o = f(x, y);
                        }
                    }
                    (Flat::Dense, Flat::Scalar) => {
                        let y = *pb.get();
                        for (o, &x) in d.iter_mut().zip(slice(pa)) {
                            *o = f(x, y);
                        }
                    }
                    (Flat::Scalar, Flat::Scalar) => {
                        let v = f(*pa.get(), *pb.get());
                        d.fill(v);
                    }
                }
            }
        });
        return Ok(out);
    }
    strided_rows(
        shape,
        [&a.strides, &b.strides],
        dst,
        |d, [oa, ob], [sa, sb]| {
            let (pa, pb) = (pa.get(), pb.get());
            for (i, o) in d.iter_mut().enumerate() {
                let i = i as i64;
                // SAFETY: offsets follow each input's own shape and strides.
                *o = unsafe {
                    f(
                        *pa.offset((oa + i * sa) as isize),
                        *pb.offset((ob + i * sb) as isize),
                    )
                };
            }
        },
    );
    Ok(out)
}
