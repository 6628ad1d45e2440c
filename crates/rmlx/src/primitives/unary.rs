//! Unary elementwise primitives.
//!
//! The op layer (`crate::ops::unary`) lifts integer inputs of the float math functions to
//! float32 and rejects unsupported dtypes, so each kernel here instantiates only for the
//! dtypes its op can hand it. f16 and bf16 compute through f32; f32 uses the vectorizable
//! functions of `backend::cpu::vmath` where there is one.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::complex_math as cm;
use crate::backend::cpu::dispatch::{dispatch_int, dispatch_real};
use crate::backend::cpu::elementwise::unary;
use crate::backend::cpu::mlx_math;
use crate::backend::cpu::vmath;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::transforms::rules::hermitian;
use crate::transforms::rules::unary as rules;
use half::{bf16, f16};
use num_complex::Complex32;

/// Which unary function. Names follow MLX's primitives; `Reciprocal`, `NanToNum` and the
/// `Is*` predicates are one-pass fusions of what MLX builds from Divide, Equal and Select.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum UnaryOp {
    Abs,
    Negative,
    Sign,
    Sqrt,
    Rsqrt,
    Square,
    Reciprocal,
    Exp,
    Expm1,
    Log,
    Log2,
    Log10,
    Log1p,
    Sin,
    Cos,
    Tan,
    ArcSin,
    ArcCos,
    ArcTan,
    Sinh,
    Cosh,
    Tanh,
    ArcSinh,
    ArcCosh,
    ArcTanh,
    Sigmoid,
    Erf,
    ErfInv,
    Floor,
    Ceil,
    Round,
    LogicalNot,
    BitwiseInvert,
    Real,
    Imag,
    Conjugate,
    IsNaN,
    IsInf,
    IsFinite,
    IsPosInf,
    IsNegInf,
}

impl UnaryOp {
    /// MLX's primitive name.
    pub fn name(self) -> &'static str {
        use UnaryOp::*;
        match self {
            Abs => "Abs",
            Negative => "Negative",
            Sign => "Sign",
            Sqrt => "Sqrt",
            Rsqrt => "Rsqrt",
            Square => "Square",
            Reciprocal => "Reciprocal",
            Exp => "Exp",
            Expm1 => "Expm1",
            Log => "Log",
            Log2 => "Log2",
            Log10 => "Log10",
            Log1p => "Log1p",
            Sin => "Sin",
            Cos => "Cos",
            Tan => "Tan",
            ArcSin => "ArcSin",
            ArcCos => "ArcCos",
            ArcTan => "ArcTan",
            Sinh => "Sinh",
            Cosh => "Cosh",
            Tanh => "Tanh",
            ArcSinh => "ArcSinh",
            ArcCosh => "ArcCosh",
            ArcTanh => "ArcTanh",
            Sigmoid => "Sigmoid",
            Erf => "Erf",
            ErfInv => "ErfInv",
            Floor => "Floor",
            Ceil => "Ceil",
            Round => "Round",
            LogicalNot => "LogicalNot",
            BitwiseInvert => "BitwiseInvert",
            Real => "Real",
            Imag => "Imag",
            Conjugate => "Conjugate",
            IsNaN => "IsNaN",
            IsInf => "IsInf",
            IsFinite => "IsFinite",
            IsPosInf => "IsPosInf",
            IsNegInf => "IsNegInf",
        }
    }
}

/// A unary elementwise primitive.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unary(pub UnaryOp);

fn unsupported(op: UnaryOp, dt: Dtype) -> Error {
    Error::InvalidArgument(format!("[{}] Unsupported dtype {dt}.", op.name()))
}

/// Runs a float function: f32 (and through it f16/bf16), f64 and optionally complex64.
macro_rules! float_kernel {
    ($ctx:expr, $op:expr, $dt:expr, $f:expr, $g:expr $(, $c:expr)?) => {{
        match $dt {
            Dtype::Float32 => unary::<f32, f32>($ctx, $f),
            Dtype::Float16 => unary::<f16, f16>($ctx, |x: f16| f16::from_f32(($f)(x.to_f32()))),
            Dtype::Bfloat16 => unary::<bf16, bf16>($ctx, |x: bf16| bf16::from_f32(($f)(x.to_f32()))),
            Dtype::Float64 => unary::<f64, f64>($ctx, $g),
            $(Dtype::Complex64 => unary::<Complex32, Complex32>($ctx, $c),)?
            dt => Err(unsupported($op, dt)),
        }
    }};
}

