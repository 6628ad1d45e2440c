//! Shape primitives that may have to copy: `Reshape` / `Flatten` (a view when the strides
//! allow it, MLX's rule), `Concatenate` and `Contiguous`.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::strided::collapse;
use crate::backend::cpu::strided_copy::copy_general;
use crate::error::Result;
use crate::shape::{row_major_strides, size_of};
use crate::transforms::rules::shape as rules;

/// Strides that give `out_shape` over `x`'s elements without moving them, if any exist.
/// This is MLX's `prepare_reshape`: row-contiguous (and empty) inputs always qualify;
/// otherwise the input's mergeable dimensions are split into the output's, which works
/// whenever no output dimension straddles a gap between input dimensions.
fn reshape_strides(x: &ArrayData, in_shape: &[i32], out_shape: &[i32]) -> Option<Vec<i64>> {
    if size_of(in_shape) <= 1 || x.flags.row_contiguous {
        return Some(row_major_strides(out_shape));
    }
    let (mut shape, [strides]) = collapse(in_shape, [&x.strides]);
    let mut out = Vec::with_capacity(out_shape.len());
    let mut j = 0;
    for &n in out_shape {
        let n = n as i64;
        if j < shape.len() && shape[j] % n == 0 {
            shape[j] /= n;
            out.push(shape[j] * strides[j]);
            if shape[j] == 1 {
                j += 1;
            }
        } else if n == 1 {
            // A size-1 axis is never stepped; any stride will do.
            out.push(out.last().copied().unwrap_or(1));
        } else {
            return None;
        }
    }
    Some(out)
}

/// Reshape as a view when possible, otherwise a row-major copy.
fn reshape_eval(ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
    let x = ctx.input(0);
    let in_shape = ctx.inputs[0].shape();
    let out_shape = ctx.output(0).shape();
    if let Some(strides) = reshape_strides(x, in_shape, out_shape) {
        return Ok(vec![x.view(out_shape, strides, x.offset)]);
    }
    let dt = ctx.inputs[0].dtype();
    let out = ArrayData::alloc(out_shape, dt, ctx.device)?;
    copy_general(
        x,
        in_shape,
        dt.size(),
        &out,
        0,
        &row_major_strides(in_shape),
    );
    Ok(vec![out])
}

/// Gives the input a new shape of the same size. Holds the shape as requested (one `-1`
/// allowed), which a shapeless compiled function resolves again against new inputs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Reshape(pub crate::shape::Shape);

impl Primitive for Reshape {
    equivalent_by_eq!();
    fn output_shapes(
        &self,
        inputs: &[Array],
        _: &[crate::shape::Shape],
    ) -> Result<Vec<crate::shape::Shape>> {
        Ok(vec![crate::ops::shape::infer_shape(&inputs[0], &self.0)?])
    }
    fn name(&self) -> String {
        "Reshape".into()
    }
    reshape_like_transforms!();
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        reshape_eval(ctx)
    }
}

/// Merges axes `start..=end` into one (a reshape with its own name, as in MLX).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Flatten {
    #[allow(dead_code)]
    pub start: usize,
    #[allow(dead_code)]
    pub end: usize,
}

impl Primitive for Flatten {
    equivalent_by_eq!();
    fn output_shapes(
        &self,
        inputs: &[Array],
        _: &[crate::shape::Shape],
    ) -> Result<Vec<crate::shape::Shape>> {
        let x = inputs[0].shape();
        let merged: i32 = x[self.start..=self.end].iter().product();
        let mut out: Vec<i32> = x[..self.start].to_vec();
        out.push(merged);
        out.extend_from_slice(&x[self.end + 1..]);
        Ok(vec![out])
    }
    fn name(&self) -> String {
        "Flatten".into()
    }
    reshape_like_transforms!();
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        reshape_eval(ctx)
    }
}

/// Joins inputs (same dtype, shapes equal but on `axis`) along `axis` into a new array.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Concatenate(pub usize);

impl Primitive for Concatenate {
    equivalent_by_eq!();
    fn output_shapes(
        &self,
        inputs: &[Array],
        _: &[crate::shape::Shape],
    ) -> Result<Vec<crate::shape::Shape>> {
        let mut out = inputs[0].shape().to_vec();
        let agree = |x: &Array| {
            x.ndim() == out.len()
                && x.shape()
                    .iter()
                    .zip(&out)
                    .enumerate()
                    .all(|(i, (a, b))| i == self.0 || a == b)
        };
        if let Some(bad) = inputs.iter().find(|x| !agree(x)) {
            return Err(crate::Error::InvalidArgument(format!(
                "[concatenate] All the input array dimensions must match exactly except for \
                 the concatenation axis. However, the provided shapes are {} and {}, and the \
                 concatenation axis is {}.",
                crate::shape::fmt_shape(inputs[0].shape()),
                crate::shape::fmt_shape(bad.shape()),
                self.0
            )));
        }
        out[self.0] = inputs.iter().map(|x| x.shape()[self.0]).sum();
        Ok(vec![out])
    }
    fn name(&self) -> String {
        "Concatenate".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::concatenate_vjp(self.0, p, c, argnums)
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::concatenate_jvp(self.0, p, t, argnums)
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::concatenate_vmap(self.0, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let out_arr = ctx.output(0);
        let dt = out_arr.dtype();
        let out = ArrayData::alloc(out_arr.shape(), dt, ctx.device)?;
        let strides = out.strides.clone();
        let mut at = 0i64;
        for (i, a) in ctx.inputs.iter().enumerate() {
            // Each input fills the window of the output that starts at `at` on the axis.
            copy_general(
                ctx.input(i),
                a.shape(),
                dt.size(),
                &out,
                at * strides[self.0],
                &strides,
            );
            at += a.shape()[self.0] as i64;
        }
        Ok(vec![out])
    }
}

/// Row-major data (column-major accepted when `allow_col_major`): shares the buffer when the
/// input already qualifies, copies otherwise.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contiguous {
    pub allow_col_major: bool,
}

impl Primitive for Contiguous {
    equivalent_by_eq!();
    same_shape_output!();
    fn name(&self) -> String {
        "Contiguous".into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![c[0].clone()])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![t[0].clone()])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::identity_vmap(x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        if x.flags.row_contiguous || (self.allow_col_major && x.flags.col_contiguous) {
            return Ok(vec![x.clone()]);
        }
        let shape = ctx.output(0).shape();
        let dt = ctx.inputs[0].dtype();
        let out = ArrayData::alloc(shape, dt, ctx.device)?;
        copy_general(x, shape, dt.size(), &out, 0, &row_major_strides(shape));
        Ok(vec![out])
    }
}
