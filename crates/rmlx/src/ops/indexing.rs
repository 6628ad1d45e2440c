//! Indexing with arrays: `gather`, `scatter` and the ops built on them (`take`,
//! `take_along_axis`, `put_along_axis`).
//!
//! # Index values
//! Index arrays may have any integer dtype (bool and floating-point indices are a
//! `ValueError`, as in MLX); index arrays of one call broadcast together. A negative index
//! counts from the end of its axis, once (`-1` is the last element).
//!
//! # Out-of-range indices (rmlx's safety rule)
//! No index value ever makes a kernel read or write outside its buffers (MLX reads stray
//! memory there). An index still outside the axis after negative wrapping has a defined
//! result, JAX's rule:
//! - **gathers clamp** it into range: the slice starts at the nearest valid position
//!   (`take([10, 20, 30], [7, -9])` is `[30, 10]`);
//! - **scatters drop** its update: the destination keeps its value there.

use super::op_stream;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{bail, Error, Result};
use crate::primitives::gather::Gather;
use crate::primitives::scatter::Scatter;
use crate::shape::{broadcast_shapes, fmt_shape, normalize_axis};

pub use crate::backend::cpu::scatter::ScatterMode;

/// Rejects index arrays whose dtype is not an integer type. (MLX's messages: its `gather`
/// names the primitive, capitalised, for bool indices.)
fn check_index_dtypes(func: &str, indices: &[Array]) -> Result<()> {
    for idx in indices {
        match idx.dtype() {
            Dtype::Bool if func == "gather" => bail!("[Gather] Boolean indices not supported."),
            Dtype::Bool => bail!("[{func}] Boolean indices not supported."),
            d if !d.is_integer() => {
                bail!("[{func}] Got indices with invalid dtype. Indices must be integral.")
            }
            _ => {}
        }
    }
    Ok(())
}

/// Normalises the axes of a gather or scatter, rejecting out-of-range and repeated ones.
fn index_axes(func: &str, axes: &[i32], ndim: usize) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(axes.len());
    for &ax in axes {
        let a = normalize_axis(func, ax, ndim)?;
        if out.contains(&a) {
            bail!("[{func}] Repeated axes not allowed.");
        }
        out.push(a);
    }
    Ok(out)
}

/// The index arrays broadcast to one shape (views, no copies), and that shape.
fn broadcast_indices(indices: &[Array]) -> Result<(Vec<Array>, Vec<i32>)> {
    if indices.is_empty() {
        return Ok((vec![], vec![]));
    }
    let b = super::broadcast_arrays(indices)?;
    let shape = b[0].shape().to_vec();
    Ok((b, shape))
}

/// MLX's general gather: for every position of the broadcast index shape `I`, the slice of
/// `a` of `slice_sizes` that starts at `indices[k][pos]` along `axes[k]` (and at 0 along
/// the other axes). The result has shape `I ++ slice_sizes`.
///
/// Out-of-range indices are clamped so the whole slice lies inside `a` (see the module
/// docs); the gather never reads outside `a`.
pub fn gather(a: &Array, indices: &[Array], axes: &[i32], slice_sizes: &[i32]) -> Result<Array> {
    if indices.len() != axes.len() {
        bail!(
            "[gather] {} index arrays for {} axes: they must match.",
            indices.len(),
            axes.len()
        );
    }
    check_index_dtypes("gather", indices)?;
    let axes = index_axes("gather", axes, a.ndim())?;
    if slice_sizes.len() != a.ndim() {
        bail!(
            "[gather] Got slice_sizes with size {} for array with {} dimensions.",
            slice_sizes.len(),
            a.ndim()
        );
    }
    for (&s, &n) in slice_sizes.iter().zip(a.shape()) {
        if s < 0 || s > n {
            bail!(
                "[gather] Slice sizes must be in [0, a.shape(i)]. Got {} for array with shape {}.",
                fmt_shape(slice_sizes),
                fmt_shape(a.shape())
            );
        }
    }
    let (idx, mut shape) = broadcast_indices(indices)?;
    shape.extend_from_slice(slice_sizes);
    let s = op_stream("gather")?;
    let mut inputs = Vec::with_capacity(1 + idx.len());
    inputs.push(a.clone());
    inputs.extend(idx);
    let prim = Gather {
        axes,
        slice_sizes: slice_sizes.to_vec(),
    };
    Ok(Array::from_op(shape, a.dtype(), s, prim, inputs))
}

