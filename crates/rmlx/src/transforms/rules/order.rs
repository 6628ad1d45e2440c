//! Rules of the ordering primitives: `Sort`/`Partition` (values move, so gradients follow
//! the permutation) with their index variants, and the scans.

use super::batching::batch_first;
use super::cast_like;
use crate::array::Array;
use crate::backend::cpu::scan::ScanOp;
use crate::backend::cpu::sort::SortMode;
use crate::error::Result;
use crate::ops;
use crate::primitives::{no_rule, VmapResult};

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

/// The cumulative sum is linear: its transpose is the cumulative sum the other way.
pub(crate) fn scan_vjp(
    name: &str,
    op: ScanOp,
    axis: usize,
    reverse: bool,
    inclusive: bool,
    x: &Array,
    c: &Array,
) -> Result<Array> {
    match op {
        ScanOp::Sum => cast_like(&ops::cumsum(c, Some(axis as i32), !reverse, inclusive)?, x),
        _ => Err(no_rule(name, "vjp")),
    }
}

pub(crate) fn scan_jvp(
    name: &str,
    op: ScanOp,
    axis: usize,
    reverse: bool,
    inclusive: bool,
    t: &Array,
) -> Result<Array> {
    match op {
        ScanOp::Sum => ops::cumsum(t, Some(axis as i32), reverse, inclusive),
        _ => Err(no_rule(name, "jvp")),
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
