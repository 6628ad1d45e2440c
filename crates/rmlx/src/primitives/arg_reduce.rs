//! `ArgReduce`: argmax / argmin along one axis, or over all elements in row-major order.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::arg_reduce::arg_reduce;
use crate::backend::cpu::dispatch::dispatch_all;
use crate::dtype::Dtype;
use crate::error::Result;

/// MLX's `ArgReduce`. `axes` is one axis, or every axis for a flattened reduction.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArgReduce {
    pub is_max: bool,
    pub axes: Vec<usize>,
}

impl Primitive for ArgReduce {
    equivalent_by_eq!();
    reduced_output!();
    fn name(&self) -> String {
        "ArgReduce".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![crate::ops::zeros_like(&p[0])?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![crate::ops::zeros_like(&o[0])?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        crate::transforms::rules::reduce::arg_reduce_vmap(self.is_max, &self.axes, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let shape = ctx.inputs[0].shape();
        let out = ArrayData::alloc(ctx.output(0).shape(), Dtype::Uint32, ctx.device)?;
        // SAFETY: a fresh buffer, exclusively ours.
        let dst = unsafe { out.dense_mut::<u32>() };
        dispatch_all!(ctx.inputs[0].dtype(), T => arg_reduce::<T>(x, shape, &self.axes, self.is_max, dst));
        Ok(vec![out])
    }
}
