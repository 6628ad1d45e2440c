//! Nodes for the element functions the distributions apply, computed exactly as MLX's CPU
//! build computes them ([`MlxUnary`]), so samples equal MLX's bit for bit. The general
//! `ops::exp`/`ops::log`/... use faster kernels whose last bits may differ.

use crate::array::Array;
use crate::error::{bail, Result};
use crate::ops::op_stream;
use crate::primitives::mlx_unary::{MlxFn, MlxUnary};

/// `f(a)` elementwise for a real floating `a` (the callers cast first).
fn node(func: &str, f: MlxFn, a: &Array) -> Result<Array> {
    if !a.dtype().is_floating() {
        bail!(
            "[{func}] Expected a real floating array but got {}.",
            a.dtype()
        );
    }
    let s = op_stream(func)?;
    Ok(Array::from_op(
        a.shape().to_vec(),
        a.dtype(),
        s,
        MlxUnary(f),
        vec![a.clone()],
    ))
}

/// MLX's `exp`.
pub(crate) fn exp(a: &Array) -> Result<Array> {
    node("exp", MlxFn::Exp, a)
}

/// MLX's `erf`.
pub(crate) fn erf(a: &Array) -> Result<Array> {
    node("erf", MlxFn::Erf, a)
}

/// MLX's `log` (the C library's).
pub(crate) fn log(a: &Array) -> Result<Array> {
    node("log", MlxFn::Log, a)
}

/// MLX's `log1p` (the C library's).
pub(crate) fn log1p(a: &Array) -> Result<Array> {
    node("log1p", MlxFn::Log1p, a)
}
