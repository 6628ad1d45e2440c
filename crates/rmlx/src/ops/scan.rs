//! Cumulative operations: cumsum, cumprod, cummax, cummin, logcumsumexp.
//!
//! Each runs along one axis (the flattened array with `None`), from the end when
//! `reverse`, and with `inclusive == false` shifts by one (position i combines the
//! elements before it; the first is the operation's identity). Dtypes follow MLX: cumsum
//! of bool gives int32 and every other sum keeps the input dtype (small integers wrap);
//! cumprod, cummax and cummin keep the dtype; logcumsumexp lifts integers and bool to
//! float32.

use super::op_stream;
use super::sort::axis_or_flat;
use crate::array::Array;
use crate::backend::cpu::scan::ScanOp;
use crate::dtype::Dtype;
use crate::error::Result;
use crate::primitives::scan::Scan;

fn scan(
    func: &str,
    op: ScanOp,
    a: &Array,
    axis: Option<i32>,
    reverse: bool,
    inclusive: bool,
) -> Result<Array> {
    let (x, ax, _) = axis_or_flat(func, a, axis)?;
    let dt = match (op, x.dtype()) {
        (ScanOp::Sum, Dtype::Bool) => Dtype::Int32,
        (ScanOp::LogAddExp, d) => d.to_inexact(),
        (_, d) => d,
    };
    let x = super::astype(&x, dt)?;
    let s = op_stream(func)?;
    Ok(Array::from_op(
        x.shape().to_vec(),
        dt,
        s,
        Scan {
            op,
            axis: ax,
            reverse,
            inclusive,
        },
        vec![x],
    ))
}

/// Cumulative sum along `axis` (flattened with `None`).
pub fn cumsum(a: &Array, axis: Option<i32>, reverse: bool, inclusive: bool) -> Result<Array> {
    scan("cumsum", ScanOp::Sum, a, axis, reverse, inclusive)
}

/// Cumulative product along `axis` (flattened with `None`).
pub fn cumprod(a: &Array, axis: Option<i32>, reverse: bool, inclusive: bool) -> Result<Array> {
    scan("cumprod", ScanOp::Prod, a, axis, reverse, inclusive)
}

/// Running maximum along `axis`; a NaN stays once reached.
pub fn cummax(a: &Array, axis: Option<i32>, reverse: bool, inclusive: bool) -> Result<Array> {
    scan("cummax", ScanOp::Max, a, axis, reverse, inclusive)
}

/// Running minimum along `axis`; a NaN stays once reached.
pub fn cummin(a: &Array, axis: Option<i32>, reverse: bool, inclusive: bool) -> Result<Array> {
    scan("cummin", ScanOp::Min, a, axis, reverse, inclusive)
}

/// Running `log(sum(exp(a)))` along `axis`, computed stably.
pub fn logcumsumexp(a: &Array, axis: Option<i32>, reverse: bool, inclusive: bool) -> Result<Array> {
    scan(
        "logcumsumexp",
        ScanOp::LogAddExp,
        a,
        axis,
        reverse,
        inclusive,
    )
}
