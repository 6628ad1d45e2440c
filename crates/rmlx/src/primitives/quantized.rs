//! `Quantize`, `Dequantize` and `ConvertFP8` (MLX's `ToFP8` / `FromFP8`).
//!
//! The op layer validates shapes, modes and dtypes; the kernels read row-major copies of
//! their inputs (made here when an input is strided) and write fresh buffers.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::{Array, ArrayData};
use crate::backend::cpu::quantized::dequantize::{dequantize_affine, dequantize_fp};
use crate::backend::cpu::quantized::elem::{with_qelem, QElem};
use crate::backend::cpu::quantized::formats::{from_e4m3, to_e4m3};
use crate::backend::cpu::quantized::quantize::{quantize_affine, quantize_fp};
use crate::backend::cpu::quantized::Mode;
use crate::backend::cpu::strided_copy::copy_general;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::shape::row_major_strides;
use crate::transforms::rules::quantized as rules;
use half::{bf16, f16};

/// Input `i` as row-major data: itself when it already is, else a fresh copy.
pub(crate) fn row_major(ctx: &KernelCtx<'_>, i: usize) -> Result<ArrayData> {
    let x = ctx.input(i);
    if x.flags.row_contiguous {
        return Ok(x.clone());
    }
    let shape = ctx.inputs[i].shape();
    let dt = ctx.inputs[i].dtype();
    let out = ArrayData::alloc(shape, dt, ctx.device)?;
    copy_general(x, shape, dt.size(), &out, 0, &row_major_strides(shape));
    Ok(out)
}

/// The bytes of row-major data of `n` elements of `dt`.
pub(crate) fn bytes_of(d: &ArrayData, n: usize, dt: Dtype) -> &[u8] {
    if n == 0 {
        return &[];
    }
    // The element offset counts elements of `dt`, not bytes.
    let start = d.offset as usize * dt.size();
    // SAFETY: row-major data holds `n` elements of `dt` from its first element, which lies
    // `offset` elements into the buffer.
    unsafe {
        std::slice::from_raw_parts((d.buffer.as_ptr() as *const u8).add(start), n * dt.size())
    }
}

/// The elements of row-major data of `n` elements (`T` matching its dtype).
pub(crate) fn elems_of<T>(d: &ArrayData, n: usize) -> &[T] {
    if n == 0 {
        return &[];
    }
    // SAFETY: row-major data holds `n` elements from its first; `T` is its element type.
    unsafe { std::slice::from_raw_parts(d.ptr::<T>(), n) }
}

/// A fresh output's elements.
///
/// # Safety
/// `d` must be a fresh buffer of `n` elements of type `T` owned by the calling kernel.
#[allow(clippy::mut_from_ref)]
pub(crate) unsafe fn elems_mut<T>(d: &ArrayData, n: usize) -> &mut [T] {
    if n == 0 {
        return &mut [];
    }
    // SAFETY: the caller's contract.
    unsafe { std::slice::from_raw_parts_mut(d.ptr_mut::<T>(), n) }
}

/// Quantization of the last axis in groups: outputs (packed words, scales[, biases]).
#[derive(Debug, Clone)]
pub(crate) struct Quantize {
    pub mode: Mode,
    pub group: usize,
    pub bits: u32,
}

impl Primitive for Quantize {
    fn name(&self) -> String {
        "Quantize".into()
    }
    fn vjp(&self, p: &[Array], _: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        // Rounding to codes is piecewise constant: MLX's gradient is zero.
        Ok(vec![crate::ops::zeros_like(&p[0])?])
    }
    fn jvp(&self, _: &[Array], _: &[Array], _: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        o.iter().map(crate::ops::zeros_like).collect()
    }
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        rules::quantize_vmap(self, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let dt = ctx.inputs[0].dtype();
        if self.mode == Mode::Affine && dt == Dtype::Float64 {
            return Err(unsupported(dt));
        }
        let w = row_major(ctx, 0)?;
        let n = ctx.inputs[0].size();
        let outs: Vec<ArrayData> = ctx
            .outputs
            .iter()
            .map(|o| ArrayData::alloc(o.shape(), o.dtype(), ctx.device))
            .collect::<Result<_>>()?;
        let nbytes = n * self.bits as usize / 8;
        let groups = n / self.group;
        // SAFETY: the outputs are fresh buffers of this kernel with the sizes used here
        // (packed words: n·bits/8 bytes; scales and biases: one per group).
        unsafe {
            let words = elems_mut::<u8>(&outs[0], nbytes);
            if self.mode == Mode::Affine {
                with_qelem!(dt, T => quantize_affine::<T>(
                    elems_of(&w, n), self.group, self.bits, words,
                    elems_mut(&outs[1], groups), elems_mut(&outs[2], groups),
                ), _ => return Err(unsupported(dt)));
            } else {
                let scales = elems_mut::<u8>(&outs[1], groups);
                with_qelem!(dt, T => quantize_fp::<T>(elems_of(&w, n), self.mode, words, scales),
                    _ => return Err(unsupported(dt)));
            }
        }
        Ok(outs)
    }
}

