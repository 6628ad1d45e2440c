//! `meshgrid`.

use crate::array::PyArray;
use crate::device::on_stream;
use crate::ops::args::variadic_arrays;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use rmlx::ops;

/// `meshgrid(*arrays, sparse=False, indexing='xy', stream=None)`: a tuple of arrays.
#[pyfunction]
#[pyo3(signature = (*arrays, sparse = false, indexing = "xy", stream = None))]
fn meshgrid<'py>(
    py: Python<'py>,
    arrays: &Bound<'py, PyTuple>,
    sparse: bool,
    indexing: &str,
    stream: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyTuple>> {
    let arrays = variadic_arrays(arrays, "meshgrid")?;
    let out = on_stream(stream, || ops::meshgrid(&arrays, sparse, indexing))?;
    PyTuple::new(py, out.into_iter().map(PyArray::new_py))
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(meshgrid, m)?)
}