/// Runs a predicate on floats (through f32 for the halves), f64 and complex64.
macro_rules! predicate_kernel {
    ($ctx:expr, $op:expr, $dt:expr, $f:expr, $g:expr, $c:expr) => {{
        match $dt {
            Dtype::Float32 => unary::<f32, bool>($ctx, $f),
            Dtype::Float16 => unary::<f16, bool>($ctx, |x: f16| ($f)(x.to_f32())),
            Dtype::Bfloat16 => unary::<bf16, bool>($ctx, |x: bf16| ($f)(x.to_f32())),
            Dtype::Float64 => unary::<f64, bool>($ctx, $g),
            Dtype::Complex64 => unary::<Complex32, bool>($ctx, $c),
            dt => Err(unsupported($op, dt)),
        }
    }};
}

/// Integer helpers the std inherent methods don't cover uniformly (unsigned abs, sign).
trait IntOps: Copy {
    fn abs_wrap(self) -> Self;
    fn sign(self) -> Self;
}
macro_rules! int_ops {
    (signed: $($t:ty),*; unsigned: $($u:ty),*) => {
        $(impl IntOps for $t {
            #[inline(always)] fn abs_wrap(self) -> Self { self.wrapping_abs() }
            #[inline(always)] fn sign(self) -> Self { self.signum() }
        })*
        $(impl IntOps for $u {
            #[inline(always)] fn abs_wrap(self) -> Self { self }
            #[inline(always)] fn sign(self) -> Self { (self != 0) as $u }
        })*
    };
}
int_ops!(signed: i8, i16, i32, i64; unsigned: u8, u16, u32, u64);

/// sign for floats as MLX computes it: (x > 0) - (x < 0), so NaN and -0 give +0.
#[inline(always)]
fn sign_f32(x: f32) -> f32 {
    (x > 0.0) as u8 as f32 - (x < 0.0) as u8 as f32
}
#[inline(always)]
fn sign_f64(x: f64) -> f64 {
    (x > 0.0) as u8 as f64 - (x < 0.0) as u8 as f64
}

/// Round half to even, also for f16/bf16 through f32.
#[inline(always)]
fn rint_c(z: Complex32) -> Complex32 {
    Complex32::new(z.re.round_ties_even(), z.im.round_ties_even())
}