/// MLX's general scatter: `a` with, for every position of the broadcast index shape `I`,
/// the slice `updates[pos]` combined (`mode`) into `a` at `indices[k][pos]` along
/// `axes[k]`. `updates` has shape `I ++ slice` with one slice size per axis of `a`
/// (its leading `I` part may broadcast); it is cast to `a`'s dtype.
///
/// Positions apply in row-major order: with [`ScatterMode::None`] the last of repeated
/// indices wins, the other modes accumulate all of them. An out-of-range index drops its
/// update (see the module docs); the scatter never writes outside its output.
pub fn scatter(
    a: &Array,
    indices: &[Array],
    updates: &Array,
    axes: &[i32],
    mode: ScatterMode,
) -> Result<Array> {
    let func = mode.op_name();
    if indices.len() != axes.len() {
        bail!(
            "[{func}] {} index arrays for {} axes: they must match.",
            indices.len(),
            axes.len()
        );
    }
    check_index_dtypes(func, indices)?;
    let axes = index_axes(func, axes, a.ndim())?;
    let (idx, index_shape) = broadcast_indices(indices)?;
    let k = index_shape.len();
    if updates.ndim() != k + a.ndim() {
        bail!(
            "[{func}] Updates of shape {} do not match the index shape {} followed by one \
             slice size per dimension of the array of shape {}.",
            fmt_shape(updates.shape()),
            fmt_shape(&index_shape),
            fmt_shape(a.shape())
        );
    }
    let slice = &updates.shape()[k..];
    if slice.iter().zip(a.shape()).any(|(&s, &n)| s > n) {
        bail!(
            "[{func}] Update slices of shape {} do not fit in the array of shape {}.",
            fmt_shape(slice),
            fmt_shape(a.shape())
        );
    }
    let mut upd_shape = index_shape.clone();
    upd_shape.extend_from_slice(slice);
    let upd = super::broadcast_to(&super::astype(updates, a.dtype())?, &upd_shape)?;
    let s = op_stream(func)?;
    let mut inputs = Vec::with_capacity(2 + idx.len());
    inputs.push(a.clone());
    inputs.push(upd);
    inputs.extend(idx);
    let prim = Scatter { axes, mode };
    Ok(Array::from_op(
        a.shape().to_vec(),
        a.dtype(),
        s,
        prim,
        inputs,
    ))
}

/// [`scatter`] adding the updates (repeated indices accumulate).
pub fn scatter_add(a: &Array, indices: &[Array], updates: &Array, axes: &[i32]) -> Result<Array> {
    scatter(a, indices, updates, axes, ScatterMode::Add)
}

/// [`scatter`] multiplying by the updates.
pub fn scatter_prod(a: &Array, indices: &[Array], updates: &Array, axes: &[i32]) -> Result<Array> {
    scatter(a, indices, updates, axes, ScatterMode::Prod)
}

/// [`scatter`] keeping the maximum.
pub fn scatter_max(a: &Array, indices: &[Array], updates: &Array, axes: &[i32]) -> Result<Array> {
    scatter(a, indices, updates, axes, ScatterMode::Max)
}

/// [`scatter`] keeping the minimum.
pub fn scatter_min(a: &Array, indices: &[Array], updates: &Array, axes: &[i32]) -> Result<Array> {
    scatter(a, indices, updates, axes, ScatterMode::Min)
}

/// The array an axis-taking index op reads and its normalised axis: `a` flattened with
/// axis 0 when `axis` is `None`, else `a` itself. An axis outside `[-ndim, ndim)` is an
/// IndexError whose message `out_of_range(axis, ndim)` writes (each op words it as MLX does).
fn source_and_axis(
    a: &Array,
    axis: Option<i32>,
    out_of_range: impl FnOnce(i32, i32) -> String,
) -> Result<(Array, usize)> {
    match axis {
        None => Ok((super::reshape(a, &[a.size() as i32])?, 0)),
        Some(ax) => {
            let nd = a.ndim() as i32;
            if ax < -nd || ax >= nd {
                return Err(Error::Index(out_of_range(ax, nd)));
            }
            Ok((a.clone(), if ax < 0 { ax + nd } else { ax } as usize))
        }
    }
}

