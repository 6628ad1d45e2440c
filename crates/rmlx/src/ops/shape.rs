//! Shape operations: broadcasting, reshaping, axis permutation and insertion/removal,
//! concatenation and splitting. Everything but `concatenate` (and a reshape that cannot
//! keep the strides) is a view of its input's buffer.

use super::op_stream;
use crate::array::Array;
use crate::dtype::promote_types;
use crate::error::{bail, Error, Result};
use crate::primitives::shape::{Concatenate, Contiguous, Flatten, Reshape};
use crate::primitives::views::{Broadcast, ExpandDims, Split, Squeeze, Transpose};
use crate::shape::{broadcast_shapes, fmt_shape, Shape};

/// Broadcasts `a` to `shape` (a view: no copy).
pub fn broadcast_to(a: &Array, shape: &[i32]) -> Result<Array> {
    if a.shape() == shape {
        return Ok(a.clone());
    }
    if shape.iter().any(|&d| d < 0) {
        bail!("[broadcast_to] Negative dimensions not allowed.");
    }
    if shape.len() < a.ndim() {
        bail!(
            "[broadcast_to] Cannot broadcast array of shape {} into shape {}.",
            fmt_shape(a.shape()),
            fmt_shape(shape)
        );
    }
    // MLX reports a mismatch with broadcast_shapes' message.
    if broadcast_shapes(a.shape(), shape)? != shape {
        bail!(
            "[broadcast_shapes] Shapes {} and {} cannot be broadcast.",
            fmt_shape(a.shape()),
            fmt_shape(shape)
        );
    }
    let s = op_stream("broadcast_to")?;
    Ok(Array::from_op(
        shape.to_vec(),
        a.dtype(),
        s,
        Broadcast,
        vec![a.clone()],
    ))
}

/// Broadcasts all arrays to their common shape.
pub fn broadcast_arrays(arrays: &[Array]) -> Result<Vec<Array>> {
    let mut shape: Vec<i32> = Vec::new();
    for a in arrays {
        shape = broadcast_shapes(&shape, a.shape())?;
    }
    arrays.iter().map(|a| broadcast_to(a, &shape)).collect()
}

fn index_err(msg: String) -> Error {
    Error::Index(msg)
}

/// Resolves one `-1` in `shape` against `a`'s size, with MLX's checks.
pub(crate) fn infer_shape(a: &Array, shape: &[i32]) -> Result<Shape> {
    let mut out = shape.to_vec();
    let mut infer = None;
    let mut size = 1usize;
    for (i, &d) in shape.iter().enumerate() {
        if d == -1 {
            if infer.is_some() {
                bail!("[reshape] Reshape can only infer one dimension.");
            }
            infer = Some(i);
        } else {
            size = size.saturating_mul(d.max(0) as usize);
        }
    }
    if let Some(i) = infer {
        if size == 0 {
            // 0 / 0 is ambiguous; MLX rejects any inference next to a zero dimension.
            bail!("[reshape] Cannot infer the shape of an empty array");
        }
        out[i] = (a.size() / size) as i32;
        size *= out[i] as usize;
    }
    if size != a.size() || out.iter().any(|&d| d < 0) {
        bail!(
            "[reshape] Cannot reshape array of size {} into shape {}.",
            a.size(),
            fmt_shape(&out)
        );
    }
    Ok(out)
}

/// A new shape of the same size; one dimension may be `-1` (inferred). A view when the
/// strides allow it (always for row-contiguous input), otherwise a copy.
pub fn reshape(a: &Array, shape: &[i32]) -> Result<Array> {
    let requested = shape.to_vec();
    let shape = infer_shape(a, shape)?;
    if shape == a.shape() {
        return Ok(a.clone());
    }
    let s = op_stream("reshape")?;
    Ok(Array::from_op(
        shape,
        a.dtype(),
        s,
        Reshape(requested),
        vec![a.clone()],
    ))
}

