//! Rules of the quantization primitives, written with ops.
//!
//! - `QuantizedMatmul`: vjp and jvp with respect to `x` (a product with the same quantized
//!   matrix, transposed the other way); vjp with respect to the affine scales and biases
//!   (as MLX: `Σ_group G·q` and `Σ_group G`, `G` the gradient of the dequantized matrix);
//!   the packed weights have no gradient and the jvp refuses the scales and biases, with
//!   MLX's errors. vmap: over `x` alone one product with the batch folded in (MLX refuses
//!   every vmap); any other case a loop of products, stacked.
//! - `GatherQMM`: vjp as MLX (x through a scatter-add of the transposed product over the
//!   lhs indices; scales and biases through the gathered outer products); jvp and vmap give
//!   MLX's errors (in `primitives::quantized_mm`).
//! - `Quantize`: zero gradients (rounding), vmap by moving the batch axis to the front.
//! - `Dequantize`: linear in the scales and biases; vmap by aligning the batch axes.
//! - `ToFP8` / `FromFP8`: MLX's errors.

use super::batching::batch_first;
use super::shape::sum_to;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::ops;
use crate::primitives::quantized::{Dequantize, Quantize};
use crate::primitives::quantized_mm::QSpec;
use crate::primitives::VmapResult;

/// MLX's refusal of a transform of the fp8 conversions.
pub(crate) fn fp8_no_rule(name: &str, transform: &str) -> Error {
    Error::InvalidArgument(format!(
        "[Primitive::{transform}] Not implemented for {name}."
    ))
}

/// The quantized product with `spec` (the primitive's inputs: x, w, scales[, biases]).
fn product(spec: QSpec, x: &Array, p: &[Array], transpose: bool) -> Result<Array> {
    ops::quantized_matmul(
        x,
        &p[1],
        &p[2],
        p.get(3),
        transpose,
        Some(spec.group as i32),
        Some(spec.bits as i32),
        spec.mode.name(),
    )
}

fn no_weight_grad(prim: &str) -> Error {
    Error::Runtime(format!(
        "[{prim}::vjp] no gradient wrt the quantized weights."
    ))
}

/// The gradients of the affine scales and biases given `g`, the gradient of the
/// dequantized matrix (shape of the dequantized `w`).
fn scale_bias_grads(spec: QSpec, w: &Array, s: &Array, b: &Array, g: &Array) -> Result<[Array; 2]> {
    let q = ops::dequantize(
        w,
        &ops::ones_like(s)?,
        Some(&ops::zeros_like(b)?),
        Some(spec.group as i32),
        Some(spec.bits as i32),
        "affine",
        None,
        Some(g.dtype()),
    )?;
    let mut grouped = g.shape().to_vec();
    let len = grouped.pop().unwrap_or(0);
    grouped.push(len / spec.group as i32);
    grouped.push(spec.group as i32);
    let gs = ops::sum(
        &ops::reshape(&ops::multiply(g, &q)?, &grouped)?,
        &[-1],
        false,
    )?;
    let gb = ops::sum(&ops::reshape(g, &grouped)?, &[-1], false)?;
    Ok([ops::astype(&gs, s.dtype())?, ops::astype(&gb, b.dtype())?])
}

/// `x` as a matrix (a vector becomes one row).
fn as_matrix(x: &Array) -> Result<Array> {
    if x.ndim() == 1 {
        ops::expand_dims(x, &[0])
    } else {
        Ok(x.clone())
    }
}

