//! The scan methods of `array`: `a.cumsum(axis=None, *, reverse=False, inclusive=True,
//! stream=None)`, cumprod, cummax, cummin, logcumsumexp (no `dtype`, as in MLX).

// PyO3's generated wrappers for methods written by a `macro_rules!` carry this crate's
// spans, so the workspace's `unsafe_op_in_unsafe_fn` lint would fire on PyO3's own code.
#![allow(unsafe_op_in_unsafe_fn)]

use crate::array::PyArray;
use crate::ops::scan::scan_impl;
use pyo3::prelude::*;
use rmlx::ops;

macro_rules! scan_methods {
    ($($name:ident),*) => {
        #[pymethods]
        impl PyArray {
            $(
                #[pyo3(signature = (axis = None, *, reverse = false, inclusive = true, stream = None))]
                fn $name(
                    &self,
                    axis: Option<i32>,
                    reverse: bool,
                    inclusive: bool,
                    stream: Option<&Bound<'_, PyAny>>,
                ) -> PyResult<PyArray> {
                    scan_impl(ops::$name, &self.inner, axis, reverse, inclusive, None, stream)
                }
            )*
        }
    };
}

scan_methods!(cumsum, cumprod, cummax, cummin, logcumsumexp);
