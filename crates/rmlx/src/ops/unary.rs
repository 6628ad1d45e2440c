//! Unary elementwise operations, with MLX's dtype rules:
//! - float math (exp, sqrt, sin, ...) lifts bool and integers to float32;
//! - abs, negative, sign, square, floor, ceil and round keep the dtype (abs of complex64 is
//!   float32);
//! - predicates return bool;
//! - functions MLX does not define for complex64 (or for bool) raise ValueError at the call.

use super::op_stream;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{bail, Result};
use crate::primitives::unary::{NanToNum, StopGradient, Unary, UnaryOp};

/// Builds the node with an explicit output dtype.
fn node(func: &str, op: UnaryOp, a: &Array, out: Dtype) -> Result<Array> {
    let s = op_stream(func)?;
    Ok(Array::from_op(
        a.shape().to_vec(),
        out,
        s,
        Unary(op),
        vec![a.clone()],
    ))
}

/// Same dtype in and out.
fn same(func: &str, op: UnaryOp, a: &Array) -> Result<Array> {
    node(func, op, a, a.dtype())
}

/// Float math: integers and bool go through float32 first.
fn float_math(func: &str, op: UnaryOp, a: &Array) -> Result<Array> {
    let a = super::astype(a, a.dtype().to_inexact())?;
    same(func, op, &a)
}

/// Float math that MLX does not define for complex64.
fn real_math(func: &str, op: UnaryOp, a: &Array) -> Result<Array> {
    no_complex(func, a)?;
    float_math(func, op, a)
}

fn no_complex(func: &str, a: &Array) -> Result<()> {
    if a.dtype() == Dtype::Complex64 {
        bail!("[{func}] Not supported for complex64.");
    }
    Ok(())
}

/// Elementwise absolute value (|z| as float32 for complex64).
pub fn abs(a: &Array) -> Result<Array> {
    let out = if a.dtype() == Dtype::Complex64 {
        Dtype::Float32
    } else {
        a.dtype()
    };
    node("abs", UnaryOp::Abs, a, out)
}

/// Elementwise negation (integers wrap). Not defined for bool.
pub fn negative(a: &Array) -> Result<Array> {
    if a.dtype() == Dtype::Bool {
        bail!("[negative] Not supported for bool, use logical_not instead.");
    }
    same("negative", UnaryOp::Negative, a)
}

/// Elementwise sign: -1, 0 or 1 (0 for NaN); z/|z| for complex.
pub fn sign(a: &Array) -> Result<Array> {
    same("sign", UnaryOp::Sign, a)
}

/// Elementwise square root.
pub fn sqrt(a: &Array) -> Result<Array> {
    float_math("sqrt", UnaryOp::Sqrt, a)
}

/// Elementwise reciprocal square root.
pub fn rsqrt(a: &Array) -> Result<Array> {
    float_math("rsqrt", UnaryOp::Rsqrt, a)
}

/// Elementwise square (integers wrap).
pub fn square(a: &Array) -> Result<Array> {
    same("square", UnaryOp::Square, a)
}

/// Elementwise 1/x.
pub fn reciprocal(a: &Array) -> Result<Array> {
    float_math("reciprocal", UnaryOp::Reciprocal, a)
}

/// Elementwise exponential.
pub fn exp(a: &Array) -> Result<Array> {
    float_math("exp", UnaryOp::Exp, a)
}

/// Elementwise e^x - 1.
pub fn expm1(a: &Array) -> Result<Array> {
    real_math("expm1", UnaryOp::Expm1, a)
}

/// Elementwise natural logarithm.
pub fn log(a: &Array) -> Result<Array> {
    float_math("log", UnaryOp::Log, a)
}

/// Elementwise base-2 logarithm.
pub fn log2(a: &Array) -> Result<Array> {
    float_math("log2", UnaryOp::Log2, a)
}

/// Elementwise base-10 logarithm.
pub fn log10(a: &Array) -> Result<Array> {
    float_math("log10", UnaryOp::Log10, a)
}

