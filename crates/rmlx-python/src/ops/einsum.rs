//! `einsum(subscripts, *operands, stream=None)` and `einsum_path(subscripts, *operands)`
//! with MLX's signatures: operands must be arrays (MLX fails its cast with a RuntimeError),
//! and `einsum_path` returns `(list of position tuples, printed summary)`.

use crate::array::PyArray;
use crate::device::on_stream;
use crate::errors::IntoPy;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use rmlx::{ops, Array};

/// The operands as arrays; anything else is MLX's RuntimeError (a failed cast there).
fn operands(func: &str, objs: &Bound<'_, PyTuple>) -> PyResult<Vec<Array>> {
    objs.iter()
        .enumerate()
        .map(|(i, o)| match o.cast::<PyArray>() {
            Ok(a) => Ok(a.borrow().inner.clone()),
            Err(_) => Err(PyRuntimeError::new_err(format!(
                "[{func}] Operand {i} must be an array, got {}.",
                o.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))),
        })
        .collect()
}

#[pyfunction]
#[pyo3(signature = (subscripts, *operands_, stream = None))]
fn einsum(
    subscripts: &str,
    operands_: &Bound<'_, PyTuple>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let arrays = operands("einsum", operands_)?;
    on_stream(stream, || ops::einsum(subscripts, &arrays)).map(PyArray::new_py)
}

#[pyfunction]
#[pyo3(signature = (subscripts, *operands_))]
fn einsum_path<'py>(
    py: Python<'py>,
    subscripts: &str,
    operands_: &Bound<'py, PyTuple>,
) -> PyResult<Bound<'py, PyTuple>> {
    let arrays = operands("einsum_path", operands_)?;
    let (path, text) = ops::einsum_path(subscripts, &arrays).py()?;
    let steps = path
        .iter()
        .map(|p| PyTuple::new(py, p))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(
        py,
        [
            PyList::new(py, steps)?.into_any(),
            text.into_pyobject(py)?.into_any(),
        ],
    )
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(einsum, m)?)?;
    m.add_function(wrap_pyfunction!(einsum_path, m)?)?;
    Ok(())
}
