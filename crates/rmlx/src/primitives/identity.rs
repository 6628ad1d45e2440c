//! `Copy`: the identity, as a view of its input. Transforms wrap their inputs in it so that
//! the traced graph has leaves of its own, distinct from the caller's arrays.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::{Array, ArrayData};
use crate::error::Result;

/// The identity (shares the input's buffer).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Copy;

impl Primitive for Copy {
    equivalent_by_eq!();
    same_shape_output!();
    fn name(&self) -> String {
        "Copy".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        Ok(vec![x.view(
            ctx.output(0).shape(),
            x.strides.clone(),
            x.offset,
        )])
    }
    fn vjp(
        &self,
        _: &[Array],
        cotangents: &[Array],
        _: &[usize],
        _: &[Array],
    ) -> Result<Vec<Array>> {
        Ok(vec![cotangents[0].clone()])
    }
    fn jvp(&self, _: &[Array], tangents: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![tangents[0].clone()])
    }
    fn vmap(&self, inputs: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        Ok((vec![inputs[0].clone()], axes.to_vec()))
    }
}
