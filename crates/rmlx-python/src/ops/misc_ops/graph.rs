//! `depends`.

use crate::array::PyArray;
use crate::device::on_stream;
use crate::ops::args::type_name;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyList;
use rmlx::{ops, Array};

/// One array, or a sequence of arrays; MLX reports anything else as a RuntimeError.
/// The flag says whether a single array was given.
fn arrays_arg(obj: &Bound<'_, PyAny>) -> PyResult<(Vec<Array>, bool)> {
    let bad = |o: &Bound<'_, PyAny>| {
        PyRuntimeError::new_err(format!("[depends] Expected arrays, got {}.", type_name(o)))
    };
    if let Ok(a) = obj.cast::<PyArray>() {
        return Ok((vec![a.borrow().inner.clone()], true));
    }
    let iter = obj.try_iter().map_err(|_| bad(obj))?;
    let mut out = Vec::new();
    for item in iter {
        let item = item?;
        match item.cast::<PyArray>() {
            Ok(a) => out.push(a.borrow().inner.clone()),
            Err(_) => return Err(bad(&item)),
        }
    }
    Ok((out, false))
}

/// Arrays equal to `inputs` whose evaluation first evaluates `dependencies`: an array for
/// an array, a list for a sequence.
#[pyfunction]
#[pyo3(signature = (inputs, dependencies, /))]
fn depends<'py>(
    py: Python<'py>,
    inputs: &Bound<'py, PyAny>,
    dependencies: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let (ins, single) = arrays_arg(inputs)?;
    let (deps, _) = arrays_arg(dependencies)?;
    let out = on_stream(None, || ops::depends(&ins, &deps))?;
    let mut out = out.into_iter().map(PyArray::new_py);
    if single {
        if let Some(a) = out.next() {
            return Ok(Bound::new(py, a)?.into_any());
        }
    }
    Ok(PyList::new(py, out)?.into_any())
}

pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(depends, m)?)
}