/// Merges axes `start_axis..=end_axis` (negative count from the end; out-of-range values
/// are clamped, as in MLX). A 0-d array becomes shape `(1)`.
pub fn flatten(a: &Array, start_axis: i32, end_axis: i32) -> Result<Array> {
    let nd = a.ndim() as i32;
    if nd == 0 {
        return reshape(a, &[1]);
    }
    let start = (start_axis + if start_axis < 0 { nd } else { 0 }).max(0);
    let end = (end_axis + if end_axis < 0 { nd } else { 0 }).min(nd - 1);
    if end < start {
        bail!("[flatten] start_axis must be less than or equal to end_axis");
    }
    if start >= nd {
        bail!("[flatten] Invalid start_axis {start_axis} for array with {nd} dimensions.");
    }
    if end < 0 {
        bail!("[flatten] Invalid end_axis {end_axis} for array with {nd} dimensions.");
    }
    if start == end {
        return Ok(a.clone());
    }
    let (st, en) = (start as usize, end as usize);
    let sh = a.shape();
    let mut shape: Shape = sh[..st].to_vec();
    shape.push(sh[st..=en].iter().product());
    shape.extend_from_slice(&sh[en + 1..]);
    let s = op_stream("flatten")?;
    Ok(Array::from_op(
        shape,
        a.dtype(),
        s,
        Flatten { start: st, end: en },
        vec![a.clone()],
    ))
}

/// Normalises axes for squeeze/expand_dims: IndexError out of range, ValueError on repeats.
fn unique_axes(func: &str, axes: &[i32], ndim: usize) -> Result<Vec<usize>> {
    let nd = ndim as i32;
    let mut out = Vec::with_capacity(axes.len());
    for &ax in axes {
        if ax < -nd || ax >= nd {
            return Err(index_err(format!(
                "[{func}] Axis {ax} is out of bounds for array with {ndim} dimensions."
            )));
        }
        let a = (if ax < 0 { ax + nd } else { ax }) as usize;
        if out.contains(&a) {
            bail!("[{func}] Received duplicate axes.");
        }
        out.push(a);
    }
    out.sort_unstable();
    Ok(out)
}

/// Removes the given size-1 axes.
pub fn squeeze_axes(a: &Array, axes: &[i32]) -> Result<Array> {
    let axes = unique_axes("squeeze", axes, a.ndim())?;
    for &ax in &axes {
        if a.shape()[ax] != 1 {
            bail!(
                "[squeeze] Cannot squeeze axis {ax} with size {} which is not equal to 1.",
                a.shape()[ax]
            );
        }
    }
    if axes.is_empty() {
        return Ok(a.clone());
    }
    let shape: Shape = a
        .shape()
        .iter()
        .enumerate()
        .filter(|(i, _)| !axes.contains(i))
        .map(|(_, &d)| d)
        .collect();
    let s = op_stream("squeeze")?;
    Ok(Array::from_op(
        shape,
        a.dtype(),
        s,
        Squeeze(axes),
        vec![a.clone()],
    ))
}

/// Removes every size-1 axis.
pub fn squeeze(a: &Array) -> Result<Array> {
    let axes: Vec<i32> = a
        .shape()
        .iter()
        .enumerate()
        .filter(|(_, &d)| d == 1)
        .map(|(i, _)| i as i32)
        .collect();
    squeeze_axes(a, &axes)
}

/// Inserts size-1 axes; `axes` are positions in the output (negative count from its end).
pub fn expand_dims(a: &Array, axes: &[i32]) -> Result<Array> {
    let out_nd = a.ndim() + axes.len();
    let axes = unique_axes("expand_dims", axes, out_nd)?;
    if axes.is_empty() {
        return Ok(a.clone());
    }
    let mut shape = Vec::with_capacity(out_nd);
    let mut src = a.shape().iter();
    for i in 0..out_nd {
        shape.push(if axes.contains(&i) {
            1
        } else {
            *src.next().expect("sizes add up")
        });
    }
    let s = op_stream("expand_dims")?;
    Ok(Array::from_op(
        shape,
        a.dtype(),
        s,
        ExpandDims(axes),
        vec![a.clone()],
    ))
}

