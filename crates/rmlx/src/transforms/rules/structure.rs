//! Rules of the structural primitives added with the op set: `Hadamard`, `Diagonal`,
//! `DynamicSlice`/`DynamicSliceUpdate`, `Pad`, `Roll`, `AsStrided`, `View`,
//! `SearchSorted`, `Depends`, `MlxUnary` and `RandomBits`. Start indices, keys and integer
//! outputs get zero derivatives.

use super::batching::batch_first;
use super::{cast_like, composite};
use crate::array::Array;
use crate::error::{Error, Result};
use crate::ops;
use crate::primitives::axis_gather::PadMode;
use crate::primitives::mlx_unary::MlxFn;
use crate::primitives::unary::UnaryOp;
use crate::primitives::VmapResult;

fn i32s(axes: &[usize]) -> Vec<i32> {
    axes.iter().map(|&a| a as i32).collect()
}

/// The tangent of input `i` when it is listed in `argnums`, else zeros like it.
fn tangent_of(i: usize, p: &[Array], t: &[Array], argnums: &[usize]) -> Result<Array> {
    match argnums.iter().position(|&a| a == i) {
        Some(k) => Ok(t[k].clone()),
        None => ops::zeros_like(&p[i]),
    }
}

/// Zero cotangents for every listed input (integer-valued outputs, keys, indices).
pub(crate) fn zero_vjp(p: &[Array], argnums: &[usize]) -> Result<Vec<Array>> {
    argnums.iter().map(|&i| ops::zeros_like(&p[i])).collect()
}

/// Zero tangents for every output.
pub(crate) fn zero_jvp(o: &[Array]) -> Result<Vec<Array>> {
    o.iter().map(ops::zeros_like).collect()
}

// ---- Hadamard: a symmetric linear map; its transpose and its tangent map are itself.

pub(crate) fn hadamard_linear(scale: f32, v: &Array) -> Result<Array> {
    ops::hadamard_transform(v, Some(f64::from(scale)))
}

/// The transform acts on the last axis, so a batch axis there moves to the front.
pub(crate) fn hadamard_vmap(scale: f32, x: &[Array], axes: &[Option<usize>]) -> Result<VmapResult> {
    let (xb, ax) = match axes[0] {
        Some(a) if a + 1 == x[0].ndim() => (batch_first(&x[0], axes[0])?, 0),
        Some(a) => (x[0].clone(), a),
        None => (x[0].clone(), 0),
    };
    Ok((vec![hadamard_linear(scale, &xb)?], vec![Some(ax)]))
}

// ---- Diagonal

/// The cotangent written onto the diagonal of zeros of `x`'s shape.
pub(crate) fn diagonal_vjp(
    offset: i32,
    ax1: usize,
    ax2: usize,
    x: &Array,
    c: &Array,
) -> Result<Array> {
    let zeros = ops::zeros_like(x)?;
    let len = *c.shape().last().unwrap_or(&0);
    if len == 0 || c.size() == 0 {
        return Ok(zeros);
    }
    let pos = ops::arange_of::<i64>(0, len as i64, 1)?;
    let rows = ops::add(&pos, &ops::full::<i64>(&[], i64::from((-offset).max(0)))?)?;
    let cols = ops::add(&pos, &ops::full::<i64>(&[], i64::from(offset.max(0)))?)?;
    // Updates: the diagonal index first, then `x`'s axes with size 1 on the two axes.
    let mut upd = ops::moveaxis(c, -1, 0)?;
    let (lo, hi) = (ax1.min(ax2), ax1.max(ax2));
    upd = ops::expand_dims(&upd, &[1 + lo as i32])?;
    upd = ops::expand_dims(&upd, &[1 + hi as i32])?;
    let g = ops::scatter_add(
        &zeros,
        &[rows, cols],
        &cast_like(&upd, x)?,
        &[ax1 as i32, ax2 as i32],
    )?;
    cast_like(&g, x)
}

pub(crate) fn diagonal_apply(offset: i32, ax1: usize, ax2: usize, t: &Array) -> Result<Array> {
    ops::diagonal(t, offset, ax1 as i32, ax2 as i32)
}

