//! Shape operations.

use super::op_stream;
use crate::array::Array;
use crate::error::{bail, Result};
use crate::primitives::views::Broadcast;
use crate::shape::{broadcast_shapes, fmt_shape};

/// Broadcasts `a` to `shape` (a view: no copy).
pub fn broadcast_to(a: &Array, shape: &[i32]) -> Result<Array> {
    if a.shape() == shape {
        return Ok(a.clone());
    }
    let ok = broadcast_shapes(a.shape(), shape).map(|s| s == shape).unwrap_or(false);
    if !ok || shape.iter().any(|&d| d < 0) {
        bail!(
            "[broadcast_to] Cannot broadcast array of shape {} to shape {}.",
            fmt_shape(a.shape()),
            fmt_shape(shape)
        );
    }
    let s = op_stream("broadcast_to")?;
    Ok(Array::from_op(shape.to_vec(), a.dtype(), s, Broadcast, vec![a.clone()]))
}

/// Broadcasts all arrays to their common shape.
pub fn broadcast_arrays(arrays: &[Array]) -> Result<Vec<Array>> {
    let mut shape: Vec<i32> = Vec::new();
    for a in arrays {
        shape = broadcast_shapes(&shape, a.shape())?;
    }
    arrays.iter().map(|a| broadcast_to(a, &shape)).collect()
}
