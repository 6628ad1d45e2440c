//! where, clip, nan_to_num, round and astype, with MLX's weak Python scalars.

use super::args::{dtype_only, scalar_or_array, scalar_or_array_value, strict_array};
use crate::array::PyArray;
use crate::convert::{operand_pair, Operand};
use crate::device::on_stream;
use crate::errors::IntoPy;
use pyo3::prelude::*;
use rmlx::{ops, Array};

/// `x` where `condition` else `y`; a Python scalar among `x`, `y` takes the other's dtype.
#[pyfunction]
#[pyo3(name = "where", signature = (condition, x, y, /, *, stream = None))]
fn r#where(
    condition: &Bound<'_, PyAny>,
    x: &Bound<'_, PyAny>,
    y: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let c = scalar_or_array_value(condition, "where")?;
    let (x, y) = operand_pair(scalar_or_array(x, "where")?, scalar_or_array(y, "where")?)?;
    on_stream(stream, || ops::where_(&c, &x, &y)).map(PyArray::new_py)
}

/// A bound of `clip`: `None`, an array, or a Python scalar weakly typed against `a`.
fn clip_bound(obj: &Bound<'_, PyAny>, a: &Array) -> PyResult<Option<Array>> {
    if obj.is_none() {
        return Ok(None);
    }
    Ok(Some(match scalar_or_array(obj, "clip")? {
        Operand::Array(b) => b,
        Operand::Scalar(s) => ops::scalar_like(s, a).py()?,
    }))
}

#[pyfunction]
#[pyo3(signature = (a, /, a_min, a_max, *, stream = None))]
fn clip(
    a: &Bound<'_, PyAny>,
    a_min: &Bound<'_, PyAny>,
    a_max: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "clip", "a")?;
    let lo = clip_bound(a_min, &a)?;
    let hi = clip_bound(a_max, &a)?;
    on_stream(stream, || ops::clip(&a, lo.as_ref(), hi.as_ref())).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, nan = 0.0, posinf = None, neginf = None, *, stream = None))]
fn nan_to_num(
    a: &Bound<'_, PyAny>,
    nan: f32,
    posinf: Option<f32>,
    neginf: Option<f32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = scalar_or_array_value(a, "nan_to_num")?;
    on_stream(stream, || ops::nan_to_num(&a, nan, posinf, neginf)).map(PyArray::new_py)
}

/// `round(a, /, decimals=0, stream=None)`: MLX lets `stream` be positional here.
#[pyfunction]
#[pyo3(signature = (a, /, decimals = 0, stream = None))]
fn round(
    a: &Bound<'_, PyAny>,
    decimals: i32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = scalar_or_array_value(a, "round")?;
    on_stream(stream, || ops::round(&a, decimals)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, dtype, *, stream = None))]
fn astype(
    a: &Bound<'_, PyAny>,
    dtype: &Bound<'_, PyAny>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "astype", "a")?;
    let d = dtype_only(dtype, "astype")?;
    on_stream(stream, || ops::astype(&a, d)).map(PyArray::new_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(r#where, m)?)?;
    m.add_function(wrap_pyfunction!(clip, m)?)?;
    m.add_function(wrap_pyfunction!(nan_to_num, m)?)?;
    m.add_function(wrap_pyfunction!(round, m)?)?;
    m.add_function(wrap_pyfunction!(astype, m)?)?;
    Ok(())
}
