//! Array creation.

use super::op_stream;
use crate::array::Array;
use crate::dtype::{Dtype, Element};
use crate::error::{bail, Result};
use crate::primitives::copy::{AsType, Full};
use crate::shape::fmt_shape;

fn check_shape(func: &str, shape: &[i32]) -> Result<()> {
    if shape.iter().any(|&d| d < 0) {
        bail!("[{func}] Negative dimensions are not allowed, got shape {}.", fmt_shape(shape));
    }
    Ok(())
}

/// An array of `shape` filled with `vals` (broadcast), converted to `dtype`.
pub fn full_array(shape: &[i32], vals: &Array, dtype: Dtype) -> Result<Array> {
    check_shape("full", shape)?;
    let b = super::broadcast_to(vals, shape)?;
    let s = op_stream("full")?;
    Ok(Array::from_op(shape.to_vec(), dtype, s, Full, vec![b]))
}

/// An array of `shape` filled with `value`, of `value`'s dtype.
pub fn full<T: Element>(shape: &[i32], value: T) -> Result<Array> {
    full_array(shape, &Array::scalar(value), T::DTYPE)
}

/// Zeros of `shape` and `dtype`.
pub fn zeros(shape: &[i32], dtype: Dtype) -> Result<Array> {
    full_array(shape, &Array::scalar(0i32), dtype)
}

/// Ones of `shape` and `dtype`.
pub fn ones(shape: &[i32], dtype: Dtype) -> Result<Array> {
    full_array(shape, &Array::scalar(1i32), dtype)
}

/// Converts `a` to `dtype` (returns `a` itself when the dtype already matches).
pub fn astype(a: &Array, dtype: Dtype) -> Result<Array> {
    if a.dtype() == dtype {
        return Ok(a.clone());
    }
    let s = op_stream("astype")?;
    Ok(Array::from_op(a.shape().to_vec(), dtype, s, AsType, vec![a.clone()]))
}
