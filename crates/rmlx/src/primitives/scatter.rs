//! `Scatter`: an array with slices replaced or combined at indexed positions (MLX's
//! `Scatter` with its reduce types).
//!
//! Inputs: the destination, the updates (already of the destination's dtype, shape
//! `I ++ slice`), then one index array per scattered axis, broadcast to `I`. Out-of-range
//! indices drop their update (`backend::cpu::index_cursor`).

use super::gather::index_operands;
use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::scatter::{scatter, ScatterMode, ScatterPlan};
use crate::backend::cpu::strided_copy::copy_general;
use crate::error::Result;
use crate::shape::size_of;
use crate::transforms::rules::indexing as rules;

/// Combines `updates` into a copy of the destination along `axes` in `mode`.
#[derive(Debug, Clone)]
pub(crate) struct Scatter {
    /// The destination axis each index array selects along (normalised, distinct).
    pub axes: Vec<usize>,
    /// How updates combine with the values in place.
    pub mode: ScatterMode,
}

impl Primitive for Scatter {
    fn name(&self) -> String {
        match self.mode {
            ScatterMode::None => "Scatter",
            ScatterMode::Add => "ScatterSum",
            ScatterMode::Prod => "ScatterProd",
            ScatterMode::Max => "ScatterMax",
            ScatterMode::Min => "ScatterMin",
        }
        .into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        match self.mode {
            ScatterMode::None | ScatterMode::Add => rules::scatter_vjp(
                &self.name(),
                self.mode == ScatterMode::Add,
                &self.axes,
                p,
                c,
                argnums,
            ),
            ScatterMode::Max | ScatterMode::Min => {
                rules::scatter_extremum_vjp(&self.axes, p, c, argnums, o)
            }
            ScatterMode::Prod => Err(crate::Error::Runtime(
                "[scatter] VJP not implemented for scatter_prod".into(),
            )),
        }
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        match self.mode {
            ScatterMode::None | ScatterMode::Add => {
                rules::scatter_jvp(self.mode == ScatterMode::Add, &self.axes, p, t, argnums)
            }
            ScatterMode::Max | ScatterMode::Min => {
                rules::scatter_extremum_jvp(&self.axes, p, t, argnums, o)
            }
            ScatterMode::Prod => Err(super::no_rule(&self.name(), "jvp")),
        }
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::scatter_vmap(&self.axes, self.mode, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let a = ctx.input(0);
        let out_arr = ctx.output(0);
        let shape = out_arr.shape();
        // Write into the destination's own buffer when it may be donated; else copy it.
        let out = if a.flags.contiguous
            && a.data_size == size_of(shape)
            && ctx.can_donate(0, out_arr.nbytes())
        {
            a.clone()
        } else {
            let out = ArrayData::alloc(shape, out_arr.dtype(), ctx.device)?;
            let strides = out.strides.clone();
            copy_general(a, shape, out_arr.itemsize(), &out, 0, &strides);
            out
        };
        let indices = index_operands(ctx, 2, &self.axes, &out.strides, |ax| {
            (
                shape[ax],
                ctx.inputs[1].shape()[ctx.inputs[1].ndim() - shape.len() + ax],
            )
        });
        let updates_shape = ctx.inputs[1].shape();
        let k = updates_shape.len() - shape.len();
        let plan = ScatterPlan {
            out: &out,
            updates: ctx.input(1),
            indices: &indices,
            index_shape: &updates_shape[..k],
            slice_sizes: &updates_shape[k..],
        };
        scatter(&plan, out_arr.dtype(), self.mode);
        Ok(vec![out])
    }
}
