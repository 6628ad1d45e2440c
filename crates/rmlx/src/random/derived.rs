//! Distributions MLX composes from `uniform` (and `permutation` from raw bits). Each public
//! function takes one key (the global sequence's next when none is given) and hands it to
//! the single draw it makes, so seeded results equal MLX's.

use super::basic::{bits, uniform};
use super::exact;
use super::state::resolve;
use crate::array::Array;
use crate::dtype::{Dtype, Scalar};
use crate::error::{bail, Error, Result};
use crate::ops;
use crate::shape::{broadcast_shapes, normalize_axis_index};

/// `value` as a 0-d array of `dtype` (rounded once from float64, as MLX's constants are).
fn constant(value: f64, dtype: Dtype) -> Array {
    Array::from_scalar(Scalar::Float(value), dtype)
}

/// float32 bounds `(nextafter(-1, 0), 1)`: the open interval normal and laplace draw from.
fn open_unit() -> (Array, Array) {
    let low = f32::from_bits((-1.0f32).to_bits() - 1);
    (Array::scalar(low), Array::scalar(1.0f32))
}

/// Standard normal samples scaled by `scale` and shifted by `loc` (both cast to `dtype`).
///
/// MLX's transform: `u` uniform in (-1, 1) as float32, `erfinv(u)` cast to `dtype`, times
/// `sqrt(2) * scale` (one product in `dtype`), plus `loc`.
pub fn normal(
    shape: &[i32],
    dtype: Dtype,
    loc: Option<&Array>,
    scale: Option<&Array>,
    key: Option<&Array>,
) -> Result<Array> {
    if !dtype.is_inexact() {
        bail!("[normal] Only floating point and complex64 types are supported.");
    }
    let key = resolve(key)?;
    let (low, high) = open_unit();
    let u = uniform(&low, &high, shape, Dtype::Float32, Some(&key))?;
    let e = ops::astype(&ops::erfinv(&u)?, dtype)?;
    let sqrt2 = constant(std::f64::consts::SQRT_2, dtype);
    let factor = match scale {
        Some(s) => ops::multiply(&ops::astype(s, dtype)?, &sqrt2)?,
        None => sqrt2,
    };
    let out = ops::multiply(&factor, &e)?;
    match loc {
        Some(l) => ops::add(&out, &ops::astype(l, dtype)?),
        None => Ok(out),
    }
}

/// Integers from `[low, high)` of `shape` and integer (or bool) `dtype`.
///
/// MLX's transform: `floor(max(uniform(low, high), low))` in float32, cast to `dtype`, then
/// clamped to `[low, high - 1]` (both cast to `dtype`; the minimum first).
pub fn randint(
    low: &Array,
    high: &Array,
    shape: &[i32],
    dtype: Dtype,
    key: Option<&Array>,
) -> Result<Array> {
    if !(dtype.is_integer() || dtype == Dtype::Bool) {
        bail!("[randint] randint only accepts integer dtypes and bool.");
    }
    let u = uniform(low, high, shape, Dtype::Float32, key)?;
    let x = ops::astype(&ops::floor(&ops::maximum(&u, low)?)?, dtype)?;
    let top = ops::subtract(high, &ops::scalar_like(1i32, high)?)?;
    let x = ops::minimum(&x, &ops::astype(&top, dtype)?)?;
    ops::maximum(&x, &ops::astype(low, dtype)?)
}

/// Booleans that are true with probability `p` (a floating array); `shape` defaults to
/// `p`'s. MLX's transform: `uniform(0, 1) < p` with float32 samples.
pub fn bernoulli(p: &Array, shape: Option<&[i32]>, key: Option<&Array>) -> Result<Array> {
    if !p.dtype().is_floating() {
        bail!("[bernoulli] bernoulli probability `p` must be a float type.");
    }
    let shape = shape.unwrap_or(p.shape()).to_vec();
    broadcast_shapes(&shape, p.shape())?;
    let u = uniform(
        &Array::scalar(0.0f32),
        &Array::scalar(1.0f32),
        &shape,
        Dtype::Float32,
        key,
    )?;
    ops::less(&u, p)
}

