//! Quantization: `quantize`, `dequantize`, `quantized_matmul`, `gather_qmm`, `qqmm`,
//! `gather_qqmm`, `to_fp8`, `from_fp8`, with MLX 0.32.4's Python signatures.
//!
//! The engine also multiplies float64 inputs; MLX's CPU kernels refuse them with a
//! RuntimeError, which these bindings raise so programs see MLX's behavior.

use super::args::strict_array;
use crate::array::PyArray;
use crate::device::on_stream;
use crate::dtype::dtype_arg;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rmlx::{ops, Array, Dtype};

/// An optional argument typed `array | None`.
fn opt_array(obj: Option<&Bound<'_, PyAny>>, func: &str, arg: &str) -> PyResult<Option<Array>> {
    match obj {
        Some(o) if !o.is_none() => strict_array(o, func, arg).map(Some),
        _ => Ok(None),
    }
}

/// MLX's CPU products refuse float64.
fn refuse_f64(out: Array) -> PyResult<PyArray> {
    if out.dtype() == Dtype::Float64 {
        return Err(PyRuntimeError::new_err(
            "[quantized_matmul] only floating types are supported",
        ));
    }
    Ok(PyArray::new_py(out))
}

#[pyfunction]
#[pyo3(signature = (w, /, group_size = None, bits = None, mode = "affine", *, global_scale = None, stream = None))]
fn quantize<'py>(
    py: Python<'py>,
    w: &Bound<'py, PyAny>,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale: Option<&Bound<'py, PyAny>>,
    stream: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let w = strict_array(w, "quantize", "w")?;
    let gs = opt_array(global_scale, "quantize", "global_scale")?;
    let outs = on_stream(stream, || {
        ops::quantize(&w, group_size, bits, mode, gs.as_ref())
    })?;
    PyTuple::new(py, outs.into_iter().map(PyArray::new_py))
}