pub(crate) fn diagonal_vmap(
    offset: i32,
    ax1: usize,
    ax2: usize,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    let xb = batch_first(&x[0], axes[0])?;
    let d = ops::diagonal(&xb, offset, ax1 as i32 + 1, ax2 as i32 + 1)?;
    Ok((vec![d], vec![Some(0)]))
}

// ---- DynamicSlice (inputs: a, start) and DynamicSliceUpdate (a, update, start)

pub(crate) fn dynamic_slice_vjp(
    axes: &[usize],
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    argnums
        .iter()
        .map(|&i| match i {
            0 => ops::dynamic_slice_update(&ops::zeros_like(&p[0])?, &c[0], &p[1], &i32s(axes)),
            _ => ops::zeros_like(&p[i]),
        })
        .collect()
}

pub(crate) fn dynamic_slice_jvp(
    axes: &[usize],
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
    o: &[Array],
) -> Result<Vec<Array>> {
    if !argnums.contains(&0) {
        return zero_jvp(o);
    }
    let t0 = tangent_of(0, p, t, argnums)?;
    Ok(vec![ops::dynamic_slice(
        &t0,
        &p[1],
        &i32s(axes),
        o[0].shape(),
    )?])
}

fn starts_batched(func: &str, batched: bool) -> Result<()> {
    if batched {
        return Err(Error::InvalidArgument(format!(
            "[{func}::vmap] vmap over start indices not yet supported."
        )));
    }
    Ok(())
}

pub(crate) fn dynamic_slice_vmap(
    axes: &[usize],
    x: &[Array],
    bx: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    starts_batched("DynamicSlice", bx[1].is_some())?;
    let xb = batch_first(&x[0], bx[0])?;
    let shifted: Vec<i32> = axes.iter().map(|&a| a as i32 + 1).collect();
    let mut size = vec![xb.shape()[0]];
    size.extend_from_slice(o[0].shape());
    Ok((
        vec![ops::dynamic_slice(&xb, &x[1], &shifted, &size)?],
        vec![Some(0)],
    ))
}

pub(crate) fn dynamic_update_vjp(
    axes: &[usize],
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let ax = i32s(axes);
    argnums
        .iter()
        .map(|&i| match i {
            // The window was overwritten: it does not reach the output.
            0 => ops::dynamic_slice_update(&c[0], &ops::zeros_like(&p[1])?, &p[2], &ax),
            1 => ops::dynamic_slice(&c[0], &p[2], &ax, p[1].shape()),
            _ => ops::zeros_like(&p[i]),
        })
        .collect()
}

pub(crate) fn dynamic_update_jvp(
    axes: &[usize],
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let (ta, tu) = (tangent_of(0, p, t, argnums)?, tangent_of(1, p, t, argnums)?);
    Ok(vec![ops::dynamic_slice_update(
        &ta,
        &tu,
        &p[2],
        &i32s(axes),
    )?])
}

pub(crate) fn dynamic_update_vmap(
    axes: &[usize],
    x: &[Array],
    bx: &[Option<usize>],
) -> Result<VmapResult> {
    starts_batched("DynamicSliceUpdate", bx[2].is_some())?;
    let shifted: Vec<i32> = axes.iter().map(|&a| a as i32 + 1).collect();
    let b = bx
        .iter()
        .zip(x)
        .find_map(|(a, v)| a.map(|a| v.shape()[a]))
        .unwrap_or(1);
    let a = match bx[0] {
        Some(_) => batch_first(&x[0], bx[0])?,
        None => {
            let mut shape = vec![b];
            shape.extend_from_slice(x[0].shape());
            ops::broadcast_to(&ops::expand_dims(&x[0], &[0])?, &shape)?
        }
    };
    // An unbatched update is shared: its missing leading (batch) axis takes `a`'s size.
    let u = match bx[1] {
        Some(_) => batch_first(&x[1], bx[1])?,
        None => x[1].clone(),
    };
    Ok((
        vec![ops::dynamic_slice_update(&a, &u, &x[2], &shifted)?],
        vec![Some(0)],
    ))
}