/// MLX's CPU quantizer handles float16, bfloat16 and float32 only.
fn unsupported(dt: Dtype) -> Error {
    Error::Runtime(format!(
        "[fast::Quantize::eval_cpu] Only supports floating point inputs (got {dt})."
    ))
}

/// Dequantization to `ctx.output(0).dtype()`; inputs (words, scales[, biases]).
#[derive(Debug, Clone)]
pub(crate) struct Dequantize {
    pub mode: Mode,
    pub group: usize,
    pub bits: u32,
}

impl Primitive for Dequantize {
    fn name(&self) -> String {
        "Dequantize".into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        rules::dequantize_vjp(self, p, &c[0], argnums)
    }
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        rules::dequantize_jvp(self, p, t, argnums)
    }
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::dequantize_vmap(self, x, axes, o[0].dtype())
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let out = ctx.output(0);
        let (dt, n) = (out.dtype(), out.size());
        let data = ArrayData::alloc(out.shape(), dt, ctx.device)?;
        let w = row_major(ctx, 0)?;
        let s = row_major(ctx, 1)?;
        let groups = ctx.inputs[1].size();
        let words = bytes_of(&w, ctx.inputs[0].size(), Dtype::Uint32);
        if self.mode == Mode::Affine {
            let b = row_major(ctx, 2)?;
            let sdt = ctx.inputs[1].dtype();
            with_qelem!(sdt, S => with_qelem!(dt, D => {
                // SAFETY: `data` is this kernel's fresh output of `n` elements.
                let o = unsafe { elems_mut::<D>(&data, n) };
                dequantize_affine::<S, D>(words, elems_of(&s, groups), elems_of(&b, groups),
                    self.group, self.bits, o);
            }, _ => return Err(bad_dtype(dt))), _ => return Err(bad_dtype(sdt)));
        } else {
            with_qelem!(dt, D => {
                // SAFETY: as above.
                let o = unsafe { elems_mut::<D>(&data, n) };
                dequantize_fp::<D>(words, elems_of(&s, groups), self.mode, o);
            }, _ => return Err(bad_dtype(dt)));
        }
        Ok(vec![data])
    }
}

fn bad_dtype(dt: Dtype) -> Error {
    Error::Runtime(format!("[dequantize] Unsupported dtype {dt}."))
}

/// Conversion to E4M3 bytes (`ToFP8`) or from them (`FromFP8`) to the output dtype.
#[derive(Debug, Clone)]
pub(crate) struct ConvertFP8 {
    pub to_fp8: bool,
}

impl Primitive for ConvertFP8 {
    fn name(&self) -> String {
        if self.to_fp8 { "ToFP8" } else { "FromFP8" }.into()
    }
    fn vjp(&self, _: &[Array], _: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        Err(rules::fp8_no_rule(&self.name(), "vjp"))
    }
    fn jvp(&self, _: &[Array], _: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        Err(rules::fp8_no_rule(&self.name(), "jvp"))
    }
    fn vmap(&self, _: &[Array], _: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        Err(rules::fp8_no_rule(&self.name(), "vmap"))
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = row_major(ctx, 0)?;
        let out = ctx.output(0);
        let (dt, n) = (out.dtype(), out.size());
        let data = ArrayData::alloc(out.shape(), dt, ctx.device)?;
        let idt = ctx.inputs[0].dtype();
        if self.to_fp8 {
            // SAFETY: fresh output of `n` bytes.
            let o = unsafe { elems_mut::<u8>(&data, n) };
            match idt {
                // MLX reads a bfloat16 NaN as a positive NaN.
                Dtype::Bfloat16 => convert(elems_of::<bf16>(&x, n), o, |v| {
                    let f = v.to_f32();
                    to_e4m3(if f.is_nan() { f32::NAN } else { f })
                }),
                _ => {
                    with_qelem!(idt, T => convert(elems_of::<T>(&x, n), o, |v| to_e4m3(v.to_f32())),
                    _ => return Err(bad_dtype(idt)))
                }
            }
        } else {
            let src = elems_of::<u8>(&x, n);
            match dt {
                Dtype::Bfloat16 => {
                    // SAFETY: fresh output of `n` elements.
                    let o = unsafe { elems_mut::<bf16>(&data, n) };
                    convert(src, o, |b| {
                        let v = from_e4m3(b);
                        bf16::from_f32(if v.is_nan() { f32::NAN } else { v })
                    })
                }
                Dtype::Float16 => {
                    // SAFETY: as above.
                    let o = unsafe { elems_mut::<f16>(&data, n) };
                    convert(src, o, |b| f16::from_f32(from_e4m3(b)))
                }
                _ => with_qelem!(dt, D => {
                    // SAFETY: as above.
                    let o = unsafe { elems_mut::<D>(&data, n) };
                    convert(src, o, |b| D::from_f32(from_e4m3(b)))
                }, _ => return Err(bad_dtype(dt))),
            }
        }
        Ok(vec![data])
    }
}

fn convert<S: Copy + Sync, D: Copy + Send>(src: &[S], dst: &mut [D], f: impl Fn(S) -> D + Sync) {
    crate::backend::cpu::threads::par_chunks_mut(dst, 1 << 16, |i, d| {
        let s = &src[i << 16..];
        for (o, v) in d.iter_mut().zip(s) {
            *o = f(*v);
        }
    });
}