impl Primitive for Unary {
    equivalent_by_eq!();
    same_shape_output!();
    fn name(&self) -> String {
        self.0.name().into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], _: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        hermitian(p, c, |c| {
            Ok(vec![rules::times_derivative(self.0, &p[0], &o[0], &c[0])?])
        })
    }
    fn jvp(&self, p: &[Array], t: &[Array], _: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![rules::jvp(self.0, &p[0], &o[0], &t[0])?])
    }
    fn vmap(&self, inputs: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        rules::vmap(self.0, inputs, axes)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        use UnaryOp as U;
        let op = self.0;
        let dt = ctx.inputs[0].dtype();
        let out = match op {
            U::Abs => match dt {
                Dtype::Bool => unary::<bool, bool>(ctx, |x| x),
                Dtype::Complex64 => unary::<Complex32, f32>(ctx, |z| z.norm()),
                _ if dt.is_integer() => {
                    dispatch_int!(dt, T => unary::<T, T>(ctx, |x: T| x.abs_wrap()), else => Err(unsupported(op, dt)))
                }
                _ => float_kernel!(ctx, op, dt, |x: f32| x.abs(), |x: f64| x.abs()),
            },
            U::Negative => match dt {
                Dtype::Complex64 => unary::<Complex32, Complex32>(ctx, |z| -z),
                _ if dt.is_integer() => {
                    dispatch_int!(dt, T => unary::<T, T>(ctx, |x: T| x.wrapping_neg()), else => Err(unsupported(op, dt)))
                }
                _ => float_kernel!(ctx, op, dt, |x: f32| -x, |x: f64| -x),
            },
            U::Sign => match dt {
                Dtype::Bool => unary::<bool, bool>(ctx, |x| x),
                Dtype::Complex64 => unary::<Complex32, Complex32>(ctx, cm::sign),
                _ if dt.is_integer() => {
                    dispatch_int!(dt, T => unary::<T, T>(ctx, |x: T| x.sign()), else => Err(unsupported(op, dt)))
                }
                _ => float_kernel!(ctx, op, dt, sign_f32, sign_f64),
            },
            U::Square => match dt {
                Dtype::Bool => unary::<bool, bool>(ctx, |x| x),
                _ if dt.is_integer() => {
                    dispatch_int!(dt, T => unary::<T, T>(ctx, |x: T| x.wrapping_mul(x)), else => Err(unsupported(op, dt)))
                }
                _ => float_kernel!(ctx, op, dt, |x: f32| x * x, |x: f64| x * x, cm::square),
            },
            U::Floor | U::Ceil | U::Round if !dt.is_inexact() => {
                // Integers and bool are already whole: a copy (MLX keeps the node too).
                dispatch_real!(dt, T => unary::<T, T>(ctx, |x: T| x), else => Err(unsupported(op, dt)))
            }
            U::Floor => float_kernel!(ctx, op, dt, |x: f32| x.floor(), |x: f64| x.floor()),
            U::Ceil => float_kernel!(ctx, op, dt, |x: f32| x.ceil(), |x: f64| x.ceil()),
            U::Round => float_kernel!(
                ctx,
                op,
                dt,
                |x: f32| x.round_ties_even(),
                |x: f64| x.round_ties_even(),
                rint_c
            ),
            U::Sqrt => float_kernel!(ctx, op, dt, |x: f32| x.sqrt(), |x: f64| x.sqrt(), cm::sqrt),
            U::Rsqrt => float_kernel!(
                ctx,
                op,
                dt,
                |x: f32| 1.0 / x.sqrt(),
                |x: f64| 1.0 / x.sqrt(),
                cm::rsqrt
            ),
            U::Reciprocal => float_kernel!(
                ctx,
                op,
                dt,
                |x: f32| 1.0 / x,
                |x: f64| 1.0 / x,
                cm::reciprocal
            ),
            U::Exp => float_kernel!(ctx, op, dt, vmath::exp_f32, f64::exp, cm::exp),
            U::Expm1 => float_kernel!(ctx, op, dt, vmath::expm1_f32, f64::exp_m1),
            U::Log => float_kernel!(ctx, op, dt, vmath::log_f32, f64::ln, cm::ln),
            U::Log2 => float_kernel!(ctx, op, dt, vmath::log2_f32, f64::log2, cm::log2),
            U::Log10 => float_kernel!(ctx, op, dt, vmath::log10_f32, f64::log10, cm::log10),
            U::Log1p => float_kernel!(ctx, op, dt, vmath::log1p_f32, f64::ln_1p, cm::log1p),
            U::Sin => float_kernel!(ctx, op, dt, vmath::sin_f32, f64::sin, cm::sin),
            U::Cos => float_kernel!(ctx, op, dt, vmath::cos_f32, f64::cos, cm::cos),
            U::Tan => float_kernel!(ctx, op, dt, f32::tan, f64::tan, cm::tan),
            U::ArcSin => float_kernel!(ctx, op, dt, f32::asin, f64::asin, cm::asin),
            U::ArcCos => float_kernel!(ctx, op, dt, f32::acos, f64::acos, cm::acos),
            U::ArcTan => float_kernel!(ctx, op, dt, f32::atan, f64::atan, cm::atan),
            U::Sinh => float_kernel!(ctx, op, dt, f32::sinh, f64::sinh, cm::sinh),
            U::Cosh => float_kernel!(ctx, op, dt, f32::cosh, f64::cosh, cm::cosh),
            U::Tanh => float_kernel!(ctx, op, dt, vmath::tanh_f32, f64::tanh, cm::tanh),
            U::ArcSinh => float_kernel!(ctx, op, dt, f32::asinh, f64::asinh, cm::asinh),
            U::ArcCosh => float_kernel!(ctx, op, dt, f32::acosh, f64::acosh, cm::acosh),
            U::ArcTanh => float_kernel!(ctx, op, dt, f32::atanh, f64::atanh, cm::atanh),
            U::Sigmoid => float_kernel!(ctx, op, dt, vmath::sigmoid_f32, |x: f64| 1.0
                / (1.0 + (-x).exp())),
            U::Erf => float_kernel!(ctx, op, dt, vmath::erf_f32, vmath::erf_f64),
            // MLX's own approximation (bit for bit), computed in float32 for every type.
            U::ErfInv => float_kernel!(ctx, op, dt, mlx_math::erfinv_f32, |x: f64| f64::from(
                mlx_math::erfinv_f32(x as f32)
            )),
            U::LogicalNot => match dt {
                Dtype::Bool => unary::<bool, bool>(ctx, |x| !x),
                _ => Err(unsupported(op, dt)),
            },
            U::BitwiseInvert => {
                dispatch_int!(dt, T => unary::<T, T>(ctx, |x: T| !x), else => Err(unsupported(op, dt)))
            }
            U::Real => match dt {
                Dtype::Complex64 => unary::<Complex32, f32>(ctx, |z| z.re),
                _ => Err(unsupported(op, dt)),
            },
            U::Imag => match dt {
                Dtype::Complex64 => unary::<Complex32, f32>(ctx, |z| z.im),
                _ => Err(unsupported(op, dt)),
            },
            U::Conjugate => match dt {
                Dtype::Complex64 => unary::<Complex32, Complex32>(ctx, |z| z.conj()),
                _ => Err(unsupported(op, dt)),
            },
            U::IsNaN => predicate_kernel!(
                ctx,
                op,
                dt,
                |x: f32| x.is_nan(),
                |x: f64| x.is_nan(),
                |z: Complex32| z.re.is_nan() || z.im.is_nan()
            ),
            U::IsInf => predicate_kernel!(
                ctx,
                op,
                dt,
                |x: f32| x.is_infinite(),
                |x: f64| x.is_infinite(),
                |z: Complex32| z.re.is_infinite() || z.im.is_infinite()
            ),
            U::IsFinite => predicate_kernel!(
                ctx,
                op,
                dt,
                |x: f32| x.is_finite(),
                |x: f64| x.is_finite(),
                |z: Complex32| z.re.is_finite() && z.im.is_finite()
            ),
            // Complex: equal to (±inf + 0j), as MLX's comparison with the scalar gives.
            U::IsPosInf => predicate_kernel!(
                ctx,
                op,
                dt,
                |x: f32| x == f32::INFINITY,
                |x: f64| x == f64::INFINITY,
                |z: Complex32| z.re == f32::INFINITY && z.im == 0.0
            ),
            U::IsNegInf => predicate_kernel!(
                ctx,
                op,
                dt,
                |x: f32| x == f32::NEG_INFINITY,
                |x: f64| x == f64::NEG_INFINITY,
                |z: Complex32| z.re == f32::NEG_INFINITY && z.im == 0.0
            ),
        }?;
        Ok(vec![out])
    }
}

