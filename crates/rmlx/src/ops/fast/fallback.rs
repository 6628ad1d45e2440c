//! The fast ops written with plain ops: the reference values of the fused kernels (tests
//! compare the two) and the computations whose transforms give the primitives' rules.
//!
//! They follow MLX's own compositions: normalizations in float32, `rope` from an explicit
//! angle table, attention as `softmax(q kᵀ)` with a float32 softmax. float64 inputs compute
//! in float64 throughout. Arguments are assumed valid (the public ops check them).

use super::{AttentionMask, RopeOffset};
use crate::array::Array;
use crate::dtype::{promote_types, Dtype, Scalar};
use crate::error::Result;
use crate::ops::{self, SliceArg};

/// The dtype the fast ops compute in for an output of dtype `dt`.
pub fn compute_dtype(dt: Dtype) -> Dtype {
    if dt == Dtype::Float64 {
        Dtype::Float64
    } else {
        Dtype::Float32
    }
}

/// The lowest finite value of a float dtype: the score of a masked-out key.
pub(crate) fn lowest(dt: Dtype) -> f64 {
    match dt {
        Dtype::Float16 => half::f16::MIN.to_f64(),
        Dtype::Bfloat16 => half::bf16::MIN.to_f64(),
        Dtype::Float64 => f64::MIN,
        _ => f32::MIN as f64,
    }
}

fn cast(a: &Array, dt: Dtype) -> Result<Array> {
    if a.dtype() == dt {
        Ok(a.clone())
    } else {
        ops::astype(a, dt)
    }
}

fn constant(v: f64, dt: Dtype) -> Array {
    Array::from_scalar(Scalar::Float(v), dt)
}

/// `rms_norm` composed: `astype(x / sqrt(mean(x²) + eps), out) * weight`.
pub fn rms_norm(x: &Array, weight: Option<&Array>, eps: f32) -> Result<Array> {
    let out = weight.map_or(x.dtype(), |w| promote_types(x.dtype(), w.dtype()));
    let c = compute_dtype(out);
    let xf = cast(x, c)?;
    let ms = ops::mean(&ops::square(&xf)?, &[-1], true)?;
    let inv = ops::rsqrt(&ops::add(&ms, &constant(eps as f64, c))?)?;
    let y = cast(&ops::multiply(&xf, &inv)?, out)?;
    match weight {
        Some(w) => cast(&ops::multiply(&y, w)?, out),
        None => Ok(y),
    }
}

/// `layer_norm` composed: `astype((x - mean) / sqrt(var + eps), out) * weight + bias`.
pub fn layer_norm(
    x: &Array,
    weight: Option<&Array>,
    bias: Option<&Array>,
    eps: f32,
) -> Result<Array> {
    let out = match weight {
        Some(w) => bias
            .into_iter()
            .fold(promote_types(x.dtype(), w.dtype()), |d, b| {
                promote_types(d, b.dtype())
            }),
        None => x.dtype(),
    };
    let c = compute_dtype(out);
    let xf = cast(x, c)?;
    let centered = ops::subtract(&xf, &ops::mean(&xf, &[-1], true)?)?;
    let var = ops::mean(&ops::square(&centered)?, &[-1], true)?;
    let inv = ops::rsqrt(&ops::add(&var, &constant(eps as f64, c))?)?;
    let mut y = cast(&ops::multiply(&centered, &inv)?, out)?;
    if let Some(w) = weight {
        y = ops::multiply(&y, w)?;
    }
    if let Some(b) = bias {
        y = ops::add(&y, b)?;
    }
    cast(&y, out)
}

/// The inverse frequencies of `rope` as MLX computes them: `exp(i · (-ln(base) / half))`
/// for `i < half` (in float32 unless `c` is float64), or `1 / freqs`.
pub(crate) fn inverse_frequencies(
    half: usize,
    base: f32,
    freqs: Option<&Array>,
    c: Dtype,
) -> Result<Array> {
    match freqs {
        Some(f) => ops::reciprocal(&cast(f, c)?),
        None => {
            let step = if c == Dtype::Float64 {
                -(base as f64).ln() / half as f64
            } else {
                (-base.ln() / half as f32) as f64
            };
            let i = ops::arange(0.0, half as f64, 1.0, c)?;
            ops::exp(&ops::multiply(&i, &constant(step, c))?)
        }
    }
}

