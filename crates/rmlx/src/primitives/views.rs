//! View primitives: outputs that share the input's buffer with new strides and offset.
//! None of these copies; writing to a view is impossible (arrays are immutable), so sharing
//! is always safe.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::error::Result;
use crate::shape::size_of;
use crate::transforms::rules::shape as rules;

/// Broadcasts to a larger shape: stride 0 on the new and size-1 dimensions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Broadcast;

impl Primitive for Broadcast {
    equivalent_by_eq!();
    /// MLX's rule: the input broadcast against the traced output shape.
    fn output_shapes(
        &self,
        inputs: &[Array],
        traced: &[crate::shape::Shape],
    ) -> Result<Vec<crate::shape::Shape>> {
        let shape =
            crate::shape::broadcast_shapes(inputs[0].shape(), &traced[0]).map_err(|_| {
                crate::Error::InvalidArgument(format!(
                    "[broadcast_shapes] Shapes {} and {} cannot be broadcast.",
                    crate::shape::fmt_shape(inputs[0].shape()),
                    crate::shape::fmt_shape(&traced[0])
                ))
            })?;
        Ok(vec![shape])
    }
    fn name(&self) -> String {
        "Broadcast".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::broadcast_vjp(p, c)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::broadcast_jvp(t, o)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::broadcast_vmap(x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let in_shape = ctx.inputs[0].shape();
        let out_shape = ctx.output(0).shape();
        let lead = out_shape.len() - in_shape.len();
        let mut strides = vec![0i64; out_shape.len()];
        for (i, (&d, &s)) in in_shape.iter().zip(&x.strides).enumerate() {
            strides[lead + i] = if d == 1 && out_shape[lead + i] != 1 {
                0
            } else {
                s
            };
        }
        Ok(vec![x.view(out_shape, strides, x.offset)])
    }
}

/// Permutes the axes: output axis `i` is input axis `axes[i]`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Transpose(pub Vec<usize>);

impl Primitive for Transpose {
    equivalent_by_eq!();
    fn output_shapes(
        &self,
        inputs: &[Array],
        _: &[crate::shape::Shape],
    ) -> Result<Vec<crate::shape::Shape>> {
        let x = inputs[0].shape();
        Ok(vec![self.0.iter().map(|&a| x[a]).collect()])
    }
    fn name(&self) -> String {
        "Transpose".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::transpose_vjp(&self.0, c)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::transpose_jvp(&self.0, t)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::transpose_vmap(&self.0, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let strides = self.0.iter().map(|&a| x.strides[a]).collect();
        Ok(vec![x.view(ctx.output(0).shape(), strides, x.offset)])
    }
}

/// Removes the given (sorted, size-1) axes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Squeeze(pub Vec<usize>);

impl Primitive for Squeeze {
    equivalent_by_eq!();
    fn output_shapes(
        &self,
        inputs: &[Array],
        _: &[crate::shape::Shape],
    ) -> Result<Vec<crate::shape::Shape>> {
        let x = inputs[0].shape();
        if let Some(&a) = self.0.iter().find(|&&a| x[a] != 1) {
            return Err(crate::Error::InvalidArgument(format!(
                "[squeeze] Cannot squeeze axis {a} with size {} which is not equal to 1.",
                x[a]
            )));
        }
        Ok(vec![x
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.0.contains(i))
            .map(|(_, &d)| d)
            .collect()])
    }
    fn name(&self) -> String {
        "Squeeze".into()
    }
    reshape_like_transforms!();
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let strides = x
            .strides
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.0.contains(i))
            .map(|(_, &s)| s)
            .collect();
        Ok(vec![x.view(ctx.output(0).shape(), strides, x.offset)])
    }
}

/// Inserts size-1 axes at the given (sorted, output-numbered) positions.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExpandDims(pub Vec<usize>);

impl Primitive for ExpandDims {
    equivalent_by_eq!();
    fn output_shapes(
        &self,
        inputs: &[Array],
        _: &[crate::shape::Shape],
    ) -> Result<Vec<crate::shape::Shape>> {
        let mut it = inputs[0].shape().iter();
        let n = inputs[0].ndim() + self.0.len();
        Ok(vec![(0..n)
            .map(|i| {
                if self.0.contains(&i) {
                    1
                } else {
                    it.next().copied().unwrap_or(1)
                }
            })
            .collect()])
    }
    fn name(&self) -> String {
        "ExpandDims".into()
    }
    reshape_like_transforms!();
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let in_shape = ctx.inputs[0].shape();
        let out_shape = ctx.output(0).shape();
        let mut strides = Vec::with_capacity(out_shape.len());
        let mut src = 0;
        for i in 0..out_shape.len() {
            if self.0.contains(&i) {
                // A size-1 axis's stride is never stepped; pick the row-major value so the
                // strides stay monotone for readers that look at them.
                let s = if src < in_shape.len() {
                    x.strides[src] * in_shape[src].max(1) as i64
                } else {
                    1
                };
                strides.push(s);
            } else {
                strides.push(x.strides[src]);
                src += 1;
            }
        }
        Ok(vec![x.view(out_shape, strides, x.offset)])
    }
}

/// `out = in[start:stop:strides]` per axis, with start/stop already clamped by the op.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Slice {
    pub start: Vec<i32>,
    pub strides: Vec<i32>,
}

/// The offset and strides of a strided window of `x` starting at `start` with `steps`.
fn window(x: &ArrayData, out_shape: &[i32], start: &[i32], steps: &[i32]) -> (Vec<i64>, i64) {
    let strides: Vec<i64> = x
        .strides
        .iter()
        .zip(steps)
        .map(|(&s, &k)| s * k as i64)
        .collect();
    if size_of(out_shape) == 0 {
        // Never read: keep the input's offset so the pointer stays inside the buffer.
        return (strides, x.offset);
    }
    let offset = x.offset
        + x.strides
            .iter()
            .zip(start)
            .map(|(&s, &b)| s * b as i64)
            .sum::<i64>();
    (strides, offset)
}

impl Primitive for Slice {
    equivalent_by_eq!();
    fn name(&self) -> String {
        "Slice".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::slice_vjp(self, p, c)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::slice_jvp(self, t, o)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::slice_vmap(self, x, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let out_shape = ctx.output(0).shape();
        let (strides, offset) = window(x, out_shape, &self.start, &self.strides);
        Ok(vec![x.view(out_shape, strides, offset)])
    }
}

/// Splits along `axis` at sorted `indices` (all inside the axis): one view per piece.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Split {
    pub indices: Vec<i32>,
    pub axis: usize,
}

impl Primitive for Split {
    equivalent_by_eq!();
    fn name(&self) -> String {
        "Split".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::split_vjp(self.axis, p, c)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::split_jvp(&self.indices, self.axis, t)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::split_vmap(&self.indices, self.axis, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        let nd = ctx.inputs[0].ndim();
        let ones = vec![1i32; nd];
        let mut start = vec![0i32; nd];
        let mut out = Vec::with_capacity(ctx.outputs.len());
        // Outputs dropped before evaluation are absent, so find each piece by its index.
        for o in ctx.outputs {
            let i = o.0.output_index as usize;
            start[self.axis] = if i == 0 { 0 } else { self.indices[i - 1] };
            let (strides, offset) = window(x, o.shape(), &start, &ones);
            out.push(x.view(o.shape(), strides, offset));
        }
        Ok(out)
    }
}