#[pyfunction]
#[pyo3(signature = (w, /, scales, biases = None, group_size = None, bits = None, mode = "affine", global_scale = None, dtype = None, *, stream = None))]
#[allow(clippy::too_many_arguments)]
fn dequantize(
    w: &Bound<'_, PyAny>,
    scales: &Bound<'_, PyAny>,
    biases: Option<&Bound<'_, PyAny>>,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale: Option<&Bound<'_, PyAny>>,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "dequantize";
    let w = strict_array(w, f, "w")?;
    let scales = strict_array(scales, f, "scales")?;
    let biases = opt_array(biases, f, "biases")?;
    let gs = opt_array(global_scale, f, "global_scale")?;
    let dtype = match dtype {
        Some(d) if !d.is_none() => Some(dtype_arg(d)?),
        _ => None,
    };
    on_stream(stream, || {
        ops::dequantize(
            &w,
            &scales,
            biases.as_ref(),
            group_size,
            bits,
            mode,
            gs.as_ref(),
            dtype,
        )
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (x, w, /, scales, biases = None, transpose = true, group_size = None, bits = None, mode = "affine", *, stream = None))]
#[allow(clippy::too_many_arguments)]
fn quantized_matmul(
    x: &Bound<'_, PyAny>,
    w: &Bound<'_, PyAny>,
    scales: &Bound<'_, PyAny>,
    biases: Option<&Bound<'_, PyAny>>,
    transpose: bool,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "quantized_matmul";
    let x = strict_array(x, f, "x")?;
    let w = strict_array(w, f, "w")?;
    let scales = strict_array(scales, f, "scales")?;
    let biases = opt_array(biases, f, "biases")?;
    let out = on_stream(stream, || {
        ops::quantized_matmul(
            &x,
            &w,
            &scales,
            biases.as_ref(),
            transpose,
            group_size,
            bits,
            mode,
        )
    })?;
    refuse_f64(out)
}

#[pyfunction]
#[pyo3(signature = (x, w, /, scales, biases = None, lhs_indices = None, rhs_indices = None, transpose = true, group_size = None, bits = None, mode = "affine", global_scale = None, *, sorted_indices = false, stream = None))]
#[allow(clippy::too_many_arguments)]
fn gather_qmm(
    x: &Bound<'_, PyAny>,
    w: &Bound<'_, PyAny>,
    scales: &Bound<'_, PyAny>,
    biases: Option<&Bound<'_, PyAny>>,
    lhs_indices: Option<&Bound<'_, PyAny>>,
    rhs_indices: Option<&Bound<'_, PyAny>>,
    transpose: bool,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale: Option<&Bound<'_, PyAny>>,
    sorted_indices: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "gather_qmm";
    let x = strict_array(x, f, "x")?;
    let w = strict_array(w, f, "w")?;
    let scales = strict_array(scales, f, "scales")?;
    let biases = opt_array(biases, f, "biases")?;
    let lhs = opt_array(lhs_indices, f, "lhs_indices")?;
    let rhs = opt_array(rhs_indices, f, "rhs_indices")?;
    let gs = opt_array(global_scale, f, "global_scale")?;
    let out = on_stream(stream, || {
        ops::gather_qmm(
            &x,
            &w,
            &scales,
            biases.as_ref(),
            lhs.as_ref(),
            rhs.as_ref(),
            transpose,
            group_size,
            bits,
            mode,
            gs.as_ref(),
            sorted_indices,
        )
    })?;
    refuse_f64(out)
}

#[pyfunction]
#[pyo3(signature = (x, w, scales = None, group_size = None, bits = None, mode = "nvfp4", global_scale_x = None, global_scale_w = None, *, stream = None))]
#[allow(clippy::too_many_arguments)]
fn qqmm(
    x: &Bound<'_, PyAny>,
    w: &Bound<'_, PyAny>,
    scales: Option<&Bound<'_, PyAny>>,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale_x: Option<&Bound<'_, PyAny>>,
    global_scale_w: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "qqmm";
    let x = strict_array(x, f, "x")?;
    let w = strict_array(w, f, "w")?;
    let scales = opt_array(scales, f, "scales")?;
    let gx = opt_array(global_scale_x, f, "global_scale_x")?;
    let gw = opt_array(global_scale_w, f, "global_scale_w")?;
    on_stream(stream, || {
        ops::qqmm(
            &x,
            &w,
            scales.as_ref(),
            group_size,
            bits,
            mode,
            gx.as_ref(),
            gw.as_ref(),
        )
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (x, w, /, scales = None, lhs_indices = None, rhs_indices = None, group_size = None, bits = None, mode = "nvfp4", global_scale_x = None, global_scale_w = None, *, sorted_indices = false, stream = None))]
#[allow(clippy::too_many_arguments)]
fn gather_qqmm(
    x: &Bound<'_, PyAny>,
    w: &Bound<'_, PyAny>,
    scales: Option<&Bound<'_, PyAny>>,
    lhs_indices: Option<&Bound<'_, PyAny>>,
    rhs_indices: Option<&Bound<'_, PyAny>>,
    group_size: Option<i32>,
    bits: Option<i32>,
    mode: &str,
    global_scale_x: Option<&Bound<'_, PyAny>>,
    global_scale_w: Option<&Bound<'_, PyAny>>,
    sorted_indices: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let f = "gather_qqmm";
    let x = strict_array(x, f, "x")?;
    let w = strict_array(w, f, "w")?;
    let scales = opt_array(scales, f, "scales")?;
    let lhs = opt_array(lhs_indices, f, "lhs_indices")?;
    let rhs = opt_array(rhs_indices, f, "rhs_indices")?;
    let gx = opt_array(global_scale_x, f, "global_scale_x")?;
    let gw = opt_array(global_scale_w, f, "global_scale_w")?;
    on_stream(stream, || {
        ops::gather_qqmm(
            &x,
            &w,
            scales.as_ref(),
            lhs.as_ref(),
            rhs.as_ref(),
            group_size,
            bits,
            mode,
            gx.as_ref(),
            gw.as_ref(),
            sorted_indices,
        )
    })
    .map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (x, *, stream = None))]
fn to_fp8(x: &Bound<'_, PyAny>, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
    let x = strict_array(x, "to_fp8", "x")?;
    on_stream(stream, || ops::to_fp8(&x)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (x, dtype = None, *, stream = None))]
fn from_fp8(
    x: &Bound<'_, PyAny>,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let x = strict_array(x, "from_fp8", "x")?;
    let dt = match dtype {
        Some(d) if !d.is_none() => dtype_arg(d)?,
        _ => Dtype::Bfloat16,
    };
    on_stream(stream, || ops::from_fp8(&x, dt)).map(PyArray::new_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(quantize, m)?)?;
    m.add_function(wrap_pyfunction!(dequantize, m)?)?;
    m.add_function(wrap_pyfunction!(quantized_matmul, m)?)?;
    m.add_function(wrap_pyfunction!(gather_qmm, m)?)?;
    m.add_function(wrap_pyfunction!(qqmm, m)?)?;
    m.add_function(wrap_pyfunction!(gather_qqmm, m)?)?;
    m.add_function(wrap_pyfunction!(to_fp8, m)?)?;
    m.add_function(wrap_pyfunction!(from_fp8, m)?)?;
    Ok(())
}
