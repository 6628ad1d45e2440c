//! `Gather`: slices of an array picked by index arrays (MLX's `Gather`).
//!
//! Inputs: the source, then one index array per gathered axis, already broadcast to one
//! index shape `I` by the op layer. The output has shape `I ++ slice_sizes`. Out-of-range
//! indices are clamped into range by the kernel (`backend::cpu::index_cursor`).

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::gather::{gather, GatherPlan};
use crate::backend::cpu::index_cursor::IndexOperand;
use crate::error::Result;
use crate::transforms::rules::indexing as rules;

/// The index arrays of a gather or scatter: inputs `first..` of `ctx`, one per axis in
/// `axes`, each selecting along that axis of an array with `target_strides`;
/// `lens(axis)` gives the axis length and the slice length taken from each index.
pub(super) fn index_operands(
    ctx: &KernelCtx<'_>,
    first: usize,
    axes: &[usize],
    target_strides: &[i64],
    lens: impl Fn(usize) -> (i32, i32),
) -> Vec<IndexOperand> {
    axes.iter()
        .enumerate()
        .map(|(k, &ax)| {
            let (axis_len, slice_len) = lens(ax);
            IndexOperand::new(
                ctx.input(first + k),
                ctx.inputs[first + k].dtype(),
                axis_len,
                slice_len,
                target_strides[ax],
            )
        })
        .collect()
}

/// Gathers slices of `slice_sizes` starting at the indexed positions along `axes`.
#[derive(Debug, Clone)]
pub(crate) struct Gather {
    /// The source axis each index array selects along (normalised, distinct).
    pub axes: Vec<usize>,
    /// One slice size per source axis.
    pub slice_sizes: Vec<i32>,
}

impl Primitive for Gather {
    fn name(&self) -> String {
        "Gather".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::gather_vjp(&self.axes, p, c, argnums)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::gather_jvp(&self.axes, &self.slice_sizes, p, t, argnums, o)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::gather_vmap(&self.axes, &self.slice_sizes, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let src = ctx.input(0);
        let src_shape = ctx.inputs[0].shape();
        let indices = index_operands(ctx, 1, &self.axes, &src.strides, |ax| {
            (src_shape[ax], self.slice_sizes[ax])
        });
        let index_shape: &[i32] = ctx.inputs.get(1).map_or(&[], |a| a.shape());
        let out_arr = ctx.output(0);
        let out = ArrayData::alloc(out_arr.shape(), out_arr.dtype(), ctx.device)?;
        let plan = GatherPlan {
            src,
            indices: &indices,
            index_shape,
            slice_sizes: &self.slice_sizes,
            out: &out,
        };
        gather(&plan, out_arr.itemsize());
        Ok(vec![out])
    }
}
