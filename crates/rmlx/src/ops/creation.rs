//! Array creation: constants, ranges and identity matrices.

use super::op_stream;
use crate::array::Array;
use crate::dtype::{Dtype, Element};
use crate::error::{bail, Result};
use crate::primitives::copy::{AsType, Full};
use crate::primitives::creation::{Arange, Eye, Linspace};

fn check_shape(func: &str, shape: &[i32]) -> Result<()> {
    if shape.iter().any(|&d| d < 0) {
        bail!("[{func}] Negative dimensions not allowed.");
    }
    Ok(())
}

/// An array of `shape` filled with `vals` (broadcast), converted to `dtype`.
pub fn full_array(shape: &[i32], vals: &Array, dtype: Dtype) -> Result<Array> {
    check_shape("full", shape)?;
    let b = super::broadcast_to(vals, shape)?;
    let s = op_stream("full")?;
    Ok(Array::from_op(shape.to_vec(), dtype, s, Full, vec![b]))
}

/// An array of `shape` filled with `value`, of `value`'s dtype.
pub fn full<T: Element>(shape: &[i32], value: T) -> Result<Array> {
    full_array(shape, &Array::scalar(value), T::DTYPE)
}

/// An array of `shape` filled with `value` converted to `dtype`.
pub fn full_dtype<T: Element>(shape: &[i32], value: T, dtype: Dtype) -> Result<Array> {
    full_array(shape, &Array::scalar(value), dtype)
}

/// Zeros of `shape` and `dtype`.
pub fn zeros(shape: &[i32], dtype: Dtype) -> Result<Array> {
    full_array(shape, &Array::scalar(0i32), dtype)
}

/// Ones of `shape` and `dtype`.
pub fn ones(shape: &[i32], dtype: Dtype) -> Result<Array> {
    full_array(shape, &Array::scalar(1i32), dtype)
}

/// An array shaped like `a` filled with `value`, of `dtype` (default: `a`'s dtype, so
/// `full_like(int_array, 2.5, None)` holds 2 as in MLX).
pub fn full_like<T: Element>(a: &Array, value: T, dtype: Option<Dtype>) -> Result<Array> {
    let value = Array::scalar(value);
    let filled = full_array(a.shape(), &value, dtype.unwrap_or(a.dtype()))?;
    crate::compile::shaped_like(a, &value, filled)
}

/// Zeros shaped like `a`, of `a`'s dtype.
pub fn zeros_like(a: &Array) -> Result<Array> {
    crate::compile::shaped_like(a, &Array::scalar(0u8), zeros(a.shape(), a.dtype())?)
}

/// Ones shaped like `a`, of `a`'s dtype.
pub fn ones_like(a: &Array) -> Result<Array> {
    crate::compile::shaped_like(a, &Array::scalar(1u8), ones(a.shape(), a.dtype())?)
}

/// Converts `a` to `dtype` (returns `a` itself when the dtype already matches).
pub fn astype(a: &Array, dtype: Dtype) -> Result<Array> {
    if a.dtype() == dtype {
        return Ok(a.clone());
    }
    let s = op_stream("astype")?;
    Ok(Array::from_op(
        a.shape().to_vec(),
        dtype,
        s,
        AsType,
        vec![a.clone()],
    ))
}

/// `start, start + step, ...` up to (excluding) `stop`, of `dtype`: MLX's `arange`.
///
/// The length is `ceil((stop - start) / step)` (at least 0). Values are computed in `dtype`:
/// start and `start + step` are converted first and their difference is added repeatedly,
/// so `arange(0.5, 5.0, 1.0, Int32)` is `0..5` and `arange(0.0, 5.0, 0.5, Int32)` is ten
/// zeros, exactly as MLX. Errors: bool dtype, zero or NaN step, non-finite bounds, and a
/// length beyond `i32::MAX`.
pub fn arange(start: f64, stop: f64, step: f64, dtype: Dtype) -> Result<Array> {
    if dtype == Dtype::Bool {
        bail!("[arange] bool not supported for arange.");
    }
    if start.is_nan() || stop.is_nan() || step.is_nan() || start.is_infinite() || stop.is_infinite()
    {
        bail!("[arange] Cannot compute length.");
    }
    if step == 0.0 {
        bail!("[arange] step must be nonzero.");
    }
    let s = op_stream("arange")?;
    let len = if step.is_infinite() {
        // An infinite step yields the start alone when the range is non-empty.
        let nonempty = (step > 0.0 && start < stop) || (step < 0.0 && start > stop);
        nonempty as i32
    } else {
        let real = ((stop - start) / step).ceil();
        if real > i32::MAX as f64 {
            bail!("[arange] Maximum size exceeded.");
        }
        real.max(0.0) as i32
    };
    Ok(Array::from_op(
        vec![len],
        dtype,
        s,
        Arange { start, step },
        vec![],
    ))
}

/// `0, 1, ..., stop - 1` as int32 (MLX's `arange(stop)` with an integer stop).
pub fn arange_to(stop: i32) -> Result<Array> {
    arange(0.0, stop as f64, 1.0, Dtype::Int32)
}

/// `arange` whose dtype is `T`'s: `arange_of(0i32, 10, 3)` is int32, `arange_of(0.0f32, 1.0,
/// 0.1)` float32.
pub fn arange_of<T: Element>(start: T, stop: T, step: T) -> Result<Array> {
    let f = |v: T| v.to_scalar().as_f64();
    arange(f(start), f(stop), f(step), T::DTYPE)
}

/// `num` evenly spaced values from `start` to `stop` inclusive, of `dtype` (MLX's default is
/// float32). Values are computed in float32, then converted.
pub fn linspace(start: f64, stop: f64, num: i32, dtype: Dtype) -> Result<Array> {
    if num < 0 {
        bail!("[linspace] number of samples, {num}, must be non-negative.");
    }
    let s = op_stream("linspace")?;
    Ok(Array::from_op(
        vec![num],
        dtype,
        s,
        Linspace { start, stop },
        vec![],
    ))
}

/// An `n x m` matrix with ones on diagonal `k` (0: main, > 0: above, < 0: below).
pub fn eye(n: i32, m: i32, k: i32, dtype: Dtype) -> Result<Array> {
    if n < 0 || m < 0 {
        bail!("[eye] N and M must be positive integers.");
    }
    let s = op_stream("eye")?;
    Ok(Array::from_op(vec![n, m], dtype, s, Eye(k), vec![]))
}

/// The `n x n` identity matrix.
pub fn identity(n: i32, dtype: Dtype) -> Result<Array> {
    eye(n, n, 0, dtype)
}
