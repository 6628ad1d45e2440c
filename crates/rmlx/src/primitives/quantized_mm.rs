//! `QuantizedMatmul`, `GatherQMM` and `QQMatmul`: products with a quantized matrix.
//!
//! Inputs: `x`, the packed `w`, `scales`, `biases` (affine only), then (GatherQMM) the int64
//! `lhs_indices` and `rhs_indices`, broadcast to the output batch. The op layer casts `x`
//! (and, for affine, the scales and biases) to the output dtype. The kernels
//! (`backend::cpu::quantized::qmm`) accumulate in float32 (float64 for float64).
//!
//! Batching follows MLX: with a 2-D `w` every row of `x` is one product row; with batched
//! `w` and `x` of rank > 2 the batch shapes broadcast; a rank ≤ 2 `x` with batched `w` uses
//! the first matrix of `w` (MLX's layout rule). Gather indices are clamped into range (the
//! rmlx gather rule: no index reads outside a buffer).

use super::quantized::{bytes_of, elems_mut, elems_of, row_major};
use super::{KernelCtx, Primitive, VmapResult};
use crate::array::{Array, ArrayData};
use crate::backend::cpu::gemm::strided_offsets;
use crate::backend::cpu::quantized::dequantize::fp_scale;
use crate::backend::cpu::quantized::elem::{with_qelem, QElem};
use crate::backend::cpu::quantized::formats::{from_e4m3, from_e8m0, to_e4m3, FP4_LUT};
use crate::backend::cpu::quantized::qmm::{qmm, Acc, Book, QWeights};
use crate::backend::cpu::quantized::Mode;
use crate::backend::cpu::scratch::Scratch;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::shape::broadcast_shapes;
use crate::transforms::rules::quantized as rules;

/// The parameters shared by the quantized products.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct QSpec {
    pub mode: Mode,
    pub group: usize,
    pub bits: u32,
    pub transpose: bool,
}

/// `x @ wᵀ` (or `x @ w`) with a quantized `w`.
#[derive(Debug, Clone)]
pub(crate) struct QuantizedMatmul {
    pub spec: QSpec,
}

impl Primitive for QuantizedMatmul {
    fn name(&self) -> String {
        "QuantizedMatmul".into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        rules::qmm_vjp(self.spec, p, &c[0], argnums)
    }
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        rules::qmm_jvp(self.spec, p, t, argnums)
    }
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        rules::qmm_vmap(self.spec, x, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let (xs, ws) = (ctx.inputs[0].shape(), ctx.inputs[1].shape());
        let (pairs, m) = matmul_pairs(xs, ws)?;
        Ok(vec![run(ctx, self.spec, &pairs, m)?])
    }
}

/// Products of matrices of `x` and `w` picked by index arrays.
#[derive(Debug, Clone)]
pub(crate) struct GatherQMM {
    pub spec: QSpec,
}

impl Primitive for GatherQMM {
    fn name(&self) -> String {
        "GatherQMM".into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        rules::gather_qmm_vjp(self.spec, p, &c[0], argnums)
    }
    fn jvp(&self, _: &[Array], _: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        Err(Error::Runtime("GatherQMM::jvp NYI".into()))
    }
    fn vmap(&self, _: &[Array], _: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        Err(Error::Runtime("GatherQMM::vmap NYI".into()))
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let n_in = ctx.inputs.len();
        let (xs, ws) = (ctx.inputs[0].shape(), ctx.inputs[1].shape());
        let bx: usize = xs[..xs.len() - 2].iter().map(|&d| d as usize).product();
        let bw: usize = ws[..ws.len() - 2].iter().map(|&d| d as usize).product();
        let m = xs[xs.len() - 2] as usize;
        let lhs = indices(ctx, n_in - 2, bx);
        let rhs = indices(ctx, n_in - 1, bw);
        let pairs: Vec<(usize, usize)> = lhs.into_iter().zip(rhs).collect();
        if bx == 0 || bw == 0 {
            // Nothing to read: zero products.
            let out = ctx.output(0);
            let data = ArrayData::alloc(out.shape(), out.dtype(), ctx.device)?;
            let nbytes = out.size() * out.dtype().size();
            // SAFETY: fresh output of `nbytes` bytes.
            unsafe { elems_mut::<u8>(&data, nbytes).fill(0) };
            return Ok(vec![data]);
        }
        Ok(vec![run(ctx, self.spec, &pairs, m)?])
    }
}

