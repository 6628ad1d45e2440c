//! Rules of the ordering primitives: `Sort`/`Partition` (values move, so gradients follow
//! the permutation) with their index variants, and the scans.

use super::batching::batch_first;
use super::cast_like;
use crate::array::Array;
use crate::backend::cpu::scan::ScanOp;
use crate::backend::cpu::sort::SortMode;
use crate::error::Result;
use crate::ops;
use crate::primitives::VmapResult;

/// The permutation the values primitive applied (what its index variant returns).
fn permutation(mode: SortMode, x: &Array, axis: usize) -> Result<Array> {
    match mode {
        SortMode::Sort => ops::argsort(x, Some(axis as i32)),
        SortMode::Partition(kth) => ops::argpartition(x, kth as i32, Some(axis as i32)),
    }
}

pub(crate) fn sort_vjp(
    mode: SortMode,
    indices: bool,
    axis: usize,
    x: &Array,
    c: &Array,
) -> Result<Array> {
    if indices {
        return ops::zeros_like(x);
    }
    let perm = permutation(mode, x, axis)?;
    let zeros = ops::zeros_like(x)?;
    let g = ops::put_along_axis(&zeros, &perm, c, Some(axis as i32))?;
    cast_like(&g, x)
}

pub(crate) fn sort_jvp(
    mode: SortMode,
    indices: bool,
    axis: usize,
    x: &Array,
    t: &Array,
    out: &Array,
) -> Result<Array> {
    if indices {
        return ops::zeros_like(out);
    }
    ops::take_along_axis(t, &permutation(mode, x, axis)?, Some(axis as i32))
}

pub(crate) fn sort_vmap(
    mode: SortMode,
    indices: bool,
    axis: usize,
    x: &[Array],
    ax: &[Option<usize>],
) -> Result<VmapResult> {
    let xb = batch_first(&x[0], ax[0])?;
    let a = Some(axis as i32 + 1);
    let out = match (mode, indices) {
        (SortMode::Sort, false) => ops::sort(&xb, a)?,
        (SortMode::Sort, true) => ops::argsort(&xb, a)?,
        (SortMode::Partition(k), false) => ops::partition(&xb, k as i32, a)?,
        (SortMode::Partition(k), true) => ops::argpartition(&xb, k as i32, a)?,
    };
    Ok((vec![out], vec![Some(0)]))
}

fn scan(op: ScanOp, x: &Array, axis: i32, reverse: bool, inclusive: bool) -> Result<Array> {
    let f = match op {
        ScanOp::Sum => ops::cumsum,
        ScanOp::Prod => ops::cumprod,
        ScanOp::Max => ops::cummax,
        ScanOp::Min => ops::cummin,
        ScanOp::LogAddExp => ops::logcumsumexp,
    };
    f(x, Some(axis), reverse, inclusive)
}

/// `v` shifted one position along `axis`: `out[i] = v[i - 1]` (`down`) or `v[i + 1]`, with
/// a zero coming in. An exclusive scan is the inclusive one shifted this way.
fn shift(v: &Array, axis: usize, down: bool) -> Result<Array> {
    let n = v.shape()[axis];
    if n == 0 {
        return Ok(v.clone());
    }
    let ax = axis as i32;
    let kept = if down {
        ops::slice_axis(v, ax, ops::SliceArg::range(0, n - 1))?
    } else {
        ops::slice_axis(v, ax, ops::SliceArg::range(1, n))?
    };
    let mut w = vec![(0, 0); v.ndim()];
    w[axis] = if down { (1, 0) } else { (0, 1) };
    ops::pad(
        &kept,
        &w,
        &ops::zeros(&[], v.dtype())?,
        crate::primitives::axis_gather::PadMode::Constant,
    )
}

/// Positions along `axis`, broadcastable against `x`.
fn positions(x: &Array, axis: usize) -> Result<Array> {
    let mut shape = vec![1; x.ndim()];
    shape[axis] = x.shape()[axis];
    ops::reshape(&ops::arange_of::<i32>(0, x.shape()[axis], 1)?, &shape)
}

/// For a running max/min: the position of the element that gives each output, the latest
/// one attaining it (MLX's choice on ties).
fn extremum_source(x: &Array, out: &Array, axis: usize, reverse: bool) -> Result<Array> {
    let pos = positions(x, axis)?;
    let hit = ops::equal(x, out)?;
    let a = Some(axis as i32);
    if reverse {
        let last = ops::full::<i32>(&[], x.shape()[axis] - 1)?;
        ops::cummin(&ops::where_(&hit, &pos, &last)?, a, true, true)
    } else {
        let first = ops::full::<i32>(&[], 0)?;
        ops::cummax(&ops::where_(&hit, &pos, &first)?, a, false, true)
    }
}

