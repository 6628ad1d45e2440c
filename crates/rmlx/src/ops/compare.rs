//! Approximate and exact array comparison (`isclose`, `allclose`, `array_equal`) and
//! `divmod`.

use super::weak::scalar_of;
use crate::array::Array;
use crate::dtype::{promote_types, Scalar};
use crate::error::{bail, Result};

/// Elementwise `|a - b| <= atol + rtol * |b|` with broadcasting, MLX's rule. Both inputs
/// are first cast to their promoted dtype; the tolerances are float32 (not weak), so the
/// right side is computed in at least float32 (float16 inputs compare in float32).
/// Infinities are close only to the same infinity; NaN is close to nothing unless
/// `equal_nan`, when two NaNs are close.
pub fn isclose(a: &Array, b: &Array, rtol: f64, atol: f64, equal_nan: bool) -> Result<Array> {
    let dt = promote_types(a.dtype(), b.dtype());
    let a = super::astype(a, dt)?;
    let b = super::astype(b, dt)?;
    let lhs = super::abs(&super::subtract(&a, &b)?)?;
    let scaled = super::multiply(&Array::scalar(rtol as f32), &super::abs(&b)?)?;
    let rhs = super::add(&Array::scalar(atol as f32), &scaled)?;
    let mut out = super::less_equal(&lhs, &rhs)?;
    if dt.is_inexact() {
        let (inf_a, inf_b) = (infinite(&a)?, infinite(&b)?);
        let any_inf = super::logical_or(&inf_a, &inf_b)?;
        out = super::logical_and(&out, &super::logical_not(&any_inf)?)?;
        let both_inf =
            super::logical_and(&super::logical_and(&inf_a, &inf_b)?, &super::equal(&a, &b)?)?;
        out = super::logical_or(&out, &both_inf)?;
        if equal_nan {
            let both_nan = super::logical_and(&super::isnan(&a)?, &super::isnan(&b)?)?;
            out = super::logical_or(&out, &both_nan)?;
        }
    }
    Ok(out)
}

/// Elementwise `x == inf || x == -inf`, MLX's test in `isclose`: for complex numbers
/// that is an infinite real part with a zero imaginary part, not `isinf`.
fn infinite(x: &Array) -> Result<Array> {
    let pos = super::equal(x, &scalar_of(Scalar::Float(f64::INFINITY), x.dtype()))?;
    let neg = super::equal(x, &scalar_of(Scalar::Float(f64::NEG_INFINITY), x.dtype()))?;
    super::logical_or(&pos, &neg)
}

/// Whether every element pair is [`isclose`]: a 0-d bool array. Shapes must broadcast.
pub fn allclose(a: &Array, b: &Array, rtol: f64, atol: f64, equal_nan: bool) -> Result<Array> {
    super::all_all(&isclose(a, b, rtol, atol, equal_nan)?, false)
}

/// Whether `a` and `b` have the same shape and equal values (after promotion; dtypes may
/// differ): a 0-d bool array. Different shapes give false without comparing, as in MLX;
/// with `equal_nan`, NaNs in the same places count as equal.
pub fn array_equal(a: &Array, b: &Array, equal_nan: bool) -> Result<Array> {
    if a.shape() != b.shape() {
        return Ok(Array::scalar(false));
    }
    let mut eq = super::equal(a, b)?;
    let dt = promote_types(a.dtype(), b.dtype());
    if equal_nan && dt.is_inexact() {
        let (a, b) = (super::astype(a, dt)?, super::astype(b, dt)?);
        let both_nan = super::logical_and(&super::isnan(&a)?, &super::isnan(&b)?)?;
        eq = super::logical_or(&eq, &both_nan)?;
    }
    super::all_all(&eq, false)
}

/// `(floor_divide(a, b), remainder(a, b))` with promotion and broadcasting. Complex
/// inputs are an error, as in MLX.
pub fn divmod(a: &Array, b: &Array) -> Result<(Array, Array)> {
    if promote_types(a.dtype(), b.dtype()).is_complex() {
        bail!("[divmod] Complex type not supported.");
    }
    Ok((super::floor_divide(a, b)?, super::remainder(a, b)?))
}