/// vjp of `QuantizedMatmul` (inputs x, w, scales[, biases]).
pub(crate) fn qmm_vjp(
    spec: QSpec,
    p: &[Array],
    c: &Array,
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let mut out = Vec::with_capacity(argnums.len());
    let mut sb: Option<[Array; 2]> = None;
    for &i in argnums {
        match i {
            0 => {
                let g = product(spec, c, p, !spec.transpose)?;
                out.push(ops::astype(&sum_to(&g, p[0].shape())?, p[0].dtype())?);
            }
            1 => return Err(no_weight_grad("QuantizedMatmul")),
            _ if p.len() < 4 => out.push(ops::zeros_like(&p[i])?),
            _ => {
                if sb.is_none() {
                    sb = Some(qmm_scale_bias_vjp(spec, p, c)?);
                }
                let pair = sb.as_ref().map(|v| v[i - 2].clone());
                out.push(pair.ok_or_else(|| no_weight_grad("QuantizedMatmul"))?);
            }
        }
    }
    Ok(out)
}

fn qmm_scale_bias_vjp(spec: QSpec, p: &[Array], c: &Array) -> Result<[Array; 2]> {
    let (x, w) = (as_matrix(&p[0])?, &p[1]);
    let c = as_matrix(c)?;
    // G has the layout of the dequantized w: rows × len.
    let g = if spec.transpose {
        ops::matmul(&ops::swapaxes(&c, -1, -2)?, &x)?
    } else {
        ops::matmul(&ops::swapaxes(&x, -1, -2)?, &c)?
    };
    let wn = w.ndim();
    let rows = w.shape()[wn - 2];
    let len = g.shape()[g.ndim() - 1];
    let mut dshape = w.shape()[..wn - 2].to_vec();
    dshape.extend([rows, len]);
    let g = if wn > 2 && p[0].ndim() <= 2 {
        // Only the first matrix of a batched w takes part (MLX's layout rule).
        let batch: i32 = w.shape()[..wn - 2].iter().product();
        let rest = ops::zeros(&[batch - 1, rows, len], g.dtype())?;
        let all = ops::concatenate(&[ops::expand_dims(&g, &[0])?, rest], 0)?;
        ops::reshape(&all, &dshape)?
    } else {
        sum_to(&g, &dshape)?
    };
    scale_bias_grads(spec, w, &p[2], &p[3], &g)
}

/// jvp of `QuantizedMatmul`: only `x` may carry a tangent.
pub(crate) fn qmm_jvp(
    spec: QSpec,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    if argnums.iter().any(|&i| i != 0) {
        return Err(Error::Runtime(
            "[QuantizedMatmul::jvp] No JVP wrt the quantized matrix yet.".into(),
        ));
    }
    Ok(vec![product(spec, &t[0], p, spec.transpose)?])
}

/// Slice `i` of `a` along `axis`, without that axis.
fn take_at(a: &Array, axis: usize, i: i32) -> Result<Array> {
    let mut start = vec![0; a.ndim()];
    let mut stop = a.shape().to_vec();
    start[axis] = i;
    stop[axis] = i + 1;
    let s = ops::slice(a, &start, &stop, &vec![1; a.ndim()])?;
    ops::squeeze_axes(&s, &[axis as i32])
}

/// `f` over the batch (axis `axes[j]` of input `j`), one call per batch entry, stacked.
fn loop_vmap(
    x: &[Array],
    axes: &[Option<usize>],
    f: impl Fn(&[Array]) -> Result<Array>,
) -> Result<VmapResult> {
    let n = x
        .iter()
        .zip(axes)
        .find_map(|(a, ax)| ax.map(|ax| a.shape()[ax]))
        .unwrap_or(1);
    let mut outs = Vec::with_capacity(n as usize);
    for i in 0..n {
        let args: Vec<Array> = x
            .iter()
            .zip(axes)
            .map(|(a, ax)| match ax {
                Some(ax) => take_at(a, *ax, i),
                None => Ok(a.clone()),
            })
            .collect::<Result<_>>()?;
        outs.push(f(&args)?);
    }
    Ok((vec![ops::stack(&outs, 0)?], vec![Some(0)]))
}

