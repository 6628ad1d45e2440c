//! Rules of `Gather` and `Scatter`.
//!
//! `Gather` inputs: the source, then one index array per gathered axis (broadcast to the
//! index shape `I`); output `I ++ slice_sizes`. `Scatter` inputs: the destination, the
//! updates (`I ++ slice`), then the index arrays. Index arrays get no gradient.
//!
//! A gather clamps out-of-range indices while a scatter drops them, so for such indices the
//! gradient of a gather (a scatter-add) drops the contributions the clamped reads made.

use super::batching::{align_broadcasting, batch_first};
use super::cast_like;
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::{no_rule, VmapResult};

fn i32s(axes: &[usize]) -> Vec<i32> {
    axes.iter().map(|&a| a as i32).collect()
}

pub(crate) fn gather_vjp(
    axes: &[usize],
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    argnums
        .iter()
        .map(|&i| {
            if i == 0 {
                let zeros = ops::zeros_like(&p[0])?;
                let g = ops::scatter_add(&zeros, &p[1..], &c[0], &i32s(axes))?;
                cast_like(&g, &p[0])
            } else {
                ops::zeros_like(&p[i])
            }
        })
        .collect()
}

pub(crate) fn gather_jvp(
    axes: &[usize],
    slice_sizes: &[i32],
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    match argnums.iter().position(|&a| a == 0) {
        Some(k) => Ok(vec![ops::gather(&t[k], &p[1..], &i32s(axes), slice_sizes)?]),
        None => Ok(vec![ops::zeros_like(&o[0])?]),
    }
}

/// The update slices' shape: the updates without the index dimensions.
fn slice_of(updates: &Array, dst: &Array) -> Vec<i32> {
    updates.shape()[updates.ndim() - dst.ndim()..].to_vec()
}

/// `Scatter` (assign) and `ScatterSum` rules; the other combinations have none yet.
pub(crate) fn scatter_vjp(
    name: &str,
    add: bool,
    axes: &[usize],
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let (dst, updates, idx) = (&p[0], &p[1], &p[2..]);
    let ax = i32s(axes);
    argnums
        .iter()
        .map(|&i| match i {
            0 if add => Ok(c[0].clone()),
            // Overwritten positions do not reach the output.
            0 => ops::scatter(
                &c[0],
                idx,
                &ops::zeros_like(updates)?,
                &ax,
                crate::backend::cpu::scatter::ScatterMode::None,
            ),
            1 => {
                let g = ops::gather(&c[0], idx, &ax, &slice_of(updates, dst))?;
                cast_like(&ops::reshape(&g, updates.shape())?, updates)
            }
            _ if i >= 2 => ops::zeros_like(&p[i]),
            _ => Err(no_rule(name, "vjp")),
        })
        .collect()
}

pub(crate) fn scatter_jvp(
    add: bool,
    axes: &[usize],
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let tangent = |i: usize| -> Result<Array> {
        match argnums.iter().position(|&a| a == i) {
            Some(k) => Ok(t[k].clone()),
            None => ops::zeros_like(&p[i]),
        }
    };
    let (td, tu) = (tangent(0)?, tangent(1)?);
    let mode = if add {
        crate::backend::cpu::scatter::ScatterMode::Add
    } else {
        crate::backend::cpu::scatter::ScatterMode::None
    };
    Ok(vec![ops::scatter(&td, &p[2..], &tu, &i32s(axes), mode)?])
}

/// Batching a gather. With only the source batched, the batch axis becomes one more
/// (whole) slice axis; with batched indices, every batch element picks from its own source
/// (an extra `arange` index on the source's batch axis) or from the shared one.
pub(crate) fn gather_vmap(
    axes: &[usize],
    slice_sizes: &[i32],
    x: &[Array],
    bx: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let index_rank = o[0].ndim() - slice_sizes.len();
    let shifted: Vec<i32> = axes.iter().map(|&a| a as i32 + 1).collect();
    let idx_batched = bx[1..].iter().any(Option::is_some);
    if !idx_batched {
        let src = batch_first(&x[0], bx[0])?;
        let mut sizes = vec![src.shape()[0]];
        sizes.extend_from_slice(slice_sizes);
        let g = ops::gather(&src, &x[1..], &shifted, &sizes)?;
        return Ok((vec![g], vec![Some(index_rank)]));
    }
    let idx = align_broadcasting(&x[1..], &bx[1..], index_rank)?;
    if bx[0].is_none() {
        let g = ops::gather(&x[0], &idx, &i32s(axes), slice_sizes)?;
        return Ok((vec![g], vec![Some(0)]));
    }
    let src = batch_first(&x[0], bx[0])?;
    let b = src.shape()[0];
    let mut shape = vec![b];
    shape.extend(std::iter::repeat_n(1, index_rank));
    let batch_index = ops::reshape(&ops::arange_to(b)?, &shape)?;
    let mut all_idx = vec![batch_index];
    all_idx.extend(idx);
    let mut all_axes = vec![0];
    all_axes.extend(shifted);
    let mut sizes = vec![1];
    sizes.extend_from_slice(slice_sizes);
    let g = ops::gather(&src, &all_idx, &all_axes, &sizes)?;
    let g = ops::squeeze_axes(&g, &[1 + index_rank as i32])?;
    Ok((vec![g], vec![Some(0)]))
}