/// MLX's `take`: elements of `a` at `indices` along `axis` (`None`: of `a` flattened).
/// The result has shape `a.shape[..axis] ++ indices.shape ++ a.shape[axis+1..]`.
/// Out-of-range indices clamp (see the module docs).
pub fn take(a: &Array, indices: &Array, axis: Option<i32>) -> Result<Array> {
    // MLX reports index dtypes from the gather that `take` is built on.
    check_index_dtypes("gather", std::slice::from_ref(indices))?;
    let (src, ax) = source_and_axis(a, axis, |ax, nd| {
        format!("[take] Received invalid axis {ax} for array with {nd} dimensions.")
    })?;
    if src.shape()[ax] == 0 && indices.size() > 0 {
        bail!("[take] Cannot do a non-empty take from an empty axis.");
    }
    let mut slice = src.shape().to_vec();
    slice[ax] = 1;
    let g = gather(&src, std::slice::from_ref(indices), &[ax as i32], &slice)?;
    let k = indices.ndim();
    let g = super::squeeze_axes(&g, &[(k + ax) as i32])?;
    if ax == 0 || k == 0 {
        return Ok(g);
    }
    // `I ++ pre ++ post` → `pre ++ I ++ post`.
    let nd = g.ndim();
    let perm: Vec<i32> = (k..k + ax)
        .chain(0..k)
        .chain(k + ax..nd)
        .map(|d| d as i32)
        .collect();
    super::transpose_axes(&g, &perm)
}

/// Validates a `*_along_axis` call; returns `a` (flattened when `axis` is `None`), the
/// normalised axis and one index array per axis of it: `indices` on `axis`, an `arange`
/// shaped to broadcast along each other axis.
fn along_axis_indices(
    func: &str,
    a: &Array,
    indices: &Array,
    axis: Option<i32>,
) -> Result<(Array, usize, Vec<Array>)> {
    check_index_dtypes(func, std::slice::from_ref(indices))?;
    let (src, ax) = source_and_axis(a, axis, |ax, nd| {
        format!("[{func}] Axis {ax} is out of bounds for array with {nd} dimensions.")
    })?;
    if indices.ndim() != src.ndim() {
        bail!(
            "[{func}] Indices of dimension {} does not match array of dimension {}.",
            indices.ndim(),
            src.ndim()
        );
    }
    // The other axes must broadcast (checked first for MLX's message, which names them).
    let drop_axis = |s: &[i32]| -> Vec<i32> {
        s.iter()
            .enumerate()
            .filter(|&(d, _)| d != ax)
            .map(|(_, &n)| n)
            .collect()
    };
    broadcast_shapes(&drop_axis(src.shape()), &drop_axis(indices.shape()))?;
    let nd = src.ndim();
    let mut idx = Vec::with_capacity(nd);
    for (d, &n) in src.shape().iter().enumerate() {
        if d == ax {
            idx.push(indices.clone());
        } else {
            let mut shape = vec![1; nd];
            shape[d] = n;
            idx.push(super::reshape(&super::arange_to(n)?, &shape)?);
        }
    }
    Ok((src, ax, idx))
}

/// MLX's `take_along_axis`: `out[..., i, ...] = a[..., indices[..., i, ...], ...]` along
/// `axis` (`None`: `a` flattened, `indices` 1-D). `indices` has `a`'s number of dimensions
/// and broadcasts with `a` on the other axes. Out-of-range indices clamp.
pub fn take_along_axis(a: &Array, indices: &Array, axis: Option<i32>) -> Result<Array> {
    let func = "take_along_axis";
    let (src, ax, idx) = along_axis_indices(func, a, indices, axis)?;
    let (idx, shape) = broadcast_indices(&idx)?;
    if shape.contains(&0) {
        // Nothing to gather (the source may be empty too): an empty result.
        return super::zeros(&shape, src.dtype());
    }
    if src.shape()[ax] == 0 {
        bail!("[{func}] Cannot do a non-empty take from an empty axis.");
    }
    let axes: Vec<i32> = (0..src.ndim() as i32).collect();
    let g = gather(&src, &idx, &axes, &vec![1; src.ndim()])?;
    super::reshape(&g, &shape)
}

/// MLX's `put_along_axis`: a copy of `a` with `values` written at `indices` along `axis`
/// (`None`: into `a` flattened, the result keeps `a`'s shape). `values` broadcasts with the
/// indices and is cast to `a`'s dtype; the last of repeated indices wins. Out-of-range
/// indices drop their value.
pub fn put_along_axis(
    a: &Array,
    indices: &Array,
    values: &Array,
    axis: Option<i32>,
) -> Result<Array> {
    let func = "put_along_axis";
    let (dst, _, idx) = along_axis_indices(func, a, indices, axis)?;
    let mut shape = values.shape().to_vec();
    for i in &idx {
        shape = broadcast_shapes(&shape, i.shape())?;
    }
    let nd = dst.ndim();
    let vals = super::broadcast_to(values, &shape)?;
    let trailing: Vec<i32> = (shape.len()..shape.len() + nd).map(|d| d as i32).collect();
    let updates = super::expand_dims(&vals, &trailing)?;
    let axes: Vec<i32> = (0..nd as i32).collect();
    let out = scatter(&dst, &idx, &updates, &axes, ScatterMode::None)?;
    if axis.is_none() {
        return super::reshape(&out, a.shape());
    }
    Ok(out)
}
