//! Pytrees for the transforms: nested lists, tuples and dicts whose leaves are arrays.
//!
//! Transforms flatten their arguments to the arrays at the leaves (in depth-first order,
//! dict values in insertion order), work on those, and rebuild the same structure with new
//! arrays in the leaves' places.

use crate::array::PyArray;
use crate::errors::value_error;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rmlx::Array;

/// The error MLX gives for a non-array leaf where only arrays may be.
pub(crate) fn only_arrays() -> PyErr {
    value_error("[tree_flatten] The argument should contain only arrays")
}

/// Appends the arrays at the leaves of `obj`. With `strict`, any other leaf is an error;
/// otherwise other leaves are skipped (and kept as they are by [`rebuild`]).
pub(crate) fn flatten(obj: &Bound<'_, PyAny>, strict: bool, out: &mut Vec<Array>) -> PyResult<()> {
    if let Ok(a) = obj.cast::<PyArray>() {
        out.push(a.borrow().inner.clone());
    } else if let Ok(l) = obj.cast::<PyList>() {
        for x in l.iter() {
            flatten(&x, strict, out)?;
        }
    } else if let Ok(t) = obj.cast::<PyTuple>() {
        for x in t.iter() {
            flatten(&x, strict, out)?;
        }
    } else if let Ok(d) = obj.cast::<PyDict>() {
        for (_, v) in d.iter() {
            flatten(&v, strict, out)?;
        }
    } else if strict {
        return Err(only_arrays());
    }
    Ok(())
}

/// `obj` with its array leaves replaced, in order, by arrays taken from `arrays`.
pub(crate) fn rebuild<'py>(
    py: Python<'py>,
    obj: &Bound<'py, PyAny>,
    arrays: &mut impl Iterator<Item = Array>,
) -> PyResult<Bound<'py, PyAny>> {
    if obj.cast::<PyArray>().is_ok() {
        let a = arrays
            .next()
            .ok_or_else(|| value_error("[tree_unflatten] Not enough arrays for the tree."))?;
        return Ok(Bound::new(py, PyArray::new_py(a))?.into_any());
    }
    if let Ok(l) = obj.cast::<PyList>() {
        let items = l
            .iter()
            .map(|x| rebuild(py, &x, arrays))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(PyList::new(py, items)?.into_any());
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let items = t
            .iter()
            .map(|x| rebuild(py, &x, arrays))
            .collect::<PyResult<Vec<_>>>()?;
        return Ok(PyTuple::new(py, items)?.into_any());
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let out = PyDict::new(py);
        for (k, v) in d.iter() {
            out.set_item(k, rebuild(py, &v, arrays)?)?;
        }
        return Ok(out.into_any());
    }
    Ok(obj.clone())
}

/// A Python array object.
pub(crate) fn py_array(py: Python<'_>, a: Array) -> PyResult<Bound<'_, PyAny>> {
    Ok(Bound::new(py, PyArray::new_py(a))?.into_any())
}