/// Permutes the axes: output axis `i` is input axis `axes[i]` (negative allowed).
pub fn transpose_axes(a: &Array, axes: &[i32]) -> Result<Array> {
    let nd = a.ndim();
    if axes.len() != nd {
        bail!(
            "[transpose] Received {} axes for array with {nd} dimensions.",
            axes.len()
        );
    }
    let mut perm = Vec::with_capacity(nd);
    for &ax in axes {
        let v = if ax < 0 { ax + nd as i32 } else { ax };
        if v < 0 || v >= nd as i32 {
            return Err(index_err(format!(
                "[transpose] Invalid axis ({v}) for array with {nd} dimensions."
            )));
        }
        perm.push(v as usize);
    }
    let mut seen = vec![false; nd];
    for &p in &perm {
        if std::mem::replace(&mut seen[p], true) {
            bail!("[transpose] Repeat axes not allowed.");
        }
    }
    let shape = perm.iter().map(|&p| a.shape()[p]).collect();
    let s = op_stream("transpose")?;
    Ok(Array::from_op(
        shape,
        a.dtype(),
        s,
        Transpose(perm),
        vec![a.clone()],
    ))
}

/// Reverses the axes.
pub fn transpose(a: &Array) -> Result<Array> {
    let axes: Vec<i32> = (0..a.ndim() as i32).rev().collect();
    transpose_axes(a, &axes)
}

fn axis_for(func: &str, axis: i32, ndim: usize) -> Result<usize> {
    let nd = ndim as i32;
    if axis < -nd || axis >= nd {
        return Err(index_err(format!(
            "[{func}] Invalid axis {axis} for array with {ndim} dimensions."
        )));
    }
    Ok((if axis < 0 { axis + nd } else { axis }) as usize)
}

/// Exchanges two axes.
pub fn swapaxes(a: &Array, axis1: i32, axis2: i32) -> Result<Array> {
    let a1 = axis_for("swapaxes", axis1, a.ndim())?;
    let a2 = axis_for("swapaxes", axis2, a.ndim())?;
    let mut perm: Vec<i32> = (0..a.ndim() as i32).collect();
    perm.swap(a1, a2);
    transpose_axes(a, &perm)
}

/// Moves axis `source` to position `destination`, keeping the others in order.
pub fn moveaxis(a: &Array, source: i32, destination: i32) -> Result<Array> {
    let src = axis_for("moveaxis", source, a.ndim())?;
    let dst = axis_for("moveaxis", destination, a.ndim())?;
    if src == dst {
        return Ok(a.clone());
    }
    let mut perm: Vec<i32> = (0..a.ndim() as i32)
        .filter(|&i| i as usize != src)
        .collect();
    perm.insert(dst, src as i32);
    transpose_axes(a, &perm)
}

