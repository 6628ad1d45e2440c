//! Rules of the reductions: `Reduce` (sum, prod, max, min, all, any), `Mean`, `Var`/`Std`,
//! `LogSumExp`, `Softmax` and `ArgReduce`.

use super::batching::batch_first;
use super::{cast_like, k};
use crate::array::Array;
use crate::error::Result;
use crate::ops;
use crate::primitives::reduce::ReduceOp;
use crate::primitives::VmapResult;

fn i32s(axes: &[usize]) -> Vec<i32> {
    axes.iter().map(|&a| a as i32).collect()
}

/// `r` (a reduction of `x` over `axes`, with or without kept dimensions) reshaped to keep
/// them, so that it broadcasts against `x`.
pub(crate) fn keep(r: &Array, x: &Array, axes: &[usize]) -> Result<Array> {
    if r.ndim() == x.ndim() {
        return Ok(r.clone());
    }
    // Inserting axes (not reshaping to `x`'s traced shape) keeps a shapeless replay right.
    let mut sorted = axes.to_vec();
    sorted.sort_unstable();
    ops::expand_dims(r, &i32s(&sorted))
}

/// `r` broadcast back to `x`'s shape (in a shapeless compile trace, computed from `x` so
/// that a replay on other shapes follows them).
fn spread(r: &Array, x: &Array, axes: &[usize]) -> Result<Array> {
    let kept = keep(r, x, axes)?;
    let spread = ops::broadcast_to(&kept, x.shape())?;
    crate::compile::shaped_like(x, &kept, spread)
}

/// Whether the output kept the reduced dimensions.
fn kept(x: &Array, out: &Array) -> bool {
    x.ndim() == out.ndim()
}

/// Number of elements reduced, as a constant like `like`.
fn count(x: &Array, axes: &[usize], like: &Array) -> Result<Array> {
    let n: f64 = axes.iter().map(|&a| x.shape()[a] as f64).product();
    k(n, like)
}

pub(crate) fn reduce_vjp(
    op: ReduceOp,
    axes: &[usize],
    x: &Array,
    c: &Array,
    out: &Array,
) -> Result<Array> {
    let r = match op {
        ReduceOp::Sum => spread(c, x, axes)?,
        ReduceOp::Prod => prod_vjp(axes, x, c)?,
        ReduceOp::Max | ReduceOp::Min => {
            // The gradient is shared equally between the elements that attain the extremum.
            let hit = ops::equal(x, &keep(out, x, axes)?)?;
            let hits = ops::sum(&ops::astype(&hit, c.dtype())?, &i32s(axes), true)?;
            let share = ops::divide(&keep(c, x, axes)?, &hits)?;
            ops::where_(&hit, &share, &ops::zeros_like(&share)?)?
        }
        ReduceOp::And | ReduceOp::Or => return ops::zeros_like(x),
    };
    cast_like(&r, x)
}

/// The gradient of a product: for each element, the product of all the others, computed
/// with exclusive cumulative products from both ends (exact with zeros in the input).
fn prod_vjp(axes: &[usize], x: &Array, c: &Array) -> Result<Array> {
    let nd = x.ndim();
    // Move the reduced axes last and flatten them into one.
    let rest: Vec<usize> = (0..nd).filter(|d| !axes.contains(d)).collect();
    let perm: Vec<usize> = rest.iter().chain(axes).copied().collect();
    let xt = ops::transpose_axes(x, &i32s(&perm))?;
    let mut flat: Vec<i32> = rest.iter().map(|&d| x.shape()[d]).collect();
    flat.push(-1);
    let xf = ops::reshape(&xt, &flat)?;
    let before = ops::cumprod(&xf, Some(-1), false, false)?;
    let after = ops::cumprod(&xf, Some(-1), true, false)?;
    let others = ops::multiply(&before, &after)?;
    let others = ops::reshape(&others, xt.shape())?;
    let mut inverse = vec![0usize; nd];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    let others = ops::transpose_axes(&others, &i32s(&inverse))?;
    ops::multiply(&spread(c, x, axes)?, &others)
}

