//! Reductions: `mx.sum(a, /, axis=None, keepdims=False, *, stream=None)` and friends,
//! argmax/argmin (one axis or `None`), and softmax (`precise=`).
//!
//! The `reduce_*` helpers are shared with the `array` methods of the same names.

use super::args::{opt_axes, opt_axis, strict_array};
use crate::array::PyArray;
use crate::device::on_stream;
use pyo3::prelude::*;
use rmlx::{ops, Array};

/// An engine reduction over explicit axes, and its every-axis form.
pub(crate) type AxesFn = fn(&Array, &[i32], bool) -> rmlx::Result<Array>;
pub(crate) type AllFn = fn(&Array, bool) -> rmlx::Result<Array>;

/// The reduction `name` of `a` over `axis` (`None`: every axis, through `f_all`).
pub(crate) fn reduce_impl(
    name: &str,
    (f, f_all): (AxesFn, AllFn),
    a: &Array,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let axes = opt_axes(axis, name)?;
    on_stream(stream, || match &axes {
        Some(ax) => f(a, ax, keepdims),
        None => f_all(a, keepdims),
    })
    .map(PyArray::new_py)
}

/// Variance (`is_std == false`) or standard deviation; `correction`, when given,
/// replaces `ddof` (MLX accepts both keywords).
pub(crate) fn var_std_impl(
    is_std: bool,
    a: &Array,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    ddof: i32,
    correction: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let name = if is_std { "std" } else { "var" };
    let axes = opt_axes(axis, name)?;
    let ddof = correction.unwrap_or(ddof);
    on_stream(stream, || match (&axes, is_std) {
        (Some(ax), false) => ops::var(a, ax, keepdims, ddof),
        (Some(ax), true) => ops::std(a, ax, keepdims, ddof),
        (None, false) => ops::var_all(a, keepdims, ddof),
        (None, true) => ops::std_all(a, keepdims, ddof),
    })
    .map(PyArray::new_py)
}

/// argmax (`is_max`) or argmin over one axis or the flattened array.
pub(crate) fn arg_impl(
    is_max: bool,
    a: &Array,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let name = if is_max { "argmax" } else { "argmin" };
    let axis = opt_axis(axis, name)?;
    on_stream(stream, || {
        if is_max {
            ops::argmax(a, axis, keepdims)
        } else {
            ops::argmin(a, axis, keepdims)
        }
    })
    .map(PyArray::new_py)
}

// PyO3's generated wrappers for functions written by a `macro_rules!` carry this crate's
// spans, so the workspace's `unsafe_op_in_unsafe_fn` lint would fire on PyO3's own code.
#[allow(unsafe_op_in_unsafe_fn)]
mod plain {
    use super::*;

    macro_rules! reductions {
        ($($name:ident => $all:ident),* $(,)?) => {
            $(
                #[pyfunction]
                #[pyo3(signature = (a, /, axis = None, keepdims = false, *, stream = None))]
                pub(super) fn $name(
                    a: &Bound<'_, PyAny>,
                    axis: Option<&Bound<'_, PyAny>>,
                    keepdims: bool,
                    stream: Option<&Bound<'_, PyAny>>,
                ) -> PyResult<PyArray> {
                    let name = stringify!($name);
                    let a = strict_array(a, name, "a")?;
                    reduce_impl(name, (ops::$name, ops::$all), &a, axis, keepdims, stream)
                }
            )*
            pub(super) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
                $( m.add_function(wrap_pyfunction!($name, m)?)?; )*
                Ok(())
            }
        };
    }

    reductions!(
        sum => sum_all,
        prod => prod_all,
        mean => mean_all,
        max => max_all,
        min => min_all,
        all => all_all,
        any => any_all,
        logsumexp => logsumexp_all,
    );
}

#[pyfunction]
#[pyo3(signature = (a, /, axis = None, keepdims = false, ddof = 0, *, correction = None, stream = None))]
fn var(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    ddof: i32,
    correction: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "var", "a")?;
    var_std_impl(false, &a, axis, keepdims, ddof, correction, stream)
}

#[pyfunction]
#[pyo3(name = "std", signature = (a, /, axis = None, keepdims = false, ddof = 0, *, correction = None, stream = None))]
fn std_dev(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    ddof: i32,
    correction: Option<i32>,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "std", "a")?;
    var_std_impl(true, &a, axis, keepdims, ddof, correction, stream)
}

#[pyfunction]
#[pyo3(signature = (a, /, axis = None, keepdims = false, *, stream = None))]
fn argmax(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "argmax", "a")?;
    arg_impl(true, &a, axis, keepdims, stream)
}

#[pyfunction]
#[pyo3(signature = (a, /, axis = None, keepdims = false, *, stream = None))]
fn argmin(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    keepdims: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "argmin", "a")?;
    arg_impl(false, &a, axis, keepdims, stream)
}

/// Softmax over `axis` (`None`: every axis); `precise` accumulates half types in float32.
#[pyfunction]
#[pyo3(signature = (a, /, axis = None, *, precise = false, stream = None))]
fn softmax(
    a: &Bound<'_, PyAny>,
    axis: Option<&Bound<'_, PyAny>>,
    precise: bool,
    stream: Option<&Bound<'_, PyAny>>,
) -> PyResult<PyArray> {
    let a = strict_array(a, "softmax", "a")?;
    let axes = opt_axes(axis, "softmax")?;
    on_stream(stream, || match &axes {
        Some(ax) => ops::softmax(&a, ax, precise),
        None => ops::softmax_all(&a, precise),
    })
    .map(PyArray::new_py)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    plain::register(m)?;
    m.add_function(wrap_pyfunction!(var, m)?)?;
    m.add_function(wrap_pyfunction!(std_dev, m)?)?;
    m.add_function(wrap_pyfunction!(argmax, m)?)?;
    m.add_function(wrap_pyfunction!(argmin, m)?)?;
    m.add_function(wrap_pyfunction!(softmax, m)?)?;
    Ok(())
}
