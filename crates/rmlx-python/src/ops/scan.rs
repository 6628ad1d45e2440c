//! Scans: `mx.cumsum(a, /, axis=None, *, reverse=False, inclusive=True, dtype=None,
//! stream=None)` and cumprod (with `dtype`, a conversion before the scan), cummax, cummin
//! and logcumsumexp (without). `cumulative_sum` and `cumulative_prod` are the same function
//! objects as cumsum and cumprod, as in MLX.
//!
//! `scan_impl` is shared with the `array` methods of the same names.

use super::args::{opt_dtype, strict_array};
use crate::array::PyArray;
use crate::device::on_stream;
use pyo3::prelude::*;
use rmlx::{ops, Array, Dtype};

/// An engine scan: `(a, axis, reverse, inclusive)`.
pub(crate) type ScanFn = fn(&Array, Option<i32>, bool, bool) -> rmlx::Result<Array>;

/// Runs `f` on `a` (first converted to `dtype` when given) on `stream`.
pub(crate) fn scan_impl(
    f: ScanFn,
    a: &Array,
    axis: Option<i32>,
    reverse: bool,
    inclusive: bool,
    dtype: Option<Dtype>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    on_stream(stream, || {
        let x = match dtype {
            Some(dt) => ops::astype(a, dt)?,
            None => a.clone(),
        };
        f(&x, axis, reverse, inclusive)
    })
    .map(PyArray::new_py)
}

// PyO3's generated wrappers for functions written by a `macro_rules!` carry this crate's
// spans, so the workspace's `unsafe_op_in_unsafe_fn` lint would fire on PyO3's own code.
#[allow(unsafe_op_in_unsafe_fn)]
mod plain {
    use super::*;

    macro_rules! with_dtype {
        ($($name:ident),*) => {$(
            #[pyfunction]
            #[pyo3(signature = (a, /, axis = None, *, reverse = false, inclusive = true, dtype = None, stream = None))]
            pub(super) fn $name(
                a: &Bound<'_, PyAny>,
                axis: Option<i32>,
                reverse: bool,
                inclusive: bool,
                dtype: Option<&Bound<'_, PyAny>>,
                stream: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<PyArray> {
                let name = stringify!($name);
                let a = strict_array(a, name, "a")?;
                let dtype = opt_dtype(dtype, name)?;
                scan_impl(ops::$name, &a, axis, reverse, inclusive, dtype, stream)
            }
        )*};
    }

    macro_rules! without_dtype {
        ($($name:ident),*) => {$(
            #[pyfunction]
            #[pyo3(signature = (a, /, axis = None, *, reverse = false, inclusive = true, stream = None))]
            pub(super) fn $name(
                a: &Bound<'_, PyAny>,
                axis: Option<i32>,
                reverse: bool,
                inclusive: bool,
                stream: Option<&Bound<'_, PyAny>>,
            ) -> PyResult<PyArray> {
                let name = stringify!($name);
                let a = strict_array(a, name, "a")?;
                scan_impl(ops::$name, &a, axis, reverse, inclusive, None, stream)
            }
        )*};
    }

    with_dtype!(cumsum, cumprod);
    without_dtype!(cummax, cummin, logcumsumexp);

    pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add_function(wrap_pyfunction!(cumsum, m)?)?;
        m.add_function(wrap_pyfunction!(cumprod, m)?)?;
        m.add_function(wrap_pyfunction!(cummax, m)?)?;
        m.add_function(wrap_pyfunction!(cummin, m)?)?;
        m.add_function(wrap_pyfunction!(logcumsumexp, m)?)?;
        Ok(())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    plain::register(m)?;
    m.add("cumulative_sum", m.getattr("cumsum")?)?;
    m.add("cumulative_prod", m.getattr("cumprod")?)?;
    Ok(())
}
