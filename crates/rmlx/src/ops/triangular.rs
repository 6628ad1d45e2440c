//! Triangular masks: `tri`, `tril`, `triu`.
//!
//! As in MLX, the mask is `row + k >= col` built from two aranges, and `tril`/`triu`
//! select between the input and zero with it (a NaN outside the kept triangle becomes 0).

use super::weak::scalar_of;
use crate::array::Array;
use crate::dtype::{Dtype, Scalar};
use crate::error::{bail, Result};

/// The bool `n x m` mask with true where `col - row <= k`. Negative sizes count as 0.
fn lower_mask(n: i32, m: i32, k: i32) -> Result<Array> {
    let (n, m) = (n.max(0), m.max(0));
    // Past these bounds every entry is already true (or false); clamping keeps the int32
    // arithmetic below from overflowing.
    let k = k.clamp(-n - 1, m.saturating_add(1));
    let rows = super::reshape(&super::arange(0.0, n as f64, 1.0, Dtype::Int32)?, &[n, 1])?;
    let cols = super::reshape(&super::arange(0.0, m as f64, 1.0, Dtype::Int32)?, &[1, m])?;
    let shifted = super::add(&rows, &Array::scalar(k))?;
    super::greater_equal(&shifted, &cols)
}

/// An `n x m` array (`m` defaults to `n`) of ones at and below diagonal `k`, zeros above.
/// Negative sizes give empty dimensions, as in MLX.
pub fn tri(n: i32, m: Option<i32>, k: i32, dtype: Dtype) -> Result<Array> {
    let mask = lower_mask(n, m.unwrap_or(n), k)?;
    super::astype(&mask, dtype)
}

/// The trailing two dimensions of `x`, which must be at least 2-D.
fn matrix_dims(func: &str, x: &Array) -> Result<(i32, i32)> {
    let nd = x.ndim();
    if nd < 2 {
        bail!("[{func}] array must be at least 2-D");
    }
    Ok((x.shape()[nd - 2], x.shape()[nd - 1]))
}

/// `x` with the entries above diagonal `k` of its last two dimensions set to zero.
pub fn tril(x: &Array, k: i32) -> Result<Array> {
    let (n, m) = matrix_dims("tril", x)?;
    let zero = scalar_of(Scalar::Bool(false), x.dtype());
    super::where_(&lower_mask(n, m, k)?, x, &zero)
}

/// `x` with the entries below diagonal `k` of its last two dimensions set to zero.
pub fn triu(x: &Array, k: i32) -> Result<Array> {
    let (n, m) = matrix_dims("triu", x)?;
    let zero = scalar_of(Scalar::Bool(false), x.dtype());
    // Below diagonal k is "at or below diagonal k - 1".
    let below = lower_mask(n, m, k.saturating_sub(1))?;
    super::where_(&below, &zero, x)
}