/// The batch indices in input `i` (int64, any strides), clamped into `[0, count - 1]`.
fn indices(ctx: &KernelCtx<'_>, i: usize, count: usize) -> Vec<usize> {
    let d = ctx.input(i);
    let base = d.ptr::<i64>();
    strided_offsets(ctx.inputs[i].shape(), &d.strides)
        .into_iter()
        .map(|o| {
            // SAFETY: `o` comes from the index array's own shape and strides.
            let v = unsafe { *base.offset(o) };
            v.clamp(0, count.saturating_sub(1) as i64) as usize
        })
        .collect()
}

/// `(x block, w matrix)` pairs and rows per block of a `quantized_matmul` of these shapes.
pub(crate) fn matmul_pairs(xs: &[i32], ws: &[i32]) -> Result<(Vec<(usize, usize)>, usize)> {
    let k = *xs.last().unwrap_or(&1) as usize;
    if ws.len() == 2 || xs.len() <= 2 {
        let rows: usize = xs[..xs.len().saturating_sub(1)]
            .iter()
            .map(|&d| d as usize)
            .product();
        let _ = k;
        return Ok((vec![(0, 0)], rows));
    }
    let (xb, wb) = (&xs[..xs.len() - 2], &ws[..ws.len() - 2]);
    let ob = broadcast_shapes(xb, wb)?;
    let offs = |b: &[i32]| {
        let strides = broadcast_strides(b, &ob);
        strided_offsets(&ob, &strides)
    };
    let pairs = offs(xb)
        .into_iter()
        .zip(offs(wb))
        .map(|(a, b)| (a as usize, b as usize))
        .collect();
    Ok((pairs, xs[xs.len() - 2] as usize))
}

/// Row-major strides of `b` seen with the (right-aligned) shape `out`: 0 where broadcast.
fn broadcast_strides(b: &[i32], out: &[i32]) -> Vec<i64> {
    let mut strides = vec![0i64; out.len()];
    let mut acc = 1i64;
    for i in (0..b.len()).rev() {
        let o = out.len() - b.len() + i;
        strides[o] = if b[i] == out[o] && b[i] != 1 { acc } else { 0 };
        acc *= b[i] as i64;
    }
    strides
}

/// Borrowed or converted slices for the kernels.
enum Buf<'a, F> {
    Borrowed(&'a [F]),
    Owned(Scratch<F>),
}

impl<F> std::ops::Deref for Buf<'_, F> {
    type Target = [F];
    fn deref(&self) -> &[F] {
        match self {
            Buf::Borrowed(s) => s,
            Buf::Owned(s) => s,
        }
    }
}

/// `n` elements of row-major float data of dtype `dt`, as `F`.
fn as_acc<'a, F: Acc>(d: &'a ArrayData, n: usize, dt: Dtype) -> Result<Buf<'a, F>> {
    if (dt == Dtype::Float32 && !F::WIDE) || (dt == Dtype::Float64 && F::WIDE) {
        return Ok(Buf::Borrowed(elems_of::<F>(d, n)));
    }
    let mut s = Scratch::filled(n, F::zero())?;
    with_qelem!(dt, T => {
        for (o, v) in s.iter_mut().zip(elems_of::<T>(d, n)) {
            *o = <F as QElem>::from_f64(QElem::to_f64(*v));
        }
    }, _ => return Err(Error::Runtime(format!("[quantized_matmul] Unsupported dtype {dt}."))));
    Ok(Buf::Owned(s))
}