/// Joins arrays along `axis`; dtypes promote as in MLX, other dimensions must match.
pub fn concatenate(arrays: &[Array], axis: i32) -> Result<Array> {
    let Some(first) = arrays.first() else {
        bail!("[concatenate] No arrays provided for concatenation");
    };
    let nd = first.ndim();
    let ax = {
        let n = nd as i32;
        if axis < -n || axis >= n {
            return Err(index_err(format!(
                "[concatenate] Axis {axis} is out of bounds for array with {nd} dimensions."
            )));
        }
        (if axis < 0 { axis + n } else { axis }) as usize
    };
    let mut shape = first.shape().to_vec();
    let mut dtype = first.dtype();
    for a in &arrays[1..] {
        if a.ndim() != nd {
            bail!(
                "[concatenate] All the input arrays must have the same number of dimensions. \
                 However, got arrays with dimensions {nd} and {}.",
                a.ndim()
            );
        }
        let ok = a
            .shape()
            .iter()
            .zip(first.shape())
            .enumerate()
            .all(|(i, (x, y))| i == ax || x == y);
        if !ok {
            let shapes: String = arrays
                .iter()
                .map(|a| format!("{}, ", fmt_shape(a.shape())))
                .collect();
            bail!(
                "[concatenate] All the input array dimensions must match exactly except for the \
                 concatenation axis. However, the provided shapes are {shapes}and the \
                 concatenation axis is {axis}."
            );
        }
        shape[ax] += a.shape()[ax];
        dtype = promote_types(dtype, a.dtype());
    }
    let inputs = arrays
        .iter()
        .map(|a| super::astype(a, dtype))
        .collect::<Result<Vec<_>>>()?;
    let s = op_stream("concatenate")?;
    Ok(Array::from_op(shape, dtype, s, Concatenate(ax), inputs))
}

/// Joins same-shaped arrays along a new axis `axis` (in the output's numbering).
pub fn stack(arrays: &[Array], axis: i32) -> Result<Array> {
    let Some(first) = arrays.first() else {
        bail!("[stack] No arrays provided for stacking");
    };
    if arrays.iter().any(|a| a.shape() != first.shape()) {
        bail!("[stack] All arrays must have the same shape");
    }
    let nd = first.ndim() as i32 + 1;
    if axis < -nd || axis >= nd {
        return Err(index_err(format!(
            "[stack] Axis {axis} is out of bounds for array with {nd} dimensions."
        )));
    }
    let expanded = arrays
        .iter()
        .map(|a| expand_dims(a, &[axis]))
        .collect::<Result<Vec<_>>>()?;
    concatenate(&expanded, axis)
}

fn split_axis(a: &Array, axis: i32) -> Result<usize> {
    let nd = a.ndim() as i32;
    if axis < -nd || axis >= nd {
        return Err(index_err(format!(
            "[split] Axis {axis} is out of bounds for array with {nd} dimensions."
        )));
    }
    Ok((if axis < 0 { axis + nd } else { axis }) as usize)
}

/// Splits along `axis` before each of `indices` (Python slice semantics: negative indices
/// count from the end, out-of-range ones clamp, decreasing ones give empty pieces).
/// `indices.len() + 1` pieces, all views of `a`.
pub fn split_at(a: &Array, indices: &[i32], axis: i32) -> Result<Vec<Array>> {
    let ax = split_axis(a, axis)?;
    if indices.is_empty() {
        return Ok(vec![a.clone()]);
    }
    let n = a.shape()[ax];
    let simple = indices.windows(2).all(|w| w[0] <= w[1])
        && indices[0] > 0
        && *indices.last().expect("non-empty") < n;
    if simple {
        // One multi-output node, as MLX builds for sorted in-range indices.
        let mut specs = Vec::with_capacity(indices.len() + 1);
        let mut prev = 0;
        for &i in indices.iter().chain(std::iter::once(&n)) {
            let mut sh = a.shape().to_vec();
            sh[ax] = i - prev;
            specs.push((sh, a.dtype()));
            prev = i;
        }
        let s = op_stream("split")?;
        let split = Split {
            indices: indices.to_vec(),
            axis: ax,
        };
        return Ok(Array::multi_from_op(specs, s, split, vec![a.clone()]));
    }
    let nd = a.ndim();
    let mut start = vec![0i32; nd];
    let mut stop = a.shape().to_vec();
    let ones = vec![1i32; nd];
    let mut out = Vec::with_capacity(indices.len() + 1);
    for i in 0..=indices.len() {
        stop[ax] = if i < indices.len() { indices[i] } else { n };
        out.push(super::slice(a, &start, &stop, &ones)?);
        start[ax] = stop[ax];
    }
    Ok(out)
}

