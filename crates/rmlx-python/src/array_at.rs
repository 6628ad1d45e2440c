//! `array.at[idx]`: MLX's `ArrayAt`, updates that return a new array and, unlike
//! `a[idx] += v`, apply every one of repeated indices.
//!
//! `subtract` adds the negated value and `divide` multiplies by the reciprocal, as MLX
//! does (so an integer array divided gets the reciprocal cast to its dtype).

use crate::array::PyArray;
use crate::errors::{value_error, IntoPy};
use crate::indexing::{scatter_item, value_arg};
use pyo3::prelude::*;
use rmlx::ops::{self, ScatterMode};
use rmlx::Array;

/// The helper returned by `array.at`; index it, then call an update method.
#[pyclass(name = "ArrayAt", module = "rmlx.core")]
pub struct ArrayAt {
    array: Array,
    key: Option<Py<PyAny>>,
}

impl ArrayAt {
    pub(crate) fn new(array: Array) -> ArrayAt {
        ArrayAt { array, key: None }
    }

    fn apply(
        &self,
        value: &Bound<'_, PyAny>,
        mode: ScatterMode,
        prepare: fn(&Array) -> rmlx::Result<Array>,
    ) -> PyResult<PyArray> {
        let py = value.py();
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| value_error("[ArrayAt] Index the array first: a.at[idx].add(v)."))?;
        let v = prepare(&value_arg(value, &self.array)?).py()?;
        scatter_item(&self.array, key.bind(py), &v, mode).map(PyArray::new_py)
    }
}

fn keep(v: &Array) -> rmlx::Result<Array> {
    Ok(v.clone())
}

#[pymethods]
impl ArrayAt {
    fn __getitem__(&self, key: &Bound<'_, PyAny>) -> ArrayAt {
        ArrayAt {
            array: self.array.clone(),
            key: Some(key.clone().unbind()),
        }
    }
    fn add(&self, value: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.apply(value, ScatterMode::Add, keep)
    }
    fn subtract(&self, value: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.apply(value, ScatterMode::Add, ops::negative)
    }
    fn multiply(&self, value: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.apply(value, ScatterMode::Prod, keep)
    }
    fn divide(&self, value: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.apply(value, ScatterMode::Prod, ops::reciprocal)
    }
    fn maximum(&self, value: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.apply(value, ScatterMode::Max, keep)
    }
    fn minimum(&self, value: &Bound<'_, PyAny>) -> PyResult<PyArray> {
        self.apply(value, ScatterMode::Min, keep)
    }
}
