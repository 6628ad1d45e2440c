//! Reductions: sum, prod, mean, var, std, max, min, all, any, argmax, argmin, logsumexp,
//! and softmax.
//!
//! Each takes `axes` (any set, negative allowed, duplicates rejected) and `keepdims`; the
//! `*_all` variants reduce every axis. Output dtypes follow MLX: sum and prod of bool and
//! signed integers up to 32 bits give int32, of unsigned up to 32 bits uint32, 64-bit
//! integers and floats are kept; mean, var, std and logsumexp lift integers to float32;
//! max and min keep the dtype; all and any give bool; argmax and argmin give uint32.
//! Bad axes are `Error::Index` and duplicates `Error::InvalidArgument`, as in MLX.

use super::op_stream;
use crate::array::Array;
use crate::dtype::Dtype;
use crate::error::{bail, Error, Result};
use crate::primitives::arg_reduce::ArgReduce;
use crate::primitives::reduce::{LogSumExp, Mean, Reduce, ReduceOp, Softmax, Var};

/// Normalizes `axes` for `a`: out of range is an `Error::Index` (MLX's `out_of_range`),
/// duplicates an `Error::InvalidArgument`. Returns them sorted.
fn reduce_axes(func: &str, a: &Array, axes: &[i32]) -> Result<Vec<usize>> {
    let nd = a.ndim() as i32;
    let mut out = Vec::with_capacity(axes.len());
    for &ax in axes {
        if ax < -nd || ax >= nd {
            return Err(Error::Index(format!(
                "[{func}] Invalid axis {ax} for array with {nd} dimensions."
            )));
        }
        out.push(if ax < 0 { ax + nd } else { ax } as usize);
    }
    sorted_unique(func, out)
}

fn sorted_unique(func: &str, mut axes: Vec<usize>) -> Result<Vec<usize>> {
    axes.sort_unstable();
    if axes.windows(2).any(|w| w[0] == w[1]) {
        bail!("[{func}] Duplicate axes detected in reduction.");
    }
    Ok(axes)
}

/// MLX's mean (and so var and std) words a bad axis differently.
fn mean_axes(func: &str, a: &Array, axes: &[i32]) -> Result<Vec<usize>> {
    let nd = a.ndim() as i32;
    let mut out = Vec::with_capacity(axes.len());
    for &ax in axes {
        if ax < -nd || ax >= nd {
            return Err(Error::Index(format!(
                "[{func}] axis {ax} is out of bounds for array with {nd} dimensions."
            )));
        }
        out.push(if ax < 0 { ax + nd } else { ax } as usize);
    }
    sorted_unique(func, out)
}

fn all_axes(a: &Array) -> Vec<i32> {
    (0..a.ndim() as i32).collect()
}

/// The result shape: reduced axes become 1 (`keepdims`) or disappear.
fn reduced_shape(shape: &[i32], axes: &[usize], keepdims: bool) -> Vec<i32> {
    let mut out = Vec::with_capacity(shape.len());
    for (d, &n) in shape.iter().enumerate() {
        if !axes.contains(&d) {
            out.push(n);
        } else if keepdims {
            out.push(1);
        }
    }
    out
}

fn node(
    func: &str,
    a: &Array,
    axes: &[usize],
    keepdims: bool,
    dtype: Dtype,
    prim: impl crate::primitives::Primitive,
) -> Result<Array> {
    let s = op_stream(func)?;
    Ok(Array::from_op(
        reduced_shape(a.shape(), axes, keepdims),
        dtype,
        s,
        prim,
        vec![a.clone()],
    ))
}

/// A `Reduce` node over normalised `axes`; no axes gives `a` itself, as in MLX.
fn reduce_node(
    func: &str,
    op: ReduceOp,
    a: &Array,
    axes: Vec<usize>,
    keepdims: bool,
    dtype: Dtype,
) -> Result<Array> {
    if axes.is_empty() {
        return Ok(a.clone());
    }
    node(
        func,
        a,
        &axes,
        keepdims,
        dtype,
        Reduce {
            op,
            axes: axes.clone(),
        },
    )
}

/// The dtype of `sum` and `prod` of `dt`.
fn sum_dtype(dt: Dtype) -> Dtype {
    match dt {
        Dtype::Bool | Dtype::Int8 | Dtype::Int16 | Dtype::Int32 => Dtype::Int32,
        Dtype::Uint8 | Dtype::Uint16 | Dtype::Uint32 => Dtype::Uint32,
        other => other,
    }
}

