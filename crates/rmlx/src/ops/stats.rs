//! Order statistics and counts: `median`, `count_nonzero`, `minmax`.
//!
//! Each takes explicit `axes` (negative allowed, duplicates rejected) and `keepdims`; the
//! `*_all` forms reduce every axis.

use super::weak::scalar_of;
use crate::array::Array;
use crate::dtype::Scalar;
use crate::error::{bail, Error, Result};

/// Normalised, sorted `axes` of `a`; `bad_axis` words an out-of-range axis (MLX's
/// functions word it differently), duplicates are `dup`.
fn checked_axes(
    a: &Array,
    axes: &[i32],
    bad_axis: impl Fn(i32, i32) -> String,
    dup: &str,
) -> Result<Vec<usize>> {
    let nd = a.ndim() as i32;
    let mut out = Vec::with_capacity(axes.len());
    for &ax in axes {
        if ax < -nd || ax >= nd {
            return Err(Error::Index(bad_axis(ax, nd)));
        }
        out.push((if ax < 0 { ax + nd } else { ax }) as usize);
    }
    out.sort_unstable();
    if out.windows(2).any(|w| w[0] == w[1]) {
        return Err(Error::InvalidArgument(dup.to_string()));
    }
    Ok(out)
}

fn every_axis(a: &Array) -> Vec<i32> {
    (0..a.ndim() as i32).collect()
}

/// The median over `axes`: the middle of the sorted values, or the mean of the two middle
/// ones for an even count (`(lo + hi) * 0.5`, so it can overflow as MLX's does). Integer
/// and bool inputs give float32; float and complex inputs keep their dtype. A NaN among the
/// values gives NaN. An empty reduction is an error; so is an empty `axes` list, as in
/// MLX (whose message comes from its internal `flatten`).
pub fn median(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    let nd = a.ndim();
    if axes.is_empty() && nd > 0 {
        bail!("[flatten] start_axis must be less than or equal to end_axis");
    }
    let axes = checked_axes(
        a,
        axes,
        |ax, nd| format!("[median] axis {ax} is out of bounds for array with {nd} dimensions."),
        "[median] Received duplicate axis.",
    )?;
    let kept: Vec<usize> = (0..nd).filter(|d| !axes.contains(d)).collect();
    let kept_shape: Vec<i32> = kept.iter().map(|&d| a.shape()[d]).collect();
    let n: i64 = axes.iter().map(|&d| a.shape()[d] as i64).product();
    if n == 0 {
        bail!("[median] Cannot take median along empty axis.");
    }
    // The reduced axes, moved last and merged into one row per kept position.
    let perm: Vec<i32> = kept.iter().chain(&axes).map(|&d| d as i32).collect();
    let mut rows_shape = kept_shape.clone();
    rows_shape.push(n as i32);
    let rows = super::reshape(&super::transpose_axes(a, &perm)?, &rows_shape)?;
    let sorted = super::sort(&rows, Some(-1))?;
    let last = kept.len() as i32;
    let at = |i: i64| -> Result<Array> {
        let x = super::slice_axis(
            &sorted,
            last,
            super::SliceArg::range(i as i32, i as i32 + 1),
        )?;
        super::astype(&x, a.dtype().to_inexact())
    };
    let mut med = if n % 2 == 1 {
        at(n / 2)?
    } else {
        let sum = super::add(&at(n / 2 - 1)?, &at(n / 2)?)?;
        super::multiply(&sum, &super::scalar_like(0.5, &sum)?)?
    };
    if a.dtype().is_inexact() {
        // NaN sorts last: a row holds a NaN exactly when its last sorted value is NaN.
        let tail = super::slice_axis(
            &sorted,
            last,
            super::SliceArg::range(n as i32 - 1, n as i32),
        )?;
        let nan = scalar_of(Scalar::Float(f64::NAN), med.dtype());
        med = super::where_(&super::isnan(&tail)?, &nan, &med)?;
    }
    let out_shape: Vec<i32> = if keepdims {
        (0..nd)
            .map(|d| if axes.contains(&d) { 1 } else { a.shape()[d] })
            .collect()
    } else {
        kept_shape
    };
    super::reshape(&med, &out_shape)
}

/// [`median`] over every axis.
pub fn median_all(a: &Array, keepdims: bool) -> Result<Array> {
    if a.ndim() == 0 {
        // A 0-d array is its own median (lifted to a float dtype).
        if a.dtype().is_inexact() {
            return Ok(a.clone());
        }
        return super::astype(a, a.dtype().to_inexact());
    }
    median(a, &every_axis(a), keepdims)
}

/// The number of non-zero elements (NaN counts) over `axes`, as int32.
pub fn count_nonzero(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    let axes = checked_axes(
        a,
        axes,
        |ax, nd| format!("[count_nonzero] Invalid axis {ax} for array with {nd} dimensions."),
        "[count_nonzero] Duplicate axes detected in reduction.",
    )?;
    let axes: Vec<i32> = axes.iter().map(|&d| d as i32).collect();
    let zero = scalar_of(Scalar::Bool(false), a.dtype());
    let nonzero = super::astype(&super::not_equal(a, &zero)?, crate::Dtype::Int32)?;
    super::sum(&nonzero, &axes, keepdims)
}

/// [`count_nonzero`] over every axis.
pub fn count_nonzero_all(a: &Array, keepdims: bool) -> Result<Array> {
    count_nonzero(a, &every_axis(a), keepdims)
}

/// `(min(a, axes), max(a, axes))`, MLX 0.32's `minmax`.
pub fn minmax(a: &Array, axes: &[i32], keepdims: bool) -> Result<(Array, Array)> {
    Ok((
        super::min(a, axes, keepdims)?,
        super::max(a, axes, keepdims)?,
    ))
}

/// [`minmax`] over every axis.
pub fn minmax_all(a: &Array, keepdims: bool) -> Result<(Array, Array)> {
    Ok((super::min_all(a, keepdims)?, super::max_all(a, keepdims)?))
}