// ---- Pad (inputs: a, then the fill value for constant mode) and Roll

/// The padded source position of every output position of `ax`, as a gather table.
fn pad_table(mode: PadMode, lo: i32, hi: i32, n: i32) -> Result<Array> {
    let idx: Vec<i32> = (-lo..n + hi)
        .map(|k| pad_source(mode, k as i64, n as i64) as i32)
        .collect();
    Array::from_slice(&idx, &[idx.len() as i32])
}

/// Numpy's source rule of the edge, reflect and symmetric modes.
fn pad_source(mode: PadMode, k: i64, n: i64) -> i64 {
    if (0..n).contains(&k) {
        return k;
    }
    match mode {
        PadMode::Constant | PadMode::Edge => k.clamp(0, n - 1),
        PadMode::Reflect if n == 1 => 0,
        PadMode::Reflect => {
            let m = k.rem_euclid(2 * n - 2);
            if m >= n {
                2 * n - 2 - m
            } else {
                m
            }
        }
        PadMode::Symmetric => {
            let m = k.rem_euclid(2 * n);
            if m >= n {
                2 * n - 1 - m
            } else {
                m
            }
        }
    }
}

/// A non-constant pad as a chain of `take`s along each padded axis (its vjp scatter-adds,
/// so every reflected position accumulates into its source).
fn pad_composite(low: &[i32], high: &[i32], mode: PadMode, x: &Array) -> Result<Array> {
    let mut y = x.clone();
    for ax in 0..x.ndim() {
        if low[ax] == 0 && high[ax] == 0 {
            continue;
        }
        let table = pad_table(mode, low[ax], high[ax], x.shape()[ax])?;
        y = ops::take(&y, &table, Some(ax as i32))?;
    }
    Ok(y)
}

/// The window of the unpadded input inside a padded array.
fn unpad(low: &[i32], x: &Array, c: &Array) -> Result<Array> {
    let stop: Vec<i32> = low.iter().zip(x.shape()).map(|(&l, &n)| l + n).collect();
    ops::slice(c, low, &stop, &vec![1; low.len()])
}

pub(crate) fn pad_vjp(
    low: &[i32],
    high: &[i32],
    mode: PadMode,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    argnums
        .iter()
        .map(|&i| match (i, mode) {
            (0, PadMode::Constant) => unpad(low, &p[0], &c[0]),
            (0, _) => {
                let f = |x: &[Array]| pad_composite(low, high, mode, &x[0]);
                Ok(composite::vjp(f, p, c, &[0])?.remove(0))
            }
            // The fill value reaches every padded position.
            _ => {
                let all = ops::sum_all(&c[0], false)?;
                let inner = ops::sum_all(&unpad(low, &p[0], &c[0])?, false)?;
                cast_like(&ops::subtract(&all, &inner)?, &p[1])
            }
        })
        .collect()
}

fn widths(low: &[i32], high: &[i32]) -> Vec<(i32, i32)> {
    low.iter().zip(high).map(|(&l, &h)| (l, h)).collect()
}

pub(crate) fn pad_jvp(
    low: &[i32],
    high: &[i32],
    mode: PadMode,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    let ta = tangent_of(0, p, t, argnums)?;
    let tv = if p.len() > 1 {
        tangent_of(1, p, t, argnums)?
    } else {
        ops::zeros(&[], ta.dtype())?
    };
    Ok(vec![ops::pad(&ta, &widths(low, high), &tv, mode)?])
}