fn sum_prod(func: &str, op: ReduceOp, a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    let axes = reduce_axes(func, a, axes)?;
    // No axes: MLX returns the input itself, without a dtype change.
    reduce_node(func, op, a, axes, keepdims, sum_dtype(a.dtype()))
}

/// Sum over `axes`. Integer sums wrap; float sums may be reordered (pairwise-like).
pub fn sum(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    sum_prod("sum", ReduceOp::Sum, a, axes, keepdims)
}

/// Sum of all elements.
pub fn sum_all(a: &Array, keepdims: bool) -> Result<Array> {
    sum(a, &all_axes(a), keepdims)
}

/// Product over `axes` (1 for an empty reduction).
pub fn prod(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    sum_prod("prod", ReduceOp::Prod, a, axes, keepdims)
}

/// Product of all elements.
pub fn prod_all(a: &Array, keepdims: bool) -> Result<Array> {
    prod(a, &all_axes(a), keepdims)
}

fn max_min(func: &str, op: ReduceOp, a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    let axes = reduce_axes(func, a, axes)?;
    if let Some(&ax) = axes.iter().find(|&&ax| a.shape()[ax] == 0) {
        bail!("[{func}] Cannot {func} reduce over axis {ax} with size 0.");
    }
    reduce_node(func, op, a, axes, keepdims, a.dtype())
}

/// Maximum over `axes`; NaN propagates. Reducing an axis of size 0 is an error.
pub fn max(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    max_min("max", ReduceOp::Max, a, axes, keepdims)
}

/// Maximum of all elements.
pub fn max_all(a: &Array, keepdims: bool) -> Result<Array> {
    max(a, &all_axes(a), keepdims)
}

/// Minimum over `axes`; NaN propagates. Reducing an axis of size 0 is an error.
pub fn min(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    max_min("min", ReduceOp::Min, a, axes, keepdims)
}

/// Minimum of all elements.
pub fn min_all(a: &Array, keepdims: bool) -> Result<Array> {
    min(a, &all_axes(a), keepdims)
}

fn all_any(func: &str, op: ReduceOp, a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    let axes = reduce_axes(func, a, axes)?;
    let b = super::astype(a, Dtype::Bool)?;
    reduce_node(func, op, &b, axes, keepdims, Dtype::Bool)
}

/// True where every element over `axes` is nonzero (true for an empty reduction).
pub fn all(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    all_any("all", ReduceOp::And, a, axes, keepdims)
}

/// `all` over every axis.
pub fn all_all(a: &Array, keepdims: bool) -> Result<Array> {
    all(a, &all_axes(a), keepdims)
}

/// True where any element over `axes` is nonzero (false for an empty reduction).
pub fn any(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    all_any("any", ReduceOp::Or, a, axes, keepdims)
}

/// `any` over every axis.
pub fn any_all(a: &Array, keepdims: bool) -> Result<Array> {
    any(a, &all_axes(a), keepdims)
}

/// Mean over `axes` (float32 for integers; NaN for an empty reduction).
pub fn mean(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    let axes = mean_axes("mean", a, axes)?;
    let dt = a.dtype().to_inexact();
    if axes.is_empty() {
        return super::astype(a, dt);
    }
    node("mean", a, &axes, keepdims, dt, Mean { axes: axes.clone() })
}

/// Mean of all elements.
pub fn mean_all(a: &Array, keepdims: bool) -> Result<Array> {
    mean(a, &all_axes(a), keepdims)
}

/// The float type that var, logsumexp and softmax compute in; complex is not supported yet.
fn real_float(func: &str, a: &Array) -> Result<Dtype> {
    if a.dtype().is_complex() {
        return Err(Error::NotImplemented(format!(
            "[{func}] complex64 inputs are not supported yet."
        )));
    }
    Ok(a.dtype().to_inexact())
}

fn var_std(
    func: &str,
    a: &Array,
    axes: &[i32],
    keepdims: bool,
    ddof: i32,
    sqrt: bool,
) -> Result<Array> {
    // MLX's var and std report bad axes through mean.
    let axes = mean_axes("mean", a, axes)?;
    if a.dtype().is_complex() {
        return complex_var_std(a, &axes, keepdims, ddof, sqrt);
    }
    let dt = real_float(func, a)?;
    let x = super::astype(a, dt)?;
    node(
        func,
        &x,
        &axes,
        keepdims,
        dt,
        Var {
            axes: axes.clone(),
            ddof,
            sqrt,
        },
    )
}