pub(crate) fn reduce_jvp(
    op: ReduceOp,
    axes: &[usize],
    x: &Array,
    t: &Array,
    out: &Array,
) -> Result<Array> {
    let keepdims = kept(x, out);
    let r = match op {
        ReduceOp::Sum => ops::sum(t, &i32s(axes), keepdims)?,
        // Linear in each element: Σ t · ∂out/∂x (the vjp with a cotangent of ones).
        ReduceOp::Prod | ReduceOp::Max | ReduceOp::Min => {
            let ones = ops::ones_like(out)?;
            let d = reduce_vjp(op, axes, x, &ones, out)?;
            ops::sum(&ops::multiply(&d, t)?, &i32s(axes), keepdims)?
        }
        ReduceOp::And | ReduceOp::Or => return ops::zeros_like(out),
    };
    cast_like(&r, out)
}

/// Applies a reduction through its op function.
fn apply(op: ReduceOp, x: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    let f = match op {
        ReduceOp::Sum => ops::sum,
        ReduceOp::Prod => ops::prod,
        ReduceOp::Max => ops::max,
        ReduceOp::Min => ops::min,
        ReduceOp::And => ops::all,
        ReduceOp::Or => ops::any,
    };
    f(x, axes, keepdims)
}

/// Batch axis first, reduced axes shifted past it; `keepdims` as in the traced output.
fn batched_axes(
    x: &Array,
    ax: Option<usize>,
    axes: &[usize],
    out: &Array,
) -> Result<(Array, Vec<i32>, bool)> {
    let xb = batch_first(x, ax)?;
    let keepdims = out.ndim() + 1 == xb.ndim();
    let shifted = axes.iter().map(|&a| a as i32 + 1).collect();
    Ok((xb, shifted, keepdims))
}

pub(crate) fn reduce_vmap(
    op: ReduceOp,
    axes: &[usize],
    x: &[Array],
    ax: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let (xb, shifted, keepdims) = batched_axes(&x[0], ax[0], axes, &o[0])?;
    Ok((vec![apply(op, &xb, &shifted, keepdims)?], vec![Some(0)]))
}

pub(crate) fn mean_vjp(axes: &[usize], x: &Array, c: &Array) -> Result<Array> {
    let g = ops::divide(&spread(c, x, axes)?, &count(x, axes, c)?)?;
    cast_like(&g, x)
}

pub(crate) fn mean_jvp(axes: &[usize], t: &Array, out: &Array) -> Result<Array> {
    cast_like(&ops::mean(t, &i32s(axes), kept(t, out))?, out)
}

pub(crate) fn mean_vmap(
    axes: &[usize],
    x: &[Array],
    ax: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let (xb, shifted, keepdims) = batched_axes(&x[0], ax[0], axes, &o[0])?;
    Ok((vec![ops::mean(&xb, &shifted, keepdims)?], vec![Some(0)]))
}

/// `∂var/∂x = 2 (x - mean) / (N - ddof)`; `∂std/∂x = (x - mean) / ((N - ddof) · std)`.
fn var_derivative(axes: &[usize], ddof: i32, sqrt: bool, x: &Array, out: &Array) -> Result<Array> {
    let xf = ops::astype(x, out.dtype())?;
    let centered = ops::subtract(&xf, &ops::mean(&xf, &i32s(axes), true)?)?;
    let n: f64 = axes.iter().map(|&a| x.shape()[a] as f64).product::<f64>() - ddof as f64;
    if sqrt {
        let denom = ops::multiply(&k(n, out)?, &keep(out, x, axes)?)?;
        ops::divide(&centered, &denom)
    } else {
        ops::multiply(&centered, &k(2.0 / n, out)?)
    }
}

pub(crate) fn var_vjp(
    axes: &[usize],
    ddof: i32,
    sqrt: bool,
    x: &Array,
    c: &Array,
    out: &Array,
) -> Result<Array> {
    let d = var_derivative(axes, ddof, sqrt, x, out)?;
    cast_like(&ops::multiply(&d, &keep(c, x, axes)?)?, x)
}

