//! Slices with array-valued starts (MLX's `slice(a, start_indices, axes, slice_size)` and
//! `slice_update(a, update, start_indices, axes)`): the starts are read at evaluation time,
//! so one graph serves every start (a KV-cache write position, say).
//!
//! Out-of-range starts: MLX 0.32 does not check them (it returns garbage or crashes).
//! rmlx clamps each start into `[0, n - size]` on its axis, as JAX's `dynamic_slice` and
//! `dynamic_update_slice` do: a negative start acts as 0, one past the end as the last
//! position where the window fits. No start value reads or writes outside a buffer.

use super::op_stream;
use crate::array::Array;
use crate::error::{bail, Error, Result};
use crate::primitives::dynamic_slice::{DynamicSlice, DynamicSliceUpdate};
use crate::shape::fmt_shape;

/// Checks the start array and axes shared by both ops; returns the normalised axes.
fn check_starts(func: &str, a: &Array, start: &Array, axes: &[i32]) -> Result<Vec<usize>> {
    if !start.dtype().is_integer() {
        bail!(
            "[{func}] Start indices must be integers, got type {}.",
            start.dtype()
        );
    }
    if start.ndim() > 1 {
        bail!(
            "[{func}] array of starting indices must be zero or one dimensional but has \
             dimension {}.",
            start.ndim()
        );
    }
    if start.size() != axes.len() {
        bail!(
            "[{func}] Number of starting indices {} does not match number of axes {}.",
            start.size(),
            axes.len()
        );
    }
    let nd = a.ndim() as i32;
    let mut out = Vec::with_capacity(axes.len());
    for &ax in axes {
        if ax < -nd || ax >= nd {
            return Err(Error::Index(format!(
                "[{func}] Invalid axis {ax} for array with dimension {nd}."
            )));
        }
        let v = (if ax < 0 { ax + nd } else { ax }) as usize;
        if out.contains(&v) {
            bail!("[{func}] Repeat axes not allowed.");
        }
        out.push(v);
    }
    Ok(out)
}

/// The window of shape `slice_size` (one size per axis of `a`) starting at `start[i]` on
/// `axes[i]` and at 0 on the other axes. A view of `a`'s buffer; starts clamp (see the
/// module doc). A negative size is a ValueError (MLX makes an array of negative shape).
pub fn dynamic_slice(a: &Array, start: &Array, axes: &[i32], slice_size: &[i32]) -> Result<Array> {
    let axes = check_starts("slice", a, start, axes)?;
    if slice_size.len() != a.ndim() {
        bail!(
            "[slice] Invalid slice size for array with {} dimensions.",
            a.ndim()
        );
    }
    if slice_size
        .iter()
        .zip(a.shape())
        .any(|(&s, &n)| s > n || s < 0)
    {
        bail!(
            "[slice] Invalid slice size {} for array with shape {}.",
            fmt_shape(slice_size),
            fmt_shape(a.shape())
        );
    }
    let s = op_stream("slice")?;
    Ok(Array::from_op(
        slice_size.to_vec(),
        a.dtype(),
        s,
        DynamicSlice { axes },
        vec![a.clone(), start.clone()],
    ))
}

/// `a` with the window at `start[i]` on `axes[i]` (0 on the other axes) replaced by
/// `update`, converted to `a`'s dtype. MLX's shape rule: `update` is aligned to `a`'s
/// trailing axes; each of its axes is cut to at most `a`'s size there (an `update` larger
/// than that fails to broadcast), missing leading axes take `a`'s size (size 1 on the
/// listed axes), and `update` is broadcast to the resulting window. Starts clamp (see the
/// module doc); an `update` with more dimensions than `a` is a ValueError (MLX crashes).
pub fn dynamic_slice_update(
    a: &Array,
    update: &Array,
    start: &Array,
    axes: &[i32],
) -> Result<Array> {
    let axes = check_starts("slice_update", a, start, axes)?;
    let nd = a.ndim();
    if update.ndim() > nd {
        bail!(
            "[slice_update] The update of shape {} has more dimensions than the array of \
             shape {}.",
            fmt_shape(update.shape()),
            fmt_shape(a.shape())
        );
    }
    let lead = nd - update.ndim();
    let window: Vec<i32> = (0..nd)
        .map(|i| {
            if i < lead {
                if axes.contains(&i) {
                    1
                } else {
                    a.shape()[i]
                }
            } else {
                update.shape()[i - lead].min(a.shape()[i])
            }
        })
        .collect();
    let upd = super::broadcast_to(&super::astype(update, a.dtype())?, &window)?;
    let s = op_stream("slice_update")?;
    Ok(Array::from_op(
        a.shape().to_vec(),
        a.dtype(),
        s,
        DynamicSliceUpdate { axes },
        vec![a.clone(), upd, start.clone()],
    ))
}
