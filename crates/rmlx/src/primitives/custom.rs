//! `CustomTransforms`: the node behind a `CustomFunction` call. Its inputs are the
//! function's inputs followed by the outputs computed when it was called; it evaluates to
//! those outputs (shared buffers) and carries the function's transform rules.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::{Array, ArrayData};
use crate::error::Result;
use crate::ops;
use crate::transforms::CustomFunction;

#[derive(Clone, Debug)]
pub(crate) struct CustomTransforms {
    pub f: CustomFunction,
    /// How many of the inputs are the function's (the rest are its computed outputs).
    pub num_inputs: usize,
}

impl Primitive for CustomTransforms {
    fn name(&self) -> String {
        "CustomTransforms".into()
    }

    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        Ok(ctx
            .outputs
            .iter()
            .map(|o| {
                let x = ctx.input(self.num_inputs + o.0.output_index as usize);
                x.view(o.shape(), x.strides.clone(), x.offset)
            })
            .collect())
    }

    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        let primals = &p[..self.num_inputs];
        let grads = match &self.f.vjp {
            // The outputs are inputs of this node too (computed when it was built), so a
            // sibling the caller dropped still has its value here.
            Some(rule) => rule(primals, c, &p[self.num_inputs..])?,
            // No rule: differentiate the function itself (recomputing it).
            None => crate::transforms::vjp(|x: &[Array]| (self.f.fun)(x), primals, c)?.1,
        };
        argnums
            .iter()
            .map(|&i| match grads.get(i) {
                Some(g) if i < self.num_inputs => Ok(g.clone()),
                _ => ops::zeros_like(&p[i]),
            })
            .collect()
    }

    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        let primals = &p[..self.num_inputs];
        let tangents = primals
            .iter()
            .enumerate()
            .map(|(i, x)| match argnums.iter().position(|&a| a == i) {
                Some(k) => Ok(t[k].clone()),
                None => ops::zeros_like(x),
            })
            .collect::<Result<Vec<_>>>()?;
        match &self.f.jvp {
            Some(rule) => rule(primals, &tangents),
            None => {
                Ok(crate::transforms::jvp(|x: &[Array]| (self.f.fun)(x), primals, &tangents)?.1)
            }
        }
    }

    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        let inputs = &x[..self.num_inputs];
        let in_axes: Vec<Option<i32>> = axes[..self.num_inputs]
            .iter()
            .map(|a| a.map(|a| a as i32))
            .collect();
        match &self.f.vmap {
            Some(rule) => {
                let (outs, out_axes) = rule(inputs, &in_axes)?;
                let out_axes = out_axes
                    .into_iter()
                    .zip(&outs)
                    .map(|(a, o)| {
                        a.map(|a| {
                            if a < 0 {
                                (a + o.ndim() as i32) as usize
                            } else {
                                a as usize
                            }
                        })
                    })
                    .collect();
                Ok((outs, out_axes))
            }
            None => {
                let outs =
                    crate::transforms::vmap(|v: &[Array]| (self.f.fun)(v), inputs, &in_axes, &[0])?;
                let n = outs.len();
                Ok((outs, vec![Some(0); n]))
            }
        }
    }
}
