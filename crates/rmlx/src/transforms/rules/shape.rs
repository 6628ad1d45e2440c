//! Rules of the view and shape primitives: broadcast, transpose, reshape-like, slice,
//! split, concatenate, and the copies (`AsType`, `Full`, `Contiguous`).

use super::batching::batch_first;
use super::cast_like;
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::views::Slice;
use crate::primitives::VmapResult;

/// Sums `c` down to `shape` (the reverse of broadcasting `shape` to `c`'s shape).
pub(crate) fn sum_to(c: &Array, shape: &[i32]) -> Result<Array> {
    if c.shape() == shape {
        return Ok(c.clone());
    }
    let lead = c.ndim() - shape.len();
    let mut axes: Vec<i32> = (0..lead as i32).collect();
    for (i, &n) in shape.iter().enumerate() {
        if n == 1 && c.shape()[lead + i] != 1 {
            axes.push((lead + i) as i32);
        }
    }
    let s = ops::sum(c, &axes, true)?;
    ops::reshape(&s, shape)
}

/// The batch size of a batched input.
pub(crate) fn batch_size(x: &Array, axis: Option<usize>) -> i32 {
    axis.map_or(1, |a| x.shape()[a])
}

/// `x` (batched at `axis`, unbatched rank `r`) broadcast to `[B] ++ shape`.
fn broadcast_batched(x: &Array, axis: Option<usize>, shape: &[i32]) -> Result<Array> {
    let b = batch_size(x, axis);
    let xb = match axis {
        Some(_) => batch_first(x, axis)?,
        None => ops::expand_dims(x, &[0])?,
    };
    let r = xb.ndim() - 1;
    let mut padded = vec![xb.shape()[0]];
    padded.extend(std::iter::repeat_n(1, shape.len() - r));
    padded.extend_from_slice(&xb.shape()[1..]);
    let xb = ops::reshape(&xb, &padded)?;
    let mut target = vec![b];
    target.extend_from_slice(shape);
    ops::broadcast_to(&xb, &target)
}

pub(crate) fn broadcast_vjp(p: &[Array], c: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![sum_to(&c[0], p[0].shape())?])
}

pub(crate) fn broadcast_jvp(t: &[Array], o: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![ops::broadcast_to(&t[0], o[0].shape())?])
}

pub(crate) fn broadcast_vmap(
    x: &[Array],
    axes: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    Ok((
        vec![broadcast_batched(&x[0], axes[0], o[0].shape())?],
        vec![Some(0)],
    ))
}

fn as_i32(perm: &[usize]) -> Vec<i32> {
    perm.iter().map(|&a| a as i32).collect()
}

pub(crate) fn transpose_vjp(perm: &[usize], c: &[Array]) -> Result<Vec<Array>> {
    let mut inverse = vec![0usize; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    Ok(vec![ops::transpose_axes(&c[0], &as_i32(&inverse))?])
}

pub(crate) fn transpose_jvp(perm: &[usize], t: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![ops::transpose_axes(&t[0], &as_i32(perm))?])
}

pub(crate) fn transpose_vmap(
    perm: &[usize],
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    let xb = batch_first(&x[0], axes[0])?;
    let full: Vec<usize> = std::iter::once(0)
        .chain(perm.iter().map(|&p| p + 1))
        .collect();
    Ok((
        vec![ops::transpose_axes(&xb, &as_i32(&full))?],
        vec![Some(0)],
    ))
}

/// Rules shared by the primitives that only change the shape (reshape, flatten, squeeze,
/// expand_dims): the data order is unchanged.
pub(crate) fn reshape_vjp(p: &[Array], c: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![ops::reshape(&c[0], p[0].shape())?])
}

pub(crate) fn reshape_jvp(t: &[Array], o: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![ops::reshape(&t[0], o[0].shape())?])
}

pub(crate) fn reshape_vmap(x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
    let xb = batch_first(&x[0], axes[0])?;
    let mut shape = vec![batch_size(&x[0], axes[0])];
    shape.extend_from_slice(o[0].shape());
    Ok((vec![ops::reshape(&xb, &shape)?], vec![Some(0)]))
}

/// The vjp of a strided slice: the cotangent placed at the sliced positions of zeros.
pub(crate) fn slice_vjp(s: &Slice, p: &[Array], c: &[Array]) -> Result<Vec<Array>> {
    let x = &p[0];
    // The positions the slice read, as one index array per axis (broadcast against each
    // other), so a scatter-add puts every cotangent element back where it came from.
    let nd = x.ndim();
    let mut idx = Vec::with_capacity(nd);
    for (d, &n) in c[0].shape().iter().enumerate() {
        let start = s.start[d] as f64;
        let step = s.strides[d] as f64;
        let stop = start + step * n as f64;
        let mut shape = vec![1; nd];
        shape[d] = n;
        let a = ops::arange(start, stop, step, crate::Dtype::Int32)?;
        idx.push(ops::reshape(&a, &shape)?);
    }
    let axes: Vec<i32> = (0..nd as i32).collect();
    let mut upd_shape = c[0].shape().to_vec();
    upd_shape.extend(std::iter::repeat_n(1, nd));
    let updates = ops::reshape(&c[0], &upd_shape)?;
    let zeros = ops::zeros_like(x)?;
    Ok(vec![ops::scatter_add(&zeros, &idx, &updates, &axes)?])
}