/// Splits along `axis` into `num_splits` equal pieces.
pub fn split(a: &Array, num_splits: i32, axis: i32) -> Result<Vec<Array>> {
    let ax = split_axis(a, axis)?;
    if num_splits <= 0 {
        bail!("[split] num_splits must be positive and non-zero but got {num_splits}.");
    }
    let n = a.shape()[ax];
    if n % num_splits != 0 {
        bail!(
            "[split] Array split does not result in sub arrays with equal size: attempting \
             {num_splits} splits along axis {axis} for shape {}.",
            fmt_shape(a.shape())
        );
    }
    let q = n / num_splits;
    let indices: Vec<i32> = (1..num_splits).map(|i| i * q).collect();
    split_at(a, &indices, ax as i32)
}

/// Row-major data: a view when `a` already is row-contiguous (or column-contiguous with
/// `allow_col_major`), a copy otherwise. MLX's `contiguous`.
pub fn contiguous(a: &Array, allow_col_major: bool) -> Result<Array> {
    let s = op_stream("contiguous")?;
    Ok(Array::from_op(
        a.shape().to_vec(),
        a.dtype(),
        s,
        Contiguous { allow_col_major },
        vec![a.clone()],
    ))
}

impl Array {
    /// True when both arrays are evaluated and read the same allocation (one is a view of
    /// the other, or both of a third). For tests and memory diagnostics.
    pub fn shares_buffer_with(&self, other: &Array) -> bool {
        match (self.data(), other.data()) {
            (Some(a), Some(b)) => std::sync::Arc::ptr_eq(&a.buffer, &b.buffer),
            _ => false,
        }
    }
    /// [`reshape`]: a new shape with at most one `-1`.
    pub fn reshape(&self, shape: &[i32]) -> Result<Array> {
        reshape(self, shape)
    }
    /// [`flatten`] of all axes.
    pub fn flatten(&self) -> Result<Array> {
        flatten(self, 0, -1)
    }
    /// [`transpose`]: the axes reversed.
    pub fn transpose(&self) -> Result<Array> {
        transpose(self)
    }
    /// [`transpose_axes`]: a given permutation.
    pub fn transpose_axes(&self, axes: &[i32]) -> Result<Array> {
        transpose_axes(self, axes)
    }
    /// The axes reversed (MLX's `.T`).
    pub fn t(&self) -> Result<Array> {
        transpose(self)
    }
    /// [`squeeze`]: every size-1 axis removed.
    pub fn squeeze(&self) -> Result<Array> {
        squeeze(self)
    }
    /// [`squeeze_axes`]: the given size-1 axes removed.
    pub fn squeeze_axes(&self, axes: &[i32]) -> Result<Array> {
        squeeze_axes(self, axes)
    }
    /// [`expand_dims`]: size-1 axes inserted.
    pub fn expand_dims(&self, axes: &[i32]) -> Result<Array> {
        expand_dims(self, axes)
    }
    /// [`swapaxes`].
    pub fn swapaxes(&self, axis1: i32, axis2: i32) -> Result<Array> {
        swapaxes(self, axis1, axis2)
    }
    /// [`moveaxis`].
    pub fn moveaxis(&self, source: i32, destination: i32) -> Result<Array> {
        moveaxis(self, source, destination)
    }
    /// [`broadcast_to`].
    pub fn broadcast_to(&self, shape: &[i32]) -> Result<Array> {
        broadcast_to(self, shape)
    }
    /// [`split`] into equal pieces.
    pub fn split(&self, num_splits: i32, axis: i32) -> Result<Vec<Array>> {
        split(self, num_splits, axis)
    }
    /// [`split_at`] given indices.
    pub fn split_at(&self, indices: &[i32], axis: i32) -> Result<Vec<Array>> {
        split_at(self, indices, axis)
    }
}
