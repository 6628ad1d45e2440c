//! Rules of the unary elementwise primitives.
//!
//! For an elementwise function the Jacobian is diagonal, so the vjp and the jvp are the same
//! product `f'(x) · v`; [`times_derivative`] computes it once for both. For complex inputs
//! the vjp is that transpose product wrapped by [`super::hermitian`] (MLX's `conj(f'(z))·c`).

use super::{cast_like, k};
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::unary::UnaryOp;
use crate::primitives::VmapResult;

/// `f'(x) · v` for the unary function `op` with input `x` and output `out`.
pub(crate) fn times_derivative(op: UnaryOp, x: &Array, out: &Array, v: &Array) -> Result<Array> {
    use UnaryOp::*;
    let m = ops::multiply;
    let d = ops::divide;
    let r = match op {
        // For complex `z`, |z| is not holomorphic: its transpose product is
        // `v·conj(z)/|z|` (whose real part is also the jvp), `sign(z)` being `z/|z|`.
        Abs if x.dtype().is_complex() => m(v, &ops::conjugate(&ops::sign(x)?)?)?,
        Abs => m(v, &ops::sign(x)?)?,
        Negative => ops::negative(v)?,
        Sqrt => d(v, &m(&k(2.0, out)?, out)?)?,
        // d/dx x^-1/2 = -1/2 · x^-3/2 = -1/2 · out / x
        Rsqrt => m(v, &d(&m(&k(-0.5, out)?, out)?, x)?)?,
        Square => m(v, &m(&k(2.0, x)?, x)?)?,
        Reciprocal => ops::negative(&m(v, &ops::square(out)?)?)?,
        Exp => m(v, out)?,
        Expm1 => m(v, &ops::add(out, &k(1.0, out)?)?)?,
        Log => d(v, x)?,
        Log2 => d(v, &m(x, &k(std::f64::consts::LN_2, x)?)?)?,
        Log10 => d(v, &m(x, &k(std::f64::consts::LN_10, x)?)?)?,
        Log1p => d(v, &ops::add(x, &k(1.0, x)?)?)?,
        Sin => m(v, &ops::cos(x)?)?,
        Cos => ops::negative(&m(v, &ops::sin(x)?)?)?,
        Tan => d(v, &ops::square(&ops::cos(x)?)?)?,
        ArcSin => d(
            v,
            &ops::sqrt(&ops::subtract(&k(1.0, x)?, &ops::square(x)?)?)?,
        )?,
        ArcCos => ops::negative(&d(
            v,
            &ops::sqrt(&ops::subtract(&k(1.0, x)?, &ops::square(x)?)?)?,
        )?)?,
        ArcTan => d(v, &ops::add(&k(1.0, x)?, &ops::square(x)?)?)?,
        Sinh => m(v, &ops::cosh(x)?)?,
        Cosh => m(v, &ops::sinh(x)?)?,
        Tanh => m(v, &ops::subtract(&k(1.0, out)?, &ops::square(out)?)?)?,
        ArcSinh => d(v, &ops::sqrt(&ops::add(&ops::square(x)?, &k(1.0, x)?)?)?)?,
        ArcCosh => d(
            v,
            &ops::sqrt(&ops::subtract(&ops::square(x)?, &k(1.0, x)?)?)?,
        )?,
        ArcTanh => d(v, &ops::subtract(&k(1.0, x)?, &ops::square(x)?)?)?,
        Sigmoid => m(v, &m(out, &ops::subtract(&k(1.0, out)?, out)?)?)?,
        // d/dx erf(x) = 2/√π · exp(-x²)
        Erf => m(
            v,
            &m(
                &k(std::f64::consts::FRAC_2_SQRT_PI, x)?,
                &ops::exp(&ops::negative(&ops::square(x)?)?)?,
            )?,
        )?,
        // d/dx erfinv(x) = √π/2 · exp(erfinv(x)²)
        ErfInv => m(
            v,
            &m(
                &k(std::f64::consts::PI.sqrt() / 2.0, out)?,
                &ops::exp(&ops::square(out)?)?,
            )?,
        )?,
        Conjugate => ops::conjugate(v)?,
        Real => return real_part_rule(v, x),
        Imag => return imag_part_rule(v, x),
        // Piecewise constant or not differentiable (integer-valued): zero derivative.
        Sign | Floor | Ceil | Round | LogicalNot | BitwiseInvert | IsNaN | IsInf | IsFinite
        | IsPosInf | IsNegInf => return ops::zeros_like(x),
    };
    cast_like(&r, x)
}

