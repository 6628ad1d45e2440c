//! Diagonals: `diagonal` (a view), `diag` (extract or build), `trace`.

use super::op_stream;
use super::weak::scalar_of;
use crate::array::Array;
use crate::dtype::{Dtype, Scalar};
use crate::error::{bail, Error, Result};
use crate::primitives::diagonal::Diagonal;

/// Normalises one of `diagonal`'s axes (`which` is "axis1" or "axis2").
fn diag_axis(func: &str, which: &str, axis: i32, nd: i32) -> Result<usize> {
    if axis < -nd || axis >= nd {
        return Err(Error::Index(format!(
            "[{func}] Invalid {which} {axis} for array with {nd} dimensions."
        )));
    }
    Ok((if axis < 0 { axis + nd } else { axis }) as usize)
}

/// `diagonal` with errors named after `func` (`trace` reports its own name).
fn diagonal_named(func: &str, a: &Array, offset: i32, axis1: i32, axis2: i32) -> Result<Array> {
    let nd = a.ndim() as i32;
    if nd < 2 {
        bail!("[{func}] Array must have at least two dimensions, but got {nd} dimensions.");
    }
    let ax1 = diag_axis(func, "axis1", axis1, nd)?;
    let ax2 = diag_axis(func, "axis2", axis2, nd)?;
    if ax1 == ax2 {
        bail!("[{func}] axis1 and axis2 cannot be the same axis");
    }
    let (d1, d2) = (a.shape()[ax1] as i64, a.shape()[ax2] as i64);
    let off = offset as i64;
    // Rows start at max(0, -offset), columns at max(0, offset).
    let len = (d1 - (-off).max(0)).min(d2 - off.max(0)).max(0) as i32;
    let mut shape: Vec<i32> = (0..a.ndim())
        .filter(|&d| d != ax1 && d != ax2)
        .map(|d| a.shape()[d])
        .collect();
    shape.push(len);
    let s = op_stream(func)?;
    let prim = Diagonal {
        // An empty diagonal never reads its start; keep the offset from pointing anywhere.
        offset: if len > 0 { offset } else { 0 },
        axis1: ax1,
        axis2: ax2,
    };
    Ok(Array::from_op(shape, a.dtype(), s, prim, vec![a.clone()]))
}

/// The diagonal `offset` (above the main one when positive) of the 2-D slices of `a` over
/// `axis1` and `axis2`: those axes are removed and the diagonal is the new last axis.
/// A view of `a`'s buffer (MLX copies with a gather; the values are the same).
pub fn diagonal(a: &Array, offset: i32, axis1: i32, axis2: i32) -> Result<Array> {
    diagonal_named("diagonal", a, offset, axis1, axis2)
}

/// MLX's `diag`: a 1-D `a` becomes a square matrix with `a` on diagonal `k`; a 2-D `a`
/// gives its diagonal `k`.
pub fn diag(a: &Array, k: i32) -> Result<Array> {
    match a.ndim() {
        1 => diag_matrix(a, k),
        2 => diagonal_named("diag", a, k, 0, 1),
        nd => bail!("[diag] array must be 1-D or 2-D, got array with {nd} dimensions."),
    }
}

/// The `(n + |k|)`-square matrix with the `n` values of `v` on diagonal `k`.
fn diag_matrix(v: &Array, k: i32) -> Result<Array> {
    let n = v.shape()[0];
    let pad = k.unsigned_abs() as i32;
    let size = n + pad;
    // Row i of diagonal k >= 0 holds v[i]; column j of diagonal k < 0 holds v[j]. Padding
    // v with |k| zeros and broadcasting it along the other axis puts every value in place.
    let zeros = super::zeros(&[pad], v.dtype())?;
    let padded = super::concatenate(&[v.clone(), zeros], 0)?;
    let along = if k >= 0 { [size, 1] } else { [1, size] };
    let values = super::reshape(&padded, &along)?;
    let mask = super::eye(size, size, k, Dtype::Bool)?;
    let zero = scalar_of(Scalar::Bool(false), v.dtype());
    super::where_(&mask, &values, &zero)
}

/// The sum of diagonal `offset` of the 2-D slices over `axis1` and `axis2`, cast to
/// `dtype` (default: `a`'s) before summing, so the sum's own promotion applies (int8
/// sums to int32, as in MLX).
pub fn trace(
    a: &Array,
    offset: i32,
    axis1: i32,
    axis2: i32,
    dtype: Option<Dtype>,
) -> Result<Array> {
    let d = diagonal_named("trace", a, offset, axis1, axis2)?;
    let d = super::astype(&d, dtype.unwrap_or(a.dtype()))?;
    super::sum(&d, &[-1], false)
}