pub(crate) fn pad_vmap(
    low: &[i32],
    high: &[i32],
    mode: PadMode,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    let b = axes
        .iter()
        .zip(x)
        .find_map(|(a, v)| a.map(|a| v.shape()[a]))
        .unwrap_or(1);
    let xb = match axes[0] {
        Some(_) => batch_first(&x[0], axes[0])?,
        None => {
            let mut shape = vec![b];
            shape.extend_from_slice(x[0].shape());
            ops::broadcast_to(&ops::expand_dims(&x[0], &[0])?, &shape)?
        }
    };
    let mut w = vec![(0, 0)];
    w.extend(widths(low, high));
    let zero = ops::zeros(&[], xb.dtype())?;
    match (x.get(1), axes.get(1).copied().flatten()) {
        // A batched fill value: pad with zeros, then add each element's value on the
        // padded positions (a pad of ones over zeros marks them).
        (Some(v), Some(_)) => {
            let padded = ops::pad(&xb, &w, &zero, mode)?;
            let one = ops::ones(&[], xb.dtype())?;
            let marks = ops::pad(&ops::zeros_like(&xb)?, &w, &one, mode)?;
            let mut shape = vec![b];
            shape.extend(std::iter::repeat_n(1, xb.ndim() - 1));
            let fill = ops::reshape(v, &shape)?;
            let r = ops::add(&padded, &ops::multiply(&marks, &fill)?)?;
            Ok((vec![r], vec![Some(0)]))
        }
        (fill, _) => {
            let fill = fill.cloned().unwrap_or(zero);
            Ok((vec![ops::pad(&xb, &w, &fill, mode)?], vec![Some(0)]))
        }
    }
}

pub(crate) fn roll_by(shifts: &[i64], sign: i64, x: &Array, first_axis: usize) -> Result<Array> {
    let s: Vec<i32> = shifts.iter().map(|&v| (sign * v) as i32).collect();
    let axes: Vec<i32> = (0..shifts.len()).map(|a| (a + first_axis) as i32).collect();
    ops::roll(x, &s, Some(&axes))
}

pub(crate) fn roll_vmap(shifts: &[i64], x: &[Array], axes: &[Option<usize>]) -> Result<VmapResult> {
    let xb = batch_first(&x[0], axes[0])?;
    Ok((vec![roll_by(shifts, 1, &xb, 1)?], vec![Some(0)]))
}

// ---- AsStrided (input: the contiguous source) and View

/// The element offset into the flat source of every element of the view.
fn strided_offsets(shape: &[i32], strides: &[i64], offset: i64) -> Result<Array> {
    let mut off = ops::full::<i64>(&[], offset)?;
    let nd = shape.len();
    for (d, (&n, &s)) in shape.iter().zip(strides).enumerate() {
        let mut sh = vec![1; nd];
        sh[d] = n;
        let pos = ops::arange_of::<i64>(0, n as i64, 1)?;
        let term = ops::multiply(&pos, &ops::full::<i64>(&[], s)?)?;
        off = ops::add(&off, &ops::reshape(&term, &sh)?)?;
    }
    ops::broadcast_to(&off, shape)
}

/// The cotangent scatter-added at the viewed offsets (an element seen twice gets both).
pub(crate) fn as_strided_vjp(strides: &[i64], offset: i64, x: &Array, c: &Array) -> Result<Array> {
    if c.size() == 0 {
        return ops::zeros_like(x);
    }
    let flat = ops::zeros(&[x.size() as i32], x.dtype())?;
    let idx = ops::reshape(&strided_offsets(c.shape(), strides, offset)?, &[-1])?;
    let upd = ops::reshape(&cast_like(c, x)?, &[-1, 1])?;
    ops::reshape(&ops::scatter_add(&flat, &[idx], &upd, &[0])?, x.shape())
}

pub(crate) fn as_strided_apply(
    strides: &[i64],
    offset: i64,
    t: &Array,
    o: &Array,
) -> Result<Array> {
    ops::as_strided(t, Some(o.shape()), Some(strides), offset as usize)
}

/// Each batch element views its own block of the flattened batched source.
pub(crate) fn as_strided_vmap(
    strides: &[i64],
    offset: i64,
    x: &[Array],
    axes: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let xb = batch_first(&x[0], axes[0])?;
    let per = xb.size() as i64 / i64::from(xb.shape()[0].max(1));
    let mut shape = vec![xb.shape()[0]];
    shape.extend_from_slice(o[0].shape());
    let mut st = vec![per];
    st.extend_from_slice(strides);
    Ok((
        vec![ops::as_strided(
            &xb,
            Some(&shape),
            Some(&st),
            offset as usize,
        )?],
        vec![Some(0)],
    ))
}

