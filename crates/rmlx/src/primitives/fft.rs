//! `FFT`: discrete Fourier transforms over a set of axes, times a scale (MLX's primitive).
//!
//! The op layer (`ops::fft`) casts, crops and zero-pads the input so that every transformed
//! axis already has the length the transform needs; the primitive never resizes. Kinds:
//! - complex (`real == false`): complex64 in, complex64 out, same shape; forward uses
//!   `e^{-2πi·jk/n}`, inverse `e^{+2πi·jk/n}`, both unnormalised, then `× scale`;
//! - real forward (`real && !inverse`): float32 in; the last listed axis is the real one and
//!   shrinks to `n/2 + 1` (the non-negative frequencies); the others are complex transforms;
//! - real inverse (`real && inverse`): complex64 in with `n/2 + 1` on the last listed axis,
//!   float32 out with `n` there (`n` is read from the output's shape).

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::{Array, ArrayData};
use crate::backend::cpu::convert::convert_into;
use crate::backend::cpu::fft::{c2c_axis, c2r_axis, r2c_axis};
use crate::dtype::Dtype;
use crate::error::Result;
use crate::transforms::rules::fft as rules;
use crate::transforms::rules::hermitian;
use num_complex::Complex32;

#[derive(Debug, Clone)]
pub(crate) struct Fft {
    /// Transformed axes (distinct); for real transforms the last one is the real axis.
    pub axes: Vec<usize>,
    pub inverse: bool,
    pub real: bool,
    /// Multiplies every output value (the normalisation chosen by `norm`).
    pub scale: f32,
}

impl Primitive for Fft {
    fn name(&self) -> String {
        "FFT".into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        hermitian(p, c, |c| Ok(vec![rules::fft_vjp(self, &p[0], &c[0])?]))
    }
    fn jvp(&self, _: &[Array], t: &[Array], _: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::fft_jvp(self, &t[0], &o[0])?])
    }
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::fft_vmap(self, &x[0], axes[0], &o[0])
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let input = ctx.inputs[0].shape().to_vec();
        let output = ctx.output(0).shape().to_vec();
        let out_dt = ctx.output(0).dtype();
        let x = ctx.input(0);
        let out = ArrayData::alloc(&output, out_dt, ctx.device)?;
        if ctx.output(0).size() == 0 || ctx.inputs[0].size() == 0 {
            return Ok(vec![out]);
        }
        let in_dims: Vec<usize> = input.iter().map(|&d| d as usize).collect();
        let out_dims: Vec<usize> = output.iter().map(|&d| d as usize).collect();
        let Some((&last, others)) = self.axes.split_last() else {
            convert_into(x, ctx.inputs[0].dtype(), &input, &out, out_dt);
            return Ok(vec![out]);
        };
        // The scale is applied once, by the last pass that runs.
        match (self.real, self.inverse) {
            (false, inverse) => {
                convert_into(x, Dtype::Complex64, &input, &out, Dtype::Complex64);
                // SAFETY: `out` is this kernel's fresh buffer; nothing else reads it yet.
                let data = unsafe { out.dense_mut::<Complex32>() };
                for (i, &ax) in self.axes.iter().enumerate() {
                    let s = if i + 1 == self.axes.len() {
                        self.scale
                    } else {
                        1.0
                    };
                    c2c_axis(data, &out_dims, ax, inverse, s)?;
                }
            }
            (true, false) => {
                let dense = contiguous(x, &input, Dtype::Float32, ctx)?;
                // SAFETY: `out` is this kernel's fresh buffer; nothing else reads it yet.
                let data = unsafe { out.dense_mut::<Complex32>() };
                let s = if others.is_empty() { self.scale } else { 1.0 };
                r2c_axis(dense.dense::<f32>(), &in_dims, last, data, s)?;
                for (i, &ax) in others.iter().enumerate() {
                    let s = if i + 1 == others.len() {
                        self.scale
                    } else {
                        1.0
                    };
                    c2c_axis(data, &out_dims, ax, false, s)?;
                }
            }
            (true, true) => {
                let work = if others.is_empty() {
                    contiguous(x, &input, Dtype::Complex64, ctx)?
                } else {
                    let work = ArrayData::alloc(&input, Dtype::Complex64, ctx.device)?;
                    convert_into(x, Dtype::Complex64, &input, &work, Dtype::Complex64);
                    // SAFETY: `work` is a fresh buffer of this kernel.
                    let w = unsafe { work.dense_mut::<Complex32>() };
                    for &ax in others {
                        c2c_axis(w, &in_dims, ax, true, 1.0)?;
                    }
                    work
                };
                // SAFETY: `out` is this kernel's fresh buffer; nothing else reads it yet.
                let data = unsafe { out.dense_mut::<f32>() };
                let n = out_dims[last];
                c2r_axis(
                    work.dense::<Complex32>(),
                    &in_dims,
                    last,
                    n,
                    data,
                    self.scale,
                )?;
            }
        }
        Ok(vec![out])
    }
}

/// `x` itself when it is row-contiguous, else a row-contiguous copy (dtype `dt`, which is
/// already `x`'s dtype: the op layer casts).
fn contiguous(x: &ArrayData, shape: &[i32], dt: Dtype, ctx: &KernelCtx<'_>) -> Result<ArrayData> {
    if x.flags().row_contiguous {
        return Ok(x.clone());
    }
    let copy = ArrayData::alloc(shape, dt, ctx.device)?;
    convert_into(x, dt, shape, &copy, dt);
    Ok(copy)
}