/// vmap of `QuantizedMatmul`.
pub(crate) fn qmm_vmap(spec: QSpec, x: &[Array], axes: &[Option<usize>]) -> Result<VmapResult> {
    let f = |a: &[Array]| product(spec, &a[0], a, spec.transpose);
    let only_x = axes[1..].iter().all(|a| a.is_none());
    if let (true, Some(ax)) = (only_x, axes[0]) {
        let w_nd = x[1].ndim();
        let x_nd = x[0].ndim() - 1; // rank of one example
        if w_nd == 2 || (x_nd > 2 && w_nd <= x_nd) {
            let xb = batch_first(&x[0], Some(ax))?;
            return Ok((vec![product(spec, &xb, x, spec.transpose)?], vec![Some(0)]));
        }
    }
    loop_vmap(x, axes, f)
}

/// vjp of `GatherQMM` (inputs x, w, scales[, biases], lhs, rhs).
pub(crate) fn gather_qmm_vjp(
    spec: QSpec,
    p: &[Array],
    c: &Array,
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let n = p.len();
    let (lhs, rhs) = (&p[n - 2], &p[n - 1]);
    let affine = n == 6;
    let (x, w) = (&p[0], &p[1]);
    let xn = x.ndim();
    let (m, k) = (x.shape()[xn - 2], x.shape()[xn - 1]);
    let bx: i32 = x.shape()[..xn - 2].iter().product();
    let wn = w.ndim();
    let bw: i32 = w.shape()[..wn - 2].iter().product();
    let clamp = |idx: &Array, count: i32| -> Result<Array> {
        let flat = ops::reshape(idx, &[-1])?;
        let lo = ops::scalar_like(0i64, &flat)?;
        let hi = ops::scalar_like((count - 1).max(0) as i64, &flat)?;
        ops::clip(&flat, Some(&lo), Some(&hi))
    };
    let mut sb: Option<[Array; 2]> = None;
    let mut out = Vec::with_capacity(argnums.len());
    for &i in argnums {
        if i == 0 {
            let g = ops::gather_qmm(
                c,
                w,
                &p[2],
                if affine { Some(&p[3]) } else { None },
                None,
                Some(rhs),
                !spec.transpose,
                Some(spec.group as i32),
                Some(spec.bits as i32),
                spec.mode.name(),
                None,
                false,
            )?;
            let pcount = lhs.size() as i32;
            let upd = ops::reshape(&g, &[pcount, 1, m, k])?;
            let base = ops::zeros(&[bx, m, k], g.dtype())?;
            let acc = ops::scatter_add(&base, &[clamp(lhs, bx)?], &upd, &[0])?;
            out.push(ops::astype(&ops::reshape(&acc, x.shape())?, x.dtype())?);
        } else if i == 1 {
            return Err(no_weight_grad("GatherQMM"));
        } else if affine && (i == 2 || i == 3) {
            if sb.is_none() {
                let pc = lhs.size() as i32;
                let x3 = ops::reshape(x, &[bx, m, k])?;
                let xg = ops::take(&x3, &clamp(lhs, bx)?, Some(0))?;
                let cn = c.shape()[c.ndim() - 1];
                let c3 = ops::reshape(c, &[pc, m, cn])?;
                let g = if spec.transpose {
                    ops::matmul(&ops::swapaxes(&c3, -1, -2)?, &xg)?
                } else {
                    ops::matmul(&ops::swapaxes(&xg, -1, -2)?, &c3)?
                };
                let (rows, len) = (g.shape()[1], g.shape()[2]);
                let base = ops::zeros(&[bw, rows, len], g.dtype())?;
                let upd = ops::expand_dims(&g, &[1])?;
                let gw = ops::scatter_add(&base, &[clamp(rhs, bw)?], &upd, &[0])?;
                let mut dshape = w.shape()[..wn - 2].to_vec();
                dshape.extend([rows, len]);
                sb = Some(scale_bias_grads(
                    spec,
                    w,
                    &p[2],
                    &p[3],
                    &ops::reshape(&gw, &dshape)?,
                )?);
            }
            let pair = sb.as_ref().map(|v| v[i - 2].clone());
            out.push(pair.ok_or_else(|| no_weight_grad("GatherQMM"))?);
        } else {
            out.push(ops::zeros_like(&p[i])?);
        }
    }
    Ok(out)
}