/// Variance of complex values: the mean squared magnitude of the deviation from the mean,
/// a float32 result, composed from other ops (MLX computes it the same way).
fn complex_var_std(
    a: &Array,
    axes: &[usize],
    keepdims: bool,
    ddof: i32,
    sqrt: bool,
) -> Result<Array> {
    let ax: Vec<i32> = axes.iter().map(|&x| x as i32).collect();
    let n: usize = axes.iter().map(|&x| a.shape()[x] as usize).product();
    let dev = super::subtract(a, &mean(a, &ax, true)?)?;
    let sq = super::real(&super::multiply(&dev, &super::conjugate(&dev)?)?)?;
    let total = sum(&sq, &ax, keepdims)?;
    let denom = (n as i64 - ddof as i64).max(0) as f32;
    let v = super::divide(&total, &Array::scalar(denom))?;
    if sqrt {
        super::sqrt(&v)
    } else {
        Ok(v)
    }
}

/// Variance over `axes`, dividing by `max(n - ddof, 0)`.
pub fn var(a: &Array, axes: &[i32], keepdims: bool, ddof: i32) -> Result<Array> {
    var_std("var", a, axes, keepdims, ddof, false)
}

/// Variance of all elements.
pub fn var_all(a: &Array, keepdims: bool, ddof: i32) -> Result<Array> {
    var(a, &all_axes(a), keepdims, ddof)
}

/// Standard deviation over `axes`, dividing by `max(n - ddof, 0)`.
pub fn std(a: &Array, axes: &[i32], keepdims: bool, ddof: i32) -> Result<Array> {
    var_std("std", a, axes, keepdims, ddof, true)
}

/// Standard deviation of all elements.
pub fn std_all(a: &Array, keepdims: bool, ddof: i32) -> Result<Array> {
    std(a, &all_axes(a), keepdims, ddof)
}

/// `log(sum(exp(a)))` over `axes`, computed stably. Empty inputs are an error, as in MLX.
pub fn logsumexp(a: &Array, axes: &[i32], keepdims: bool) -> Result<Array> {
    if a.size() == 0 {
        bail!("[logsumexp] Received empty array.");
    }
    if a.ndim() == 0 && !axes.is_empty() {
        bail!("[logsumexp] Received non-empty axes for array with 0 dimensions.");
    }
    let axes = reduce_axes("logsumexp", a, axes)?;
    if a.dtype().is_complex() {
        return complex_logsumexp(a, &axes, keepdims);
    }
    let dt = real_float("logsumexp", a)?;
    let x = super::astype(a, dt)?;
    node(
        "logsumexp",
        &x,
        &axes,
        keepdims,
        dt,
        LogSumExp { axes: axes.clone() },
    )
}

/// `logsumexp` of complex values, composed as MLX does: shift by the (lexicographic) maximum,
/// `log(sum(exp(a - max))) + max`, keeping an infinite maximum as the result.
fn complex_logsumexp(a: &Array, axes: &[usize], keepdims: bool) -> Result<Array> {
    let ax: Vec<i32> = axes.iter().map(|&x| x as i32).collect();
    let m = super::stop_gradient(&max(a, &ax, true)?)?;
    let shifted = super::exp(&super::subtract(a, &m)?)?;
    let m_out = if keepdims {
        m.clone()
    } else {
        super::squeeze_axes(&m, &ax)?
    };
    let out = super::add(&super::log(&sum(&shifted, &ax, keepdims)?)?, &m_out)?;
    super::where_(&super::isinf(&m_out)?, &m_out, &out)
}

/// `logsumexp` over every axis.
pub fn logsumexp_all(a: &Array, keepdims: bool) -> Result<Array> {
    logsumexp(a, &all_axes(a), keepdims)
}