/// Elementwise log(1 + x).
pub fn log1p(a: &Array) -> Result<Array> {
    float_math("log1p", UnaryOp::Log1p, a)
}

/// Elementwise sine.
pub fn sin(a: &Array) -> Result<Array> {
    float_math("sin", UnaryOp::Sin, a)
}

/// Elementwise cosine.
pub fn cos(a: &Array) -> Result<Array> {
    float_math("cos", UnaryOp::Cos, a)
}

/// Elementwise tangent.
pub fn tan(a: &Array) -> Result<Array> {
    float_math("tan", UnaryOp::Tan, a)
}

/// Elementwise inverse sine.
pub fn arcsin(a: &Array) -> Result<Array> {
    float_math("arcsin", UnaryOp::ArcSin, a)
}

/// Elementwise inverse cosine.
pub fn arccos(a: &Array) -> Result<Array> {
    float_math("arccos", UnaryOp::ArcCos, a)
}

/// Elementwise inverse tangent.
pub fn arctan(a: &Array) -> Result<Array> {
    float_math("arctan", UnaryOp::ArcTan, a)
}

/// Elementwise hyperbolic sine.
pub fn sinh(a: &Array) -> Result<Array> {
    float_math("sinh", UnaryOp::Sinh, a)
}

/// Elementwise hyperbolic cosine.
pub fn cosh(a: &Array) -> Result<Array> {
    float_math("cosh", UnaryOp::Cosh, a)
}

/// Elementwise hyperbolic tangent.
pub fn tanh(a: &Array) -> Result<Array> {
    float_math("tanh", UnaryOp::Tanh, a)
}

/// Elementwise inverse hyperbolic sine.
pub fn arcsinh(a: &Array) -> Result<Array> {
    float_math("arcsinh", UnaryOp::ArcSinh, a)
}

/// Elementwise inverse hyperbolic cosine.
pub fn arccosh(a: &Array) -> Result<Array> {
    float_math("arccosh", UnaryOp::ArcCosh, a)
}

/// Elementwise inverse hyperbolic tangent.
pub fn arctanh(a: &Array) -> Result<Array> {
    float_math("arctanh", UnaryOp::ArcTanh, a)
}

/// Elementwise logistic sigmoid.
pub fn sigmoid(a: &Array) -> Result<Array> {
    real_math("sigmoid", UnaryOp::Sigmoid, a)
}

/// Elementwise error function.
pub fn erf(a: &Array) -> Result<Array> {
    real_math("erf", UnaryOp::Erf, a)
}

/// Elementwise inverse error function.
pub fn erfinv(a: &Array) -> Result<Array> {
    real_math("erfinv", UnaryOp::ErfInv, a)
}

/// Elementwise floor (integers unchanged).
pub fn floor(a: &Array) -> Result<Array> {
    no_complex("floor", a)?;
    same("floor", UnaryOp::Floor, a)
}

/// Elementwise `+a`: the array itself, as MLX returns its input.
pub fn positive(a: &Array) -> Result<Array> {
    Ok(a.clone())
}

/// Rounds toward zero. MLX composes it as `where(a < 0, ceil(a), floor(a))`; integers and
/// bool are returned unchanged.
pub fn trunc(a: &Array) -> Result<Array> {
    no_complex("trunc", a)?;
    if !a.dtype().is_inexact() {
        return Ok(a.clone());
    }
    let negative = super::less(a, &super::scalar_like(0, a)?)?;
    super::where_(&negative, &ceil(a)?, &floor(a)?)
}

/// Elementwise ceiling (integers unchanged).
pub fn ceil(a: &Array) -> Result<Array> {
    no_complex("ceil", a)?;
    same("ceil", UnaryOp::Ceil, a)
}

