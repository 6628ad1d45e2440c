//! Unary elementwise primitives.

use super::{KernelCtx, Primitive};
use crate::array::ArrayData;
use crate::backend::cpu::dispatch::dispatch_float;
use crate::backend::cpu::elementwise::unary;
use crate::error::{Error, Result};

/// Which unary function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum UnaryOp {
    Abs,
    Exp,
}

impl UnaryOp {
    /// MLX's primitive name.
    pub fn name(self) -> &'static str {
        match self {
            UnaryOp::Abs => "Abs",
            UnaryOp::Exp => "Exp",
        }
    }
}

/// A unary elementwise primitive.
#[derive(Debug, Clone)]
pub(crate) struct Unary(pub UnaryOp);

fn unsupported(op: UnaryOp, dt: crate::Dtype) -> Error {
    Error::InvalidArgument(format!("[{}] Unsupported dtype {dt}.", op.name().to_lowercase()))
}

impl Primitive for Unary {
    fn name(&self) -> String {
        self.0.name().into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let dt = ctx.inputs[0].dtype();
        let out = match self.0 {
            UnaryOp::Abs => dispatch_float!(dt, T => unary::<T, T>(ctx, |x: T| num_traits::Float::abs(x)), else => Err(unsupported(self.0, dt)))?,
            UnaryOp::Exp => dispatch_float!(dt, T => unary::<T, T>(ctx, |x: T| num_traits::Float::exp(x)), else => Err(unsupported(self.0, dt)))?,
        };
        Ok(vec![out])
    }
}