/// Replaces NaN and infinities with finite values (`nan_to_num`), fused into one pass. The
/// replacements are already rounded to the array's dtype by the op.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NanToNum {
    pub nan: f32,
    pub posinf: f32,
    pub neginf: f32,
}

impl Primitive for NanToNum {
    equivalent_by_eq!();
    same_shape_output!();
    fn name(&self) -> String {
        "NanToNum".into()
    }
    /// Gradient flows where the input was finite (the values kept), zero elsewhere.
    fn vjp(&self, p: &[Array], c: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![finite_only(&p[0], &c[0])?])
    }
    fn jvp(&self, p: &[Array], t: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![finite_only(&p[0], &t[0])?])
    }
    fn vmap(&self, inputs: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        let x = &inputs[0];
        let out = crate::ops::nan_to_num(x, self.nan, Some(self.posinf), Some(self.neginf))?;
        Ok((vec![out], vec![axes[0]]))
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let (nan, pinf, ninf) = (self.nan, self.posinf, self.neginf);
        let f = move |x: f32| {
            let y = if x.is_nan() { nan } else { x };
            let y = if x == f32::INFINITY { pinf } else { y };
            if x == f32::NEG_INFINITY {
                ninf
            } else {
                y
            }
        };
        let dt = ctx.inputs[0].dtype();
        let out = match dt {
            Dtype::Float32 => unary::<f32, f32>(ctx, f),
            Dtype::Float16 => unary::<f16, f16>(ctx, |x: f16| f16::from_f32(f(x.to_f32()))),
            Dtype::Bfloat16 => unary::<bf16, bf16>(ctx, |x: bf16| bf16::from_f32(f(x.to_f32()))),
            Dtype::Float64 => {
                let (nan, pinf, ninf) = (nan as f64, pinf as f64, ninf as f64);
                unary::<f64, f64>(ctx, move |x: f64| {
                    if x.is_nan() {
                        nan
                    } else if x == f64::INFINITY {
                        pinf
                    } else if x == f64::NEG_INFINITY {
                        ninf
                    } else {
                        x
                    }
                })
            }
            Dtype::Complex64 => unary::<Complex32, Complex32>(ctx, move |z: Complex32| {
                Complex32::new(f(z.re), f(z.im))
            }),
            _ => Err(Error::InvalidArgument(format!(
                "[nan_to_num] Does not yet support given type: {dt}."
            ))),
        }?;
        Ok(vec![out])
    }
}

/// Cuts the graph for gradients; evaluates to a view of its input (same buffer).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StopGradient;

impl Primitive for StopGradient {
    equivalent_by_eq!();
    same_shape_output!();
    fn name(&self) -> String {
        "StopGradient".into()
    }
    fn vjp(&self, p: &[Array], _: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![crate::ops::zeros_like(&p[0])?])
    }
    fn jvp(&self, p: &[Array], _: &[Array], _: &[usize], _: &[Array]) -> Result<Vec<Array>> {
        Ok(vec![crate::ops::zeros_like(&p[0])?])
    }
    fn vmap(&self, inputs: &[Array], axes: &[Option<usize>], _: &[Array]) -> Result<VmapResult> {
        Ok((vec![crate::ops::stop_gradient(&inputs[0])?], vec![axes[0]]))
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let x = ctx.input(0);
        Ok(vec![x.view(
            ctx.output(0).shape(),
            x.strides.clone(),
            x.offset,
        )])
    }
}

/// `v` where `x` is finite, 0 elsewhere.
fn finite_only(x: &Array, v: &Array) -> Result<Array> {
    let keep = crate::ops::isfinite(x)?;
    crate::ops::where_(&keep, v, &crate::ops::zeros_like(v)?)
}
