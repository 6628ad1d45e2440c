//! `tri`, `tril`, `triu`, `diag`, `diagonal`, `trace`, and the `array` methods `diag` and
//! `diagonal`.

use crate::array::PyArray;
use crate::device::on_stream;
use crate::ops::args::{opt_dtype, strict_array};
use pyo3::prelude::*;
use rmlx::{ops, Dtype};

#[pyfunction]
#[pyo3(signature = (n, m = None, k = 0, dtype = None, *, stream = None))]
fn tri(
    n: i32,
    m: Option<i32>,
    k: i32,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let dt = opt_dtype(dtype, "tri")?.unwrap_or(Dtype::Float32);
    on_stream(stream, || ops::tri(n, m, k, dt)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (x, k = 0, *, stream = None))]
fn tril(x: &Bound<'_, PyAny>, k: i32, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
    let x = strict_array(x, "tril", "x")?;
    on_stream(stream, || ops::tril(&x, k)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (x, k = 0, *, stream = None))]
fn triu(x: &Bound<'_, PyAny>, k: i32, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
    let x = strict_array(x, "triu", "x")?;
    on_stream(stream, || ops::triu(&x, k)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, k = 0, *, stream = None))]
fn diag(a: &Bound<'_, PyAny>, k: i32, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
    let a = strict_array(a, "diag", "a")?;
    on_stream(stream, || ops::diag(&a, k)).map(PyArray::new_py)
}

/// MLX's signature has no `/` or `*` here: every argument may be positional.
#[pyfunction]
#[pyo3(signature = (a, offset = 0, axis1 = 0, axis2 = 1, stream = None))]
fn diagonal(
    a: &Bound<'_, PyAny>,
    offset: i32,
    axis1: i32,
    axis2: i32,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "diagonal", "a")?;
    on_stream(stream, || ops::diagonal(&a, offset, axis1, axis2)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, offset = 0, axis1 = 0, axis2 = 1, dtype = None, *, stream = None))]
fn trace(
    a: &Bound<'_, PyAny>,
    offset: i32,
    axis1: i32,
    axis2: i32,
    dtype: Option<&Bound<'_, PyAny>>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "trace", "a")?;
    let dt = opt_dtype(dtype, "trace")?;
    on_stream(stream, || ops::trace(&a, offset, axis1, axis2, dt)).map(PyArray::new_py)
}

#[pymethods]
impl PyArray {
    /// `a.diag(k=0)`: see `mx.diag`.
    #[pyo3(name = "diag", signature = (k = 0, *, stream = None))]
    fn diag_method(&self, k: i32, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
        on_stream(stream, || ops::diag(&self.inner, k)).map(PyArray::new_py)
    }

    /// `a.diagonal(offset=0, axis1=0, axis2=1)`: see `mx.diagonal`.
    #[pyo3(name = "diagonal", signature = (offset = 0, axis1 = 0, axis2 = 1, stream = None))]
    fn diagonal_method(
        &self,
        offset: i32,
        axis1: i32,
        axis2: i32,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        on_stream(stream, || ops::diagonal(&self.inner, offset, axis1, axis2)).map(PyArray::new_py)
    }
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(tri, m)?)?;
    m.add_function(wrap_pyfunction!(tril, m)?)?;
    m.add_function(wrap_pyfunction!(triu, m)?)?;
    m.add_function(wrap_pyfunction!(diag, m)?)?;
    m.add_function(wrap_pyfunction!(diagonal, m)?)?;
    m.add_function(wrap_pyfunction!(trace, m)?)?;
    Ok(())
}