/// A bit reinterpretation is the identity for derivatives only when the dtype is kept
/// (MLX raises otherwise).
pub(crate) fn view_linear(x: &Array, v: &Array, o: &Array) -> Result<Array> {
    if x.dtype() != o.dtype() {
        return Err(Error::InvalidArgument(format!(
            "[Primitive::vjp] Not implemented for View {}.",
            o.dtype()
        )));
    }
    Ok(v.clone())
}

pub(crate) fn view_vmap(x: &[Array], axes: &[Option<usize>], o: &[Array]) -> Result<VmapResult> {
    let xb = batch_first(&x[0], axes[0])?;
    Ok((vec![ops::view(&xb, o[0].dtype())?], vec![Some(0)]))
}

// ---- SearchSorted, Depends

pub(crate) fn searchsorted_vmap(
    right: bool,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    if axes[0].is_some() {
        return Err(Error::InvalidArgument(
            "[searchsorted] Cannot vmap over the sorted sequence, only over the values being \
             searched for."
                .into(),
        ));
    }
    let side = if right { "right" } else { "left" };
    Ok((vec![ops::searchsorted(&x[0], &x[1], side)?], vec![axes[1]]))
}

/// `depends`' outputs are its leading inputs; the dependencies get nothing.
pub(crate) fn depends_vjp(
    n_out: usize,
    p: &[Array],
    c: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    argnums
        .iter()
        .map(|&i| {
            if i < n_out {
                Ok(c[i].clone())
            } else {
                ops::zeros_like(&p[i])
            }
        })
        .collect()
}

pub(crate) fn depends_jvp(
    n_out: usize,
    p: &[Array],
    t: &[Array],
    argnums: &[usize],
) -> Result<Vec<Array>> {
    (0..n_out).map(|i| tangent_of(i, p, t, argnums)).collect()
}

pub(crate) fn depends_vmap(
    n_out: usize,
    x: &[Array],
    axes: &[Option<usize>],
) -> Result<VmapResult> {
    let outs = ops::depends(&x[..n_out], &x[n_out..])?;
    Ok((outs, axes[..n_out].to_vec()))
}

// ---- MlxUnary (the exact exp/erf/log/log1p of random) and RandomBits

pub(crate) fn mlx_unary_op(f: MlxFn) -> UnaryOp {
    match f {
        MlxFn::Exp => UnaryOp::Exp,
        MlxFn::Erf => UnaryOp::Erf,
        MlxFn::Log => UnaryOp::Log,
        MlxFn::Log1p => UnaryOp::Log1p,
    }
}

pub(crate) fn mlx_unary_apply(f: MlxFn, x: &Array) -> Result<Array> {
    use crate::random::exact;
    match f {
        MlxFn::Exp => exact::exp(x),
        MlxFn::Erf => exact::erf(x),
        MlxFn::Log => exact::log(x),
        MlxFn::Log1p => exact::log1p(x),
    }
}

/// Random bits for a batch of keys: one draw per key, as MLX's batched keys give.
pub(crate) fn random_bits_vmap(
    x: &[Array],
    axes: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let keys = batch_first(&x[0], axes[0])?;
    let width = o[0].itemsize();
    let draws = (0..keys.shape()[0])
        .map(|b| {
            let key = ops::slice_axis(&keys, 0, ops::SliceArg::range(b, b + 1))?;
            crate::random::bits(o[0].shape(), width, Some(&ops::squeeze_axes(&key, &[0])?))
        })
        .collect::<Result<Vec<_>>>()?;
    if draws.is_empty() {
        let mut shape = vec![0];
        shape.extend_from_slice(o[0].shape());
        return Ok((vec![ops::zeros(&shape, o[0].dtype())?], vec![Some(0)]));
    }
    Ok((vec![ops::stack(&draws, 0)?], vec![Some(0)]))
}
