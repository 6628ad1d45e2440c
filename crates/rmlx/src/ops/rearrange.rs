//! Rearranging ops: `unstack`, `repeat`, `tile`, `flip`, `roll` and `diff`, with MLX's
//! rules and messages.
//!
//! `unstack` and `flip` are views; `repeat` and `tile` are a broadcast followed by one
//! reshape copy (as in MLX); `roll` is one pass of the per-axis gather (MLX concatenates
//! slices); `diff` subtracts shifted views.

use super::op_stream;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{bail, Error, Result};
use crate::primitives::axis_gather::Roll;
use crate::shape::Shape;

/// `axis` normalised for an array of `ndim` dimensions, or an IndexError built by `msg`.
fn axis_or(axis: i32, ndim: usize, msg: impl FnOnce() -> String) -> Result<usize> {
    let nd = ndim as i32;
    if axis < -nd || axis >= nd {
        return Err(Error::Index(msg()));
    }
    Ok((if axis < 0 { axis + nd } else { axis }) as usize)
}

/// The `axis`-th slices of `a`, each with that axis removed (views of `a`).
pub fn unstack(a: &Array, axis: i32) -> Result<Vec<Array>> {
    let nd = a.ndim();
    let ax = axis_or(axis, nd, || {
        format!("[unstack] Axis {axis} is out of bounds for array with {nd} dimensions.")
    })?;
    let n = a.shape()[ax];
    if n == 0 {
        return Ok(Vec::new());
    }
    let cuts: Vec<i32> = (1..n).collect();
    super::split_at(a, &cuts, ax as i32)?
        .iter()
        .map(|p| super::squeeze_axes(p, &[ax as i32]))
        .collect()
}

/// Each element repeated `repeats` times along `axis` (`None`: of the flattened array).
pub fn repeat(a: &Array, repeats: i32, axis: Option<i32>) -> Result<Array> {
    if repeats < 0 {
        bail!("[repeat] Number of repeats cannot be negative");
    }
    let (a, axis) = match axis {
        Some(ax) => (a.clone(), ax),
        None => (super::reshape(a, &[-1])?, 0),
    };
    let nd = a.ndim();
    let ax = axis_or(axis, nd, || {
        format!("[repeat] Axis {axis} is out of bounds for array with {nd} dimensions.")
    })?;
    if repeats == 1 {
        return Ok(a);
    }
    // (.., n, ..) -> (.., n, 1, ..) -> broadcast (.., n, r, ..) -> (.., n*r, ..).
    let expanded = super::expand_dims(&a, &[ax as i32 + 1])?;
    let mut wide = expanded.shape().to_vec();
    wide[ax + 1] = repeats;
    let mut out_shape = a.shape().to_vec();
    out_shape[ax] *= repeats;
    super::reshape(&super::broadcast_to(&expanded, &wide)?, &out_shape)
}

/// `a` repeated `reps[i]` times along each axis; the shorter of `reps` and `a.shape()` is
/// padded with leading ones (NumPy's rule).
pub fn tile(a: &Array, reps: &[i32]) -> Result<Array> {
    let nd = a.ndim().max(reps.len());
    let mut shape = vec![1; nd - a.ndim()];
    shape.extend_from_slice(a.shape());
    let mut r = vec![1; nd - reps.len()];
    r.extend_from_slice(reps);
    // (d0, d1, ..) -> (1, d0, 1, d1, ..) -> broadcast (r0, d0, r1, d1, ..) -> (r0*d0, ..).
    let mut inter: Shape = Vec::with_capacity(2 * nd);
    let mut wide: Shape = Vec::with_capacity(2 * nd);
    let mut out_shape: Shape = Vec::with_capacity(nd);
    for (&d, &k) in shape.iter().zip(&r) {
        inter.extend([1, d]);
        wide.extend([k, d]);
        out_shape.push(k * d);
    }
    let b = super::broadcast_to(&super::reshape(a, &inter)?, &wide)?;
    super::reshape(&b, &out_shape)
}

