//! Binary elementwise primitives (inputs are broadcast to the output shape by the op layer).

use super::{KernelCtx, Primitive};
use crate::array::ArrayData;
use crate::backend::cpu::dispatch::dispatch_float;
use crate::backend::cpu::elementwise::binary;
use crate::error::{Error, Result};

/// Which binary function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BinaryOp {
    Add,
    Multiply,
}

impl BinaryOp {
    /// MLX's primitive name.
    pub fn name(self) -> &'static str {
        match self {
            BinaryOp::Add => "Add",
            BinaryOp::Multiply => "Multiply",
        }
    }
}

/// A binary elementwise primitive.
#[derive(Debug, Clone)]
pub(crate) struct Binary(pub BinaryOp);

impl Primitive for Binary {
    fn name(&self) -> String {
        self.0.name().into()
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        let dt = ctx.inputs[0].dtype();
        let bad = || Error::InvalidArgument(format!("[{}] Unsupported dtype {dt}.", self.0.name()));
        let out = match self.0 {
            BinaryOp::Add => dispatch_float!(dt, T => binary::<T, T>(ctx, |x: T, y: T| x + y), else => Err(bad()))?,
            BinaryOp::Multiply => dispatch_float!(dt, T => binary::<T, T>(ctx, |x: T, y: T| x * y), else => Err(bad()))?,
        };
        Ok(vec![out])
    }
}
