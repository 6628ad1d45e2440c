//! Searching sorted data: `searchsorted`, and `unique` built on it.

use super::op_stream;
use crate::array::Array;
use crate::dtype::{promote_types, Dtype};
use crate::error::{bail, Result};
use crate::primitives::search::SearchSorted;
use crate::shape::fmt_shape;

/// For each element of `values`, the position in the 1-D `sorted_sequence` that keeps it
/// sorted: with `side == "left"` the number of smaller elements, with `"right"` the
/// number of smaller-or-equal ones (uint32, the shape of `values`). Both are compared in
/// their promoted dtype, in the sort order (NaN after every number).
pub fn searchsorted(sorted_sequence: &Array, values: &Array, side: &str) -> Result<Array> {
    let right = match side {
        "left" => false,
        "right" => true,
        other => bail!("[searchsorted] Invalid side '{other}'. Expected 'left' or 'right'."),
    };
    let nd = sorted_sequence.ndim();
    if nd != 1 {
        bail!("[searchsorted] The sorted sequence must be 1-D but has {nd} dimensions.");
    }
    let dt = promote_types(sorted_sequence.dtype(), values.dtype());
    let seq = super::astype(sorted_sequence, dt)?;
    let vals = super::astype(values, dt)?;
    let s = op_stream("searchsorted")?;
    Ok(Array::from_op(
        values.shape().to_vec(),
        Dtype::Uint32,
        s,
        SearchSorted { right },
        vec![seq, vals],
    ))
}

/// The outputs of [`unique`]; build only what you evaluate (they are lazy).
#[derive(Clone, Debug)]
pub struct Unique {
    /// The sorted unique values, `size` of them (padded with the fill value).
    pub values: Array,
    /// Index in the flattened input of each value's first occurrence (uint32).
    pub index: Array,
    /// For each input element (input's shape), its value's position in `values` (uint32,
    /// clamped to `size - 1` when the output is truncated).
    pub inverse: Array,
    /// How often each value occurs (int32; 0 for padding).
    pub counts: Array,
}

/// MLX 0.32's `unique` with a static `size`: the smallest `size` unique elements of the
/// flattened `a` in sorted order (NaNs are each unique, -0.0 equals 0.0), padded with
/// `fill_value` (default: the first unique value; a one-element array cast to `a`'s
/// dtype). Padding entries have count 0 and the index of the first unique value. The
/// values of `a` are never needed to know the output shapes.
pub fn unique(a: &Array, size: i32, fill_value: Option<&Array>) -> Result<Unique> {
    if size < 0 {
        bail!("[unique] Received negative size {size}.");
    }
    let fill = match fill_value {
        Some(f) if f.size() != 1 => bail!(
            "[unique] Fill value must have one element, but got shape {}.",
            fmt_shape(f.shape())
        ),
        Some(f) => Some(super::reshape(&super::astype(f, a.dtype())?, &[1])?),
        None => None,
    };
    let flat = super::reshape(a, &[-1])?;
    let n = flat.size() as i32;
    if n == 0 {
        let Some(fill) = fill.or(if size == 0 {
            Some(super::zeros(&[1], a.dtype())?)
        } else {
            None
        }) else {
            bail!("[unique] A fill value is required for an empty input with a non-zero size.");
        };
        return Ok(Unique {
            values: super::broadcast_to(&fill, &[size])?,
            index: super::zeros(&[size], Dtype::Uint32)?,
            inverse: super::zeros(a.shape(), Dtype::Uint32)?,
            counts: super::zeros(&[size], Dtype::Int32)?,
        });
    }
    let order = super::argsort(&flat, Some(0))?;
    let sorted = super::take(&flat, &order, Some(0))?;
    let head = |x: &Array, len: i32| super::slice_axis(x, 0, super::SliceArg::range(0, len));
    // A sorted position starts a new value when it differs from the one before.
    let differs = super::not_equal(
        &super::slice_axis(&sorted, 0, super::SliceArg::range(1, n))?,
        &head(&sorted, n - 1)?,
    )?;
    let starts = super::concatenate(&[Array::from_slice(&[true], &[1])?, differs], 0)?;
    let one = Array::scalar(1i32);
    // rank[i]: which unique value sorted position i holds (non-decreasing from 0).
    let rank = super::subtract(
        &super::cumsum(&super::astype(&starts, Dtype::Int32)?, Some(0), false, true)?,
        &one,
    )?;
    let slots = super::arange(0.0, size as f64, 1.0, Dtype::Int32)?;
    let first = searchsorted(&rank, &slots, "left")?;
    let past = searchsorted(&rank, &slots, "right")?;
    let present = super::less(&first, &Array::scalar(n as u32))?;
    let at = super::minimum(&first, &Array::scalar(n as u32 - 1))?;
    let fill = match fill {
        Some(f) => f,
        None => head(&sorted, 1)?,
    };
    let values = super::where_(&present, &super::take(&sorted, &at, Some(0))?, &fill)?;
    let index = super::where_(
        &present,
        &super::take(&order, &at, Some(0))?,
        &head(&order, 1)?,
    )?;
    let counts = super::astype(&super::subtract(&past, &first)?, Dtype::Int32)?;
    // Each element's rank, clamped into the output, scattered back to its input position.
    let clamped = super::minimum(&rank, &Array::scalar((size - 1).max(0)))?;
    let clamped = super::reshape(&super::astype(&clamped, Dtype::Uint32)?, &[n, 1])?;
    let inverse = super::scatter(
        &super::zeros(&[n], Dtype::Uint32)?,
        &[order],
        &clamped,
        &[0],
        super::ScatterMode::None,
    )?;
    Ok(Unique {
        values,
        index,
        inverse: super::reshape(&inverse, a.shape())?,
        counts,
    })
}