pub(crate) fn var_jvp(
    axes: &[usize],
    ddof: i32,
    sqrt: bool,
    x: &Array,
    t: &Array,
    out: &Array,
) -> Result<Array> {
    let d = var_derivative(axes, ddof, sqrt, x, out)?;
    cast_like(
        &ops::sum(&ops::multiply(&d, t)?, &i32s(axes), kept(x, out))?,
        out,
    )
}

pub(crate) fn var_vmap(
    axes: &[usize],
    ddof: i32,
    sqrt: bool,
    x: &[Array],
    ax: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let (xb, shifted, keepdims) = batched_axes(&x[0], ax[0], axes, &o[0])?;
    let f = if sqrt { ops::std } else { ops::var };
    Ok((vec![f(&xb, &shifted, keepdims, ddof)?], vec![Some(0)]))
}

/// `∂ logsumexp / ∂x = softmax(x) = exp(x - out)`.
pub(crate) fn logsumexp_vjp(axes: &[usize], x: &Array, c: &Array, out: &Array) -> Result<Array> {
    let p = ops::exp(&ops::subtract(x, &keep(out, x, axes)?)?)?;
    cast_like(&ops::multiply(&p, &keep(c, x, axes)?)?, x)
}

pub(crate) fn logsumexp_jvp(axes: &[usize], x: &Array, t: &Array, out: &Array) -> Result<Array> {
    let p = ops::exp(&ops::subtract(x, &keep(out, x, axes)?)?)?;
    cast_like(
        &ops::sum(&ops::multiply(&p, t)?, &i32s(axes), kept(x, out))?,
        out,
    )
}

pub(crate) fn logsumexp_vmap(
    axes: &[usize],
    x: &[Array],
    ax: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let (xb, shifted, keepdims) = batched_axes(&x[0], ax[0], axes, &o[0])?;
    Ok((
        vec![ops::logsumexp(&xb, &shifted, keepdims)?],
        vec![Some(0)],
    ))
}

/// The vjp and the jvp of softmax have the same form: `s · (v - Σ v·s)`.
pub(crate) fn softmax_rule(axes: &[usize], v: &Array, out: &Array) -> Result<Array> {
    let v = cast_like(v, out)?;
    let dot = ops::sum(&ops::multiply(&v, out)?, &i32s(axes), true)?;
    ops::multiply(out, &ops::subtract(&v, &dot)?)
}

pub(crate) fn softmax_vmap(
    axes: &[usize],
    precise: bool,
    x: &[Array],
    ax: &[Option<usize>],
) -> Result<VmapResult> {
    let xb = batch_first(&x[0], ax[0])?;
    let shifted: Vec<i32> = axes.iter().map(|&a| a as i32 + 1).collect();
    Ok((vec![ops::softmax(&xb, &shifted, precise)?], vec![Some(0)]))
}

pub(crate) fn arg_reduce_vmap(
    is_max: bool,
    axes: &[usize],
    x: &[Array],
    ax: &[Option<usize>],
    o: &[Array],
) -> Result<VmapResult> {
    let (xb, _, keepdims) = batched_axes(&x[0], ax[0], axes, &o[0])?;
    let f = if is_max { ops::argmax } else { ops::argmin };
    let out = if axes.len() == 1 {
        f(&xb, Some(axes[0] as i32 + 1), keepdims)?
    } else {
        // Over all axes of each batch element: flatten them first.
        let flat = ops::reshape(&xb, &[xb.shape()[0], -1])?;
        let r = f(&flat, Some(1), keepdims)?;
        if keepdims {
            let mut shape = vec![xb.shape()[0]];
            shape.extend_from_slice(o[0].shape());
            ops::reshape(&r, &shape)?
        } else {
            r
        }
    };
    Ok((vec![out], vec![Some(0)]))
}
