//! Primitives that materialise values: `Full` (fill from a broadcast scalar) and `AsType`.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::convert::convert_into;
use crate::error::Result;
use crate::shape::size_of;
use crate::transforms::rules::shape as rules;

/// Fills the output from its (broadcast) input, converting the dtype.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Full;

impl Primitive for Full {
    equivalent_by_eq!();
    fn name(&self) -> String {
        "Full".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::full_vjp(p, c)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::full_jvp(t, o)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::full_vmap(x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        copy_convert(ctx).map(|d| vec![d])
    }
}

/// Converts elements to another dtype (C-style casts; floats to bool compare with 0).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AsType;

impl Primitive for AsType {
    equivalent_by_eq!();
    same_shape_output!();
    fn name(&self) -> String {
        "AsType".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::astype_vjp(p, c)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::astype_jvp(t, o)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::astype_vmap(x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        copy_convert(ctx).map(|d| vec![d])
    }
}

/// Copies input 0 into a fresh output of the output's dtype. Dense inputs keep their layout;
/// others become row-contiguous.
pub(crate) fn copy_convert(ctx: &KernelCtx<'_>) -> Result<ArrayData> {
    let x = ctx.input(0);
    let out_arr = ctx.output(0);
    let shape = out_arr.shape();
    let (in_dt, out_dt) = (ctx.inputs[0].dtype(), out_arr.dtype());
    if in_dt == out_dt
        && x.flags.contiguous
        && x.data_size == size_of(shape)
        && ctx.can_donate(0, out_arr.nbytes())
    {
        return Ok(x.clone());
    }
    let out = if x.flags.contiguous && x.data_size == size_of(shape) {
        ArrayData::alloc_like(x, shape, out_dt, ctx.device)?
    } else {
        ArrayData::alloc(shape, out_dt, ctx.device)?
    };
    convert_into(x, in_dt, shape, &out, out_dt);
    Ok(out)
}
