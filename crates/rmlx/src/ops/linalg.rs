//! Matrix products.

use super::op_stream;
use crate::array::Array;
use crate::dtype::promote_types;
use crate::error::{bail, Result};
use crate::primitives::matmul::Matmul;
use crate::shape::{broadcast_shapes, fmt_shape};

/// MLX's `matmul` (NumPy's semantics): the product of the last two dimensions, broadcast
/// over the leading (batch) dimensions. A 1-D first operand is a row vector and a 1-D second
/// operand a column vector; their dimension is removed from the result. Only inexact dtypes
/// (floats, complex64) are accepted, as in MLX: integer inputs are a `ValueError`.
pub fn matmul(a: &Array, b: &Array) -> Result<Array> {
    if a.ndim() == 0 || b.ndim() == 0 {
        bail!("[matmul] Got 0 dimension input. Inputs must have at least one dimension.");
    }
    let dt = promote_types(a.dtype(), b.dtype());
    if !dt.is_inexact() {
        bail!(
            "[matmul] Only inexact types are supported but {} and {} were provided which results \
             in {}, which is not a floating point type.",
            a.dtype(),
            b.dtype(),
            dt
        );
    }
    let (a_vec, b_vec) = (a.ndim() == 1, b.ndim() == 1);
    // The shapes MLX works with after expanding vectors (and names in its messages).
    let a2: Vec<i32> = if a_vec {
        vec![1, a.shape()[0]]
    } else {
        a.shape().to_vec()
    };
    let b2: Vec<i32> = if b_vec {
        vec![b.shape()[0], 1]
    } else {
        b.shape().to_vec()
    };
    let (na, nb) = (a2.len(), b2.len());
    if a2[na - 1] != b2[nb - 2] {
        bail!(
            "[matmul] Last dimension of first input with shape {} must match second to last \
             dimension of second input with shape {}.",
            fmt_shape(&a2),
            fmt_shape(&b2)
        );
    }
    let batch = broadcast_shapes(&a2[..na - 2], &b2[..nb - 2])?;
    let with = |tail: &[i32]| -> Vec<i32> { batch.iter().chain(tail).copied().collect() };
    let a_target = if a_vec {
        with(&a2[1..])
    } else {
        with(&a2[na - 2..])
    };
    let b_target = if b_vec {
        with(&b2[..1])
    } else {
        with(&b2[nb - 2..])
    };
    // In a shapeless trace the batch dimensions stay as they are: the kernel broadcasts
    // them, so a replay with other batch sizes broadcasts those (as MLX's `BroadcastAxes`
    // nodes make it do) instead of forcing the traced batch shape.
    let (a, b) = (super::astype(a, dt)?, super::astype(b, dt)?);
    let (a, b) = if crate::compile::in_shapeless_tracing() {
        (a, b)
    } else {
        (
            super::broadcast_to(&a, &a_target)?,
            super::broadcast_to(&b, &b_target)?,
        )
    };
    let mut out_shape = batch.clone();
    if !a_vec {
        out_shape.push(a2[na - 2]);
    }
    if !b_vec {
        out_shape.push(b2[nb - 1]);
    }
    let s = op_stream("matmul")?;
    Ok(Array::from_op(
        out_shape,
        dt,
        s,
        Matmul { a_vec, b_vec },
        vec![a, b],
    ))
}
