//! Binary elementwise primitives. The op layer promotes and broadcasts, so both inputs have
//! the output's shape and one dtype; comparisons and logical ops output bool.
//!
//! Kernel choice keeps code size in check: the SIMD-multiversioned `elementwise::binary`
//! ("fast") runs the cheap ops that vectorize (f32/f64 arithmetic, comparisons and extrema;
//! integer add/subtract/multiply, bitwise ops and equality, which share one instantiation
//! per width because they are bit-identical for signed and unsigned types). Everything else
//! (bool, f16, bf16, complex, integer division, powers, libm calls) runs the compact kernel.

use super::{KernelCtx, Primitive, VmapResult};
use crate::array::{Array, ArrayData};
use crate::backend::cpu::arith::{Arith, Atan2, Inexact, Logic, Rem, Shift};
use crate::backend::cpu::compact::binary_compact as compact;
use crate::backend::cpu::dispatch::{dispatch_all, dispatch_float, dispatch_real};
use crate::backend::cpu::elementwise::binary as fast;
use crate::dtype::Dtype;
use crate::error::{Error, Result};
use crate::transforms::rules::binary as rules;
use crate::transforms::rules::hermitian;
use half::{bf16, f16};
use num_complex::Complex32;

/// Which binary function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum BinaryOp {
    Add,
    Subtract,
    Multiply,
    Divide,
    FloorDivide,
    Remainder,
    Power,
    Maximum,
    Minimum,
    LogAddExp,
    ArcTan2,
    Equal,
    NotEqual,
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    LogicalAnd,
    LogicalOr,
    BitwiseAnd,
    BitwiseOr,
    BitwiseXor,
    LeftShift,
    RightShift,
}

impl BinaryOp {
    /// MLX's primitive name (MLX prints its `BitwiseBinary` by operation).
    pub fn name(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "Add",
            Subtract => "Subtract",
            Multiply => "Multiply",
            Divide => "Divide",
            FloorDivide => "FloorDivide",
            Remainder => "Remainder",
            Power => "Power",
            Maximum => "Maximum",
            Minimum => "Minimum",
            LogAddExp => "LogAddExp",
            ArcTan2 => "ArcTan2",
            Equal => "Equal",
            NotEqual => "NotEqual",
            Greater => "Greater",
            GreaterEqual => "GreaterEqual",
            Less => "Less",
            LessEqual => "LessEqual",
            LogicalAnd => "LogicalAnd",
            LogicalOr => "LogicalOr",
            BitwiseAnd => "BitwiseAnd",
            BitwiseOr => "BitwiseOr",
            BitwiseXor => "BitwiseXor",
            LeftShift => "LeftShift",
            RightShift => "RightShift",
        }
    }
}

/// A binary elementwise primitive.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Binary(pub BinaryOp);

/// `$k::<T, T>` or `$k::<T, bool>` for the op's output kind.
macro_rules! run {
    (same, $k:ident, $ctx:expr, $t:ty, $tr:ident :: $m:ident) => {
        $k::<$t, $t>($ctx, <$t as $tr>::$m)
    };
    (bool, $k:ident, $ctx:expr, $t:ty, $tr:ident :: $m:ident) => {
        $k::<$t, bool>($ctx, <$t as $tr>::$m)
    };
}

/// Runs `$tr::$m` for every dtype: integers on the fast kernel (one instantiation per width
/// with `width`, per type with `typed`, or on the compact kernel with `compact`), f32/f64 on
/// the fast kernel, bool, f16, bf16 and complex on the compact one.
macro_rules! every_dtype {
    ($out:ident, $ints:ident, $ctx:expr, $dt:expr, $tr:ident :: $m:ident) => {{
        match $dt {
            Dtype::Bool => run!($out, compact, $ctx, bool, $tr::$m),
            Dtype::Float32 => run!($out, fast, $ctx, f32, $tr::$m),
            Dtype::Float64 => run!($out, fast, $ctx, f64, $tr::$m),
            Dtype::Float16 => run!($out, compact, $ctx, f16, $tr::$m),
            Dtype::Bfloat16 => run!($out, compact, $ctx, bf16, $tr::$m),
            Dtype::Complex64 => run!($out, compact, $ctx, Complex32, $tr::$m),
            int => integers!($ints, $out, $ctx, int, $tr::$m),
        }
    }};
}

/// Integer dispatch for `every_dtype!` and the bitwise ops.
macro_rules! integers {
    (width, $out:ident, $ctx:expr, $dt:expr, $tr:ident :: $m:ident) => {
        match $dt {
            Dtype::Int8 | Dtype::Uint8 => run!($out, fast, $ctx, i8, $tr::$m),
            Dtype::Int16 | Dtype::Uint16 => run!($out, fast, $ctx, i16, $tr::$m),
            Dtype::Int32 | Dtype::Uint32 => run!($out, fast, $ctx, i32, $tr::$m),
            _ => run!($out, fast, $ctx, i64, $tr::$m),
        }
    };
    ($k:ident, $out:ident, $ctx:expr, $dt:expr, $tr:ident :: $m:ident) => {
        match $dt {
            Dtype::Int8 => run!($out, $k, $ctx, i8, $tr::$m),
            Dtype::Int16 => run!($out, $k, $ctx, i16, $tr::$m),
            Dtype::Int32 => run!($out, $k, $ctx, i32, $tr::$m),
            Dtype::Int64 => run!($out, $k, $ctx, i64, $tr::$m),
            Dtype::Uint8 => run!($out, $k, $ctx, u8, $tr::$m),
            Dtype::Uint16 => run!($out, $k, $ctx, u16, $tr::$m),
            Dtype::Uint32 => run!($out, $k, $ctx, u32, $tr::$m),
            _ => run!($out, $k, $ctx, u64, $tr::$m),
        }
    };
}

