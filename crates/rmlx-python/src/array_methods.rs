//! The `array` methods MLX has for its ops: `a.reshape(*shape)`, `a.transpose(*axes)`, the
//! elementwise methods and the `mT` property. They share their argument handling with the
//! module functions. The reduction methods (`a.sum(...)` and friends) are generated in
//! `ops/reduce.rs` beside their module functions.

// PyO3's generated wrappers for methods written by a `macro_rules!` carry this crate's
// spans, so the workspace's `unsafe_op_in_unsafe_fn` lint would fire on PyO3's own code.
#![allow(unsafe_op_in_unsafe_fn)]

use crate::array::PyArray;
use crate::device::on_stream;
use crate::ops::args::{int_arg, int_sequence};
use crate::ops::shape::{matrix_transpose_impl, split_impl, squeeze_impl, transpose_impl};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyTuple};
use rmlx::ops;

/// A shape or axes given as `*args`: one sequence (`a.reshape((2, 3))`) or several ints
/// (`a.reshape(2, 3)`). As in MLX, a leading sequence is the whole argument, and anything
/// that is not an int (or a sequence of ints) is a RuntimeError, MLX's failed cast.
fn star_ints(args: &Bound<'_, PyTuple>, func: &str, arg: &str) -> PyResult<Vec<i32>> {
    let ints = match args.iter().next() {
        Some(first) if !first.is_instance_of::<PyInt>() => int_sequence(&first, func, arg),
        _ => args.iter().map(|v| int_arg(&v, func, arg)).collect(),
    };
    ints.map_err(|_| {
        PyRuntimeError::new_err(format!(
            "[{func}] Expected ints or one sequence of ints for '{arg}'."
        ))
    })
}

/// Elementwise methods `a.exp(*, stream=None)` and friends.
macro_rules! elementwise_methods {
    ($($name:ident),* $(,)?) => {
        #[pymethods]
        impl PyArray {
            $(
                #[pyo3(signature = (*, stream = None))]
                fn $name(&self, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
                    on_stream(stream, || ops::$name(&self.inner)).map(PyArray::new_py)
                }
            )*
        }
    };
}

elementwise_methods!(
    abs, conj, cos, exp, log, log10, log1p, log2, reciprocal, rsqrt, sin, sqrt, square
);

#[pymethods]
impl PyArray {
    #[pyo3(signature = (decimals = 0, *, stream = None))]
    fn round(&self, decimals: i32, stream: Option<&Bound<'_, PyAny>>) -> PyResult<PyArray> {
        on_stream(stream, || ops::round(&self.inner, decimals)).map(PyArray::new_py)
    }

    #[pyo3(signature = (*shape, stream = None))]
    fn reshape(
        &self,
        shape: &Bound<'_, PyTuple>,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        let shape = star_ints(shape, "reshape", "shape")?;
        on_stream(stream, || ops::reshape(&self.inner, &shape)).map(PyArray::new_py)
    }

    /// `a.transpose()`, `a.transpose(1, 0)` or `a.transpose((1, 0))`.
    #[pyo3(signature = (*axes, stream = None))]
    fn transpose(
        &self,
        axes: &Bound<'_, PyTuple>,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        let axes = if axes.is_empty() {
            None
        } else {
            Some(star_ints(axes, "transpose", "axes")?)
        };
        transpose_impl(&self.inner, axes, stream)
    }

    #[pyo3(signature = (start_axis = 0, end_axis = -1, *, stream = None))]
    fn flatten(
        &self,
        start_axis: i32,
        end_axis: i32,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        on_stream(stream, || ops::flatten(&self.inner, start_axis, end_axis)).map(PyArray::new_py)
    }

    #[pyo3(signature = (axis = None, *, stream = None))]
    fn squeeze(
        &self,
        axis: Option<&Bound<'_, PyAny>>,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        squeeze_impl(&self.inner, axis, stream)
    }

    #[pyo3(signature = (axis1, axis2, *, stream = None))]
    fn swapaxes(
        &self,
        axis1: i32,
        axis2: i32,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        on_stream(stream, || ops::swapaxes(&self.inner, axis1, axis2)).map(PyArray::new_py)
    }

    #[pyo3(signature = (source, destination, *, stream = None))]
    fn moveaxis(
        &self,
        source: i32,
        destination: i32,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyArray> {
        on_stream(stream, || ops::moveaxis(&self.inner, source, destination)).map(PyArray::new_py)
    }

    #[pyo3(signature = (indices_or_sections, axis = 0, *, stream = None))]
    fn split(
        &self,
        py: Python<'_>,
        indices_or_sections: &Bound<'_, PyAny>,
        axis: i32,
        stream: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        split_impl(py, &self.inner, indices_or_sections, axis, stream)
    }

    /// The last two axes swapped (MLX's `mT`).
    #[getter(mT)]
    fn m_t(&self) -> PyResult<PyArray> {
        matrix_transpose_impl(&self.inner, None)
    }
}