/// Normal samples truncated to `[lower, upper]`; `shape` defaults to their broadcast.
///
/// MLX's transform (inverse CDF): `u` uniform between `erf(lower / sqrt2)` and
/// `erf(upper / sqrt2)` in `dtype`, then `maximum(minimum(upper, sqrt2 * erfinv(u)), lower)`.
pub fn truncated_normal(
    lower: &Array,
    upper: &Array,
    shape: Option<&[i32]>,
    dtype: Dtype,
    key: Option<&Array>,
) -> Result<Array> {
    if !dtype.is_floating() {
        bail!("[trunc_normal] trunc_normal only accepts floating point dtypes.");
    }
    let shape = match shape {
        Some(s) => s.to_vec(),
        None => broadcast_shapes(lower.shape(), upper.shape())?,
    };
    let sqrt2 = constant(std::f64::consts::SQRT_2, dtype);
    let lo = ops::astype(lower, dtype)?;
    let hi = ops::astype(upper, dtype)?;
    let a = exact::erf(&ops::divide(&lo, &sqrt2)?)?;
    let b = exact::erf(&ops::divide(&hi, &sqrt2)?)?;
    let u = uniform(&a, &b, &shape, dtype, key)?;
    let out = ops::multiply(&sqrt2, &ops::erfinv(&u)?)?;
    ops::maximum(&ops::minimum(&hi, &out)?, &lo)
}

/// Standard Gumbel samples: `-log(-log(u))` with `u` uniform in `[0, 1)` of `dtype`.
pub fn gumbel(shape: &[i32], dtype: Dtype, key: Option<&Array>) -> Result<Array> {
    let u = uniform(
        &Array::scalar(0.0f32),
        &Array::scalar(1.0f32),
        shape,
        dtype,
        key,
    )?;
    ops::negative(&exact::log(&ops::negative(&exact::log(&u)?)?)?)
}

/// Laplace samples: `sign(u) * log1p(-|u|)` with `u` uniform in (-1, 1) as float32, cast to
/// `dtype`, times `scale` plus `loc`. As in MLX the transform runs in float32, or in float64
/// (on the widened float32 samples) for float64 draws.
pub fn laplace(
    shape: &[i32],
    dtype: Dtype,
    loc: f64,
    scale: f64,
    key: Option<&Array>,
) -> Result<Array> {
    if !dtype.is_floating() {
        bail!("[laplace] Only real floating point types are supported.");
    }
    let (low, high) = open_unit();
    let u = uniform(&low, &high, shape, Dtype::Float32, key)?;
    let u = if dtype == Dtype::Float64 {
        ops::astype(&u, dtype)?
    } else {
        u
    };
    let b = ops::multiply(
        &ops::sign(&u)?,
        &exact::log1p(&ops::negative(&ops::abs(&u)?)?)?,
    )?;
    let out = ops::multiply(&ops::astype(&b, dtype)?, &constant(scale, dtype))?;
    ops::add(&out, &constant(loc, dtype))
}

