//! Sorting: `mx.sort(a, /, axis=-1, *, stream=None)`, argsort, partition and argpartition
//! (`kth`), topk (`k`). `axis=None` works on the flattened array.

use super::args::strict_array;
use crate::array::PyArray;
use crate::device::on_stream;
use pyo3::prelude::*;
use rmlx::ops;

#[pyfunction]
#[pyo3(signature = (a, /, axis = Some(-1), *, stream = None))]
fn sort(
    a: &Bound<'_, PyAny>,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "sort", "a")?;
    on_stream(stream, || ops::sort(&a, axis)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, axis = Some(-1), *, stream = None))]
fn argsort(
    a: &Bound<'_, PyAny>,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "argsort", "a")?;
    on_stream(stream, || ops::argsort(&a, axis)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, kth, axis = Some(-1), *, stream = None))]
fn partition(
    a: &Bound<'_, PyAny>,
    kth: i32,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "partition", "a")?;
    on_stream(stream, || ops::partition(&a, kth, axis)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, kth, axis = Some(-1), *, stream = None))]
fn argpartition(
    a: &Bound<'_, PyAny>,
    kth: i32,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "argpartition", "a")?;
    on_stream(stream, || ops::argpartition(&a, kth, axis)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, /, k, axis = Some(-1), *, stream = None))]
fn topk(
    a: &Bound<'_, PyAny>,
    k: i32,
    axis: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "topk", "a")?;
    on_stream(stream, || ops::topk(&a, k, axis)).map(PyArray::new_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(sort, m)?)?;
    m.add_function(wrap_pyfunction!(argsort, m)?)?;
    m.add_function(wrap_pyfunction!(partition, m)?)?;
    m.add_function(wrap_pyfunction!(argpartition, m)?)?;
    m.add_function(wrap_pyfunction!(topk, m)?)?;
    Ok(())
}
