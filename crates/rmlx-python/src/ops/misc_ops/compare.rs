//! `isclose`, `allclose`, `array_equal`, `divmod`.

use crate::array::PyArray;
use crate::convert::operand_pair;
use crate::device::on_stream;
use crate::ops::args::{scalar_or_array, strict_array};
use pyo3::prelude::*;
use pyo3::types::PyList;
use rmlx::ops;

#[pyfunction]
#[pyo3(signature = (a, b, /, rtol = 1e-5, atol = 1e-8, *, equal_nan = false, stream = None))]
fn isclose(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    rtol: f64,
    atol: f64,
    equal_nan: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "isclose", "a")?;
    let b = strict_array(b, "isclose", "b")?;
    on_stream(stream, || ops::isclose(&a, &b, rtol, atol, equal_nan)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (a, b, /, rtol = 1e-5, atol = 1e-8, *, equal_nan = false, stream = None))]
fn allclose(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    rtol: f64,
    atol: f64,
    equal_nan: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "allclose", "a")?;
    let b = strict_array(b, "allclose", "b")?;
    on_stream(stream, || ops::allclose(&a, &b, rtol, atol, equal_nan)).map(PyArray::new_py)
}

/// Python scalars are weakly typed against the other operand, as in MLX's binary ops.
/// MLX accepts `equal_nan` and `stream` only as keywords.
#[pyfunction]
#[pyo3(signature = (a, b, /, *, equal_nan = false, stream = None))]
fn array_equal(
    a: &Bound<'_, PyAny>,
    b: &Bound<'_, PyAny>,
    equal_nan: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let (a, b) = operand_pair(
        scalar_or_array(a, "array_equal")?,
        scalar_or_array(b, "array_equal")?,
    )?;
    on_stream(stream, || ops::array_equal(&a, &b, equal_nan)).map(PyArray::new_py)
}

/// `[a // b, a % b]`: MLX returns a list, not a tuple.
#[pyfunction]
#[pyo3(signature = (a, b, /, *, stream = None))]
fn divmod<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    stream: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let (a, b) = operand_pair(scalar_or_array(a, "divmod")?, scalar_or_array(b, "divmod")?)?;
    let (q, r) = on_stream(stream, || ops::divmod(&a, &b))?;
    PyList::new(py, [PyArray::new_py(q), PyArray::new_py(r)])
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(isclose, m)?)?;
    m.add_function(wrap_pyfunction!(allclose, m)?)?;
    m.add_function(wrap_pyfunction!(array_equal, m)?)?;
    m.add_function(wrap_pyfunction!(divmod, m)?)?;
    Ok(())
}
