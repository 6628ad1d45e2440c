//! `Select`: `where(cond, x, y)`. The op layer casts `cond` to bool, promotes `x` and `y` to
//! the output dtype and broadcasts all three to the output shape.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::elementwise::{par_chunks, strided_rows, SendPtr};
use crate::backend::cpu::simd::multiversion;
use crate::error::{Error, Result};

/// Picks `x` where the condition holds, else `y`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Select;

multiversion! {
    fn select_slices<T: Copy>(c: &[bool], x: &[T], y: &[T], dst: &mut [T]) {
        for (((o, &c), &x), &y) in dst.iter_mut().zip(c).zip(x).zip(y) {
            *o = if c { x } else { y };
        }
    }
}

impl Primitive for Select {
    equivalent_by_eq!();
    /// The op broadcasts the inputs beforehand and the kernel relies on it: the inputs
    /// must agree exactly.
    fn output_shapes(
        &self,
        inputs: &[Array],
        _: &[crate::shape::Shape],
    ) -> Result<Vec<crate::shape::Shape>> {
        let first = inputs[0].shape();
        if let Some(other) = inputs.iter().find(|x| x.shape() != first) {
            return Err(Error::InvalidArgument(format!(
                "[broadcast_shapes] Shapes {} and {} cannot be broadcast.",
                crate::shape::fmt_shape(first),
                crate::shape::fmt_shape(other.shape())
            )));
        }
        Ok(vec![first.to_vec()])
    }
    fn name(&self) -> String {
        "Select".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        crate::transforms::rules::select::vjp(p, c, argnums)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        crate::transforms::rules::select::jvp(p, t, argnums, o)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        crate::transforms::rules::select::vmap(x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        // Selection moves bits, so one kernel per element size serves every dtype.
        let out = match ctx.output(0).itemsize() {
            1 => select::<u8>(ctx),
            2 => select::<u16>(ctx),
            4 => select::<u32>(ctx),
            8 => select::<u64>(ctx),
            n => Err(Error::Runtime(format!(
                "[Select] Unsupported element size {n}."
            ))),
        }?;
        Ok(vec![out])
    }
}

fn select<T: Copy + Send + Sync>(ctx: &KernelCtx<'_>) -> Result<ArrayData> {
    let (c, x, y) = (ctx.input(0), ctx.input(1), ctx.input(2));
    let out_arr = ctx.output(0);
    let shape = out_arr.shape();
    let dense = c.flags.contiguous
        && x.flags.contiguous
        && y.flags.contiguous
        && c.strides == x.strides
        && x.strides == y.strides;
    if dense {
        let out = ArrayData::alloc_like(x, shape, out_arr.dtype(), ctx.device)?;
        // SAFETY: fresh buffer, exclusively ours.
        let dst = unsafe { out.dense_mut::<T>() };
        let (cs, xs, ys) = (c.dense::<bool>(), x.dense::<T>(), y.dense::<T>());
        par_chunks(dst, |start, d| {
            let r = start..start + d.len();
            select_slices(&cs[r.clone()], &xs[r.clone()], &ys[r], d)
        });
        return Ok(out);
    }
    let out = ArrayData::alloc(shape, out_arr.dtype(), ctx.device)?;
    // SAFETY: fresh buffer, exclusively ours.
    let dst = unsafe { out.dense_mut::<T>() };
    let (pc, px, py) = (
        SendPtr(c.ptr::<bool>()),
        SendPtr(x.ptr::<T>()),
        SendPtr(y.ptr::<T>()),
    );
    strided_rows(
        shape,
        [&c.strides, &x.strides, &y.strides],
        dst,
        |d, [oc, ox, oy], [sc, sx, sy]| {
            let (pc, px, py) = (pc.get(), px.get(), py.get());
            for (i, o) in d.iter_mut().enumerate() {
                let i = i as i64;
                // SAFETY: offsets follow each input's own shape and strides.
                *o = unsafe {
                    if *pc.offset((oc + i * sc) as isize) {
                        *px.offset((ox + i * sx) as isize)
                    } else {
                        *py.offset((oy + i * sy) as isize)
                    }
                };
            }
        },
    );
    Ok(out)
}