/// Rounds half to even at `decimals` decimal places (negative: tens, hundreds, ...).
/// As in MLX, `decimals != 0` scales by 10^decimals, rounds and scales back in the
/// (at least float32) working dtype, then casts to the input dtype.
pub fn round(a: &Array, decimals: i32) -> Result<Array> {
    if decimals == 0 {
        return same("round", UnaryOp::Round, a);
    }
    let dt = a.dtype().to_inexact();
    // MLX holds the scale in an f32 and multiplies by its f32 reciprocal.
    let scale = 10f64.powi(decimals) as f32;
    let up = super::multiply(a, &scalar_of(scale as f64, dt)?)?;
    let r = same("round", UnaryOp::Round, &up)?;
    let down = super::multiply(&r, &scalar_of((1.0 / scale) as f64, dt)?)?;
    super::astype(&down, a.dtype())
}

/// A 0-d array of `v` rounded once to `dt`.
fn scalar_of(v: f64, dt: Dtype) -> Result<Array> {
    super::astype(&Array::scalar(v), dt)
}

/// Converts radians to degrees (x * 180/pi in the float dtype).
pub fn degrees(a: &Array) -> Result<Array> {
    let dt = a.dtype().to_inexact();
    super::multiply(a, &scalar_of(180.0 / std::f64::consts::PI, dt)?)
}

/// Converts degrees to radians (x * pi/180 in the float dtype).
pub fn radians(a: &Array) -> Result<Array> {
    let dt = a.dtype().to_inexact();
    super::multiply(a, &scalar_of(std::f64::consts::PI / 180.0, dt)?)
}

/// A bool array of `a`'s shape filled with `v` (predicates on integers).
fn all_bool(a: &Array, v: bool) -> Result<Array> {
    super::full_array(a.shape(), &Array::scalar(v), Dtype::Bool)
}

/// Elementwise NaN test (false for integers; either part NaN for complex).
pub fn isnan(a: &Array) -> Result<Array> {
    if !a.dtype().is_inexact() {
        return all_bool(a, false);
    }
    node("isnan", UnaryOp::IsNaN, a, Dtype::Bool)
}

/// Elementwise infinity test (either part infinite for complex).
pub fn isinf(a: &Array) -> Result<Array> {
    if !a.dtype().is_inexact() {
        return all_bool(a, false);
    }
    node("isinf", UnaryOp::IsInf, a, Dtype::Bool)
}

/// Elementwise finiteness test (true for integers).
pub fn isfinite(a: &Array) -> Result<Array> {
    if !a.dtype().is_inexact() {
        return all_bool(a, true);
    }
    node("isfinite", UnaryOp::IsFinite, a, Dtype::Bool)
}

/// Elementwise test for +inf.
pub fn isposinf(a: &Array) -> Result<Array> {
    if !a.dtype().is_inexact() {
        return all_bool(a, false);
    }
    node("isposinf", UnaryOp::IsPosInf, a, Dtype::Bool)
}

/// Elementwise test for -inf.
pub fn isneginf(a: &Array) -> Result<Array> {
    if !a.dtype().is_inexact() {
        return all_bool(a, false);
    }
    node("isneginf", UnaryOp::IsNegInf, a, Dtype::Bool)
}

/// Elementwise logical not (any dtype is first cast to bool: nonzero is true).
pub fn logical_not(a: &Array) -> Result<Array> {
    let b = super::astype(a, Dtype::Bool)?;
    node("logical_not", UnaryOp::LogicalNot, &b, Dtype::Bool)
}

/// Elementwise bitwise not of integers (logical not for bool).
pub fn bitwise_invert(a: &Array) -> Result<Array> {
    let dt = a.dtype();
    if dt == Dtype::Bool {
        return logical_not(a);
    }
    if !dt.is_integer() {
        bail!("[bitwise_invert] Bitwise inverse only allowed on integer types.");
    }
    same("bitwise_invert", UnaryOp::BitwiseInvert, a)
}

/// Blocks gradients; the value is `a` itself (the output shares its buffer).
pub fn stop_gradient(a: &Array) -> Result<Array> {
    let s = op_stream("stop_gradient")?;
    Ok(Array::from_op(
        a.shape().to_vec(),
        a.dtype(),
        s,
        StopGradient,
        vec![a.clone()],
    ))
}

