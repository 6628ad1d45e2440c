//! `eval` and `async_eval` over pytrees (nested lists, tuples and dicts of arrays).

use crate::array::PyArray;
use crate::errors::IntoPy;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rmlx::Array;

/// Collects the arrays at the leaves of a pytree; other leaves are ignored, as in MLX.
pub(crate) fn tree_arrays(obj: &Bound<'_, PyAny>, out: &mut Vec<Array>) -> PyResult<()> {
    if let Ok(a) = obj.cast::<PyArray>() {
        out.push(a.borrow().inner.clone());
    } else if let Ok(l) = obj.cast::<PyList>() {
        for x in l.iter() {
            tree_arrays(&x, out)?;
        }
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        for x in t.iter() {
            tree_arrays(&x, out)?;
        }
    } else if let Ok(d) = obj.cast::<PyDict>() {
        for (_, v) in d.iter() {
            tree_arrays(&v, out)?;
        }
    }
    Ok(())
}

fn collect(args: &Bound<'_, PyTuple>) -> PyResult<Vec<Array>> {
    let mut arrays = vec![];
    for a in args.iter() {
        tree_arrays(&a, &mut arrays)?;
    }
    Ok(arrays)
}

/// Evaluates every array in the arguments (pytrees allowed); the GIL is released meanwhile.
#[pyfunction(signature = (*args))]
fn eval(py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<()> {
    let arrays = collect(args)?;
    py.detach(|| rmlx::eval(&arrays)).py()
}

/// Starts evaluating every array in the arguments and returns at once.
#[pyfunction(signature = (*args))]
fn async_eval(py: Python<'_>, args: &Bound<'_, PyTuple>) -> PyResult<()> {
    let arrays = collect(args)?;
    py.detach(|| rmlx::async_eval(&arrays)).py()
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(eval, m)?)?;
    m.add_function(wrap_pyfunction!(async_eval, m)?)?;
    Ok(())
}
