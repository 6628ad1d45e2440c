//! `take`, `take_along_axis`, `put_along_axis` with MLX's signatures. Out-of-range array
//! indices clamp when reading and drop their value when writing (rmlx's rule; MLX reads
//! stray memory there).

use crate::array::PyArray;
use crate::convert::array_arg;
use crate::device::on_stream;
use crate::errors::type_error;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt};
use rmlx::{ops, Array};

/// `indices` of `take`: an int or an array (MLX raises TypeError for floats and others;
/// rmlx also reads lists and NumPy arrays).
fn take_indices(obj: &Bound<'_, PyAny>) -> PyResult<Array> {
    if let Ok(a) = obj.cast::<PyArray>() {
        return Ok(a.borrow().inner.clone());
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Array::scalar(obj.extract::<bool>()? as i32));
    }
    if obj.is_instance_of::<PyInt>() {
        let i: i64 = obj.extract()?;
        return Ok(match i32::try_from(i) {
            Ok(v) => Array::scalar(v),
            Err(_) => Array::scalar(i),
        });
    }
    // MLX takes an int or an array only: floats, strings and Python sequences are refused.
    if obj.is_instance_of::<pyo3::types::PyFloat>()
        || obj.is_instance_of::<pyo3::types::PyString>()
        || obj.is_instance_of::<pyo3::types::PyList>()
        || obj.is_instance_of::<pyo3::types::PyTuple>()
    {
        return Err(type_error(format!(
            "take(): incompatible function arguments: indices must be an int or an array, got {}.",
            obj.get_type().name()?
        )));
    }
    array_arg(obj)
}

#[pyfunction]
#[pyo3(signature = (a, /, indices, axis = None, *, stream = None))]
fn take(
    a: &Bound<'_, PyAny>,
    indices: &Bound<'_, PyAny>,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = array_arg(a)?;
    let idx = take_indices(indices)?;
    on_stream(stream, || ops::take(&a, &idx, axis)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, indices, axis = Some(-1), *, stream = None))]
fn take_along_axis(
    a: &Bound<'_, PyAny>,
    indices: &Bound<'_, PyAny>,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = array_arg(a)?;
    let idx = array_arg(indices)?;
    on_stream(stream, || ops::take_along_axis(&a, &idx, axis)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, indices, values, axis = None, *, stream = None))]
fn put_along_axis(
    a: &Bound<'_, PyAny>,
    indices: &Bound<'_, PyAny>,
    values: &Bound<'_, PyAny>,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = array_arg(a)?;
    let idx = array_arg(indices)?;
    let v = array_arg(values)?;
    on_stream(stream, || ops::put_along_axis(&a, &idx, &v, axis)).map(PyArray::new_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(take, m)?)?;
    m.add_function(wrap_pyfunction!(take_along_axis, m)?)?;
    m.add_function(wrap_pyfunction!(put_along_axis, m)?)?;
    Ok(())
}
