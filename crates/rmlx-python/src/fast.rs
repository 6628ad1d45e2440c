//! `rmlx.core.fast`: MLX's `mx.fast` functions (rms_norm, layer_norm, rope,
//! scaled_dot_product_attention) with MLX's signatures. Array arguments are strictly typed
//! `array`, as in MLX.

use crate::array::PyArray;
use crate::device::on_stream;
use crate::errors::{type_error, value_error};
use crate::ops::args::{bad_arg, strict_array};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};
use rmlx::ops::fast::{self, AttentionMask, RopeOffset};

/// An optional `array | None` argument.
fn opt_array(
    obj: Option<&Bound<'_, PyAny>>,
    func: &str,
    arg: &str,
) -> PyResult<Option<rmlx::Array>> {
    match obj.filter(|o| !o.is_none()) {
        Some(o) => Ok(Some(strict_array(o, func, arg)?)),
        None => Ok(None),
    }
}

#[pyfunction]
#[pyo3(signature = (x, weight, eps, *, stream = None))]
fn rms_norm(
    x: &Bound<'_, PyAny>,
    weight: Option<&Bound<'_, PyAny>>,
    eps: f32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let x = strict_array(x, "rms_norm", "x")?;
    let w = opt_array(weight, "rms_norm", "weight")?;
    on_stream(stream, || fast::rms_norm(&x, w.as_ref(), eps)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (x, weight, bias, eps, *, stream = None))]
fn layer_norm(
    x: &Bound<'_, PyAny>,
    weight: Option<&Bound<'_, PyAny>>,
    bias: Option<&Bound<'_, PyAny>>,
    eps: f32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let x = strict_array(x, "layer_norm", "x")?;
    let w = opt_array(weight, "layer_norm", "weight")?;
    let b = opt_array(bias, "layer_norm", "bias")?;
    on_stream(stream, || fast::layer_norm(&x, w.as_ref(), b.as_ref(), eps)).map(PyArray::new_py)
}

/// `offset`: a Python int or an array.
fn offset_arg(obj: &Bound<'_, PyAny>) -> PyResult<RopeOffset> {
    if let Ok(a) = obj.cast::<PyArray>() {
        return Ok(RopeOffset::Array(a.borrow().inner.clone()));
    }
    if obj.is_instance_of::<PyInt>() && !obj.is_instance_of::<PyBool>() {
        return Ok(RopeOffset::Int(obj.extract::<i32>()?));
    }
    Err(bad_arg("rope", "offset", "an int or an array", obj))
}

#[pyfunction]
#[pyo3(signature = (a, dims, *, traditional, base, scale, offset, freqs = None, stream = None))]
#[allow(clippy::too_many_arguments)]
fn rope(
    a: &Bound<'_, PyAny>,
    dims: i32,
    traditional: bool,
    base: Option<f32>,
    scale: f32,
    offset: &Bound<'_, PyAny>,
    freqs: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let x = strict_array(a, "rope", "a")?;
    let offset = offset_arg(offset)?;
    let freqs = opt_array(freqs, "rope", "freqs")?;
    on_stream(stream, || {
        fast::rope(&x, dims, traditional, base, scale, &offset, freqs.as_ref())
    })
    .map(PyArray::new_py)
}

const SDPA: &str = "scaled_dot_product_attention";

/// `mask`: None, the string "causal", or an array.
fn mask_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<AttentionMask> {
    let Some(o) = obj.filter(|o| !o.is_none()) else {
        return Ok(AttentionMask::None);
    };
    if let Ok(s) = o.cast::<PyString>() {
        let s = s.to_str()?;
        if s == "causal" {
            return Ok(AttentionMask::Causal);
        }
        return Err(value_error(format!(
            "[{SDPA}] invalid mask option '{s}'. Must be 'causal', or an array."
        )));
    }
    if let Ok(a) = o.cast::<PyArray>() {
        return Ok(AttentionMask::Array(a.borrow().inner.clone()));
    }
    Err(type_error(format!(
        "{SDPA}(): incompatible function arguments: 'mask' must be None, a str or an array, not {}.",
        o.get_type().name()?
    )))
}

/// `force_fused` is accepted and has no effect: rmlx's CPU backend always runs the fused
/// kernel (MLX's CPU backend has none and refuses `force_fused=True`).
#[pyfunction]
#[pyo3(signature = (q, k, v, *, scale, mask = None, sinks = None, force_fused = false, stream = None))]
#[allow(clippy::too_many_arguments)]
fn scaled_dot_product_attention(
    q: &Bound<'_, PyAny>,
    k: &Bound<'_, PyAny>,
    v: &Bound<'_, PyAny>,
    scale: f32,
    mask: Option<&Bound<'_, PyAny>>,
    sinks: Option<&Bound<'_, PyAny>>,
    force_fused: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let _ = force_fused;
    let q = strict_array(q, SDPA, "q")?;
    let k = strict_array(k, SDPA, "k")?;
    let v = strict_array(v, SDPA, "v")?;
    let mask = mask_arg(mask)?;
    let sinks = opt_array(sinks, SDPA, "sinks")?;
    on_stream(stream, || {
        fast::scaled_dot_product_attention(&q, &k, &v, scale, &mask, sinks.as_ref())
    })
    .map(PyArray::new_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let sub = PyModule::new(py, "rmlx.core.fast")?;
    sub.add_function(wrap_pyfunction!(rms_norm, &sub)?)?;
    sub.add_function(wrap_pyfunction!(layer_norm, &sub)?)?;
    sub.add_function(wrap_pyfunction!(rope, &sub)?)?;
    sub.add_function(wrap_pyfunction!(scaled_dot_product_attention, &sub)?)?;
    m.add("fast", &sub)?;
    py.import("sys")?
        .getattr("modules")?
        .set_item("rmlx.core.fast", &sub)?;
    Ok(())
}
