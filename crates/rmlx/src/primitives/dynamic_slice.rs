//! `DynamicSlice` / `DynamicSliceUpdate`: slices whose start positions are an array, read
//! at evaluation time (MLX's primitives of the same names).
//!
//! Start values come from data, so they are clamped before use: each start lands in
//! `[0, n - size]` for its axis (JAX's `dynamic_slice` rule; a negative start becomes 0).
//! MLX 0.32 uses them unchecked and reads or writes outside its buffers (garbage values or
//! a segfault); rmlx never does (MEMORY.md B.5).

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::dispatch::dispatch_int;
use crate::backend::cpu::strided_copy::copy_general;
use crate::error::Result;
use crate::shape::size_of;
use crate::transforms::rules::structure as rules;

/// The start values of input `i` (an integer array of 0 or 1 dimensions), widened to
/// `i64`; unsigned values beyond `i64::MAX` saturate (they clamp to the end anyway).
fn read_starts(ctx: &KernelCtx<'_>, i: usize) -> Vec<i64> {
    let arr = &ctx.inputs[i];
    let d = ctx.input(i);
    let stride = if arr.ndim() == 1 { d.strides[0] } else { 0 };
    (0..arr.size() as i64)
        .map(|k| {
            dispatch_int!(arr.dtype(), T => {
                // SAFETY: `k < size` steps along the array's only axis (or reads the single
                // element of a 0-d array); the op admits integer dtypes only.
                let v: T = unsafe { *d.ptr::<T>().offset((k * stride) as isize) };
                (v as i128).min(i64::MAX as i128) as i64
            }, else => 0)
        })
        .collect()
}

/// The element offset (in `strides`) of a window of `window` at the clamped `starts` on
/// `axes` of an array of `shape` (0 on the other axes).
fn window_offset(
    shape: &[i32],
    strides: &[i64],
    axes: &[usize],
    starts: &[i64],
    window: &[i32],
) -> i64 {
    axes.iter()
        .zip(starts)
        .map(|(&ax, &s)| {
            let hi = (shape[ax] - window[ax]).max(0) as i64;
            s.clamp(0, hi) * strides[ax]
        })
        .sum()
}

/// `a[start_0 : start_0 + size_0, ...]` with starts from input 1 on `axes`: a view of the
/// input's buffer.
#[derive(Debug, Clone)]
pub(crate) struct DynamicSlice {
    /// Normalised, distinct axes, one per start value.
    pub axes: Vec<usize>,
}

impl Primitive for DynamicSlice {
    fn name(&self) -> String {
        "DynamicSlice".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::dynamic_slice_vjp(&self.axes, p, c, argnums)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::dynamic_slice_jvp(&self.axes, p, t, argnums, o)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::dynamic_slice_vmap(&self.axes, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let out_shape = ctx.output(0).shape();
        if size_of(out_shape) == 0 {
            // Never read: keep the input's offset so the pointer stays inside the buffer.
            return Ok(vec![x.view(out_shape, x.strides.clone(), x.offset)]);
        }
        let starts = read_starts(ctx, 1);
        let off = window_offset(
            ctx.inputs[0].shape(),
            &x.strides,
            &self.axes,
            &starts,
            out_shape,
        );
        Ok(vec![x.view(out_shape, x.strides.clone(), x.offset + off)])
    }
}

/// A copy of input 0 with the window at the starts of input 2 (on `axes`; 0 elsewhere)
/// replaced by input 1, which the op has broadcast to the window's shape and cast.
#[derive(Debug, Clone)]
pub(crate) struct DynamicSliceUpdate {
    /// Normalised, distinct axes, one per start value.
    pub axes: Vec<usize>,
}

impl Primitive for DynamicSliceUpdate {
    fn name(&self) -> String {
        "DynamicSliceUpdate".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::dynamic_update_vjp(&self.axes, p, c, argnums)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::dynamic_update_jvp(&self.axes, p, t, argnums)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::dynamic_update_vmap(&self.axes, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let a = ctx.input(0);
        let out_arr = ctx.output(0);
        let shape = out_arr.shape();
        let elem = out_arr.itemsize();
        // Write into the destination's own buffer when it may be donated; else copy it.
        let out = if a.flags.contiguous
            && a.data_size == size_of(shape)
            && ctx.can_donate(0, out_arr.nbytes())
        {
            a.clone()
        } else {
            let out = ArrayData::alloc(shape, out_arr.dtype(), ctx.device)?;
            let strides = out.strides.clone();
            copy_general(a, shape, elem, &out, 0, &strides);
            out
        };
        let upd_shape = ctx.inputs[1].shape();
        if size_of(upd_shape) > 0 {
            let starts = read_starts(ctx, 2);
            let off = window_offset(shape, &out.strides, &self.axes, &starts, upd_shape);
            let strides = out.strides.clone();
            // The window has the update's shape, fits the output on every axis (the op
            // checked its sizes) and starts at a clamped position: every write is inside.
            copy_general(ctx.input(1), upd_shape, elem, &out, off, &strides);
        }
        Ok(vec![out])
    }
}