/// `ScatterMax`/`ScatterMin` (MLX's rule): the destination keeps the cotangent where it
/// still holds the result, each update gets it where it equals the result at its target.
/// `ScatterProd` has no rule in MLX either.
pub(crate) fn scatter_extremum_vjp(
    axes: &[usize],
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    let (dst, updates, idx) = (&p[0], &p[1], &p[2..]);
    let ax = i32s(axes);
    let zero = |v: &Array| ops::zeros_like(v);
    argnums
        .iter()
        .map(|&i| match i {
            0 => ops::where_(&ops::equal(&o[0], dst)?, &c[0], &zero(&c[0])?),
            1 => {
                let sizes = slice_of(updates, dst);
                let shape = updates.shape();
                let at = ops::reshape(&ops::gather(&o[0], idx, &ax, &sizes)?, shape)?;
                let g = ops::reshape(&ops::gather(&c[0], idx, &ax, &sizes)?, shape)?;
                let g = ops::where_(&ops::equal(&at, updates)?, &g, &zero(&g)?)?;
                cast_like(&g, updates)
            }
            _ => ops::zeros_like(&p[i]),
        })
        .collect()
}

/// Batching a scatter: every batch element scatters into its own destination, through one
/// more index (an `arange` on the destination's batch axis).
pub(crate) fn scatter_vmap(
    axes: &[usize],
    mode: crate::backend::cpu::scatter::ScatterMode,
    x: &[Array],
    bx: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let b = bx
        .iter()
        .zip(x)
        .find_map(|(a, v)| a.map(|a| v.shape()[a]))
        .unwrap_or(1);
    let nd = o[0].ndim();
    let upd_nd = x[1].ndim() - usize::from(bx[1].is_some());
    let index_rank = upd_nd - nd;
    let with_batch = |v: &Array, ax: Option<usize>| -> Result<Array> {
        match ax {
            Some(_) => batch_first(v, ax),
            None => {
                let mut shape = vec![b];
                shape.extend_from_slice(v.shape());
                ops::broadcast_to(&ops::expand_dims(v, &[0])?, &shape)
            }
        }
    };
    let dst = with_batch(&x[0], bx[0])?;
    let upd = with_batch(&x[1], bx[1])?;
    // Updates: batch ++ I ++ [1] (the batch axis' slice) ++ slice.
    let upd = ops::expand_dims(&upd, &[1 + index_rank as i32])?;
    let mut shape = vec![b];
    shape.extend(std::iter::repeat_n(1, index_rank));
    let mut all_idx = vec![ops::reshape(&ops::arange_to(b)?, &shape)?];
    all_idx.extend(align_broadcasting(&x[2..], &bx[2..], index_rank)?);
    let mut all_axes = vec![0];
    all_axes.extend(axes.iter().map(|&a| a as i32 + 1));
    let r = ops::scatter(&dst, &all_idx, &upd, &all_axes, mode)?;
    Ok((vec![r], vec![Some(0)]))
}

/// `ScatterMax`/`ScatterMin` jvp, the transpose of [`scatter_extremum_vjp`]: each position
/// carries the tangent of whatever attains the result there.
pub(crate) fn scatter_extremum_jvp(
    axes: &[usize],
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    let (dst, updates, idx) = (&p[0], &p[1], &p[2..]);
    let ax = i32s(axes);
    let tangent = |i: usize| -> Result<Array> {
        match argnums.iter().position(|&a| a == i) {
            Some(k) => Ok(t[k].clone()),
            None => ops::zeros_like(&p[i]),
        }
    };
    let (td, tu) = (tangent(0)?, tangent(1)?);
    let base = ops::where_(&ops::equal(&o[0], dst)?, &td, &ops::zeros_like(&td)?)?;
    let sizes = slice_of(updates, dst);
    let at = ops::reshape(&ops::gather(&o[0], idx, &ax, &sizes)?, updates.shape())?;
    let won = ops::where_(&ops::equal(&at, updates)?, &tu, &ops::zeros_like(&tu)?)?;
    Ok(vec![ops::scatter_add(&base, idx, &won, &ax)?])
}
