//! `median`, `count_nonzero`, `minmax`.

use crate::array::PyArray;
use crate::device::on_stream;
use crate::ops::args::{opt_axes, strict_array};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rmlx::ops;

#[pyfunction]
#[pyo3(signature = (a, /, axis = None, keepdims = false, *, stream = None))]
fn median(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "median", "a")?;
    let axes = opt_axes(axis, "median")?;
    on_stream(stream, || match &axes {
        Some(ax) => ops::median(&a, ax, keepdims),
        None => ops::median_all(&a, keepdims),
    })
    .map(PyArray::new_py)
}

/// MLX's signature says `axis` is keyword-only, but its binding takes it positionally too
/// (and only it).
#[pyfunction]
#[pyo3(signature = (a, /, axis = None, *, keepdims = false, stream = None))]
fn count_nonzero(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "count_nonzero", "a")?;
    let axes = opt_axes(axis, "count_nonzero")?;
    on_stream(stream, || match &axes {
        Some(ax) => ops::count_nonzero(&a, ax, keepdims),
        None => ops::count_nonzero_all(&a, keepdims),
    })
    .map(PyArray::new_py)
}

/// `(min, max)` as a tuple.
#[pyfunction]
#[pyo3(signature = (a, /, axis = None, keepdims = false, *, stream = None))]
fn minmax<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    axis: Option<&Bound<'py, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let a = strict_array(a, "minmax", "a")?;
    let axes = opt_axes(axis, "minmax")?;
    let (lo, hi) = on_stream(stream, || match &axes {
        Some(ax) => ops::minmax(&a, ax, keepdims),
        None => ops::minmax_all(&a, keepdims),
    })?;
    PyTuple::new(py, [PyArray::new_py(lo), PyArray::new_py(hi)])
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(median, m)?)?;
    m.add_function(wrap_pyfunction!(count_nonzero, m)?)?;
    m.add_function(wrap_pyfunction!(minmax, m)?)?;
    Ok(())
}
