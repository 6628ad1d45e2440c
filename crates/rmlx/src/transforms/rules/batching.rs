//! Shared pieces of the batching (vmap) rules.

use crate::array::Array;
use crate::error::Result;
use crate::ops;

/// Lines up the inputs of a broadcasting elementwise primitive whose output has `out_ndim`
/// dimensions: batched inputs get their batch axis in front and size-1 axes after it up to
/// the output's rank, so they broadcast against each other and against the unbatched inputs
/// (which broadcast from the right as before). The batch axis of the result is 0.
pub(crate) fn align_broadcasting(
    inputs: &[Array],
    axes: &[Option<usize>],
    out_ndim: usize,
) -> Result<Vec<Array>> {
    inputs
        .iter()
        .zip(axes)
        .map(|(x, ax)| {
            if ax.is_none() {
                return Ok(x.clone());
            }
            let xb = batch_first(x, *ax)?;
            let missing = out_ndim + 1 - xb.ndim();
            if missing == 0 {
                return Ok(xb);
            }
            let mut shape = vec![xb.shape()[0]];
            shape.extend(std::iter::repeat_n(1, missing));
            shape.extend_from_slice(&xb.shape()[1..]);
            ops::reshape(&xb, &shape)
        })
        .collect()
}

/// Lines up the inputs of an elementwise primitive (inputs of equal unbatched shape): every
/// batched input gets its batch axis at the first batched input's position, and every
/// unbatched one a size-1 axis there, so that ops broadcast them. Returns the inputs and
/// the batch axis.
pub(crate) fn align_elementwise(
    inputs: &[Array],
    axes: &[Option<usize>],
) -> Result<(Vec<Array>, usize)> {
    let target = axes.iter().flatten().copied().next().unwrap_or(0);
    let aligned = inputs
        .iter()
        .zip(axes)
        .map(|(x, ax)| match ax {
            Some(a) if *a == target => Ok(x.clone()),
            Some(a) => ops::moveaxis(x, *a as i32, target as i32),
            None => ops::expand_dims(x, &[target as i32]),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((aligned, target))
}

/// `x` with its batch axis (if any) moved to the front; unbatched inputs are returned as is.
pub(crate) fn batch_first(x: &Array, axis: Option<usize>) -> Result<Array> {
    match axis {
        Some(0) | None => Ok(x.clone()),
        Some(a) => ops::moveaxis(x, a as i32, 0),
    }
}