/// Evaluates a quantized product over `pairs` with `m` rows per block.
fn run(ctx: &KernelCtx<'_>, spec: QSpec, pairs: &[(usize, usize)], m: usize) -> Result<ArrayData> {
    let out = ctx.output(0);
    if out.dtype() == Dtype::Float64 {
        run_typed::<f64>(ctx, spec, pairs, m)
    } else {
        run_typed::<f32>(ctx, spec, pairs, m)
    }
}

fn run_typed<F: Acc>(
    ctx: &KernelCtx<'_>,
    spec: QSpec,
    pairs: &[(usize, usize)],
    m: usize,
) -> Result<ArrayData> {
    let out = ctx.output(0);
    let dt = out.dtype();
    let (x_in, w_in, s_in) = (&ctx.inputs[0], &ctx.inputs[1], &ctx.inputs[2]);
    let x = row_major(ctx, 0)?;
    let w = row_major(ctx, 1)?;
    let s = row_major(ctx, 2)?;
    let ws = w_in.shape();
    let rows = ws[ws.len() - 2] as usize;
    let len = ws[ws.len() - 1] as usize * 32 / spec.bits as usize;
    let xv = as_acc::<F>(&x, x_in.size(), x_in.dtype())?;
    let (sv, bdata);
    let bv: Option<Buf<'_, F>>;
    if spec.mode == Mode::Affine {
        sv = as_acc::<F>(&s, s_in.size(), s_in.dtype())?;
        bdata = row_major(ctx, 3)?;
        bv = Some(as_acc::<F>(
            &bdata,
            ctx.inputs[3].size(),
            ctx.inputs[3].dtype(),
        )?);
    } else {
        let bytes = elems_of::<u8>(&s, s_in.size());
        let mut conv = Scratch::filled(bytes.len(), F::zero())?;
        // MLX converts each scale to the input dtype first (a float16 input turns E8M0
        // scales beyond 65504 into infinities).
        with_qelem!(x_in.dtype(), T => {
            for (o, &b) in conv.iter_mut().zip(bytes) {
                *o = F::from_f32(<T as QElem>::round(fp_scale(spec.mode, b)));
            }
        }, _ => return Err(Error::Runtime(format!("[quantized_matmul] Unsupported dtype {dt}."))));
        sv = Buf::Owned(conv);
        bv = None;
    }
    let book = match spec.mode {
        Mode::Affine => Book::Int,
        Mode::Mxfp8 => Book::Fp8,
        _ => Book::Fp4,
    };
    let weights = QWeights {
        bytes: bytes_of(&w, w_in.size(), Dtype::Uint32),
        scales: &sv,
        biases: bv.as_deref(),
        rows,
        len,
        bits: spec.bits,
        group: spec.group,
        book,
    };
    let n_out = out.size();
    let data = ArrayData::alloc(out.shape(), dt, ctx.device)?;
    if (dt == Dtype::Float32 && !F::WIDE) || (dt == Dtype::Float64 && F::WIDE) {
        // SAFETY: `data` is this kernel's fresh output of `n_out` elements of `F`.
        let o = unsafe { elems_mut::<F>(&data, n_out) };
        qmm(&xv, &weights, pairs, m, spec.transpose, o)?;
    } else {
        let mut acc = Scratch::filled(n_out, F::zero())?;
        qmm(&xv, &weights, pairs, m, spec.transpose, &mut acc)?;
        with_qelem!(dt, T => {
            // SAFETY: as above, elements of the output dtype.
            let o = unsafe { elems_mut::<T>(&data, n_out) };
            for (d, v) in o.iter_mut().zip(acc.iter()) {
                *d = <T as QElem>::from_f64(QElem::to_f64(*v));
            }
        }, _ => return Err(Error::Runtime(format!("[quantized_matmul] Unsupported dtype {dt}."))));
    }
    Ok(data)
}

/// `qqmm` on the CPU: MLX evaluates only a quantized `w` with one row of `x`, which it
/// quantizes and dequantizes on the fly (float32 arithmetic; mx scales are `2^ceil(log2)`).
#[derive(Debug, Clone)]
pub(crate) struct QQMatmul {
    /// The product kernel's format (what `w` and its scale bytes are read as).
    pub spec: QSpec,
    /// Group size and bits of the on-the-fly quantization of `x` (the requested ones,
    /// which differ from `spec`'s in affine mode).
    pub x_quant: (usize, u32),
}

