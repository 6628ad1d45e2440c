//! Unary functions evaluated exactly as MLX's CPU build evaluates them
//! ([`crate::backend::cpu::mlx_math`]), for graphs whose bits must equal MLX's (the
//! `mx.random` distributions). They carry MLX's primitive names, so a printed graph reads
//! as MLX's does; the general `mx.exp`/`mx.log`/... keep the fast vectorized kernels.

use super::VmapResult;
use super::{KernelCtx, Primitive};
use crate::array::Array;
use crate::array::ArrayData;
use crate::backend::cpu::elementwise::unary;
use crate::backend::cpu::mlx_math;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::transforms::rules::structure as rules;
use crate::transforms::rules::unary as unary_rules;
use half::{bf16, f16};

/// The functions with an MLX-exact kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MlxFn {
    Exp,
    Erf,
    Log,
    Log1p,
}

impl MlxFn {
    fn name(self) -> &'static str {
        match self {
            MlxFn::Exp => "Exp",
            MlxFn::Erf => "Erf",
            MlxFn::Log => "Log",
            MlxFn::Log1p => "Log1p",
        }
    }
    /// The float32 function (half types widen to it, as in MLX).
    fn f32(self) -> fn(f32) -> f32 {
        match self {
            MlxFn::Exp => mlx_math::exp_f32,
            MlxFn::Erf => mlx_math::erf_f32,
            MlxFn::Log => mlx_math::log_f32,
            MlxFn::Log1p => mlx_math::log1p_f32,
        }
    }
    /// The float64 function: the C library for log/log1p, float32 for MLX's polynomials.
    fn f64(self) -> fn(f64) -> f64 {
        match self {
            MlxFn::Exp => |x| f64::from(mlx_math::exp_f32(x as f32)),
            MlxFn::Erf => |x| f64::from(mlx_math::erf_f32(x as f32)),
            MlxFn::Log => f64::ln,
            MlxFn::Log1p => f64::ln_1p,
        }
    }
}

/// A real floating elementwise function computed as MLX computes it.
#[derive(Debug, Clone)]
pub(crate) struct MlxUnary(pub MlxFn);

impl Primitive for MlxUnary {
    fn name(&self) -> String {
        self.0.name().into()
    }
    #[allow(unused_variables)]
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        let op = rules::mlx_unary_op(self.0);
        Ok(vec![unary_rules::times_derivative(
            op, &p[0], &o[0], &c[0],
        )?])
    }
    #[allow(unused_variables)]
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        let op = rules::mlx_unary_op(self.0);
        Ok(vec![unary_rules::jvp(op, &p[0], &o[0], &t[0])?])
    }
    #[allow(unused_variables)]
    fn vmap(&self, x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        // Elementwise: the batch axis stays where it is.
        Ok((vec![rules::mlx_unary_apply(self.0, &x[0])?], vec![axes[0]]))
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let f = self.0.f32();
        let out = match ctx.inputs[0].dtype() {
            Dtype::Float32 => unary::<f32, f32>(ctx, f),
            Dtype::Float16 => unary::<f16, f16>(ctx, move |x: f16| f16::from_f32(f(x.to_f32()))),
            Dtype::Bfloat16 => {
                unary::<bf16, bf16>(ctx, move |x: bf16| bf16::from_f32(f(x.to_f32())))
            }
            Dtype::Float64 => unary::<f64, f64>(ctx, self.0.f64()),
            dt => Err(Error::InvalidArgument(format!(
                "[{}] Unsupported dtype {dt}.",
                self.0.name()
            ))),
        }?;
        Ok(vec![out])
    }
}
