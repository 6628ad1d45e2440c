//! Primitives that reinterpret a buffer: `AsStrided` (any shape/strides/offset over the
//! row-major elements) and `View` (the same bytes as another dtype). Both share the input's
//! buffer whenever its layout allows; `View` copies only to make the bytes row-major (or
//! aligned) for a dtype of another size, or to make valid booleans.

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::strided_copy::copy_general;
use crate::dtype::Dtype;
use crate::error::Result;
use crate::shape::{row_major_strides, size_of};
use crate::transforms::rules::structure as rules;

/// `shape` with `strides` from element `offset` of a row-contiguous input. The op has
/// checked that every addressable element lies inside the input.
#[derive(Debug, Clone)]
pub(crate) struct AsStrided {
    pub strides: Vec<i64>,
    pub offset: i64,
}

impl Primitive for AsStrided {
    fn name(&self) -> String {
        "AsStrided".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::as_strided_vjp(
            &self.strides,
            self.offset,
            &p[0],
            &c[0],
        )?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::as_strided_apply(
            &self.strides,
            self.offset,
            &t[0],
            &o[0],
        )?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::as_strided_vmap(&self.strides, self.offset, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let shape = ctx.output(0).shape();
        let offset = if size_of(shape) == 0 {
            x.offset
        } else {
            x.offset + self.offset
        };
        Ok(vec![x.view(shape, self.strides.clone(), offset)])
    }
}

/// The input's bytes as the output's dtype. Same item size: a view with the same strides.
/// Another item size: the last axis rescaled over row-major bytes (a view when the input
/// is row-contiguous at an aligned offset, else a row-major copy first).
#[derive(Debug, Clone)]
pub(crate) struct View;

impl Primitive for View {
    fn name(&self) -> String {
        "View".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::view_linear(&p[0], &c[0], &o[0])?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::view_linear(&p[0], &t[0], &o[0])?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::view_vmap(x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let (in_dt, out_arr) = (ctx.inputs[0].dtype(), ctx.output(0));
        let (old, new) = (in_dt.size(), out_arr.itemsize());
        let in_shape = ctx.inputs[0].shape();
        let shape = out_arr.shape();
        if out_arr.dtype() == Dtype::Bool && in_dt != Dtype::Bool {
            return Ok(vec![as_bool(ctx)?]);
        }
        if old == new {
            return Ok(vec![x.view(shape, x.strides.clone(), x.offset)]);
        }
        let byte_offset = x.offset * old as i64;
        if x.flags.row_contiguous && byte_offset % new as i64 == 0 {
            let offset = if size_of(shape) == 0 {
                0
            } else {
                byte_offset / new as i64
            };
            return Ok(vec![x.view(shape, row_major_strides(shape), offset)]);
        }
        // Same bytes, row-major: copy in the input's element size into a buffer typed as
        // the output (the byte counts are equal).
        let out = ArrayData::alloc(shape, out_arr.dtype(), ctx.device)?;
        copy_general(x, in_shape, old, &out, 0, &row_major_strides(in_shape));
        Ok(vec![out])
    }
}

/// The input's row-major bytes as booleans. A byte other than 0 or 1 is not a valid `bool`
/// (reading one would be undefined behaviour in the kernels), so every nonzero byte
/// becomes `true` (1): the value MLX prints for such an element.
fn as_bool(ctx: &KernelCtx<'_>) -> Result<ArrayData> {
    let x = ctx.input(0);
    let in_shape = ctx.inputs[0].shape();
    let shape = ctx.output(0).shape();
    let old = ctx.inputs[0].itemsize();
    let bytes = ArrayData::alloc(shape, Dtype::Uint8, ctx.device)?;
    copy_general(x, in_shape, old, &bytes, 0, &row_major_strides(in_shape));
    // SAFETY: `bytes` is this kernel's fresh, dense buffer of `size(shape)` bytes.
    for b in unsafe { bytes.dense_mut::<u8>() } {
        *b = (*b != 0) as u8;
    }
    Ok(bytes)
}