impl Primitive for QQMatmul {
    fn name(&self) -> String {
        "QQMatmul".into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let xs = ctx.inputs[0].shape();
        if ctx.inputs[1].dtype() != Dtype::Uint32 || !single_row(xs) {
            return Err(Error::Runtime("[QQMatmul] NYI for the general case".into()));
        }
        let x = row_major(ctx, 0)?;
        let dt = ctx.inputs[0].dtype();
        let n = ctx.inputs[0].size();
        let faked = ArrayData::alloc(xs, dt, ctx.device)?;
        with_qelem!(dt, T => {
            // SAFETY: `faked` is a fresh buffer of `n` elements of `T`.
            let o = unsafe { elems_mut::<T>(&faked, n) };
            fake_quantize::<T>(elems_of::<T>(&x, n), self.x_quant, o);
        }, _ => return Err(Error::Runtime("[QQMatmul] Unsupported dtype.".into())));
        let inputs = [
            Array::from_data(xs.to_vec(), dt, faked),
            ctx.inputs[1].clone(),
            ctx.inputs[2].clone(),
        ];
        let sub = KernelCtx {
            inputs: &inputs,
            outputs: ctx.outputs,
            donatable: 0,
            device: ctx.device,
        };
        let (pairs, m) = matmul_pairs(xs, ctx.inputs[1].shape())?;
        Ok(vec![run(&sub, self.spec, &pairs, m)?])
    }
}

/// Whether `x` of this shape holds one row in all (MLX's CPU qqmm evaluates only that:
/// `(1, K)`, `(K,)`, `(1, 1, K)`, but not `(3, 1, K)`).
pub(crate) fn single_row(xs: &[i32]) -> bool {
    let k = xs.last().copied().unwrap_or(0) as i64;
    let size: i64 = xs.iter().map(|&d| d as i64).product();
    k > 0 && size == k
}

/// E2M1 code of `x` by MLX's thresholds (round half to even).
fn e2m1(x: f32) -> usize {
    let sign = if x.is_sign_negative() { 8 } else { 0 };
    let a = x.abs();
    let code = if a.is_nan() {
        return 7;
    } else if a > 5.0 {
        7
    } else if a >= 3.5 {
        6
    } else if a > 2.5 {
        5
    } else if a >= 1.75 {
        4
    } else if a > 1.25 {
        3
    } else if a >= 0.75 {
        2
    } else if a > 0.25 {
        1
    } else {
        0
    };
    code | sign
}

/// `x` quantized per group and dequantized again (MLX's CPU qqmm step), with the rules MLX
/// picks from `(group, bits)`: scale divisor 6 for 4 bits else 448; E4M3 scales for groups
/// of 16 else E8M0; E4M3 elements for 8 bits else E2M1.
fn fake_quantize<T: QElem>(x: &[T], (gs, bits): (usize, u32), out: &mut [T]) {
    let maxval = if bits == 4 { 6.0f32 } else { 448.0 };
    for (src, dst) in x.chunks(gs).zip(out.chunks_mut(gs)) {
        let amax = src
            .iter()
            .fold(f32::NEG_INFINITY, |m, v| m.max(v.to_f32().abs()));
        let raw = amax / maxval;
        let scale = if gs == 16 {
            from_e4m3(to_e4m3(raw))
        } else {
            let byte = if !raw.is_finite() {
                255u8
            } else if raw < 0.0 {
                0
            } else {
                (raw.log2().ceil().clamp(-127.0, 127.0) as i32 + 127) as u8
            };
            from_e8m0(byte)
        };
        for (o, v) in dst.iter_mut().zip(src) {
            let y = if scale == 0.0 {
                0.0
            } else {
                v.to_f32() / scale
            };
            let q = if bits == 8 {
                from_e4m3(to_e4m3(y))
            } else {
                FP4_LUT[e2m1(y)]
            };
            *o = T::from_f32(scale * q);
        }
    }
}