/// Indices sampled from the categorical distribution of `logits` along `axis`. `shape` is
/// the full output shape (broadcast against the logits without `axis`); `num_samples` draws
/// that many per distribution into a new last axis.
///
/// Like MLX: a single distribution (the logits without `axis` hold one element) sampled into
/// an array of one or more dimensions inverts its CDF ([`inverse_cdf`]); everything else
/// uses the Gumbel max trick, `argmax(logits + gumbel)` with float32 noise.
pub fn categorical(
    logits: &Array,
    axis: i32,
    shape: Option<&[i32]>,
    num_samples: Option<i32>,
    key: Option<&Array>,
) -> Result<Array> {
    if shape.is_some() && num_samples.is_some() {
        bail!("[categorical] At most one of shape or num_samples can be specified.");
    }
    let nd = logits.ndim();
    let ax = normalize_axis_index("categorical", axis, nd).map_err(|_| {
        Error::Index(format!(
            "[categorical] Invalid axis {axis} for logits with {nd} dimensions."
        ))
    })?;
    let classes = logits.shape()[ax];
    let mut rest = logits.shape().to_vec();
    rest.remove(ax);
    let out_shape = match (shape, num_samples) {
        (Some(shape), _) => {
            broadcast_shapes(shape, &rest)?;
            shape.to_vec()
        }
        (None, Some(n)) => [rest.as_slice(), &[n]].concat(),
        (None, None) => rest.clone(),
    };
    if rest.iter().product::<i32>() == 1 && !out_shape.is_empty() && classes > 0 {
        return inverse_cdf(logits, ax, &out_shape, key);
    }
    if let Some(shape) = shape {
        // The class axis sits as many places from the end as it does in the logits.
        let at = shape.len() - (nd - 1 - ax);
        let mut noise_shape = shape.to_vec();
        noise_shape.insert(at, classes);
        let g = gumbel(&noise_shape, Dtype::Float32, key)?;
        return ops::argmax(&ops::add(&g, logits)?, Some(at as i32), false);
    }
    if let Some(n) = num_samples {
        let mut noise_shape = logits.shape().to_vec();
        noise_shape.push(n);
        let g = gumbel(&noise_shape, Dtype::Float32, key)?;
        let l = ops::expand_dims(logits, &[-1])?;
        return ops::argmax(&ops::add(&g, &l)?, Some(ax as i32), false);
    }
    let g = gumbel(logits.shape(), Dtype::Float32, key)?;
    ops::argmax(&ops::add(&g, logits)?, Some(ax as i32), false)
}

/// Samples of `out_shape` from the one distribution in `logits` (its `axis`) by inverting
/// the CDF, as MLX does: `c = cumsum(exp(l - max(l)))` in float32, one float32 uniform `u`
/// per sample, and the index is the count of `c <= u * c[-1]`, at most the last class.
fn inverse_cdf(
    logits: &Array,
    axis: usize,
    out_shape: &[i32],
    key: Option<&Array>,
) -> Result<Array> {
    let classes = logits.shape()[axis];
    let l = ops::astype(logits, Dtype::Float32)?;
    let l = ops::reshape(&ops::moveaxis(&l, axis as i32, -1)?, &[classes])?;
    let top = ops::max(&l, &[0], true)?;
    let cdf = ops::cumsum(
        &exact::exp(&ops::subtract(&l, &top)?)?,
        Some(0),
        false,
        true,
    )?;
    let total = ops::slice(&cdf, &[classes - 1], &[classes], &[1])?;
    let u = uniform(
        &Array::scalar(0.0f32),
        &Array::scalar(1.0f32),
        out_shape,
        Dtype::Float32,
        key,
    )?;
    let target = ops::expand_dims(&ops::multiply(&u, &total)?, &[-1])?;
    let below = ops::sum(&ops::less_equal(&cdf, &target)?, &[-1], false)?;
    let last = Array::scalar(classes - 1);
    ops::astype(&ops::minimum(&below, &last)?, Dtype::Uint32)
}

/// A random permutation of `0..n` (uint32): the argsort of `n` random 32-bit words, as in
/// MLX (a lazy graph like every other draw).
pub fn permutation_of(n: i32, key: Option<&Array>) -> Result<Array> {
    ops::argsort(&bits(&[n], 4, key)?, Some(0))
}

/// `x` with its `axis` randomly permuted (`take` of a [`permutation_of`] its length).
pub fn permutation(x: &Array, axis: i32, key: Option<&Array>) -> Result<Array> {
    let nd = x.ndim();
    let ax = normalize_axis_index("permutation", axis, nd)?;
    let idx = permutation_of(x.shape()[ax], key)?;
    ops::take(x, &idx, Some(ax as i32))
}
