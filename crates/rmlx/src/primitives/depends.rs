//! `Depends`: outputs equal to the first inputs, evaluated only after every input.
//!
//! The remaining inputs are dependencies: the scheduler evaluates them before this node,
//! which is the whole point (MLX's `depends`). Outputs are views of the first inputs'
//! buffers, so nothing is copied.

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::Array;
use crate::array::ArrayData;
use crate::error::Result;
use crate::transforms::rules::structure as rules;

/// One output per leading input, unchanged; the inputs after those are only waited for.
#[derive(Debug, Clone)]
pub(crate) struct Depends;

impl Primitive for Depends {
    fn name(&self) -> String {
        "Depends".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::depends_vjp(o.len(), p, c, argnums)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::depends_jvp(o.len(), p, t, argnums)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::depends_vmap(o.len(), x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        // Outputs dropped before evaluation are absent: find each by its index.
        let mut out = Vec::with_capacity(ctx.outputs.len());
        for o in ctx.outputs {
            let i = o.0.output_index as usize;
            let x = ctx.input(i);
            out.push(x.view(o.shape(), x.strides.clone(), x.offset));
        }
        Ok(out)
    }
}