/// The vjp of `real(z)`: a real cotangent becomes the complex `c + 0i`.
fn real_part_rule(v: &Array, x: &Array) -> Result<Array> {
    if v.dtype() == x.dtype() {
        return Ok(v.clone());
    }
    ops::astype(v, x.dtype())
}

/// The transpose product of `imag(z)`: a real cotangent `c` becomes `-c·i` (MLX's `c·i`
/// once [`super::hermitian`] conjugates it).
fn imag_part_rule(v: &Array, x: &Array) -> Result<Array> {
    let c = ops::astype(v, x.dtype())?;
    let minus_i = Array::from_slice(&[num_complex::Complex32::new(0.0, -1.0)], &[])?;
    ops::multiply(&c, &minus_i)
}

/// The forward direction of `real`/`imag`: the part of the complex tangent.
pub(crate) fn jvp(op: UnaryOp, x: &Array, out: &Array, t: &Array) -> Result<Array> {
    match op {
        UnaryOp::Real => ops::real(t),
        UnaryOp::Imag => ops::imag(t),
        _ => times_derivative(op, x, out, t).and_then(|r| cast_like(&r, out)),
    }
}

/// Applies `op` through its op function (for batching: same dtype rules as the original).
pub(crate) fn apply(op: UnaryOp, x: &Array) -> Result<Array> {
    use UnaryOp::*;
    match op {
        Abs => ops::abs(x),
        Negative => ops::negative(x),
        Sign => ops::sign(x),
        Sqrt => ops::sqrt(x),
        Rsqrt => ops::rsqrt(x),
        Square => ops::square(x),
        Reciprocal => ops::reciprocal(x),
        Exp => ops::exp(x),
        Expm1 => ops::expm1(x),
        Log => ops::log(x),
        Log2 => ops::log2(x),
        Log10 => ops::log10(x),
        Log1p => ops::log1p(x),
        Sin => ops::sin(x),
        Cos => ops::cos(x),
        Tan => ops::tan(x),
        ArcSin => ops::arcsin(x),
        ArcCos => ops::arccos(x),
        ArcTan => ops::arctan(x),
        Sinh => ops::sinh(x),
        Cosh => ops::cosh(x),
        Tanh => ops::tanh(x),
        ArcSinh => ops::arcsinh(x),
        ArcCosh => ops::arccosh(x),
        ArcTanh => ops::arctanh(x),
        Sigmoid => ops::sigmoid(x),
        Erf => ops::erf(x),
        ErfInv => ops::erfinv(x),
        Floor => ops::floor(x),
        Ceil => ops::ceil(x),
        Round => ops::round(x, 0),
        LogicalNot => ops::logical_not(x),
        BitwiseInvert => ops::bitwise_invert(x),
        Real => ops::real(x),
        Imag => ops::imag(x),
        Conjugate => ops::conjugate(x),
        IsNaN => ops::isnan(x),
        IsInf => ops::isinf(x),
        IsFinite => ops::isfinite(x),
        IsPosInf => ops::isposinf(x),
        IsNegInf => ops::isneginf(x),
    }
}

/// Elementwise: apply to the batched input; the batch axis stays where it is.
pub(crate) fn vmap(op: UnaryOp, inputs: &[Array], axes: &[Option<usize>]) -> Result<VmapResult> {
    Ok((vec![apply(op, &inputs[0])?], vec![axes[0]]))
}