pub(crate) fn slice_jvp(s: &Slice, t: &[Array], o: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![slice_node(s, &t[0], o[0].shape().to_vec())?])
}

pub(crate) fn slice_vmap(
    s: &Slice,
    x: &[Array],
    axes: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let xb = batch_first(&x[0], axes[0])?;
    let mut shape = vec![batch_size(&x[0], axes[0])];
    shape.extend_from_slice(o[0].shape());
    let batched = Slice {
        start: std::iter::once(0).chain(s.start.iter().copied()).collect(),
        strides: std::iter::once(1)
            .chain(s.strides.iter().copied())
            .collect(),
    };
    Ok((vec![slice_node(&batched, &xb, shape)?], vec![Some(0)]))
}

/// The same window of another array of the input's shape.
fn slice_node(s: &Slice, x: &Array, shape: Vec<i32>) -> Result<Array> {
    let stream = ops::op_stream("slice")?;
    Ok(Array::from_op(
        shape,
        x.dtype(),
        stream,
        s.clone(),
        vec![x.clone()],
    ))
}

pub(crate) fn split_vjp(axis: usize, p: &[Array], c: &[Array]) -> Result<Vec<Array>> {
    let _ = p;
    Ok(vec![ops::concatenate(c, axis as i32)?])
}

pub(crate) fn split_jvp(indices: &[i32], axis: usize, t: &[Array]) -> Result<Vec<Array>> {
    ops::split_at(&t[0], indices, axis as i32)
}

pub(crate) fn split_vmap(
    indices: &[i32],
    axis: usize,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    let xb = batch_first(&x[0], axes[0])?;
    let parts = ops::split_at(&xb, indices, axis as i32 + 1)?;
    let n = parts.len();
    Ok((parts, vec![Some(0); n]))
}

pub(crate) fn concatenate_vjp(
    axis: usize,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let mut starts = Vec::with_capacity(p.len());
    let mut at = 0;
    for x in p {
        starts.push(at);
        at += x.shape()[axis];
    }
    argnums
        .iter()
        .map(|&i| {
            let c = &c[0];
            let mut start = vec![0; c.ndim()];
            let mut stop = c.shape().to_vec();
            start[axis] = starts[i];
            stop[axis] = starts[i] + p[i].shape()[axis];
            ops::slice(c, &start, &stop, &vec![1; c.ndim()])
        })
        .collect()
}

pub(crate) fn concatenate_jvp(
    axis: usize,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let parts = p
        .iter()
        .enumerate()
        .map(|(i, x)| match argnums.iter().position(|&a| a == i) {
            Some(k) => Ok(t[k].clone()),
            None => ops::zeros_like(x),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(vec![ops::concatenate(&parts, axis as i32)?])
}

pub(crate) fn concatenate_vmap(
    axis: usize,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    let b = x
        .iter()
        .zip(axes)
        .find_map(|(x, a)| a.map(|a| x.shape()[a]))
        .unwrap_or(1);
    let parts = x
        .iter()
        .zip(axes)
        .map(|(x, a)| match a {
            Some(_) => batch_first(x, *a),
            None => {
                let mut shape = vec![b];
                shape.extend_from_slice(x.shape());
                ops::broadcast_to(&ops::expand_dims(x, &[0])?, &shape)
            }
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((
        vec![ops::concatenate(&parts, axis as i32 + 1)?],
        vec![Some(0)],
    ))
}

pub(crate) fn astype_vjp(p: &[Array], c: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![cast_like(&c[0], &p[0])?])
}

pub(crate) fn astype_jvp(t: &[Array], o: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![cast_like(&t[0], &o[0])?])
}

pub(crate) fn astype_vmap(x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
    Ok((vec![ops::astype(&x[0], o[0].dtype())?], vec![axes[0]]))
}

/// `Full` fills the output from a broadcast value: its rules are broadcast's plus a cast.
pub(crate) fn full_vjp(p: &[Array], c: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![cast_like(&sum_to(&c[0], p[0].shape())?, &p[0])?])
}

pub(crate) fn full_jvp(t: &[Array], o: &[Array]) -> Result<Vec<Array>> {
    Ok(vec![cast_like(
        &ops::broadcast_to(&t[0], o[0].shape())?,
        &o[0],
    )?])
}

pub(crate) fn full_vmap(x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
    let b = broadcast_batched(&x[0], axes[0], o[0].shape())?;
    Ok((
        vec![ops::contiguous(&ops::astype(&b, o[0].dtype())?, false)?],
        vec![Some(0)],
    ))
}

/// Identity-valued primitives (`Contiguous`): cotangents and tangents pass through.
pub(crate) fn identity_vmap(x: &[Array], axes: &[Option<usize>]) -> Result<VmapResult> {
    Ok((vec![ops::contiguous(&x[0], false)?], vec![axes[0]]))
}