/// vmap of `Quantize`: the batch axis moves to the front (groups run along the last axis
/// of each example, which stays last).
pub(crate) fn quantize_vmap(
    prim: &Quantize,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    let xb = batch_first(&x[0], axes[0])?;
    let outs = ops::quantize(
        &xb,
        Some(prim.group as i32),
        Some(prim.bits as i32),
        prim.mode.name(),
        None,
    )?;
    let n = outs.len();
    Ok((outs, vec![Some(0); n]))
}

/// `Dequantize` of these inputs with `prim`'s parameters to `dtype`.
fn dequantize_with(prim: &Dequantize, p: &[Array], dtype: Dtype) -> Result<Array> {
    ops::dequantize(
        &p[0],
        &p[1],
        p.get(2),
        Some(prim.group as i32),
        Some(prim.bits as i32),
        prim.mode.name(),
        None,
        Some(dtype),
    )
}

/// vjp of `Dequantize`: `∂/∂scales = Σ_group c·q`, `∂/∂biases = Σ_group c`; none for the
/// packed words (zeros) nor for uint8 scales.
pub(crate) fn dequantize_vjp(
    prim: &Dequantize,
    p: &[Array],
    c: &Array,
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let spec = QSpec {
        mode: prim.mode,
        group: prim.group,
        bits: prim.bits,
        transpose: true,
    };
    let mut grads: Option<[Array; 2]> = None;
    argnums
        .iter()
        .map(|&i| {
            if i == 0 || p.len() < 3 {
                return ops::zeros_like(&p[i]);
            }
            if grads.is_none() {
                let g = ops::astype(c, p[1].dtype())?;
                grads = Some(scale_bias_grads(spec, &p[0], &p[1], &p[2], &g)?);
            }
            grads
                .as_ref()
                .map(|v| v[i - 1].clone())
                .ok_or_else(|| no_weight_grad("Dequantize"))
        })
        .collect()
}

/// jvp of `Dequantize`: the output is linear in the scales and biases.
pub(crate) fn dequantize_jvp(
    prim: &Dequantize,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let out_dt = p[1].dtype();
    if p.len() < 3 {
        let shape = dequantize_with(prim, p, out_dt)?;
        return Ok(vec![ops::zeros_like(&shape)?]);
    }
    let mut ts = ops::zeros_like(&p[1])?;
    let mut tb = ops::zeros_like(&p[2])?;
    for (&i, tan) in argnums.iter().zip(t) {
        match i {
            1 => ts = ops::astype(tan, p[1].dtype())?,
            2 => tb = ops::astype(tan, p[2].dtype())?,
            _ => {}
        }
    }
    Ok(vec![dequantize_with(
        prim,
        &[p[0].clone(), ts, tb],
        out_dt,
    )?])
}

/// vmap of `Dequantize`: every input gets the batch axis in front (unbatched ones by
/// broadcasting), then one dequantization.
pub(crate) fn dequantize_vmap(
    prim: &Dequantize,
    x: &[Array],
    axes: &[Option<usize>],
    dtype: Dtype,
) -> Result<VmapResult> {
    let n = x
        .iter()
        .zip(axes)
        .find_map(|(a, ax)| ax.map(|ax| a.shape()[ax]))
        .unwrap_or(1);
    let aligned: Vec<Array> = x
        .iter()
        .zip(axes)
        .map(|(a, ax)| match ax {
            Some(_) => batch_first(a, *ax),
            None => {
                let mut shape = vec![n];
                shape.extend_from_slice(a.shape());
                ops::broadcast_to(&ops::expand_dims(a, &[0])?, &shape)
            }
        })
        .collect::<Result<_>>()?;
    Ok((vec![dequantize_with(prim, &aligned, dtype)?], vec![Some(0)]))
}