/// Real part (float32 for complex64; `a` itself otherwise).
pub fn real(a: &Array) -> Result<Array> {
    if a.dtype() != Dtype::Complex64 {
        return Ok(a.clone());
    }
    node("real", UnaryOp::Real, a, Dtype::Float32)
}

/// Imaginary part (float32 for complex64; zeros of `a`'s dtype otherwise).
pub fn imag(a: &Array) -> Result<Array> {
    if a.dtype() != Dtype::Complex64 {
        return super::zeros(a.shape(), a.dtype());
    }
    node("imag", UnaryOp::Imag, a, Dtype::Float32)
}

/// Complex conjugate (`a` itself for real dtypes).
pub fn conjugate(a: &Array) -> Result<Array> {
    if a.dtype() != Dtype::Complex64 {
        return Ok(a.clone());
    }
    same("conjugate", UnaryOp::Conjugate, a)
}

/// Alias of [`conjugate`].
pub fn conj(a: &Array) -> Result<Array> {
    conjugate(a)
}

/// Replaces NaN with `nan` and ±inf with `posinf`/`neginf` (default: the dtype's largest
/// finite magnitude). Integers and bool are returned unchanged. float64 and complex64 need
/// both `posinf` and `neginf` (MLX has no default for them: a ValueError otherwise); complex
/// values are replaced part by part.
pub fn nan_to_num(a: &Array, nan: f32, posinf: Option<f32>, neginf: Option<f32>) -> Result<Array> {
    let dt = a.dtype();
    if !dt.is_inexact() {
        return Ok(a.clone());
    }
    let max = match dt {
        Dtype::Float16 => half::f16::MAX.to_f32(),
        Dtype::Bfloat16 => half::bf16::MAX.to_f32(),
        Dtype::Float32 => f32::MAX,
        _ if posinf.is_some() && neginf.is_some() => f32::MAX,
        _ => bail!("[nan_to_num] Does not yet support given type: {dt}."),
    };
    // Replacement values are stored in the array's dtype (1e10 in float16 is inf).
    let in_dtype = |v: f32| match dt {
        Dtype::Float16 => half::f16::from_f32(v).to_f32(),
        Dtype::Bfloat16 => half::bf16::from_f32(v).to_f32(),
        _ => v,
    };
    let prim = NanToNum {
        nan: in_dtype(nan),
        posinf: in_dtype(posinf.unwrap_or(max)),
        neginf: in_dtype(neginf.unwrap_or(-max)),
    };
    let s = op_stream("nan_to_num")?;
    Ok(Array::from_op(
        a.shape().to_vec(),
        dt,
        s,
        prim,
        vec![a.clone()],
    ))
}

/// Method forms of common elementwise functions, as on MLX's `array`.
impl Array {
    /// [`abs`]
    pub fn abs(&self) -> Result<Array> {
        abs(self)
    }
    /// [`exp`]
    pub fn exp(&self) -> Result<Array> {
        exp(self)
    }
    /// [`log`]
    pub fn log(&self) -> Result<Array> {
        log(self)
    }
    /// [`sqrt`]
    pub fn sqrt(&self) -> Result<Array> {
        sqrt(self)
    }
    /// [`rsqrt`]
    pub fn rsqrt(&self) -> Result<Array> {
        rsqrt(self)
    }
    /// [`square`]
    pub fn square(&self) -> Result<Array> {
        square(self)
    }
    /// [`reciprocal`]
    pub fn reciprocal(&self) -> Result<Array> {
        reciprocal(self)
    }
    /// [`sin`]
    pub fn sin(&self) -> Result<Array> {
        sin(self)
    }
    /// [`cos`]
    pub fn cos(&self) -> Result<Array> {
        cos(self)
    }
    /// [`round`] to `decimals` places.
    pub fn round(&self, decimals: i32) -> Result<Array> {
        round(self, decimals)
    }
    /// Converts to `dtype` ([`astype`](super::astype)).
    pub fn astype(&self, dtype: crate::Dtype) -> Result<Array> {
        super::astype(self, dtype)
    }
}