/// `zeros` with `v` added at positions `idx` along `axis` (repeats accumulate).
fn scatter_add_along(zeros: &Array, idx: &Array, v: &Array, axis: usize) -> Result<Array> {
    let nd = zeros.ndim();
    let indices = (0..nd)
        .map(|d| {
            if d == axis {
                ops::broadcast_to(idx, v.shape())
            } else {
                ops::broadcast_to(&positions(v, d)?, v.shape())
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let trailing: Vec<i32> = (nd..2 * nd).map(|d| d as i32).collect();
    let upd = ops::expand_dims(v, &trailing)?;
    let axes: Vec<i32> = (0..nd as i32).collect();
    ops::scatter_add(zeros, &indices, &upd, &axes)
}

/// Pieces of the exact cumulative-product rules: where no zero came yet (`cnt == 0`), the
/// first zero, and the running product with that zero replaced by one.
struct ProdParts {
    no_zero: Array,
    first: Array,
    safe_x: Array,
    out_first: Array,
}

fn prod_parts(x: &Array, axis: usize, reverse: bool) -> Result<ProdParts> {
    let a = Some(axis as i32);
    let (zero, one) = (ops::scalar_like(0.0, x)?, ops::scalar_like(1.0, x)?);
    let z = ops::equal(x, &zero)?;
    let cnt = ops::cumsum(&ops::astype(&z, x.dtype())?, a, reverse, true)?;
    let first = ops::logical_and(&z, &ops::equal(&cnt, &one)?)?;
    Ok(ProdParts {
        no_zero: ops::equal(&cnt, &zero)?,
        safe_x: ops::where_(&z, &one, x)?,
        out_first: ops::cumprod(&ops::where_(&first, &one, x)?, a, reverse, true)?,
        first,
    })
}

/// The inclusive scan's vjp for cotangent `c` (inclusive layout).
fn inclusive_vjp(op: ScanOp, axis: usize, reverse: bool, x: &Array, c: &Array) -> Result<Array> {
    let a = Some(axis as i32);
    let out = scan(op, x, axis as i32, reverse, true)?;
    match op {
        ScanOp::Sum => ops::cumsum(c, a, !reverse, true),
        ScanOp::Prod => {
            let pp = prod_parts(x, axis, reverse)?;
            let zero = ops::zeros_like(x)?;
            let before = ops::divide(
                &ops::cumsum(&ops::multiply(c, &out)?, a, !reverse, true)?,
                &pp.safe_x,
            )?;
            let at = ops::cumsum(&ops::multiply(c, &pp.out_first)?, a, !reverse, true)?;
            ops::add(
                &ops::where_(&pp.no_zero, &before, &zero)?,
                &ops::where_(&pp.first, &at, &zero)?,
            )
        }
        ScanOp::Max | ScanOp::Min => {
            let idx = extremum_source(x, &out, axis, reverse)?;
            scatter_add_along(&ops::zeros_like(x)?, &idx, c, axis)
        }
        ScanOp::LogAddExp => {
            let back = ops::cumsum(
                &ops::multiply(c, &ops::exp(&ops::negative(&out)?)?)?,
                a,
                !reverse,
                true,
            )?;
            ops::multiply(&ops::exp(x)?, &back)
        }
    }
}

/// The inclusive scan's jvp.
fn inclusive_jvp(op: ScanOp, axis: usize, reverse: bool, x: &Array, t: &Array) -> Result<Array> {
    let a = Some(axis as i32);
    let out = scan(op, x, axis as i32, reverse, true)?;
    match op {
        ScanOp::Sum => ops::cumsum(t, a, reverse, true),
        ScanOp::Prod => {
            let pp = prod_parts(x, axis, reverse)?;
            let zero = ops::zeros_like(x)?;
            let before = ops::multiply(
                &out,
                &ops::cumsum(&ops::divide(t, &pp.safe_x)?, a, reverse, true)?,
            )?;
            let t_first = ops::cumsum(&ops::where_(&pp.first, t, &zero)?, a, reverse, true)?;
            ops::add(
                &ops::where_(&pp.no_zero, &before, &zero)?,
                &ops::where_(&pp.no_zero, &zero, &ops::multiply(&pp.out_first, &t_first)?)?,
            )
        }
        ScanOp::Max | ScanOp::Min => {
            ops::take_along_axis(t, &extremum_source(x, &out, axis, reverse)?, a)
        }
        ScanOp::LogAddExp => {
            let fwd = ops::cumsum(&ops::multiply(t, &ops::exp(x)?)?, a, reverse, true)?;
            ops::multiply(&ops::exp(&ops::negative(&out)?)?, &fwd)
        }
    }
}

/// Scans' vjp. The cumulative sum is linear (its transpose is the sum the other way); the
/// cumulative product is exact with zeros (MLX's formula: the terms before the first zero
/// divide by `x`, the first zero's own term uses the product with it replaced by one, and
/// later positions get nothing); a running max/min passes each cotangent to the position
/// that attains it. An exclusive scan is the inclusive one shifted by one position.
pub(crate) fn scan_vjp(
    op: ScanOp,
    axis: usize,
    reverse: bool,
    inclusive: bool,
    x: &Array,
    c: &Array,
) -> Result<Array> {
    if !x.dtype().is_inexact() {
        return ops::zeros_like(x);
    }
    let c = if inclusive {
        c.clone()
    } else {
        shift(c, axis, reverse)?
    };
    cast_like(&inclusive_vjp(op, axis, reverse, x, &c)?, x)
}

pub(crate) fn scan_jvp(
    op: ScanOp,
    axis: usize,
    reverse: bool,
    inclusive: bool,
    x: &Array,
    t: &Array,
) -> Result<Array> {
    if !x.dtype().is_inexact() {
        return ops::zeros_like(x);
    }
    let g = inclusive_jvp(op, axis, reverse, x, t)?;
    if inclusive {
        Ok(g)
    } else {
        shift(&g, axis, !reverse)
    }
}

pub(crate) fn scan_vmap(
    op: ScanOp,
    axis: usize,
    reverse: bool,
    inclusive: bool,
    x: &[Array],
    ax: &[Option<usize>],
) -> Result<VmapResult> {
    let xb = batch_first(&x[0], ax[0])?;
    Ok((
        vec![scan(op, &xb, axis as i32 + 1, reverse, inclusive)?],
        vec![Some(0)],
    ))
}