impl Primitive for Binary {
    equivalent_by_eq!();
    broadcast_output!();
    fn name(&self) -> String {
        self.0.name().into()
    }
    fn vjp(&self, p: &[Array], c: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        hermitian(p, c, |c| rules::vjp(self.0, p, c, argnums, o))
    }
    fn jvp(&self, p: &[Array], t: &[Array], argnums: &[usize], o: &[Array]) -> Result<Vec<Array>> {
        rules::jvp(self.0, p, t, argnums, o)
    }
    fn vmap(&self, inputs: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
        rules::vmap(self.0, inputs, axes, o)
    }
    fn eval_cpu(&self, ctx: &KernelCtx<'_>) -> Result<Vec<ArrayData>> {
        use BinaryOp::*;
        let dt = ctx.inputs[0].dtype();
        let bad = || Error::InvalidArgument(format!("[{}] Unsupported dtype {dt}.", self.0.name()));
        let bits_ok = dt == Dtype::Bool || dt.is_integer();
        let out = match self.0 {
            Add => every_dtype!(same, width, ctx, dt, Arith::add)?,
            Subtract => every_dtype!(same, width, ctx, dt, Arith::sub)?,
            Multiply => every_dtype!(same, width, ctx, dt, Arith::mul)?,
            Maximum => every_dtype!(same, compact, ctx, dt, Arith::max)?,
            Minimum => every_dtype!(same, compact, ctx, dt, Arith::min)?,
            Equal => every_dtype!(bool, width, ctx, dt, Arith::eq)?,
            NotEqual => every_dtype!(bool, width, ctx, dt, Arith::ne)?,
            Less => every_dtype!(bool, compact, ctx, dt, Arith::lt)?,
            LessEqual => every_dtype!(bool, compact, ctx, dt, Arith::le)?,
            // `a > b` is `b < a`: the Less kernels on swapped inputs (half the code).
            Greater => with_swapped(ctx, |c| every_dtype!(bool, compact, c, dt, Arith::lt))?,
            GreaterEqual => with_swapped(ctx, |c| every_dtype!(bool, compact, c, dt, Arith::le))?,
            Power => dispatch_all!(dt, T => compact::<T, T>(ctx, <T as Arith>::pow))?,
            Divide => match dt {
                Dtype::Float32 => fast::<f32, f32>(ctx, <f32 as Inexact>::div)?,
                Dtype::Float64 => fast::<f64, f64>(ctx, <f64 as Inexact>::div)?,
                Dtype::Float16 => compact::<f16, f16>(ctx, <f16 as Inexact>::div)?,
                Dtype::Bfloat16 => compact::<bf16, bf16>(ctx, <bf16 as Inexact>::div)?,
                Dtype::Complex64 => {
                    compact::<Complex32, Complex32>(ctx, <Complex32 as Inexact>::div)?
                }
                _ => return Err(bad()),
            },
            // Complex floor division is plain division in MLX: share that kernel.
            FloorDivide if dt == Dtype::Complex64 => {
                compact::<Complex32, Complex32>(ctx, <Complex32 as Inexact>::div)?
            }
            FloorDivide => {
                dispatch_real!(dt, T => compact::<T, T>(ctx, <T as Arith>::floor_div), else => Err(bad()))?
            }
            Remainder => {
                dispatch_real!(dt, T => compact::<T, T>(ctx, <T as Rem>::rem), else => Err(bad()))?
            }
            LogAddExp if dt == Dtype::Complex64 => {
                compact::<Complex32, Complex32>(ctx, <Complex32 as Inexact>::logaddexp)?
            }
            LogAddExp => {
                dispatch_float!(dt, T => compact::<T, T>(ctx, <T as Inexact>::logaddexp), else => Err(bad()))?
            }
            ArcTan2 => {
                dispatch_float!(dt, T => compact::<T, T>(ctx, <T as Atan2>::atan2), else => Err(bad()))?
            }
            LogicalAnd | BitwiseAnd if dt == Dtype::Bool => {
                compact::<bool, bool>(ctx, <bool as Logic>::and)?
            }
            LogicalOr | BitwiseOr if dt == Dtype::Bool => {
                compact::<bool, bool>(ctx, <bool as Logic>::or)?
            }
            BitwiseXor if dt == Dtype::Bool => compact::<bool, bool>(ctx, <bool as Logic>::xor)?,
            LogicalAnd | LogicalOr => return Err(bad()),
            _ if !bits_ok || dt == Dtype::Bool => return Err(bad()),
            BitwiseAnd => integers!(width, same, ctx, dt, Logic::and)?,
            BitwiseOr => integers!(width, same, ctx, dt, Logic::or)?,
            BitwiseXor => integers!(width, same, ctx, dt, Logic::xor)?,
            // Left shifts keep the low bits, so signed and unsigned agree; right shifts do not.
            LeftShift => integers!(width, same, ctx, dt, Shift::shl)?,
            RightShift => integers!(compact, same, ctx, dt, Shift::shr)?,
        };
        Ok(vec![out])
    }
}

/// Runs `f` on a context whose two inputs (and their donation bits) are swapped.
fn with_swapped(
    ctx: &KernelCtx<'_>,
    f: impl Fn(&KernelCtx<'_>) -> Result<ArrayData>,
) -> Result<ArrayData> {
    let inputs: [Array; 2] = [ctx.inputs[1].clone(), ctx.inputs[0].clone()];
    let d = ctx.donatable;
    let donatable = (d & !3) | ((d & 1) << 1) | ((d >> 1) & 1);
    let swapped = KernelCtx {
        inputs: &inputs,
        outputs: ctx.outputs,
        donatable,
        device: ctx.device,
    };
    f(&swapped)
}