/// `rope` composed: an angle table from the positions and frequencies, then the rotation of
/// the feature pairs written with slices and products.
pub fn rope(
    x: &Array,
    dims: i32,
    traditional: bool,
    base: Option<f32>,
    scale: f32,
    offset: &RopeOffset,
    freqs: Option<&Array>,
) -> Result<Array> {
    let shape = x.shape().to_vec();
    let nd = shape.len();
    let (t, d) = (shape[nd - 2], shape[nd - 1]);
    let half = dims / 2;
    let c = compute_dtype(x.dtype());
    let steps = ops::arange(0.0, t as f64, 1.0, c)?;
    let pos = match offset {
        RopeOffset::Int(o) => ops::add(&steps, &constant(*o as f64, c))?,
        RopeOffset::Array(o) if o.size() == 1 => {
            ops::add(&steps, &ops::reshape(&cast(o, c)?, &[])?)?
        }
        RopeOffset::Array(o) => {
            // One offset per batch element: positions of shape (B, 1, ..., 1, T).
            let mut s = vec![o.size() as i32];
            s.extend(std::iter::repeat_n(1, nd - 3));
            s.push(1);
            ops::add(&ops::reshape(&cast(o, c)?, &s)?, &steps)?
        }
    };
    let pos = ops::multiply(&pos, &constant(scale as f64, c))?;
    let inv = inverse_frequencies(half as usize, base.unwrap_or(0.0), freqs, c)?;
    let theta = ops::multiply(&ops::expand_dims(&pos, &[-1])?, &inv)?;
    let (cos, sin) = (ops::cos(&theta)?, ops::sin(&theta)?);
    let xf = cast(x, c)?;
    let last = nd as i32 - 1;
    let (x1, x2) = if traditional {
        (
            ops::slice_axis(&xf, last, SliceArg::new(Some(0), Some(dims), 2))?,
            ops::slice_axis(&xf, last, SliceArg::new(Some(1), Some(dims), 2))?,
        )
    } else {
        (
            ops::slice_axis(&xf, last, SliceArg::range(0, half))?,
            ops::slice_axis(&xf, last, SliceArg::range(half, dims))?,
        )
    };
    let y1 = ops::subtract(&ops::multiply(&x1, &cos)?, &ops::multiply(&x2, &sin)?)?;
    let y2 = ops::add(&ops::multiply(&x1, &sin)?, &ops::multiply(&x2, &cos)?)?;
    let mut rotated = if traditional {
        let mut s = shape.clone();
        s[nd - 1] = dims;
        ops::reshape(&ops::stack(&[y1, y2], -1)?, &s)?
    } else {
        ops::concatenate(&[y1, y2], -1)?
    };
    if dims < d {
        let rest = ops::slice_axis(&xf, last, SliceArg::range(dims, d))?;
        rotated = ops::concatenate(&[rotated, rest], -1)?;
    }
    cast(&rotated, x.dtype())
}

/// `scaled_dot_product_attention` composed: scores `(scale · q) kᵀ` per key/value head
/// group, the mask, the sinks as an extra first column, a float32 softmax, the product with
/// `v`.
pub fn scaled_dot_product_attention(
    q: &Array,
    k: &Array,
    v: &Array,
    scale: f32,
    mask: &AttentionMask,
    sinks: Option<&Array>,
) -> Result<Array> {
    let dt = promote_types(promote_types(q.dtype(), k.dtype()), v.dtype());
    let (q, k, v) = (cast(q, dt)?, cast(k, dt)?, cast(v, dt)?);
    let (b, nq, tq, d) = (q.shape()[0], q.shape()[1], q.shape()[2], q.shape()[3]);
    let (nkv, tk, dv) = (k.shape()[1], k.shape()[2], v.shape()[3]);
    let rep = nq / nkv.max(1);
    let grouped = rep > 1;
    let mut qs = ops::multiply(&q, &ops::scalar_like(scale as f64, &q)?)?;
    let (mut k, mut v) = (k, v);
    if grouped {
        qs = ops::reshape(&qs, &[b, nkv, rep, tq, d])?;
        k = ops::expand_dims(&k, &[2])?;
        v = ops::expand_dims(&v, &[2])?;
    }
    // The (B, N_q, T_q, T_kv) layout of masks, in the grouped layout when heads are grouped.
    let grouped_shape = |a: Array| -> Result<Array> {
        if grouped {
            ops::reshape(&a, &[b, nkv, rep, tq, tk])
        } else {
            Ok(a)
        }
    };
    let mut scores = ops::matmul(&qs, &ops::swapaxes(&k, -1, -2)?)?;
    let low = constant(lowest(dt), dt);
    match mask {
        AttentionMask::None => {}
        AttentionMask::Causal => {
            let i = ops::arange(0.0, tq as f64, 1.0, Dtype::Int32)?;
            let i = ops::add(&ops::reshape(&i, &[tq, 1])?, &Array::scalar::<i32>(tk - tq))?;
            let j = ops::reshape(&ops::arange(0.0, tk as f64, 1.0, Dtype::Int32)?, &[1, tk])?;
            scores = ops::where_(&ops::greater_equal(&i, &j)?, &scores, &low)?;
        }
        AttentionMask::Array(m) => {
            let full = grouped_shape(ops::broadcast_to(m, &[b, nq, tq, tk])?)?;
            scores = if m.dtype() == Dtype::Bool {
                ops::where_(&full, &scores, &low)?
            } else {
                ops::add(&scores, &cast(&full, dt)?)?
            };
        }
    }
    if let Some(s) = sinks {
        let s = cast(s, dt)?;
        let s = if grouped {
            ops::reshape(&s, &[1, nkv, rep, 1, 1])?
        } else {
            ops::reshape(&s, &[1, nq, 1, 1])?
        };
        let mut col = scores.shape().to_vec();
        *col.last_mut().unwrap_or(&mut 0) = 1;
        let s = ops::broadcast_to(&s, &col)?;
        scores = ops::concatenate(&[s, scores], -1)?;
    }
    let mut p = ops::softmax(&scores, &[-1], true)?;
    if sinks.is_some() {
        p = ops::slice_axis(&p, -1, SliceArg::new(Some(1), None, 1))?;
    }
    let out = ops::matmul(&p, &v)?;
    ops::reshape(&out, &[b, nq, tq, dv])
}