/// `a` reversed along `axes` (`None`: every axis). A view with negative strides; an axis
/// named twice is reversed once, as in MLX.
pub fn flip(a: &Array, axes: Option<&[i32]>) -> Result<Array> {
    let nd = a.ndim();
    let mut rev = vec![false; nd];
    match axes {
        None => rev.iter_mut().for_each(|r| *r = true),
        Some(axes) => {
            for &ax in axes {
                let i = axis_or(ax, nd, || {
                    format!("[flip] Axis {ax} is out of bounds for array with {nd} dimensions.")
                })?;
                rev[i] = true;
            }
        }
    }
    if !rev.contains(&true) {
        return Ok(a.clone());
    }
    let args: Vec<super::SliceArg> = rev
        .iter()
        .map(|&r| {
            if r {
                super::SliceArg::rev()
            } else {
                super::SliceArg::all()
            }
        })
        .collect();
    super::slice_axes(a, &args)
}

/// Elements shifted by `shifts[i]` positions along `axes[i]` (wrapping around). A repeated
/// axis adds its shifts; shifts beyond `axes.len()` are ignored and fewer are an error (as
/// in MLX). With `axes = None` the flattened array rolls by the sum of `shifts`.
pub fn roll(a: &Array, shifts: &[i32], axes: Option<&[i32]>) -> Result<Array> {
    let Some(axes) = axes else {
        let total: i64 = shifts.iter().map(|&s| s as i64).sum();
        let flat = super::reshape(a, &[-1])?;
        return super::reshape(&roll_axes(&flat, &[total])?, a.shape());
    };
    if shifts.len() < axes.len() {
        bail!(
            "[roll] At least one shift value per axis is required, {} provided for {} axes.",
            shifts.len(),
            axes.len()
        );
    }
    let nd = a.ndim();
    let mut per_axis = vec![0i64; nd];
    for (&ax, &s) in axes.iter().zip(shifts) {
        let i = axis_or(ax, nd, || {
            format!("[roll] Invalid axis {ax} for array with {nd} dimensions.")
        })?;
        per_axis[i] += s as i64;
    }
    roll_axes(a, &per_axis)
}

/// Rolls every axis of `a` by its entry of `shifts` (one per axis).
fn roll_axes(a: &Array, shifts: &[i64]) -> Result<Array> {
    let shifts: Vec<i64> = shifts
        .iter()
        .zip(a.shape())
        .map(|(&s, &n)| if n == 0 { 0 } else { s.rem_euclid(n as i64) })
        .collect();
    if shifts.iter().all(|&s| s == 0) {
        return Ok(a.clone());
    }
    let s = op_stream("roll")?;
    Ok(Array::from_op(
        a.shape().to_vec(),
        a.dtype(),
        s,
        Roll { shifts },
        vec![a.clone()],
    ))
}

/// The `n`-th discrete difference along `axis`: `a[1:] - a[:-1]` applied `n` times (for
/// booleans `a[1:] != a[:-1]`, as MLX). `n` at least the axis length gives an empty axis.
pub fn diff(a: &Array, n: i32, axis: i32) -> Result<Array> {
    if n < 0 {
        bail!("[diff] Order `n` must be non-negative.");
    }
    let ax = axis_or(axis, a.ndim(), || {
        "[diff] Axis is out of bounds for the array.".into()
    })? as i32;
    let mut cur = a.clone();
    for _ in 0..n {
        let len = cur.shape()[ax as usize];
        let hi = super::slice_axis(&cur, ax, (1..len.max(1)).into())?;
        let lo = super::slice_axis(&cur, ax, (0..(len - 1).max(0)).into())?;
        cur = if cur.dtype() == Dtype::Bool {
            super::not_equal(&hi, &lo)?
        } else {
            super::subtract(&hi, &lo)?
        };
        if len <= 1 {
            // Empty from here on: further rounds change nothing.
            break;
        }
    }
    Ok(cur)
}

impl Array {
    /// [`flip`] along `axes` (`None`: every axis).
    pub fn flip(&self, axes: Option<&[i32]>) -> Result<Array> {
        flip(self, axes)
    }
}