/// Softmax over `axes`: `exp(a - max) / sum(exp(a - max))`.
///
/// As in MLX, a single last axis gives a float result (integers become float32); any other
/// set of axes gives the input's dtype (computed in float, then converted). `precise` asks
/// for f32 accumulation with f16/bf16, which rmlx always does.
pub fn softmax(a: &Array, axes: &[i32], precise: bool) -> Result<Array> {
    if a.size() == 0 {
        return Ok(a.clone());
    }
    let nd = a.ndim() as i32;
    let last_only = axes.len() == 1 && (axes[0] == -1 || axes[0] + 1 == nd);
    let norm = reduce_axes("softmax", a, axes)?;
    let mut dt = real_float("softmax", a)?;
    if !last_only && precise {
        // MLX's general path computes in float32 when precise, then converts back.
        dt = Dtype::Float32;
    }
    let x = super::astype(a, dt)?;
    let s = op_stream("softmax")?;
    let out = Array::from_op(
        a.shape().to_vec(),
        dt,
        s,
        Softmax {
            axes: norm,
            precise,
        },
        vec![x],
    );
    if last_only {
        Ok(out)
    } else {
        super::astype(&out, a.dtype())
    }
}

/// Softmax over every axis.
pub fn softmax_all(a: &Array, precise: bool) -> Result<Array> {
    softmax(a, &all_axes(a), precise)
}

fn arg(func: &str, is_max: bool, a: &Array, axis: Option<i32>, keepdims: bool) -> Result<Array> {
    if a.size() == 0 {
        bail!("[{func}] Cannot {func} reduce zero size array.");
    }
    let axes = match axis {
        Some(ax) => reduce_axes(func, a, &[ax])?,
        None => (0..a.ndim()).collect(),
    };
    node(
        func,
        a,
        &axes,
        keepdims,
        Dtype::Uint32,
        ArgReduce {
            is_max,
            axes: axes.clone(),
        },
    )
}

/// Index of the maximum along `axis` (or of the flattened array with `None`), as uint32.
/// Ties give the first index; a NaN counts as the maximum.
pub fn argmax(a: &Array, axis: Option<i32>, keepdims: bool) -> Result<Array> {
    arg("argmax", true, a, axis, keepdims)
}

/// Index of the minimum along `axis` (or of the flattened array with `None`), as uint32.
/// Ties give the first index; a NaN counts as the minimum.
pub fn argmin(a: &Array, axis: Option<i32>, keepdims: bool) -> Result<Array> {
    arg("argmin", false, a, axis, keepdims)
}

/// Method forms of the reductions (`a.sum(&[0], false)?`), as on MLX's `array`.
impl Array {
    /// [`sum`] over `axes`.
    pub fn sum(&self, axes: &[i32], keepdims: bool) -> Result<Array> {
        sum(self, axes, keepdims)
    }
    /// [`prod`] over `axes`.
    pub fn prod(&self, axes: &[i32], keepdims: bool) -> Result<Array> {
        prod(self, axes, keepdims)
    }
    /// [`mean`] over `axes`.
    pub fn mean(&self, axes: &[i32], keepdims: bool) -> Result<Array> {
        mean(self, axes, keepdims)
    }
    /// [`var`] over `axes`.
    pub fn var(&self, axes: &[i32], keepdims: bool, ddof: i32) -> Result<Array> {
        var(self, axes, keepdims, ddof)
    }
    /// [`std`] over `axes`.
    pub fn std(&self, axes: &[i32], keepdims: bool, ddof: i32) -> Result<Array> {
        std(self, axes, keepdims, ddof)
    }
    /// [`max`] over `axes`.
    pub fn max(&self, axes: &[i32], keepdims: bool) -> Result<Array> {
        max(self, axes, keepdims)
    }
    /// [`min`] over `axes`.
    pub fn min(&self, axes: &[i32], keepdims: bool) -> Result<Array> {
        min(self, axes, keepdims)
    }
    /// [`all`] over `axes`.
    pub fn all(&self, axes: &[i32], keepdims: bool) -> Result<Array> {
        all(self, axes, keepdims)
    }
    /// [`any`] over `axes`.
    pub fn any(&self, axes: &[i32], keepdims: bool) -> Result<Array> {
        any(self, axes, keepdims)
    }
    /// [`argmax`] along `axis` (all elements when `None`).
    pub fn argmax(&self, axis: Option<i32>, keepdims: bool) -> Result<Array> {
        argmax(self, axis, keepdims)
    }
    /// [`argmin`] along `axis` (all elements when `None`).
    pub fn argmin(&self, axis: Option<i32>, keepdims: bool) -> Result<Array> {
        argmin(self, axis, keepdims)
    }
    /// [`logsumexp`] over `axes`.
    pub fn logsumexp(&self, axes: &[i32], keepdims: bool) -> Result<Array> {
        logsumexp(self, axes, keepdims)
    }
}
